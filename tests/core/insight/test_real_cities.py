"""The insight tables on real cities' releases, against independent computations from the
published CSV: DuckDB SQL for counts, medians and weights, plain Python loops for the curves.

New York City and Los Angeles are published by the real CLI from ../shared/data. Their
extracts cover hours to days of requests, so "rising" is checked on Los Angeles rebuilt as 120
days of history (bench.history: each request once, moved by whole days).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import duckdb
import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from core.insight import (
    citywide_surges,
    completion_estimates,
    fair_comparison,
    history_note,
    repeat_locations,
    rising_cells,
)

pytestmark = [pytest.mark.shared, pytest.mark.slow]
AS_OF = pd.Timestamp("2026-01-01T00:00:00+00:00")  # after every request: periods end at the last one


def _sql(release) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(
        f"""CREATE VIEW sr AS SELECT service_request_id AS id, status, service_code AS s,
        nullif(neighborhood_code, '') AS h, agency_responsible AS ag,
        requested_datetime::TIMESTAMPTZ AS req, nullif(closed_datetime, '')::TIMESTAMPTZ AS closed,
        nullif(days_to_close, '')::DOUBLE AS d, nullif(lat, '')::DOUBLE AS lat, nullif(long, '')::DOUBLE AS lon,
        location_precision AS prec, dayofweek(CAST(substr(requested_datetime, 1, 10) AS DATE)) AS dow
        FROM read_csv('{release.dir / "data" / "service_requests.csv"}', all_varchar = true, header = true)"""
    )
    return con


MEDIANS = """
WITH c AS (SELECT h, s, d FROM sr WHERE status = 'closed' AND d IS NOT NULL),
hood AS (SELECT h, count(*) AS n, median(d) AS obs FROM c WHERE h IS NOT NULL GROUP BY h),
mix AS (SELECT h, s, count(*) AS k FROM c WHERE h IS NOT NULL GROUP BY h, s),
city AS (SELECT s, d, count(*) OVER (PARTITION BY s) AS ns FROM c),
w AS (SELECT mix.h, city.d, sum(mix.k / hood.n / city.ns) AS wt
      FROM mix JOIN hood ON mix.h = hood.h JOIN city ON city.s = mix.s GROUP BY mix.h, city.d),
cum AS (SELECT h, d, sum(wt) OVER (PARTITION BY h ORDER BY d) AS cw, lead(d) OVER (PARTITION BY h ORDER BY d) AS nd
        FROM w),
ex AS (SELECT h, arg_min(CASE WHEN abs(cw - 0.5) <= 1e-12 AND nd IS NOT NULL THEN (d + nd) / 2 ELSE d END, d) AS e
       FROM cum WHERE cw >= 0.5 - 1e-12 GROUP BY h)
SELECT hood.h, n, obs, e,
  (SELECT count(*) FROM c WHERE c.h = hood.h AND c.d > e) AS above,
  (SELECT count(*) FROM c WHERE c.h = hood.h AND c.d < e) AS below
