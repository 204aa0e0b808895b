"""Neighborhood report: a brief for one neighborhood and period, with PDF, PNG and CSV downloads."""

from functools import partial

import streamlit as st

from portal import cache, export, maps, reports, ui
from portal.filters import PERIODS, parse_choice
from portal.metrics import DEFINITIONS
from portal.text import md

ctx = ui.require_release()
rel = ctx.release
st.title("Neighborhood report")
nbhds = cache.neighborhoods(ctx.url, ctx.version, with_geometry=True)
if not nbhds:  # the ETL always publishes boundaries; this guards a hand-loaded database
    st.info("This release has no neighborhood boundaries, so there is no neighborhood report.")
    st.stop()
names = {n["neighborhood_code"]: n["name"] for n in nbhds}
params = ui.query_params()
code, msgs = parse_choice(params, "nbhd", names, next(iter(names)))
period, period_msgs = parse_choice(params, "period", PERIODS, "30")
ui.show_messages(msgs + period_msgs)
left, right = st.columns(2)
code = left.selectbox("Neighborhood", list(names), index=list(names).index(code), format_func=names.get, key="nb_code")
period = right.selectbox(
    "Period", list(PERIODS), index=list(PERIODS).index(period), format_func=PERIODS.get, key="nb_period"
)
ui.set_query_params({"nbhd": code, "period": period})
days = None if period == "all" else int(period)
brief = cache.brief(ctx.url, ctx.version, code, days, PERIODS[period])

st.subheader(md(brief.name))
st.caption(md(reports.period_text(brief)))
if brief.new_requests == 0 and period != "all":
    st.info("No request here was received in this period; choose “Whole release” to see them all.")
a, b, c = st.columns(3)
a.metric("New requests", f"{brief.new_requests:,}", help=DEFINITIONS["new"])
b.metric("Open backlog", f"{brief.open_backlog:,}", help=DEFINITIONS["backlog"])
c.metric("Overdue", f"{brief.overdue:,}", help=DEFINITIONS["overdue"])
d, e = st.columns(2)
ui.metric_days(d, "Median days to close, here", brief.median_local)
ui.metric_days(e, "Median days to close, citywide", brief.median_city)
ui.metric_share(st, "Closed within target, here", brief.within_local)

st.markdown("**Top request types in the period**")
st.dataframe(
    {"Request type": [t for t, _ in brief.top_types], "Requests": [n for _, n in brief.top_types]},
    hide_index=True,
    width="stretch",
)
st.markdown(f"**{reports.trend_label(brief)}**")
st.bar_chart(
    {"starting": [str(d) for d, _ in brief.weekly], "requests": [n for _, n in brief.weekly]},
    x="starting",
    y="requests",
    height=220,
)
st.markdown("**Oldest open requests**")
st.dataframe(
    brief.oldest_open,
    hide_index=True,
    width="stretch",
    column_config={"age_days": st.column_config.NumberColumn("age (days)", format="%.1f")},
)
here = [n["geometry"] for n in nbhds if n["neighborhood_code"] == code]
view, drawn = cache.framed_neighborhoods(ctx.url, ctx.version, here, 360, 260)
layers = [maps.boundaries(maps.nearby(drawn, here), code)]
ui.pydeck_map(maps.deck(layers, view), height=280, key="nb_map")
for caveat in brief.caveats:
    st.caption(md(caveat))

st.subheader("Downloads")
stem = f"{code}-{period}-{rel.version}".replace("/", "_")
pdf = partial(
    reports.brief_pdf,
    brief,
    title=rel.title,
    version=rel.version,
    license_name=rel.license_name,
    source=rel.source_title,
    is_demo=rel.is_demo,
)
st.download_button(
    "Printable brief (PDF)",
    pdf,
    file_name=f"{stem}.pdf",
    mime="application/pdf",
    icon=":material/picture_as_pdf:",
    on_click="ignore",
)
for size, (w, h) in reports.PNG_SIZES.items():
    png = partial(reports.brief_png, brief, version=rel.version, is_demo=rel.is_demo, size=size)
    st.download_button(
        f"Newsletter image, {size} {w}×{h} (PNG)",
        png,
        file_name=f"{stem}-{size}.png",
        mime="image/png",
        icon=":material/image:",
        on_click="ignore",
    )
rows = cache.brief_rows(ctx.url, ctx.version, code, days)
st.download_button(
    f"The {len(rows):,} rows behind this report (CSV)",
    partial(export.rows_csv, rows, rel.timezone),
    file_name=f"{stem}.csv",
    mime="text/csv",
    icon=":material/table:",
    on_click="ignore",
)
