"""Data: how to cite the release, its files (each named with its version), the data dictionary,
the release report and changes explained, earlier versions, and a filtered export, in tabs."""

from functools import partial

import streamlit as st

from portal import cache, datasheet, export, html, links, package, ui
from portal.filters import parse_filters
from portal.text import md

EXPORT_LIMIT = 200_000

ctx = ui.require_release()
rel = ctx.release
tr = ui.tr()
_ = tr._
name = partial(package.versioned, rel.package_name, version=rel.version)  # <package>-<what>-<version>.<ext>
st.title(_("Data"))
st.markdown(f"**{md(rel.title, 300)}**")
st.markdown(
    _("**How to cite this release:** {citation}").format(citation=md(package.citation(rel, tr, ui.portal_url())))
)
files, dictionary, report, changes, selection = st.tabs(
    [_("Files"), _("Data dictionary"), _("Release report"), _("Changes and versions"), _("Export a selection")]
)


def download(label: str, data, file_name: str, mime: str, key: str) -> None:
    st.download_button(
        label, data, file_name=file_name, mime=mime, key=key, icon=":material/download:", on_click="ignore"
    )


with files:
    st.html(html.table(*datasheet.summary(rel, tr), cards=False))
    st.caption(
        _(
            "Each file as published, with its SHA-256 checksum from datapackage.json and whether "
            "this server's copy matches it."
        )
    )
    download(
        _("Download {file}").format(file="datapackage.json"),
        partial(package.datapackage_bytes, rel),
        name("datapackage", suffix=".json"),
        "application/json",
        "dp",
    )
    api = links.api_base()
    st.markdown(
        _(
            "For programs: the [catalog]({catalog}) (DCAT-US, as data.gov harvests it) and a "
            "[dataset page]({page}) that search engines read."
        ).format(catalog=f"<{api}/catalog/data.json>", page=f"<{api}/catalog/index.html>")
    )
    for res, status in cache.resource_status(ctx.url, ctx.version):
        size = (
            _("{n} bytes").format(n=tr.number(res.declared_bytes))
            if res.declared_bytes is not None
            else _("size not declared")
        )
        check = _("check: {status}").format(status=_(package.VERIFY_TEXT.get(status, status)))
        st.markdown(f"**{md(tr.data(res.title))}** · {md(res.path)} · {size} · {md(check)}")
        st.caption(_("checksum {hash}").format(hash=md(res.declared_hash or _("not declared"))))
        if res.file is not None:
            label = _("Download {file}").format(file=md(res.file_name))
            download(
                label,
                partial(package.read_resource, res),
                res.download_name(rel.package_name, rel.version),
                res.mediatype,
                f"res_{res.name}",
            )

with dictionary:
    lang = "" if tr.code == "en" else f"-{tr.tag}"
    csv_name = name("data-dictionary" + lang, suffix=".csv")
    download(
        _("Download the data dictionary (CSV)"), partial(package.dictionary_csv, rel, tr), csv_name, "text/csv", "dict"
    )
    st.html(html.table(*datasheet.dictionary(rel, tr)))

for tab, kind, doc in [(report, "report", rel.report), (changes, "changelog", rel.changelog)]:
    with tab:
        for title, table in datasheet.explained(kind, doc, tr):
            st.html(html.table(*table, caption=title or None))
        with st.expander(_("Full document (JSON)")):
            st.json(doc, expanded=False)

with changes:
    st.markdown("**" + _("Versions") + "**")
    st.html(html.table(*datasheet.versions(rel, cache.release_list(ctx.url, ctx.version), tr)))

with selection:
    vocab = cache.vocabulary(ctx.url, ctx.version)
    parsed = parse_filters(ui.query_params(), vocab)
    ui.show_messages(parsed.messages)
    types, nbhds = cache.service_types(ctx.url, ctx.version), cache.neighborhoods(ctx.url, ctx.version)
    filters = ui.filter_controls(parsed.filters, vocab, types, nbhds, key="data", expanded=True)
    ui.set_query_params(filters.to_params())
    fmt = st.radio(_("Format"), list(export.FORMATS), format_func=str.upper, horizontal=True, key="data_fmt")
    matching = cache.count(ctx.url, ctx.version, filters)
    if matching > EXPORT_LIMIT:
        too_many = _("{n} rows match; the export holds the first {limit}. The Files tab has the whole file.")
        st.warning(too_many.format(n=tr.number(matching), limit=tr.number(EXPORT_LIMIT)))
    mime, ext = export.FORMATS[fmt]
    label = _("Export {n} matching rows ({format})").format(
        n=tr.number(min(matching, EXPORT_LIMIT)), format=fmt.upper()
    )
    export_file = partial(cache.export_file, ctx.url, rel, filters, fmt, EXPORT_LIMIT)
    download(label, export_file, name("selection", suffix=f".{ext}"), mime, "export")
    st.markdown(_("The same rows from the query API, for programs and scripts (paged, with the release version):"))
    st.code(links.api_url(filters, links.api_base(), fmt), language=None)