FROM hood JOIN ex ON hood.h = ex.h ORDER BY hood.h
"""


@pytest.mark.parametrize("city", ["nyc", "la"])
def test_fair_comparison_medians_match_duckdb(city, request):
    release = request.getfixturevalue(city)
    ours = fair_comparison(release.requests(), release.targets(), AS_OF)
    assert set(ours["measure"]) == {"median_days_to_close"}  # neither city publishes targets
    ours = ours.set_index("neighborhood_code")
    duck = _sql(release).sql(MEDIANS).df().set_index("h")
    assert ours.index.tolist() == duck.index.tolist()
    assert ours["sample_size"].tolist() == duck["n"].tolist()
    assert ours["observed"].to_numpy() == pytest.approx(duck["obs"].to_numpy(), abs=1e-9)
    assert ours["expected"].to_numpy() == pytest.approx(duck["e"].to_numpy(), abs=1e-9)
    p = [sps.binomtest(a, a + b).pvalue if a + b else 1.0 for a, b in zip(duck["above"], duck["below"])]
    assert ours["p_value"].to_numpy() == pytest.approx(p, rel=1e-9)
    ranked = duck["n"] >= 30
    assert (ours["verdict"] == "too_few").tolist() == (~ranked).tolist()


def test_repeat_locations_match_duckdb(nyc):
    ours = repeat_locations(nyc.requests(), AS_OF)
    con = _sql(nyc)
    end = con.execute("SELECT max(req) FROM sr").fetchone()[0]
    assert ours["period_end_datetime"].iloc[0] == pd.Timestamp(end)
    assert ours["period_start_datetime"].iloc[0] == pd.Timestamp(end) - pd.Timedelta(days=90)  # no DST change
    found = con.execute(
        """WITH p AS (SELECT h, s, lat, lon FROM sr WHERE prec = 'point_3dp' AND lat IS NOT NULL AND lon IS NOT NULL
                      AND h IS NOT NULL AND req > ?::TIMESTAMPTZ AND req <= ?::TIMESTAMPTZ),
        places AS (SELECT h, count(DISTINCT (lat, lon)) AS k FROM p GROUP BY h),
        pairs AS (SELECT h, s, count(*) AS n FROM p GROUP BY h, s HAVING count(*) >= 5),
        cells AS (SELECT h, s, lat, lon, count(*) AS o FROM p GROUP BY h, s, lat, lon HAVING count(*) >= 5)
        SELECT cells.h, cells.s, lat, lon, o, n, k FROM cells JOIN pairs USING (h, s) JOIN places USING (h)
        ORDER BY cells.h, cells.s, o DESC, lat, lon""",
        [ours["period_start_datetime"].iloc[0].isoformat(), end.isoformat()],
    ).df()
    family = con.execute(
        """WITH p AS (SELECT h, s, lat, lon FROM sr WHERE prec = 'point_3dp' AND lat IS NOT NULL AND lon IS NOT NULL
                      AND h IS NOT NULL AND req > ?::TIMESTAMPTZ),
        places AS (SELECT h, count(DISTINCT (lat, lon)) AS k FROM p GROUP BY h)
        SELECT sum(k) FROM (SELECT h, s FROM p GROUP BY h, s HAVING count(*) >= 5) JOIN places USING (h)""",
        [ours["period_start_datetime"].iloc[0].isoformat()],
    ).fetchone()[0]
    assert len(ours) == len(found) > 20
    got = ours[
        ["neighborhood_code", "service_code", "lat", "long", "observed", "sample_size", "places_in_neighborhood"]
    ]
    assert got.values.tolist() == found.values.tolist()
    assert ours.attrs["tests"] == family
    assert ours["expected"].tolist() == pytest.approx((found["n"] / found["k"]).tolist(), rel=1e-12)
    p = sps.binom.sf(found["o"] - 1, found["n"], 1 / found["k"])
    assert ours["p_value"].to_numpy() == pytest.approx(p, rel=1e-9)


# --- completion: a plain Kaplan-Meier loop per group of similar requests --------------------------


def _km(rows: list[tuple[float, float, bool]]) -> list[tuple[float, float]]:
    surv, points = 1.0, []
    for t in sorted({b for _, b, c in rows if c}):
        at_risk = sum(1 for a, b, _ in rows if a <= t <= b)
        surv *= 1 - sum(1 for _, b, c in rows if c and b == t) / at_risk
        points.append((t, surv))
    return points


def _quantile_after(points, age: float, share: float) -> float | None:
    s_age = min([s for t, s in points if t <= age], default=1.0)
    return next((t for t, s in points if t > age and s <= (1 - share) * s_age + 1e-12), None)


def test_completion_estimates_match_a_plain_loop(nyc):
    frame = nyc.requests()
    as_of = max(frame["requested_datetime"].max(), frame["closed_datetime"].max())
    ours = completion_estimates(frame, nyc.targets(), as_of).set_index("service_request_id")
    start, day = as_of - pd.Timedelta(days=90), pd.Timedelta(days=1)  # no DST change in between
    seen = frame[~(frame["status"].eq("closed") & frame["closed_datetime"].isna())]
    seen = seen[~(seen["closed_datetime"] <= start)]
    rows = {
        r.service_request_id: (
            max((start - r.requested_datetime) / day, 0.0),
            ((r.closed_datetime if pd.notna(r.closed_datetime) else as_of) - r.requested_datetime) / day,
            pd.notna(r.closed_datetime),
        )
        for r in seen.itertuples()
    }
    levels = {
        "type_neighborhood": ["service_code", "neighborhood_code"],
        "type_agency": ["service_code", "agency_responsible"],
        "type": ["service_code"],
    }
    curves = {}
    for r in seen[seen["status"] == "open"].itertuples():
        age, chosen = rows[r.service_request_id][1], ("none", None, 0, 0)
        for basis, keys in levels.items():
            key = (basis, *(getattr(r, k) for k in keys))
            if any(pd.isna(v) for v in key[1:]):
                continue
            group = [rows[i] for i in seen.loc[(seen[keys] == list(key[1:])).all(axis=1), "service_request_id"]]
            closures = sum(1 for _, _, c in group if c)
            open_past = sum(1 for a, b, _ in group if a <= age < b)
            if closures >= 30 and open_past >= 10:
                curves.setdefault(key, _km(group))
                chosen = (basis, curves[key], closures, open_past)
                break
        got = ours.loc[r.service_request_id]
        assert (got["basis"], got["similar_closed"], got["similar_open_at_age"]) == (chosen[0], chosen[2], chosen[3])
        for share, column in ((0.5, "estimate_p50_datetime"), (0.9, "estimate_p90_datetime")):
            wanted = share * (chosen[3] + 1) / chosen[3] if chosen[1] else 2.0  # allowing for the sample size
            q = _quantile_after(chosen[1], age, wanted) if wanted <= 1 else None
            want = r.requested_datetime + pd.to_timedelta(q, unit="D") if q is not None else pd.NaT
            assert (pd.isna(got[column]) and pd.isna(want)) or abs(got[column] - want) < pd.Timedelta(milliseconds=1)
    assert (ours["basis"] != "none").sum() > 100


# --- rising: the real extracts are too short; a rebuilt history is tested against DuckDB -----------


@pytest.mark.parametrize("city, span", [("nyc", "0.5"), ("la", "4.4")])
def test_real_extracts_are_too_short_to_test(city, span, request):
    frame = request.getfixturevalue(city).requests()
    assert rising_cells(frame, AS_OF).empty
    assert history_note(frame, AS_OF) == (
        f"The requests span {span} days: testing needs the 28-day window and at least 28 days of "
        "baseline before it, so nothing was tested."
    )


def _weekday_days(start: pd.Timestamp, end: pd.Timestamp, zone: str) -> np.ndarray:
    """Days of each weekday in (start, end], local days counted by their own length (a loop)."""
    tz, out = ZoneInfo(zone), np.zeros(7)
    day = start.tz_convert(zone).date()
    while day <= end.tz_convert(zone).date():
        nxt = day + timedelta(days=1)
        # midnights as absolute instants (aware datetimes sharing a tzinfo subtract by wall clock)
        lo = pd.Timestamp(datetime(day.year, day.month, day.day, tzinfo=tz))
        hi = pd.Timestamp(datetime(nxt.year, nxt.month, nxt.day, tzinfo=tz))
        overlap = (min(end, hi) - max(start, lo)).total_seconds()
        out[day.weekday()] += max(overlap, 0) / (hi - lo).total_seconds()
        day = nxt
    return out


def _independent_tests(con, window: pd.DataFrame, zone: str, by_hood: bool) -> pd.DataFrame:
    """Cells with >= 10 requests in window + baseline: counts (DuckDB), exposure ratio and p-value."""
    ws, we, bs = (
        window[c].iloc[0] for c in ("window_start_datetime", "window_end_datetime", "baseline_start_datetime")
    )
    bounds = [t.isoformat() for t in (ws, we, bs, ws)]
    keys = "h, s" if by_hood else "s"
    cells = con.execute(
        f"""SELECT {keys}, count(*) FILTER (WHERE req > ?::TIMESTAMPTZ AND req <= ?::TIMESTAMPTZ) AS o,
                  count(*) FILTER (WHERE req > ?::TIMESTAMPTZ AND req <= ?::TIMESTAMPTZ) AS b
           FROM sr WHERE {"h IS NOT NULL" if by_hood else "true"} GROUP BY {keys} HAVING o + b >= 10 ORDER BY {keys}""",
        bounds,
    ).df()
    by_dow = con.execute(
        "SELECT s, dow, count(*) AS n FROM sr WHERE req > ?::TIMESTAMPTZ AND req <= ?::TIMESTAMPTZ GROUP BY s, dow",
        bounds[2:],
    ).df()
    counts = by_dow.pivot_table(index="s", columns="dow", values="n", fill_value=0)
    counts = counts.reindex(columns=range(7), fill_value=0)
    counts.columns = [(c - 1) % 7 for c in counts.columns]  # DuckDB: Sunday = 0; here Monday = 0
    counts = counts.reindex(columns=range(7))
    base_days, window_days = _weekday_days(bs, ws, zone), _weekday_days(ws, we, zone)

    def weights(n):
        rates = n / base_days
        return rates / rates.mean()

    overall = weights(counts.sum().to_numpy(dtype=float))
    scale = []  # exposure of the window over the baseline's, with the type's weekday weights
    for code in cells["s"]:
        own = counts.loc[code].to_numpy(dtype=float) if code in counts.index else np.zeros(7)
        w = weights(own) if own.sum() >= 70 else overall
        scale.append((window_days @ w) / (base_days @ w))
    cells["expected"] = cells["b"] * np.array(scale)
    cells["p"] = sps.binom.sf(cells["o"] - 1, cells["o"] + cells["b"], np.array(scale) / (1 + np.array(scale)))
    return cells


def test_rising_cells_match_duckdb_on_a_rebuilt_history(la_history):
    frame = la_history.requests()
    zone, con = str(frame["requested_datetime"].dt.tz), _sql(la_history)
    ours = rising_cells(frame, AS_OF)
    for _, window in ours.groupby("window_days"):
        want = _independent_tests(con, window, zone, by_hood=True)
        got = window.sort_values(["neighborhood_code", "service_code"])
        assert got[["neighborhood_code", "service_code", "observed", "baseline_count"]].values.tolist() == (
            want[["h", "s", "o", "b"]].values.tolist()
        )
        assert got["expected"].to_numpy() == pytest.approx(want["expected"], rel=1e-9)
        assert got["p_value"].to_numpy() == pytest.approx(want["p"], rel=1e-9)
        assert len(got) > 50
    assert ours["q_value"].to_numpy() == pytest.approx(sps.false_discovery_control(ours["p_value"]), rel=1e-9)
    assert not ours["rising"].any()  # no real change in a rebuilt history (and none flagged here)


def test_citywide_surges_match_duckdb_on_a_rebuilt_history(la_history):
    """The 24-hour window is where the weekday weights matter."""
    frame = la_history.requests()
    zone, con = str(frame["requested_datetime"].dt.tz), _sql(la_history)
    ours = citywide_surges(frame, AS_OF)
    assert sorted(set(ours["window_days"])) == [1, 7]
    for _, window in ours.groupby("window_days"):
        want = _independent_tests(con, window, zone, by_hood=False)
        got = window.sort_values("service_code")
        assert (
            got[["service_code", "observed", "baseline_count"]].values.tolist() == want[["s", "o", "b"]].values.tolist()
        )
        assert got["expected"].to_numpy() == pytest.approx(want["expected"], rel=1e-9)
        assert got["p_value"].to_numpy() == pytest.approx(want["p"], rel=1e-9)
    day = ours[ours["window_days"] == 1]
    assert not np.allclose(day["expected"], day["baseline_count"] / 84, rtol=1e-3)  # not a flat 1/84 of the baseline
