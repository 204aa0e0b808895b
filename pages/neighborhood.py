"""Neighborhood report: a brief for one neighborhood and period, with PDF, PNG and CSV downloads."""

from functools import partial

import streamlit as st

from portal import cache, charts, export, geometry, html, images, links, maps, reports, settings, ui, wording
from portal.definitions import define
from portal.filters import PERIODS, Filters, parse_choice
from portal.maps import POINT_COLORS
from portal.text import md

ctx = ui.require_release()
rel = ctx.release
tr = ui.tr()
_ = tr._
lang = None if tr.code == "en" else tr.tag
st.title(_("Neighborhood report"))
nbhds = cache.neighborhoods(ctx.url, ctx.version, with_geometry=True)
if not nbhds:  # the ETL always publishes boundaries; this guards a hand-loaded database
    st.info(_("This release has no neighborhood boundaries, so there is no neighborhood report."))
    st.stop()
names = {n["neighborhood_code"]: n["name"] for n in nbhds}
params = ui.query_params()
code, msgs = parse_choice(params, "nbhd", names, next(iter(names)))
period, period_msgs = parse_choice(params, "period", PERIODS, "30")
ui.show_messages(msgs + period_msgs)
left, right = st.columns(2)
code = left.selectbox(
    _("Neighborhood"), list(names), index=list(names).index(code), format_func=names.get, key="nb_code"
)
period = right.selectbox(
    _("Period"), list(PERIODS), index=list(PERIODS).index(period), format_func=lambda p: _(PERIODS[p]), key="nb_period"
)
ui.set_query_params({"nbhd": code, "period": period})
days = None if period == "all" else int(period)
brief = cache.brief(ctx.url, ctx.version, code, days, PERIODS[period])

st.subheader(md(brief.name))
st.caption(md(wording.period_text(brief, tr)))
if brief.new_requests == 0 and period != "all":
    st.info(_("No request here was received in this period; choose “Whole release” to see them all."))
a, b, c = st.columns(3)
a.metric(_("New requests"), tr.number(brief.new_requests), help=define("new", tr))
b.metric(_("Open backlog"), tr.number(brief.open_backlog), help=define("backlog", tr))
c.metric(_("Overdue"), tr.number(brief.overdue), help=define("overdue", tr))
d, e = st.columns(2)
ui.metric_days(d, _("Median days to close, here"), brief.median_local)
ui.metric_days(e, _("Median days to close, citywide"), brief.median_city)
ui.metric_share(st, _("Closed within target, here"), brief.within_local)

st.markdown("**" + _("Top request types in the period") + "**")
top = [{"type": t, "n": tr.number(n)} for t, n in brief.top_types]
st.html(html.table([html.Column("type", _("Request type")), html.Column("n", _("Requests"), numeric=True)], top))
trend = wording.trend_label(brief, tr)
st.markdown(f"**{trend}**")
st.altair_chart(charts.trend_chart(brief, tr, _("requests")), alt=charts.trend_alt(brief, tr, trend))
st.caption(md(wording.trend_note(brief, tr)))

st.markdown("**" + _("Oldest open requests") + "**")
st.html(html.table(*wording.oldest_table(brief, tr, lang)))
st.caption(
    _("Ages are counted to {when}, when this release's data ends.").format(
        when=md(tr.datetime(rel.as_of, rel.timezone))
    )
)

here = [n["geometry"] for n in nbhds if n["neighborhood_code"] == code]
view, drawn = cache.framed_neighborhoods(ctx.url, ctx.version, here, 360, 300)
around = geometry.nearby(drawn, here)
layers = [maps.boundaries(around, code), maps.open_dots(brief.open_points), maps.labels(around, view)]
alt = _("Map of {name} and the neighborhoods around it, with its open requests as dots.").format(name=brief.name)
ui.pydeck_map(maps.deck(layers, view, basemap=settings.basemap_on()), height=320, key="nb_map", alt=alt)
ui.legend(_("Open requests"), [(POINT_COLORS["open"], _("open")), (POINT_COLORS["overdue"], _("open and overdue"))])
for key in brief.caveats:
    st.caption(md(define(key, tr)))
feed = links.feed_url(Filters(neighborhood=code), links.api_base())
follow = _("[Follow {name}]({url}): an Atom feed of its new and closed requests, for any feed reader.")
st.markdown(follow.format(name=md(brief.name), url=f"<{feed}>"))

st.subheader(_("Downloads"))
stem = f"{code}-{period}-{rel.version}".replace("/", "_")
imprint = wording.Imprint(rel.title, rel.version, rel.license_name, rel.source_title, rel.is_demo, ui.portal_url())
pdf = partial(reports.brief_pdf, brief, imprint, tr, around)
st.download_button(
    _("Printable brief (PDF)"),
    pdf,
    file_name=f"{stem}-{tr.tag}.pdf",
    mime="application/pdf",
    icon=":material/picture_as_pdf:",
    on_click="ignore",
)
for size, (w, h) in images.PNG_SIZES.items():
    label = _("Newsletter image, wide {w}×{h} (PNG)") if size == "wide" else _("Newsletter image, square {w}×{h} (PNG)")
    png = partial(images.brief_png, brief, imprint, tr, size)
    st.download_button(
        label.format(w=w, h=h),
        png,
        file_name=f"{stem}-{size}-{tr.tag}.png",
        mime="image/png",
        icon=":material/image:",
        on_click="ignore",
    )
rows = cache.brief_rows(ctx.url, ctx.version, code, days)
csv_label = _("The {n} rows behind this report (CSV)").format(n=tr.number(len(rows)))
st.download_button(
    csv_label,
    partial(export.rows_csv, rows, rel.timezone),
    file_name=f"{stem}.csv",
    mime="text/csv",
    icon=":material/table:",
    on_click="ignore",
)
