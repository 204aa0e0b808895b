"""Files downloaded from /data are byte for byte the published ones: their SHA-256 is the ``hash``
that the release's datapackage.json declares."""

from __future__ import annotations

import hashlib

import pytest

RESOURCES = ["service_requests", "neighborhoods"]  # data/service_requests.csv, data/neighborhoods.geojson


def sha256(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@pytest.mark.parametrize("site", ["demo", pytest.param("nyc", marks=pytest.mark.shared)], indirect=True)
def test_downloads_match_the_datapackage_hash(site, page, wait_for_streamlit, tmp_path):
    page.goto(site.url("/data"))
    wait_for_streamlit(page)
    for name in RESOURCES:
        resource = site.resource(name)
        file_name = resource["path"].rsplit("/", 1)[-1]
        with page.expect_download(timeout=60_000) as info:
            page.get_by_role("button", name=f"Download {file_name}").click()
        download = info.value
        stem, _, suffix = file_name.rpartition(".")
        # named with the package and the version: two releases (or two cities) never collide
        assert download.suggested_filename == f"{site.package['name']}-{stem}-{site.version}.{suffix}"
        saved = tmp_path / file_name
        download.save_as(saved)
        assert f"sha256:{sha256(saved)}" == resource["hash"], f"{file_name} differs from {site.release_dir}"
        assert saved.stat().st_size == resource["bytes"]
