"""A Demo City release with hostile text in every place the dashboard shows data text.

``build_hostile_release(out, markup_scrub)`` writes the demo input (``etl.demo.write_demo_input``)
to ``out``, appends payload rows, and publishes it with a copy of the demo profile:

* ``markup_scrub=True``: the demo profile's own privacy settings (the ETL removes markup);
* ``markup_scrub=False``: ``privacy.scrub`` without "markup", a setting a profile may choose, so the
  raw payloads reach the database and the dashboard's own escaping is what is tested.

Payloads go into request types, descriptions, status notes, agencies, addresses, media links, a raw
status wording (added to the profile's open statuses), request ids, and the name of one
neighborhood (N03) in a copy of the demo boundaries. Each payload row lies in N03:
``HX-OLD-nn`` rows are the oldest open requests (the neighborhood brief lists them), the
``HX-NEW-t-nn`` rows fall in the last 30 days (so the payload types lead the brief's top types
and the map shows them as points).

Used by tests/security/ and tests/browser/test_hostile.py (loaded by path).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import shapely
from shapely.geometry import shape

REPO = Path(__file__).resolve().parents[2]
DEMO_PROFILE = REPO / "etl" / "profiles" / "demo.toml"
DEMO_BOUNDARIES = REPO / "etl" / "profiles" / "demo-neighborhoods.geojson"
AS_OF = "2026-11-01T00:00:00"
HOOD = "N03"

# Markup and script
IMG = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>alert(1)</script>"
SVG = '"><svg onload=alert(1)>'
JS_URL = "javascript:alert(1)"
TEMPLATE = "{{7*7}}"
MD_LINK = "[x](javascript:alert(1))"
MD_IMAGE = "![x](https://evil.example/x.png)"
MATH = "$x^2$"
FRAC = r"$\frac{1}{2}$"
IFRAME = '<iframe src="https://evil.example/frame"></iframe>'
A_JS = '<a href="javascript:alert(1)">click</a>'
ENTITY = "&lt;img src=x onerror=alert(1)&gt;"
ST_DIRECTIVE = ":red[RED] **bold** :material/warning:"
STYLE = "<style>body{display:none}</style>"
TEMPLATE_JS = "${alert(1)}"
# Spreadsheet formulas
# (a value with a bare CR inside quotes makes the ETL's CSV reader quarantine the record as malformed,
# and leading tabs are stripped; tab/CR-led cells are covered by tests/etl/test_privacy.py)
FORMULAS = ['=HYPERLINK("https://evil.example/?q=1","open")', "+1+1", "-2+3", "@SUM(1+1)", "\t=1+1"]

PAYLOADS = [
    IMG,
    SCRIPT,
    SVG,
    JS_URL,
    TEMPLATE,
    MD_LINK,
    MD_IMAGE,
    MATH,
    FRAC,
    IFRAME,
    A_JS,
    ENTITY,
    ST_DIRECTIVE,
    STYLE,
    TEMPLATE_JS,
    *FORMULAS,
]
# Request types that carry payloads (each gets 25 recent rows in N03, so it leads the top types)
TYPE_PAYLOADS = [
    f"Pothole {IMG}",
    f"{MATH} Graffiti {SVG}",
    f"Noise {MD_LINK} {MD_IMAGE} {TEMPLATE}",
    f"{FRAC} Streetlight {SCRIPT}",
    FORMULAS[0],
]
STATUS_PAYLOAD = "In Review <img src=x onerror=alert(2)>"
HOOD_NAME = f"Juniper Park <img src=x onerror=alert(5)> {FRAC}"
ID_PAYLOADS = ["<img src=x onerror=alert(7)>", "=1+2", "1' OR '1'='1", '"><svg onload=alert(8)>']
LONG_ID = "HX-LONG"
MEDIA = [
    "javascript:alert(1)",
    'https://media.example.org/x.jpg" onerror="alert(1)',
    "https://evil.example/x.png",
    "https://media.example.org/ok.jpg",
]


@dataclass(frozen=True)
class HostileRelease:
    db_url: str
    release_dir: Path
    profile_path: Path
    input_path: Path
    markup_scrub: bool

    @property
    def csv(self) -> Path:
        return self.release_dir / "data" / "service_requests.csv"


def _profile(out: Path, boundaries: Path, markup_scrub: bool) -> Path:
    text = DEMO_PROFILE.read_text(encoding="utf-8")
    text = text.replace('file = "demo-neighborhoods.geojson"', f'file = "{boundaries}"')
    text = text.replace(
        'open = ["New", "Assigned", "In Progress"]', f'open = ["New", "Assigned", "In Progress", \'{STATUS_PAYLOAD}\']'
    )
    assert STATUS_PAYLOAD in text and str(boundaries) in text, (
        "the demo profile changed: update tests/security/hostile.py"
    )
    if not markup_scrub:
        text = text.replace("[privacy]\n", '[privacy]\nscrub = ["email", "url_query", "ssn", "card", "phone"]\n')
    path = out / "hostile.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _boundaries(out: Path) -> tuple[Path, object]:
    data = json.loads(DEMO_BOUNDARIES.read_text(encoding="utf-8"))
    polygon = None
    for feature in data["features"]:
        if feature["properties"]["code"] == HOOD:
            feature["properties"]["name"] = HOOD_NAME
            polygon = shape(feature["geometry"])
    path = out / "hostile-neighborhoods.geojson"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path, polygon


def _points(polygon, n: int) -> list[tuple[float, float]]:
    """n (lat, long) points well inside ``polygon`` (on a grid, deterministic)."""
    inner = polygon.buffer(-0.002)
    minx, miny, maxx, maxy = inner.bounds
    out = []
    steps = 40
    for i in range(steps * steps):
        x = minx + (maxx - minx) * ((i % steps) + 0.5) / steps
        y = miny + (maxy - miny) * ((i // steps) + 0.5) / steps
        if inner.contains(shapely.Point(x, y)):
            out.append((round(y, 6), round(x, 6)))
    assert len(out) >= n, "N03 is too small for the payload rows"
    step = len(out) // n
    return out[::step][:n]


def payload_rows(polygon) -> pd.DataFrame:
    rows = []
    n_old, n_new = len(PAYLOADS), 25 * len(TYPE_PAYLOADS)
    points = iter(_points(polygon, n_old + n_new + len(ID_PAYLOADS) + 1))

    def row(rid, opened, status, category, details, resolution, department, address, photo="", closed=""):
        lat, lon = next(points)
        return {
            "request_id": rid,
            "opened_at": opened,
            "last_update": opened,
            "due": "",
            "closed_at": closed,
            "status": status,
            "resolution": resolution,
            "category": category,
            "details": details,
            "department": department,
            "street_address": address,
            "zip": "80204",
            "latitude": str(lat),
            "longitude": str(lon),
            "district_code": HOOD,
            "source": "Web",
            "photo": photo,
            "reporter_name": "",
            "reporter_phone": "",
            "reporter_email": "",
        }

    for k, payload in enumerate(PAYLOADS):  # the oldest open requests of the whole release
        rows.append(
            row(
                f"HX-OLD-{k:02d}",
                f"2026-06-{k + 1:02d} 08:00:00",
                STATUS_PAYLOAD if k % 3 == 0 else "New",
                TYPE_PAYLOADS[k % len(TYPE_PAYLOADS)],
                f"Details {payload}",
                payload,
                payload,
                f"{payload} MAPLE AVE",
                MEDIA[k % len(MEDIA)],
            )
        )
    for t, category in enumerate(TYPE_PAYLOADS):  # recent rows: lead the neighborhood's top types
        for j in range(25):
            day = 5 + j
            closed = f"2026-10-{day + 1:02d} 09:00:00" if j % 2 else ""
            rows.append(
                row(
                    f"HX-NEW-{t}-{j:02d}",
                    f"2026-10-{day:02d} 10:{t:02d}:00",
                    "Completed" if j % 2 else "New",
                    category,
                    PAYLOADS[(t + j) % len(PAYLOADS)],
                    PAYLOADS[(t + j + 1) % len(PAYLOADS)],
                    f"Agency {PAYLOADS[(t + j + 2) % len(PAYLOADS)]}",
                    "ASPEN ST & BIRCH ST",
                    closed=closed,
                )
            )
    for k, rid in enumerate(ID_PAYLOADS):
        rows.append(
            row(
                rid,
                f"2026-10-2{k} 11:00:00",
                "New",
                "Pothole",
                f"Id payload {k}",
                "",
                "Streets",
                "LARKSPUR LN & BIRCH ST",
            )
        )
    # over-long text: cut to the schema's maxLength (description 2000, agency 200, address 300)
    rows.append(
        row(
            LONG_ID,
            "2026-10-25 12:00:00",
            "New",
            "Pothole",
            "word " * 1200,
            "note " * 1200,
            "Agency " * 100,
            "MAPLE AVE " * 60,
        )
    )
    return pd.DataFrame(rows)


def build_hostile_release(out: Path, markup_scrub: bool) -> HostileRelease:
    from etl.demo import write_demo_input
    from etl.pipeline import publish_release

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    boundaries, polygon = _boundaries(out)
    profile = _profile(out, boundaries, markup_scrub)
    raw = write_demo_input(out / "input")
    frame = pd.read_csv(raw, dtype=str, keep_default_na=False)
    frame = pd.concat([frame, payload_rows(polygon)[frame.columns]], ignore_index=True)
    frame.to_csv(raw, index=False, encoding="utf-8", lineterminator="\n")
    db_url = f"sqlite:///{out / 'portal.db'}"
    result = publish_release(
        str(profile), raw, out=out / "datasets", db_url=db_url, private_dir=out / "private", as_of=AS_OF
    )
    return HostileRelease(db_url, Path(result.release_dir), profile, raw, markup_scrub)


def code_of(name: str) -> str:
    """The service_code the ETL makes from a request type (etl.transform.slugify)."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
