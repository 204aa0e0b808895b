"""Data: the release's metadata and checksums, data dictionary, downloads, filtered export,
the release report, the data changelog and earlier versions."""

from functools import partial

import streamlit as st

from portal import cache, export, package, ui
from portal.filters import parse_filters
from portal.text import md

EXPORT_LIMIT = 200_000

ctx = ui.require_release()
rel = ctx.release
st.title("Data")
st.markdown(f"**{md(rel.title, 300)}**")
meta = {
    "version": rel.version,
    "created": rel.created,
    "package": rel.package_name,
    "time zone": rel.timezone,
    "rows published": f"{rel.rows_published:,}",
    "rows quarantined": f"{rel.rows_quarantined:,}",
    "licenses": "; ".join(str(x.get("title") or x.get("name")) for x in package.licenses(rel)),
    "sources": "; ".join(str(x.get("title") or x.get("path")) for x in package.sources(rel)),
}
st.table([{"item": k, "value": v} for k, v in meta.items()], hide_index=True, border="horizontal")

st.subheader("Files")
st.caption(
    "Each file as published, with the SHA-256 checksum declared in datapackage.json and "
    "whether the file on this server matches it."
)
for res, status in cache.resource_status(ctx.url, ctx.version):
    size = f"{res.declared_bytes:,} bytes" if res.declared_bytes is not None else "size not declared"
    st.markdown(f"**{md(res.title)}** · {md(res.path)} · {size} · check: {md(status)}")
    st.caption(f"checksum {md(res.declared_hash or 'not declared')}")
    if res.file is not None:
        st.download_button(
            f"Download {md(res.file_name)}",
            partial(package.read_resource, res),
            file_name=res.file_name,
            mime=res.mediatype,
            key=f"res_{res.name}",
            icon=":material/download:",
            on_click="ignore",
        )

st.subheader("Export a selection")
vocab = cache.vocabulary(ctx.url, ctx.version)
parsed = parse_filters(ui.query_params(), vocab)
ui.show_messages(parsed.messages)
filters = ui.filter_controls(
    parsed.filters,
    vocab,
    cache.service_types(ctx.url, ctx.version),
    cache.neighborhoods(ctx.url, ctx.version),
    key="data",
)
ui.set_query_params(filters.to_params())
fmt = st.radio("Format", list(export.FORMATS), format_func=str.upper, horizontal=True, key="data_fmt")
matching = cache.count(ctx.url, ctx.version, filters)
if matching > EXPORT_LIMIT:
    st.warning(
        f"{matching:,} rows match; the export holds the first {EXPORT_LIMIT:,}. "
        "Download the whole file above for everything."
    )
mime, ext = export.FORMATS[fmt]
st.download_button(
    f"Export {min(matching, EXPORT_LIMIT):,} matching rows ({fmt.upper()})",
    partial(cache.export_file, ctx.url, rel, filters, fmt, EXPORT_LIMIT),
    file_name=f"service_requests-{rel.version}-selection.{ext}",
    mime=mime,
    icon=":material/file_export:",
    on_click="ignore",
)

st.subheader("Data dictionary")
st.dataframe(package.data_dictionary(rel), hide_index=True, width="stretch")

for title, doc in [("Release report", rel.report), ("Changes since the previous release", rel.changelog)]:
    st.subheader(title)
    tables = package.document_tables(doc)
    if not tables:
        st.caption("Nothing recorded.")
    for name, table in tables:
        st.markdown(f"**{md(name.replace('_', ' '))}**")
        st.dataframe(table, hide_index=True, width="stretch")
    with st.expander("Full document (JSON)"):
        st.json(doc, expanded=False)

st.subheader("Versions")
st.dataframe(package.history(rel, cache.release_list(ctx.url, ctx.version)), hide_index=True, width="stretch")
