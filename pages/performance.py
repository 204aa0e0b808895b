"""Performance: volume, days to close, targets and backlog age per agency and request type."""

import streamlit as st

from portal import cache, charts, html, performance, ui
from portal.definitions import define
from portal.filters import PERIODS, parse_choice
from portal.metrics import SMALL_SAMPLE
from portal.performance import GROUPINGS

ctx = ui.require_release()
tr = ui.tr()
_ = tr._
st.title(_("Performance"))
st.caption(
    define("closed", tr)
    + " "
    + _(
        "Periods end at the last request in this release. Medians and shares are over the requests received in "
        "the period that are marked closed (Closed (n)); those still open when the data ends are counted beside "
        "them, not in them. Rows with fewer than {small} closed are marked as small samples."
    ).format(small=SMALL_SAMPLE)
)
params = ui.query_params()
by, msgs = parse_choice(params, "by", GROUPINGS, "agency")
period, more = parse_choice(params, "period", PERIODS, "30")
ui.show_messages(msgs + more)
left, right = st.columns(2)
by = (
    left.segmented_control(_("Per"), list(GROUPINGS), default=by, format_func=lambda g: _(GROUPINGS[g]), key="perf_by")
    or by
)
period = right.selectbox(
    _("Period"),
    list(PERIODS),
    index=list(PERIODS).index(period),
    format_func=lambda p: _(PERIODS[p]),
    key="perf_period",
)
ui.set_query_params({"by": by, "period": period})
days = None if period == "all" else int(period)

by_type = cache.performance_table(ctx.url, ctx.version, "service", days)
rows = charts.target_rows(by_type, cache.service_types(ctx.url, ctx.version), tr)
if rows:
    st.subheader(_("Median days to close against the target, by request type"))
    st.altair_chart(charts.target_chart(rows, tr), alt=charts.target_alt(rows, tr))
    st.caption(
        _(
            "Bars: median days to close of the {n} busiest request types with closed requests; "
            "the orange tick is the type's target, where it has one."
        ).format(n=len(rows))
    )

table = by_type if by == "service" else cache.performance_table(ctx.url, ctx.version, by, days)
if table.empty:
    st.info(_("This release has no requests."))
else:
    st.subheader(_("By agency") if by == "agency" else _("By request type"))
    st.html(html.table(*performance.display(table, tr, _(GROUPINGS[by]))))
notes = ["new", "median", "p90", "target", "backlog", "backlog_age"]
with st.expander(_("What the columns mean"), icon=":material/help:"):
    for key in notes:
        st.markdown(f"- {define(key, tr)}")
