"""The Data page's tables: the release at a glance, the dictionary and versions in any language."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine

from portal import datasheet, db, performance
from portal.i18n import translator


@pytest.fixture
def release(sample):
    return db.read_release(create_engine(sample.url), sample.version)


def test_summary_counts_with_the_locales_separators(release):
    columns, rows = datasheet.summary(release, translator("es"))
    assert [c.header for c in columns] == ["Elemento", "Valor"]
    assert {r["k"]: r["v"] for r in rows}["Filas publicadas"] == "15"


def test_dictionary_translates_titles_and_descriptions(release):
    columns, rows = datasheet.dictionary(release, translator("zh_Hans"))
    assert [c.header for c in columns] == ["字段", "标题", "类型", "必填", "描述"]
    zipcode = next(r for r in rows if r["field"] == "zipcode")
    assert (zipcode["title"], zipcode["required"]) == ("邮政编码", "否")
    assert zipcode["description"] == "5 位邮政编码，以文本保存，以保留开头的零。"


def test_versions_say_which_is_served(release):
    known = [{"version": release.version, "created": release.created, "is_current": True}]
    _, rows = datasheet.versions(release, known, translator("es"))
    assert rows[0]["note"] == "versión actual (la que muestra este portal)"


def test_performance_table_has_one_number_format_and_a_dash_for_missing(conn):
    from sample_release import T

    from portal.metrics import latest_period

    table = performance.performance_table(conn, T, latest_period(conn, T), "service")
    columns, rows = performance.display(table, translator("en"), "Request type")
    by_type = {r["group"]: r for r in rows}
    assert [c.key for c in columns][:2] == ["group", "requests"]
    assert by_type["Pothole"]["within_target"] == "66.7%" and by_type["Pothole"]["median_days"] == "4.0"
    assert by_type["Noise Complaint"]["within_target"] == "—"  # no target: a dash, never "None" or "nan"
    assert by_type["Welfare Check"]["median_days"] == "—" and by_type["Graffiti"]["backlog_median_age_days"] == "100.0"
    assert by_type["Pothole"]["note"] == "small sample"
