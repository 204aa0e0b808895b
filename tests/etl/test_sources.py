"""Readers per export format, and unusable inputs refused by the CLI with one exact line.

Fixture folders: tests/fixtures/etl/csv/, json/ and xml/ (one file per reader behaviour),
tests/fixtures/etl/unusable/ (one file per way an export cannot be used at all).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from etl_testkit import AS_OF, FIXTURES, REPO, TINY

from etl.errors import InputError
from etl.sources import read_chunks, read_header

CSV = FIXTURES / "csv"
JSON = FIXTURES / "json"
XML = FIXTURES / "xml"
UNUSABLE = FIXTURES / "unusable"


def read_all(path, fmt, encoding="utf-8", delimiter=","):
    bad = []
    records = []
    for chunk in read_chunks(path, fmt, encoding, lambda *a: bad.append(a), delimiter=delimiter):
        records += chunk.to_dict("records")
    return records, bad


# --- CSV ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, records, bad",
    [
        (
            "quoted_newline.csv",
            [
                {"_row": 1, "id": "1", "notes": "line one\nline two", "area": "N1"},
                {"_row": 2, "id": "2", "notes": 'say "hi"', "area": "N2"},
            ],
            [],
        ),
        (
            "bom_crlf.csv",
            [
                {"_row": 1, "id": "1", "notes": " padded ", "area": "N1"},
                {"_row": 2, "id": "2", "notes": "", "area": "N2"},
            ],
            [],
        ),
        (
            "malformed_row.csv",
            [{"_row": 1, "id": "1", "notes": "ok", "area": "N1"}, {"_row": 2, "id": "3", "notes": "ok", "area": "N2"}],
            [(None, None, "malformed_row", "after row 0: expected 3 fields, found 4: '2,too,many,fields'")],
        ),
        (
            "bad_utf8.csv",
            [{"_row": 1, "id": "1", "notes": "ok", "area": "N1"}, {"_row": 3, "id": "3", "notes": "ok", "area": "N2"}],
            [(2, "notes", "invalid_encoding", "byte 0xe9 at position 3 is not UTF-8")],
        ),
        ("latin1.csv", [], [(1, "notes", "invalid_encoding", "byte 0xe9 at position 3 is not UTF-8")]),
    ],
)
def test_read_csv(name, records, bad):
    assert read_all(CSV / name, "csv") == (records, bad)


def test_read_csv_other_delimiter_and_encoding():
    assert read_all(CSV / "semicolon.csv", "csv", delimiter=";") == (
        [{"_row": 1, "id": "1", "notes": "a,b", "area": "N1"}],
        [],
    )
    assert read_all(CSV / "latin1.csv", "csv", encoding="latin-1") == (
        [{"_row": 1, "id": "1", "notes": "caf\u00e9", "area": "N1"}],
        [],
    )


def test_read_csv_small_blocks_keep_row_numbers(tmp_path):
    path = tmp_path / "many.csv"
    path.write_text("id,notes\n" + "".join(f"{i},note {i}\n" for i in range(1, 2001)), encoding="utf-8")
    rows = [
        r["_row"]
        for chunk in read_chunks(path, "csv", "utf-8", lambda *a: None, block_bytes=4096)
        for r in chunk.to_dict("records")
    ]
    assert rows == list(range(1, 2001))


# --- JSON ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, records, bad",
    [
        # a key given twice keeps its last meaningful value; "null" text and null are missing; nested values stay
        # JSON text, and a nested object's members are also columns of their own (location.latitude)
        (
            "array.json",
            [
                {
                    "_row": 1,
                    "sr_number": "J-1",
                    "status": "Open",
                    "created_date": "2024-03-01T09:00:00.000",
                    "latitude": "41.95",
                    "count": "3",
                    "duplicate": "false",
                    "notes": "",
                    "location": "",
                    "location.latitude": "",
                    "location.longitude": "",
                    "tags": "",
                },
                {
                    "_row": 2,
                    "sr_number": "J-2",
                    "status": "Closed",
                    "created_date": "2024-03-01T10:00:00.000",
                    "latitude": "",
                    "count": "",
                    "duplicate": "",
                    "notes": "",
                    "location": '{"latitude": "41.85", "longitude": "-87.65"}',
                    "location.latitude": "41.85",
                    "location.longitude": "-87.65",
                    "tags": "",
                },
                {
                    "_row": 3,
                    "sr_number": "J-3",
                    "status": "Closed",
                    "created_date": "2024-03-01T11:00:00.000",
                    "latitude": "",
                    "count": "",
                    "duplicate": "",
                    "notes": "",
                    "location": "",
                    "location.latitude": "",
                    "location.longitude": "",
                    "tags": '["a", "b"]',
                },
            ],
            [],
        ),
        ("bom.json", [{"_row": 1, "sr_number": "J-1", "status": "Open"}], []),
        (
            "trailing_garbage.json",
            [{"_row": 1, "sr_number": "J-1", "status": "Open"}, {"_row": 2, "sr_number": "J-2", "status": "Closed"}],
            [(None, None, "malformed_row", 'garbage after the JSON array: \'{"sr_number": "J-3"}\'')],
        ),
        (
            "lines.jsonl",
            [
                {"_row": 1, "sr_number": "J-1", "status": "Open", "closed_date": ""},
                {"_row": 3, "sr_number": "J-3", "status": "Closed", "closed_date": "2024-03-02T10:00:00"},
            ],
            [
                (2, None, "malformed_row", "line does not parse as JSON: Expecting value"),
                (4, None, "malformed_row", "record is a list, not an object"),
            ],
        ),
        (
            "not_object.json",
            [{"_row": 1, "sr_number": "J-1"}, {"_row": 3, "sr_number": "J-3"}],
            [(2, None, "malformed_row", "record is a int, not an object")],
        ),
        (
            "unclosed.json",
            [{"_row": 1, "sr_number": "J-1"}, {"_row": 2, "sr_number": "J-2"}],
            [(None, None, "malformed_row", "the JSON array is not closed after record 2")],
        ),
        (
            "broken_record.json",
            [{"_row": 1, "sr_number": "J-1"}],
            [
                (
                    2,
                    None,
                    "malformed_row",
                    "record does not parse as JSON: Expecting value; the records after it cannot be read",
                )
            ],
        ),
    ],
)
def test_read_json(name, records, bad):
    assert read_all(JSON / name, "json") == (records, bad)


def test_read_json_column_first_seen_late(tmp_path):
    # Socrata JSON leaves out null fields: a column may first appear after thousands of records.
    path = tmp_path / "late.jsonl"
    lines = [json.dumps({"id": str(i), "status": "Open"}) for i in range(1, 2501)]
    lines.append(json.dumps({"id": "2501", "status": "Closed", "closed_date": "2024-03-02T10:00:00"}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert read_header(path, "json", "utf-8") == ["id", "status", "closed_date"]
    records, bad = read_all(path, "json")
    assert (len(records), bad) == (2501, [])
    assert records[-1] == {"_row": 2501, "id": "2501", "status": "Closed", "closed_date": "2024-03-02T10:00:00"}
    assert records[0]["closed_date"] == ""


# --- the Open311 layout: an object wrapping the array, and GeoReport v2 XML --------------------------

OPEN311_RECORDS = [
    {
        "_row": 1,
        "service_request_id": "O-1",
        "status": "open",
        "service_name": "Pothole",
        "requested_datetime": "2024-05-01T08:30:00-05:00",
        "lat": "41.95",
        "long": "-87.65",
        "extended_attributes": '{"channel": "phone", "ward": "1"}',
        "extended_attributes.channel": "phone",
        "extended_attributes.ward": "1",
        "description": "",
        "notes": "",
    },
    {
        "_row": 2,
        "service_request_id": "O-2",
        "status": "closed",
        "service_name": "Graffiti",
        "requested_datetime": "2024-05-02T09:00:00-05:00",
        "lat": "",
        "long": "",
        "extended_attributes": "",
        "extended_attributes.channel": "",
        "extended_attributes.ward": "",
        "description": "",
        "notes": '[{"datetime": "2024-05-02T09:00:00-05:00", "summary": "Request opened", "type": "opened"}]',
    },
]


@pytest.mark.parametrize(
    "path, fmt",
    [
        (JSON / "wrapped_requests.json", "json"),  # one line: {"requests": [...]}
        (JSON / "wrapped_service_requests.json", "json"),  # pretty-printed, another key after the array
        (XML / "requests.xml", "xml"),
    ],
)
def test_read_open311_layouts(path, fmt):
    records, bad = read_all(path, fmt)
    assert (records, bad) == (OPEN311_RECORDS, [])
    assert read_header(path, fmt, "utf-8") == [k for k in OPEN311_RECORDS[0] if k != "_row"]


@pytest.mark.parametrize(
    "name, records, bad",
    [
        (
            "broken.xml",
            [
                {"_row": 1, "service_request_id": "O-1", "status": "open"},
                {"_row": 2, "service_request_id": "O-2", "status": "closed"},
            ],
            [
                (
                    None,
                    None,
                    "malformed_row",
                    "XML does not parse: mismatched tag (line 5) after record 2; the records after it cannot be read",
                )
            ],
        ),
        (
            "text_record.xml",
            [{"_row": 2, "service_request_id": "O-2", "status": "closed"}],
            [(1, None, "malformed_row", "record has no fields")],
        ),
    ],
)
def test_read_xml_faults(name, records, bad):
    assert read_all(XML / name, "xml") == (records, bad)


def test_read_xml_refuses_entities():
    with pytest.raises(InputError) as exc:
        read_header(XML / "entities.xml", "xml", "utf-8")
    assert str(exc.value) == f"{XML / 'entities.xml'}: the XML declares a DOCTYPE or entities, which are refused"


def test_read_json_says_why_no_records():
    """An object that does not wrap the records under a known key: the message says what was expected."""
    with pytest.raises(InputError) as exc:
        read_header(JSON / "not_wrapped.json", "json", "utf-8")
    assert str(exc.value) == (
        f"{JSON / 'not_wrapped.json'}: no JSON records found (line does not parse as JSON: Expecting property name "
        'enclosed in double quotes); expected a JSON array of records, an object wrapping one ({"requests": [...]} '
        'or {"service_requests": [...]}), or JSON lines'
    )


# --- files that cannot be read at all ---------------------------------------------------------------


@pytest.mark.parametrize(
    "path, fmt, message",
    [
        (UNUSABLE / "empty.csv", "csv", "file is empty"),
        (UNUSABLE / "blank_first_line.csv", "csv", "first line is blank: expected a header row"),
        (
            UNUSABLE / "utf16.csv",
            "csv",
            "header is not utf-8 text (byte 0): unreadable encoding; set input.encoding in the profile",
        ),
        (UNUSABLE / "missing.csv", "csv", "file not found"),
        (UNUSABLE, "csv", "not a regular file"),
        (JSON / "blank.json", "json", "file is empty"),
        (CSV / "latin1.csv", "yaml", "unknown input format 'yaml' (csv, json or xml)"),
    ],
)
def test_read_header_errors(path, fmt, message):
    with pytest.raises(InputError) as exc:
        read_header(path, fmt, "utf-8")
    assert str(exc.value) == f"{path}: {message}"


def test_read_header_utf16_without_bom(tmp_path):
    path = tmp_path / "utf16le.csv"
    path.write_bytes("id,notes\n1,x\n".encode("utf-16-le"))
    with pytest.raises(InputError) as exc:
        read_header(path, "csv", "utf-8")
    assert (
        str(exc.value)
        == f"{path}: header contains NUL bytes: not utf-8 text (UTF-16?); set input.encoding in the profile"
    )


def test_read_json_not_in_the_encoding(tmp_path):
    path = tmp_path / "latin1.json"
    path.write_bytes('[{"notes": "caf\u00e9"}]'.encode("latin-1"))
    with pytest.raises(InputError) as exc:
        read_header(path, "json", "utf-8")
    assert str(exc.value) == f"{path}: not utf-8 text (byte 15): unreadable encoding"


MISSING = (
    "'id' (for service_request_id), 'state' (for status), 'type' (for service_name), 'opened' (for requested_datetime)"
)

# (id, profile, input, the one line on stderr after "error: ")
UNUSABLE_INPUTS = [
    ("missing file", TINY / "profile.toml", UNUSABLE / "does_not_exist.csv", "{input}: file not found"),
    ("empty file", TINY / "profile.toml", UNUSABLE / "empty.csv", "{input}: file is empty"),
    ("header only", TINY / "profile.toml", UNUSABLE / "header_only.csv", "{input}: has a header but no data rows"),
    (
        "missing required columns",
        TINY / "profile.toml",
        UNUSABLE / "missing_columns.csv",
        "{input}: missing required column(s) " + MISSING + "; the header has 2 column(s)",
    ),
    (
        "wrong delimiter",
        TINY / "profile.toml",
        UNUSABLE / "wrong_delimiter.csv",
        "{input}: missing required column(s) " + MISSING + "; the header has 1 column(s) - is the delimiter right?",
    ),
    (
        "UTF-16",
        TINY / "profile.toml",
        UNUSABLE / "utf16.csv",
        "{input}: header is not utf-8 text (byte 0): unreadable encoding; set input.encoding in the profile",
    ),
    (
        "Latin-1 header",
        TINY / "profile.toml",
        UNUSABLE / "latin1.csv",
        "{input}: header is not utf-8 text (byte 44): unreadable encoding; set input.encoding in the profile",
    ),
    (
        "blank first line",
        TINY / "profile.toml",
        UNUSABLE / "blank_first_line.csv",
        "{input}: first line is blank: expected a header row",
    ),
    (
        "duplicate column",
        TINY / "profile.toml",
        UNUSABLE / "duplicate_header.csv",
        "{input}: column 'id' appears twice in the header",
    ),
    (
        "unknown format in profile",
        UNUSABLE / "unknown_format.toml",
        TINY / "requests.csv",
        "{profile}: input.format must be csv, json or xml, not 'yaml'",
    ),
    ("missing profile", UNUSABLE / "no_such_profile.toml", TINY / "requests.csv", "{profile}: profile file not found"),
]


@pytest.mark.parametrize(
    "profile, input_path, message", [u[1:] for u in UNUSABLE_INPUTS], ids=[u[0] for u in UNUSABLE_INPUTS]
)
def test_cli_refuses_unusable_input(run_cli, tmp_path, profile, input_path, message):
    code, out, err = run_cli(
        "publish",
        "--profile",
        profile,
        "--input",
        input_path,
        "--out",
        tmp_path / "out",
        "--db",
        f"sqlite:///{tmp_path / 'x.db'}",
        "--as-of",
        AS_OF,
        "--private-dir",
        tmp_path / "private",
    )
    shown_profile = profile.resolve() if profile.exists() else profile
    assert (code, out) == (2, "")
    assert err.splitlines()[-1] == "error: " + message.format(input=input_path, profile=shown_profile)
    assert [line for line in err.splitlines() if not line.startswith("scan:")] == [err.splitlines()[-1]]
    assert not (tmp_path / "out" / "tiny-city-311").exists()


def test_cli_missing_boundary_file(run_cli, tmp_path):
    bounds = tmp_path / "nope.geojson"
    code, out, err = run_cli(
        "publish",
        "--profile",
        TINY / "profile.toml",
        "--input",
        TINY / "requests.csv",
        "--boundaries",
        bounds,
        "--out",
        tmp_path / "out",
        "--db",
        f"sqlite:///{tmp_path / 'x.db'}",
    )
    assert (code, out, err) == (2, "", f"error: {bounds}: boundary file not found\n")


def test_cli_process_exit_code_and_one_line(tmp_path):
    """The real process: exit status 2, one line on stderr naming the file, no traceback."""
    empty = UNUSABLE / "empty.csv"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "etl",
            "publish",
            "--profile",
            str(TINY / "profile.toml"),
            "--input",
            str(empty),
            "--out",
            str(tmp_path / "out"),
            "--db",
            f"sqlite:///{tmp_path / 'x.db'}",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (proc.returncode, proc.stdout, proc.stderr) == (2, "", f"error: {empty}: file is empty\n")


def _paced_reader(tmp_path, blocks: int, block: int, ahead: int, patience: float):
    """A _Paced file of ``blocks`` * ``block`` bytes and a thread reading it a block at a time."""
    import threading

    from etl.sources.csv import _Paced

    path = tmp_path / "input.bin"
    path.write_bytes(b"x" * blocks * block)
    paced = _Paced(path, ahead)
    paced.patience = patience
    done = threading.Event()

    def read():
        buffer = bytearray(block)
        while paced.readinto(buffer):
            pass
        done.set()

    threading.Thread(target=read, daemon=True).start()
    return paced, done


def test_paced_read_ahead_stays_bounded_when_the_consumer_is_slow(tmp_path):
    """A consumer busy for longer than ``patience`` per batch (parsing) is not waiting for input:
    reads stay within the allowance for the whole file (they used to be let through, and the
    reader crept a block further ahead with every slow batch)."""
    import time

    block, ahead, patience = 1000, 3000, 0.02
    paced, _ = _paced_reader(tmp_path, 200, block, ahead, patience)
    seen = []
    for _ in range(15):
        with paced.waiting():
            busy_until = time.perf_counter() + patience * 3
            while time.perf_counter() < busy_until:  # parsing: the CPU is busy
                pass
        paced.allow(block)
        seen.append(paced.ahead_of_consumer())
    paced.finish()
    assert max(seen) <= ahead, seen  # (it may be a block less when the reader has not caught up yet)


def test_paced_lets_a_record_longer_than_the_allowance_through(tmp_path):
    """The consumer waits for more than the allowance (one record longer than a block): reads go through."""
    block, blocks = 1000, 20
    paced, done = _paced_reader(tmp_path, blocks, block, 2 * block, 0.02)
    with paced.waiting():
        assert done.wait(timeout=10), "the reader stalled at its allowance"
    assert paced.ahead_of_consumer() == blocks * block
    paced.finish()
