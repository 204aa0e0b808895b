"""Fixtures for page tests: the app under AppTest, on a hand-built release or on ETL releases.

``run_page`` (tests/conftest.py) drives the real entry point (app.py, with st.navigation) and switches to a page,
so the frame (banner, attribution) and the page run together, exactly as in the browser.
ETL releases are built once per session: the demo city always, the three real cities when
../shared/data is present (through the ``shared_data`` fixture of tests/conftest.py).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CITIES = {  # profile: input file in ../shared/data/<profile>/
    "new-york-city": "test_sample3.csv",
    "los-angeles": "MyLA311_Service_Request_Data_2017_Subset.csv",
    "chicago": "chicago_311_data.csv",
}


def _load_sample_module():
    spec = importlib.util.spec_from_file_location(
        "portal_sample_release", ROOT / "tests" / "portal" / "sample_release.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


sample_release = _load_sample_module()


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return sample_release.build_release_db(tmp_path_factory.mktemp("sample"))


@pytest.fixture(scope="module")
def demo_sample(tmp_path_factory):
    return sample_release.build_release_db(tmp_path_factory.mktemp("demo"), is_demo=True)


def _publish(profile: str, input_path: Path, out: Path) -> tuple[str, Path]:
    from etl.pipeline import publish_release

    url = f"sqlite:///{out / 'portal.db'}"
    result = publish_release(profile, input_path, out=out / "datasets", db_url=url, private_dir=out / "private")
    return url, Path(result.release_dir)


@pytest.fixture(scope="session")
def demo_release(tmp_path_factory):
    """The demo city published by the ETL: ``(db_url, release_dir)``."""
    from etl.demo import write_demo_input

    out = tmp_path_factory.mktemp("demo-release")
    return _publish("demo", write_demo_input(out / "input"), out)


@pytest.fixture(scope="session")
def _city_releases(tmp_path_factory):
    built: dict[str, tuple[str, Path]] = {}

    def get(shared: Path, profile: str) -> tuple[str, Path]:
        if profile not in built:
            out = tmp_path_factory.mktemp(profile)
            built[profile] = _publish(profile, shared / profile / CITIES[profile], out)
        return built[profile]

    return get


@pytest.fixture
def city_release(shared_data, _city_releases):
    """``city_release(profile) -> (db_url, release_dir)``, built once per session."""
    return lambda profile: _city_releases(shared_data, profile)


def html_tables(at) -> list[list[dict]]:
    """The portal's HTML tables on a page (``portal.html.table``), each as rows of
    ``{header: cell text}``, in page order."""
    from lxml import html as lxml_html

    tables = []
    for element in at.get("html"):
        body = element.proto.body
        if 'class="p311-table' not in body:
            continue
        tree = lxml_html.fromstring(body)
        headers = [th.text_content() for th in tree.iter("th")]
        rows = [[td.text_content() for td in tr.iter("td")] for tr in tree.iter("tr")]
        tables.append([dict(zip(headers, cells)) for cells in rows if cells])
    return tables
