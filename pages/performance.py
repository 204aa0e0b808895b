"""Performance: volume, days to close, targets and backlog age per agency and request type."""

import streamlit as st

from portal import cache, ui
from portal.filters import PERIODS, parse_choice
from portal.metrics import DEFINITIONS, SMALL_SAMPLE
from portal.performance import GROUPINGS

ctx = ui.require_release()
st.title("Performance")
st.caption(
    f"{DEFINITIONS['closed']} Periods end at the last request in this release. Medians and "
    "shares are over the requests received in the period that are marked closed (Closed (n)); "
    "those still open when the data ends are counted beside them, not in them. Rows with "
    f"fewer than {SMALL_SAMPLE} closed are flagged as small samples."
)
params = ui.query_params()
by, msgs = parse_choice(params, "by", GROUPINGS, "agency")
period, more = parse_choice(params, "period", PERIODS, "30")
ui.show_messages(msgs + more)
left, right = st.columns(2)
by = left.segmented_control("Per", list(GROUPINGS), default=by, format_func=GROUPINGS.get, key="perf_by") or by
period = right.selectbox(
    "Period", list(PERIODS), index=list(PERIODS).index(period), format_func=PERIODS.get, key="perf_period"
)
ui.set_query_params({"by": by, "period": period})

table = cache.performance_table(ctx.url, ctx.version, by, None if period == "all" else int(period))
num = st.column_config.NumberColumn
if table.empty:
    st.info("This release has no requests.")
else:
    st.space("small")  # room for the table's toolbar, which touch screens always show above it
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={
            "group": st.column_config.TextColumn(GROUPINGS[by], pinned=True),
            "requests": num("Requests", help=DEFINITIONS["new"]),
            "closed_n": num(
                "Closed (n)",
                help="Requests received in the period and marked "
                "closed, with a days to close: the n of the median, p90 and share.",
            ),
            "still_open": num(
                "Still open",
                help="Requests received in the period and still open when the data ends: not counted in the median.",
            ),
            "median_days": num("Median days", format="%.1f", help=DEFINITIONS["median"]),
            "p90_days": num("p90 days", format="%.1f", help=DEFINITIONS["p90"]),
            "within_target": num("Within target", format="percent", help=DEFINITIONS["target"]),
            "target_n": num("Target (n)", help="Of Closed (n), those whose type has a target."),
            "open_backlog": num("Open backlog", help=DEFINITIONS["backlog"]),
            "backlog_median_age_days": num("Backlog median age (days)", format="%.1f", help=DEFINITIONS["backlog_age"]),
            "small_sample": st.column_config.CheckboxColumn(f"Small sample (n < {SMALL_SAMPLE})"),
        },
    )
st.caption(f"{DEFINITIONS['p90']} {DEFINITIONS['backlog_age']}")
