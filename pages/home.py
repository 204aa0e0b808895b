"""Home: what the portal is, the headline numbers of the latest period, and a request tracker."""

from pathlib import Path

import streamlit as st

from portal import cache, ui
from portal.metrics import DEFINITIONS, PERIOD_DAYS
from portal.text import md
from portal.timefmt import format_local

here = Path(__file__)  # sibling pages by absolute path
ctx = ui.require_release()
rel = ctx.release
st.title("311 service requests")
st.markdown(
    f"Open data on the service requests residents send to **{md(rel.title, 200)}**: potholes, "
    "noise, streetlights and more. Every number here comes from one published release; "
    "the files, their checksums and the data dictionary are on the Data page."
)
st.markdown(ui.release_line(rel))

head = cache.headline(ctx.url, ctx.version)
start = format_local(head.period.start, rel.timezone)
end = format_local(head.period.end, rel.timezone)
st.subheader(f"The latest {PERIOD_DAYS} days of requests", help=DEFINITIONS["period"])
st.caption(
    f"Requests received {md(start)} to {md(end)}, the {PERIOD_DAYS} days ending at the last "
    f"request in this release. Days to close are over these requests; the backlog and "
    f"overdue are counted when the data ends ({md(format_local(rel.as_of, rel.timezone))})."
)
first, second = st.columns(2)
first.metric("New requests", f"{head.new_requests:,}", help=DEFINITIONS["new"])
second.metric("Open backlog", f"{head.open_backlog:,}", help=DEFINITIONS["backlog"])
second.caption(f"{head.overdue:,} of them overdue")
third, fourth = st.columns(2)
ui.metric_days(third, "Median days to close", head.median_days)
ui.metric_share(fourth, "Closed within target", head.within_target)
st.caption(DEFINITIONS["closed"])

st.subheader("Track a request")
with st.form("track", border=False):
    request_id = st.text_input("Request id", max_chars=64, placeholder="e.g. the number the city gave you")
    if st.form_submit_button("Track", icon=":material/search:"):
        st.switch_page(here.with_name("track.py"), query_params={"id": request_id.strip()})

st.subheader("Explore")
st.page_link(here.with_name("map.py"), label="Map of requests by neighborhood", icon=":material/map:")
st.page_link(
    here.with_name("neighborhood.py"), label="Neighborhood report (PDF, images, CSV)", icon=":material/description:"
)
st.page_link(here.with_name("performance.py"), label="How quickly agencies close requests", icon=":material/speed:")
st.page_link(here.with_name("data.py"), label="Download the data and read the dictionary", icon=":material/download:")
