"""Every page in Spanish and Simplified Chinese: the language comes from ``?lang=``, stays in the
URL from page to page, and every word the page asks for is in that language's catalog (strict
mode records any that is not). The release report of every published release is explained."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from portal import glossary, i18n
from tests.conftest import APP_WRAPPER, REPO_ROOT
from tests.pages.conftest import html_tables

PAGES = ["home", "map", "track", "neighborhood", "performance", "data"]
TITLES = {
    "es": ["Solicitudes de servicio al 311", "Mapa de solicitudes", "Seguimiento de una solicitud"]
    + ["Informe del vecindario", "Desempeño", "Datos"],
    "zh_Hans": ["311 服务请求", "请求地图", "查询请求进度", "社区报告", "办理绩效", "数据"],
}
PARAMS = {"track": {"id": "sr-9"}, "neighborhood": {"nbhd": "N2"}}


@pytest.fixture
def visit(monkeypatch):
    """``visit(db_url, page, lang, **params) -> AppTest`` in strict mode, ``i18n.MISSING`` emptied."""
    monkeypatch.setenv("PORTAL_I18N_STRICT", "1")
    i18n.MISSING.clear()

    def run(db_url: str, page: str, lang: str, **params) -> AppTest:
        monkeypatch.setenv("PORTAL_DB_URL", db_url)
        at = AppTest.from_string(APP_WRAPPER, default_timeout=60)
        at.query_params["lang"] = i18n.tag(lang)
        at.run()
        if page != "home":
            for key, value in params.items():
                at.query_params[key] = value
            at.switch_page(str(REPO_ROOT / "pages" / f"{page}.py"))
            at.run()
        return at

    yield run
    i18n.MISSING.clear()


@pytest.mark.parametrize("lang", ["es", "zh_Hans"])
@pytest.mark.parametrize("page", PAGES)
def test_page_speaks_the_language_of_the_link(visit, sample, page, lang):
    at = visit(sample.url, page, lang, **PARAMS.get(page, {}))
    assert not at.exception, at.exception
    assert at.title[0].value == TITLES[lang][PAGES.index(page)]
    assert sorted(i18n.MISSING) == [], "asked for words that are not in the catalog"
    assert at.query_params["lang"] in (i18n.tag(lang), [i18n.tag(lang)])  # kept for the next page and a shared link
    footer = at.markdown[-1].value
    assert ("Licencia:" if lang == "es" else "许可协议：") in footer


def test_spanish_numbers_and_words_on_the_performance_page(visit, sample):
    at = visit(sample.url, "performance", "es", by="service")
    row = next(r for r in html_tables(at)[0] if r["Tipo de solicitud"] == "Pothole")
    assert (row["Solicitudes"], row["Mediana de días"], row["Dentro del plazo"], row["Nota"]) == (
        "5",
        "4,0",
        "66,7\xa0%",
        "muestra pequeña",
    )


def test_chinese_track_page_says_days_and_as_of(visit, sample):
    at = visit(sample.url, "track", "zh_Hans", id="SR-9")
    assert {m.label: m.value for m in at.metric} == {"状态": "未关闭", "已持续": "8 天"}
    notes = " ".join(m.value for m in at.markdown)
    assert "截至 2024年3月31日 18\\:00 MDT，即本版本数据的截止时间（不是今天）" in notes


def test_the_language_stays_when_the_visitor_moves_on(visit, sample):
    at = visit(sample.url, "home", "es")
    at.switch_page(str(REPO_ROOT / "pages" / "map.py")).run()  # as the navigation does: no parameters
    assert at.title[0].value == "Mapa de solicitudes"
    assert at.query_params["lang"] in ("es", ["es"])


def test_the_picker_changes_the_language_and_english_leaves_the_url_clean(visit, sample):
    at = visit(sample.url, "home", "es")
    at.button_group(key="lang_picker").set_value("zh_Hans").run()
    assert at.title[0].value == "311 服务请求" and at.query_params["lang"] in ("zh-Hans", ["zh-Hans"])
    at.button_group(key="lang_picker").set_value("en").run()
    assert at.title[0].value == "311 service requests" and "lang" not in at.query_params


def test_an_unknown_language_is_english(visit, sample):
    at = visit(sample.url, "home", "xx")
    assert at.title[0].value == "311 service requests"


def test_the_demo_releases_report_is_explained_key_by_key(demo_release):
    _, release_dir = demo_release
    for name, doc in (("report", "report.json"), ("changelog", "changelog.json")):
        document = json.loads((release_dir / doc).read_text(encoding="utf-8"))
        assert glossary.unexplained(name, document) == []


@pytest.mark.shared
@pytest.mark.parametrize("profile", ["new-york-city", "los-angeles", "chicago"])
def test_a_real_citys_report_is_explained_key_by_key(city_release, profile):
    _, release_dir = city_release(profile)
    for name, doc in (("report", "report.json"), ("changelog", "changelog.json")):
        document = json.loads((release_dir / doc).read_text(encoding="utf-8"))
        assert glossary.unexplained(name, document) == []
