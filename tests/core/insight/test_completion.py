"""core.insight.completion: completion windows on hand-made requests with known curves."""

from __future__ import annotations

import pandas as pd
from insight_kit import at, frame, request

from core.insight import Settings, as_known_at, completion_estimates
from core.insight.completion import COLUMNS

AS_OF = at("2024-05-31 00:00")
SETTINGS = Settings(completion_lookback_days=30, completion_min_closures=3, completion_min_at_risk=1)
DAY = pd.Timedelta(days=1)


def _req(rid: str, age: float, closed_after: float | None = None, **values) -> dict:
    requested = AS_OF - age * DAY
    closed = requested + closed_after * DAY if closed_after is not None else None
    return request(
        service_request_id=rid,
        requested_datetime=requested,
        closed_datetime=closed,
        status="closed" if closed_after is not None else "open",
        **values,
    )


def _city() -> pd.DataFrame:
    hood_h = [  # closures after 1, 2, 2, 3 and 5 days; r5 open for 4 days, r7 for half a day
        _req("r1", 20, 1),
        _req("r2", 20, 2),
        _req("r3", 20, 2),
        _req("r4", 20, 3),
        _req("r5", 4),
        _req("r6", 20, 5),
        _req("r7", 0.5),
    ]
    others = [
        _req("g1", 1.5, neighborhood_code="G", expected_datetime=AS_OF - DAY),  # G has no closures
        _req("old", 60, 2),  # closed before the lookback: not seen
        request(service_request_id="undated", requested_datetime=AS_OF - 3 * DAY, status="closed"),
        _req("other", 2, service_code="graffiti", agency_responsible="Parks"),  # no similar closures
    ]
    return frame(hood_h + others)


def test_completion_by_hand():
    out = completion_estimates(_city(), {"pothole": 3}, AS_OF, SETTINGS).set_index("service_request_id")
    assert list(out.reset_index().columns) == COLUMNS
    assert out.index.tolist() == ["r5", "other", "g1", "r7"]  # open requests, oldest first
    # H's curve: S = 5/6 after 1 day, 1/2 after 2, 1/3 after 3, 0 after 5 (r7 left at 0.5 days).
    # A date is where a share (n + 1) / n times the plain one of those still open is closed, n
    # being how many were seen open past the request's age.
    # r5, open 4 days: S(4) = 1/3, n = 1 (r6): half x 2/1 = all of them closed by 5 days; 9 in 10
    # x 2 is more than all: no date
    r5 = out.loc["r5"]
    assert (r5["basis"], r5["similar_closed"], r5["similar_open_at_age"]) == ("type_neighborhood", 5, 1)
    assert r5["estimate_p50_datetime"] == r5["requested_datetime"] + 5 * DAY == AS_OF + DAY
    assert pd.isna(r5["estimate_p90_datetime"])
    # r7, open half a day: S(0.5) = 1, n = 6: 0.5 x 7/6 closed (S <= 5/12) first at 3 days
    r7 = out.loc["r7"]
    assert (r7["basis"], r7["similar_open_at_age"]) == ("type_neighborhood", 6)
    assert r7["estimate_p50_datetime"] == r7["requested_datetime"] + 3 * DAY
    assert pd.isna(r7["estimate_p90_datetime"])  # 0.9 x 7/6 > 1
    assert r7["age_days"] == 0.5


def test_nine_in_ten_allows_for_the_sample_size():
    # 20 closures after 1, 2, ..., 20 days; a new request just in: n = 20 seen open past its age
    rows = [_req(f"c{k}", 25, k) for k in range(1, 21)] + [_req("new", 0.001)]
    out = completion_estimates(frame(rows), {}, AS_OF, SETTINGS).set_index("service_request_id")
    new = out.loc["new"]
    assert new["similar_open_at_age"] == 20
    # plain: S <= 0.1 first at 18 days; with 0.9 x 21/20 = 0.945: S <= 0.055 first at 19 days
    assert new["estimate_p90_datetime"] == new["requested_datetime"] + 19 * DAY
    # half: 0.5 x 21/20 = 0.525, S <= 0.475 first at 11 days (plain: 10)
    assert new["estimate_p50_datetime"] == new["requested_datetime"] + 11 * DAY


def test_a_neighborhood_without_closures_falls_back_to_type_and_agency():
    out = completion_estimates(_city(), {"pothole": 3}, AS_OF, SETTINGS).set_index("service_request_id")
    g1 = out.loc["g1"]
    # pooled with H: S = 6/7 after 1 day (g1 itself at risk), 18/35 after 2, 12/35 after 3, 0 after 5;
    # g1 open 1.5 days: S(1.5) = 6/7, n = 5: 0.5 x 6/5 closed means S <= 0.4 x 6/7 = 12/35, at 3 days
    assert (g1["basis"], g1["similar_closed"], g1["similar_open_at_age"]) == ("type_agency", 5, 5)
    assert g1["estimate_p50_datetime"] == g1["requested_datetime"] + 3 * DAY
    assert pd.isna(g1["estimate_p90_datetime"])  # 0.9 x 6/5 > 1
    other = out.loc["other"]
    assert (other["basis"], other["similar_closed"], other["similar_open_at_age"]) == ("none", 0, 0)
    assert pd.isna(other["estimate_p50_datetime"]) and pd.isna(other["estimate_p90_datetime"])


def test_overdue_by_the_city_expected_date_or_the_target():
    out = completion_estimates(_city(), {"pothole": 3}, AS_OF, SETTINGS).set_index("service_request_id")
    assert out["overdue"].to_dict() == {"r5": True, "other": False, "g1": True, "r7": False}
    assert out.loc["r5", "target_datetime"] == out.loc["r5", "requested_datetime"] + 3 * DAY
    assert pd.isna(out.loc["other", "target_datetime"])  # graffiti has no target
    assert out.loc["g1", "expected_datetime"] == AS_OF - DAY


def test_too_few_at_risk_at_the_age_gives_no_estimate():
    strict = Settings(completion_lookback_days=30, completion_min_closures=3, completion_min_at_risk=2)
    out = completion_estimates(_city(), {}, AS_OF, strict).set_index("service_request_id")
    # r5: only r6 was seen open past 4 days, in H and in the pooled group
    assert out.loc["r5", "basis"] == "none"
    assert out.loc["r7", "basis"] == "type_neighborhood"


def test_estimates_at_an_earlier_time_see_only_what_was_known():
    city = _city()
    then = AS_OF - 18.5 * DAY  # r1 (closed 19 days before AS_OF) is the only closure known then
    known = as_known_at(city, then)
    assert sorted(known["service_request_id"]) == ["old", "r1", "r2", "r3", "r4", "r6"]
    assert known.set_index("service_request_id")["status"].to_dict()["r2"] == "open"
    out = completion_estimates(known, {}, then, Settings(completion_lookback_days=30, completion_min_closures=1))
    assert out["service_request_id"].tolist() == ["r2", "r3", "r4", "r6"]
    assert set(out["basis"]) == {"none"}  # one closure, and fewer than 10 seen open past 1.5 days
