"""Track one request: status in the city's words, timeline, typical time, location, notes."""

import streamlit as st

from portal import cache, maps, track, ui
from portal.filters import clean_request_id
from portal.metrics import DEFINITIONS
from portal.text import md, plain


def show_request(ctx, view, row) -> None:
    """Everything about one request (a function so the page has one flat if/elif chain)."""
    st.subheader(f"{md(view.title)}")
    status_col, days_col = st.columns(2)
    status_col.metric("Status", view.status_label, help=DEFINITIONS["closed"])
    status_col.caption(f"City's wording: {md(view.city_status)}")
    days_col.metric(view.days_label, view.days_value)
    if view.overdue:
        days_col.badge("Overdue", icon=":material/warning:", color="orange")
    st.markdown(f"**Agency:** {md(view.agency)}")
    st.markdown(md(view.typical_sentence))
    st.subheader("Timeline")
    for label, when in view.timeline:
        st.markdown(f"- **{label}:** {md(when)}")
    for note in view.timeline_notes:
        st.markdown(f":material/info: {md(note)}")
    if view.notes:
        st.subheader("Notes")
        for label, note in view.notes:
            st.markdown(f"**{label}**")
            st.text(note)
    st.subheader("Where")
    st.markdown(md(view.location_text))
    for note in view.location_notes:
        st.markdown(f":material/info: {md(note)}")
    if view.point is not None:
        code = row.get("neighborhood_code")
        nbhds = cache.neighborhoods(ctx.url, ctx.version, with_geometry=True)
        zoom_to = [n["geometry"] for n in nbhds if n["neighborhood_code"] == code] or [list(view.point)]
        frame, drawn = cache.framed_neighborhoods(ctx.url, ctx.version, zoom_to, 360, 260)
        layers = [
            maps.boundaries([n for n in drawn if n["neighborhood_code"] == code] or drawn, code),
            maps.points([{**row, "overdue": view.overdue}], ctx.release.timezone, radius_m=60, min_px=8),
        ]
        ui.pydeck_map(maps.deck(layers, frame), height=280, key="track_map")


ctx = ui.require_release()
rel = ctx.release
st.title("Track a request")
url_id = plain(st.query_params.get("id", ""), 64)
if st.session_state.get("track_id_synced") != url_id:  # a new URL fills the box; typing never resets it
    st.session_state["track_id"] = st.session_state["track_id_synced"] = url_id
with st.form("lookup", border=False):
    raw = st.text_input("Request id", key="track_id", max_chars=64)
    if st.form_submit_button("Look up", icon=":material/search:"):
        st.query_params["id"] = st.session_state["track_id_synced"] = raw.strip()
request_id, problem = clean_request_id(st.query_params.get("id"))
row = cache.request(ctx.url, ctx.version, request_id) if request_id else None
if problem:
    st.warning(md(problem))
elif request_id is None:
    st.info("Enter the id of a service request (as the city gave it to you) to see where it stands.")
elif row is None:
    st.warning(
        f"No request with the id **{md(request_id)}** in release {md(rel.version)}. "
        "Check the id, or it may be newer than this release, or withheld for privacy "
        "(some request types are not published)."
    )
else:
    view = track.describe(row, rel.as_of, rel.timezone)
    show_request(ctx, view, row)
