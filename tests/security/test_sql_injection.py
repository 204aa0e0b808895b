"""SQL injection: lookups and filters use bound parameters only.

Injection strings typed into the track page, or put into the map, data, neighborhood and performance
pages' URL query parameters, change nothing (every table's row count and the current release stay
the same, no extra rows are shown), get a helpful message, and never appear in the text of an SQL
statement (every statement the app sends is recorded: the strings travel only as bound parameters).
One of the hostile release's ids *is* ``1' OR '1'='1``: the track page finds exactly that request.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from sqlalchemy import MetaData, create_engine, event, func, select
from sqlalchemy.engine import Engine

INJECTIONS = [
    "1' OR '1'='1",
    "'; DROP TABLE service_requests; --",
    '" OR ""="',
    "%' UNION SELECT version, title FROM releases --",
    "' OR 1=1 --",
    "1; DELETE FROM releases",
    "x') OR ('a'='a",
    "\\'; UPDATE releases SET is_current = 0; --",
]
REAL_INJECTION_ID = "1' OR '1'='1"  # a request id in the hostile release (tests/security/hostile.py)
ROOT = Path(__file__).resolve().parents[2]


def table_counts(url: str) -> dict:
    engine = create_engine(url)
    try:
        meta = MetaData()
        meta.reflect(engine)
        with engine.connect() as conn:
            counts = {t.name: conn.execute(select(func.count()).select_from(t)).scalar() for t in meta.sorted_tables}
            counts["current"] = (
                conn.execute(
                    select(meta.tables["releases"].c.version).where(meta.tables["releases"].c.is_current.is_(True))
                )
                .scalars()
                .all()
            )
        return counts
    finally:
        engine.dispose()


@pytest.fixture
def statements():
    """Every SQL statement (text, parameters) sent by any engine in this process while the test runs."""
    seen: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    event.listen(Engine, "before_cursor_execute", record)
    yield seen
    event.remove(Engine, "before_cursor_execute", record)


def assert_only_bound(statements, payloads) -> None:
    assert statements, "no SQL was recorded"
    for sql, _ in statements:
        for p in payloads:
            assert p not in sql, f"{p!r} is in the SQL text: {sql[:300]}"


def _texts(at) -> str:
    parts = [e.value for kind in ("markdown", "caption", "warning", "info", "subheader") for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts).replace("\\", "").replace("\u2060", "")  # md() escapes and word joiners


@pytest.mark.parametrize("payload", INJECTIONS)
def test_track_page_by_url(run_page, hostile_raw, statements, payload):
    before = table_counts(hostile_raw.db_url)
    at = run_page(hostile_raw.db_url, "track", id=payload)
    assert not at.exception, at.exception
    assert table_counts(hostile_raw.db_url) == before
    assert_only_bound(statements, [payload])
    assert any(
        payload in (params if isinstance(params, (tuple, list)) else tuple(params.values()))
        for _, params in statements
        if params
    ), "the id was never sent as a parameter"
    text = _texts(at)
    if payload == REAL_INJECTION_ID:  # the one request whose id this is, and only it
        assert [s.value for s in at.subheader][0].replace("\\", "") == f"{payload}: Pothole"
        assert "No request with the id" not in text
    else:
        assert "No request with the id" in text and payload.replace("\\", "") in text
        assert not at.metric  # no request shown


def test_track_page_typed_into_the_box(run_page, hostile_raw, statements):
    before = table_counts(hostile_raw.db_url)
    for payload in INJECTIONS[1:4]:
        at = run_page(hostile_raw.db_url, "track")
        at.text_input[0].input(payload)
        at.button[0].click().run()
        assert not at.exception
        assert at.query_params["id"] == [payload] or at.query_params["id"] == payload
        assert "No request with the id" in _texts(at)
    assert table_counts(hostile_raw.db_url) == before
    assert_only_bound(statements, INJECTIONS[1:4])


def test_track_page_too_long_or_control_characters(run_page, hostile_raw):
    at = run_page(hostile_raw.db_url, "track", id="' OR 1=1 --" + "x" * 80)
    assert "A request id has at most 64 characters" in _texts(at)
    at = run_page(hostile_raw.db_url, "track", id="1'\x00 OR 1=1")
    assert "control characters" in _texts(at)


def _count_caption(at) -> int:
    shown = [c.value for c in at.caption if "requests match the filters" in c.value]
    assert shown, "no count caption"
    return int(re.match(r"([\d,]+) requests match", shown[0].replace("\\", "")).group(1).replace(",", ""))


@pytest.mark.parametrize("page", ["map", "data"])
def test_filters_from_url_ignore_injections(run_page, hostile_raw, statements, page):
    before = table_counts(hostile_raw.db_url)
    payload = INJECTIONS[0]
    params = {
        "type": [INJECTIONS[1], INJECTIONS[3]],
        "status": payload,
        "nbhd": INJECTIONS[2],
        "from": payload,
        "to": INJECTIONS[4],
        "measure": INJECTIONS[5],
    }
    at = run_page(hostile_raw.db_url, page, **params)
    assert not at.exception, at.exception
    assert table_counts(hostile_raw.db_url) == before
    assert_only_bound(statements, INJECTIONS)
    warnings = " ".join(w.value for w in at.warning).replace("\\", "").replace("\u2060", "")
    assert "Ignored unknown request type" in warnings and "Ignored unknown status" in warnings
    assert "Ignored unknown neighborhood" in warnings and "Ignored the start date" in warnings
    assert "Ignored the end date" in warnings
    total = before["service_requests"]
    if page == "map":
        assert "Ignored the unknown value" in warnings and "of “measure” in the link" in warnings
        assert _count_caption(at) == total  # every filter dropped: the whole release, no extra rows
    else:
        buttons = [b.label for b in at.get("download_button")]
        assert f"Export {total:,} matching rows (CSV)" in buttons, buttons


@pytest.mark.parametrize(
    "page, params, message",
    [
        ("neighborhood", {"nbhd": INJECTIONS[0], "period": INJECTIONS[1]}, "of “nbhd” in the link"),
        ("performance", {"by": INJECTIONS[2], "period": INJECTIONS[3]}, "of “by” in the link"),
    ],
)
def test_other_pages_ignore_injected_choices(run_page, hostile_raw, statements, page, params, message):
    before = table_counts(hostile_raw.db_url)
    at = run_page(hostile_raw.db_url, page, **params)
    assert not at.exception, at.exception
    assert table_counts(hostile_raw.db_url) == before
    assert_only_bound(statements, INJECTIONS)
    warnings = " ".join(w.value for w in at.warning).replace("\\", "").replace("\u2060", "")
    assert message in warnings and "of “period” in the link" in warnings


def test_queries_bind_even_unvalidated_filters(hostile_raw, statements):
    """Below the pages: filters that skipped validation still only bind their values."""
    from portal import db, queries
    from portal.filters import Filters

    before = table_counts(hostile_raw.db_url)
    engine = create_engine(hostile_raw.db_url)
    rel = db.read_release(engine, db.current_version(engine))
    try:
        with engine.connect() as conn:
            for payload in INJECTIONS:
                clauses = queries.filter_clauses(Filters(service_codes=(payload,)), rel.as_of, rel.timezone, {})
                assert queries.count_where(conn, clauses) == 0
                clauses = queries.filter_clauses(Filters(neighborhood=payload), rel.as_of, rel.timezone, {})
                assert queries.count_where(conn, clauses) == 0
                row = queries.get_request(conn, payload)
                assert (row is None) == (payload != REAL_INJECTION_ID)
            assert queries.get_request(conn, REAL_INJECTION_ID)["service_request_id"] == REAL_INJECTION_ID
    finally:
        engine.dispose()
    assert table_counts(hostile_raw.db_url) == before
    assert_only_bound(statements, INJECTIONS)


def test_portal_builds_no_sql_from_strings():
    """No ``text()``, ``exec_driver_sql`` or string-built statement anywhere on the read side."""
    offenders = []
    for path in sorted((ROOT / "portal").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                if (
                    name in ("text", "exec_driver_sql", "literal_column")
                    and node.args
                    and not isinstance(node.args[0], ast.Constant)
                ):
                    offenders.append(f"{path.name}:{node.lineno} {name}(...)")
                if (
                    name in ("execute", "exec_driver_sql")
                    and node.args
                    and isinstance(node.args[0], (ast.JoinedStr, ast.BinOp))
                ):
                    offenders.append(f"{path.name}:{node.lineno} execute(<string>)")
    assert offenders == []
