"""Track one request: status in the city's words, timeline, typical time, location, notes."""

import streamlit as st

from portal import cache, geometry, maps, settings, track, ui
from portal.definitions import define
from portal.filters import clean_request_id
from portal.text import md, plain


def show_request(ctx, view, row, tr) -> None:
    """Everything about one request (a function so the page has one flat if/elif chain)."""
    _ = tr._
    st.subheader(f"{md(view.title)}")
    status_col, days_col = st.columns(2)
    status_col.metric(_("Status"), view.status_label, help=define("closed", tr))
    status_col.caption(_("City's wording: {status}").format(status=md(view.city_status)))
    days_col.metric(view.days_label, view.days_value)
    if view.as_of_note:
        ui.n_note(days_col, md(view.as_of_note))
    if view.overdue:
        days_col.badge(_("Overdue"), icon=":material/warning:", color="orange")
    st.markdown(_("**Agency:** {agency}").format(agency=md(view.agency)))
    st.markdown(md(view.typical_sentence))
    st.subheader(_("Timeline"))
    for label, when in view.timeline:
        st.markdown(f"- **{md(label)}:** {md(when)}")
    for note in view.timeline_notes:
        st.markdown(f":material/info: {md(note)}")
    if view.notes:
        st.subheader(_("Notes"))
        for label, note in view.notes:
            st.markdown(f"**{md(label)}**")
            st.text(note)
    st.subheader(_("Where"))
    st.markdown(md(view.location_text))
    for note in view.location_notes:
        st.markdown(f":material/info: {md(note)}")
    if view.point is not None:
        code = row.get("neighborhood_code")
        nbhds = cache.neighborhoods(ctx.url, ctx.version, with_geometry=True)
        zoom_to = [n["geometry"] for n in nbhds if n["neighborhood_code"] == code] or [list(view.point)]
        frame, drawn = cache.framed_neighborhoods(ctx.url, ctx.version, zoom_to, 360, 260)
        around = geometry.nearby(drawn, zoom_to)
        layers = [
            maps.boundaries(around, code),
            maps.points([{**row, "overdue": view.overdue}], ctx.release.timezone, radius_m=60, min_px=8, tr=tr),
            maps.labels(around, frame),
        ]
        alt = _("Map of where the request is, among the neighborhoods around it.")
        ui.pydeck_map(maps.deck(layers, frame, basemap=settings.basemap_on()), height=300, key="track_map", alt=alt)


ctx = ui.require_release()
rel = ctx.release
tr = ui.tr()
_ = tr._
st.title(_("Track a request"))
url_id = plain(st.query_params.get("id", ""), 64)
if st.session_state.get("track_id_synced") != url_id:  # a new URL fills the box; typing never resets it
    st.session_state["track_id"] = st.session_state["track_id_synced"] = url_id
with st.form("lookup", border=False):
    raw = st.text_input(_("Request id"), key="track_id", max_chars=64)
    if st.form_submit_button(_("Look up"), icon=":material/search:"):
        st.query_params["id"] = st.session_state["track_id_synced"] = raw.strip()
request_id, problem = clean_request_id(st.query_params.get("id"))
row = cache.request(ctx.url, ctx.version, request_id) if request_id else None
if problem:
    st.warning(md(tr.msg(problem)))
elif request_id is None:
    st.info(_("Enter the id of a service request (as the city gave it to you) to see where it stands."))
elif row is None:
    st.warning(
        _(
            "No request with the id **{id}** in release {version}. Check the id, or it may be newer than this "
            "release, or withheld for privacy (some request types are not published)."
        ).format(id=md(request_id), version=md(rel.version))
    )
else:
    if row["service_request_id"] != request_id:
        st.caption(
            _("Showing request {found} (you typed {typed}).").format(
                found=md(row["service_request_id"]), typed=md(request_id)
            )
        )
    show_request(ctx, track.describe(row, rel.as_of, rel.timezone, tr), row, tr)
