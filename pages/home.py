"""Home: what the portal is, a request tracker first, the headline numbers of the latest period."""

from pathlib import Path

import streamlit as st

from portal import cache, ui
from portal.definitions import define
from portal.metrics import PERIOD_DAYS
from portal.text import md

here = Path(__file__)  # sibling pages by absolute path
ctx = ui.require_release()
rel = ctx.release
tr = ui.tr()
_ = tr._
st.title(_("311 service requests"))
st.markdown(_("Open data on the service requests residents send to **{city}**.").format(city=md(rel.title, 200)))

st.subheader(_("Track a request"))
with st.form("track", border=False):
    request_id = st.text_input(_("Request id"), max_chars=64, placeholder=_("e.g. the number the city gave you"))
    if st.form_submit_button(_("Track"), icon=":material/search:"):
        params = {"id": request_id.strip(), **({"lang": tr.tag} if tr.code != "en" else {})}
        st.switch_page(here.with_name("track.py"), query_params=params)

head = cache.headline(ctx.url, ctx.version)
st.subheader(_("The latest {days} days of requests").format(days=PERIOD_DAYS), help=define("period", tr))
st.caption(
    _(
        "Requests received {start} to {end}, the {days} days ending at the last request in this release. "
        "Days to close are over these requests; the backlog and overdue are counted when the data ends ({through})."
    ).format(
        start=md(tr.datetime(head.period.start, rel.timezone)),
        end=md(tr.datetime(head.period.end, rel.timezone)),
        days=PERIOD_DAYS,
        through=md(tr.datetime(rel.as_of, rel.timezone)),
    )
)
first, second = st.columns(2)
first.metric(_("New requests"), tr.number(head.new_requests), help=define("new", tr))
second.metric(_("Open backlog"), tr.number(head.open_backlog), help=define("backlog", tr))
second.caption(_("{n} of them overdue").format(n=tr.number(head.overdue)))
third, fourth = st.columns(2)
ui.metric_days(third, _("Median days to close"), head.median_days)
ui.metric_share(fourth, _("Closed within target"), head.within_target)
untargeted = head.median_days.n - head.within_target.n
if untargeted > 0:
    untargeted_note = tr.ngettext(
        "{n} closed request of a type without a target is not counted here.",
        "{n} closed requests of types without a target are not counted here.",
        untargeted,
    )
    ui.n_note(fourth, untargeted_note.format(n=tr.number(untargeted)))
st.caption(define("closed", tr))

st.subheader(_("Explore"))
ui.page_link(here.with_name("map.py"), _("Map of requests by neighborhood"), ":material/map:")
ui.page_link(here.with_name("neighborhood.py"), _("Neighborhood report (PDF, images, CSV)"), ":material/description:")
ui.page_link(here.with_name("performance.py"), _("How quickly agencies close requests"), ":material/speed:")
ui.page_link(here.with_name("data.py"), _("Download the data and read the dictionary"), ":material/download:")
st.markdown(
    _(
        "Potholes, noise, streetlights and more: every number here comes from one published release; "
        "the files, their checksums and the data dictionary are on the Data page."
    )
)
st.markdown(ui.release_line(rel))
