"""The tuning of every statistic in ``core.insight``, declared once as data with help text.

``Settings`` holds the values; ``HELP`` says what each one means. docs/methods.md lists every
setting with its default, and a test keeps the two in step (like ``etl.profile.KEYS``).
"""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(frozen=True)
class Settings:
    fdr: float = 0.05
    confidence: float = 0.95
    baseline_weeks: int = 12
    min_baseline_days: int = 28
    rising_windows_days: tuple[int, ...] = (7, 28)
    rising_min_total: int = 10
    rising_min_observed: int = 5
    weekday_profile_min: int = 70
    surge_windows_days: tuple[int, ...] = (1, 7)
    surge_min_ratio: float = 2.0
    comparison_min_n: int = 30
    completion_lookback_days: int = 90
    completion_min_closures: int = 30
    completion_min_at_risk: int = 10
    repeat_period_days: int = 90
    repeat_min_count: int = 5

    def __post_init__(self):
        if not 0 < self.fdr < 1 or not 0 < self.confidence < 1:
            raise ValueError("fdr and confidence must lie strictly between 0 and 1")
        if self.min_baseline_days > 7 * self.baseline_weeks:
            raise ValueError("min_baseline_days cannot exceed the baseline (7 x baseline_weeks)")


HELP: dict[str, str] = {
    "fdr": "False discovery rate controlled (Benjamini-Hochberg) across all tests of one table: "
    "among the flags of a table, at most this share is expected to be chance.",
    "confidence": "Confidence level of every interval (ratio intervals, the median's interval).",
    "baseline_weeks": "Weeks before a window that make its baseline (what is normal for the cell).",
    "min_baseline_days": "Days of history a baseline needs; with less, nothing is tested and the "
    "table is empty (history_note says why).",
    "rising_windows_days": "Lengths in days of the recent windows tested per neighborhood and request type.",
    "rising_min_total": "A cell is tested only when its window and baseline together hold at least "
    "this many requests (fewer cannot give a convincing result).",
    "rising_min_observed": "A cell is flagged rising only with at least this many requests in the window.",
    "weekday_profile_min": "Requests of a type citywide in the baseline needed to use that type's own "
    "weekday pattern; below it the pattern of all requests is used.",
    "surge_windows_days": "Lengths in days of the citywide surge windows (1 = the last 24 hours).",
    "surge_min_ratio": "A type is a citywide surge when it is rising and at least this many times its expected volume.",
    "comparison_min_n": "Closed requests a neighborhood needs in a measure to be ranked or coloured; "
    "below it the verdict is 'too_few'.",
    "completion_lookback_days": "Completion estimates learn from what happened in this many days "
    "before the data's end (closures, and requests still open).",
    "completion_min_closures": "Closures in the lookback a group of similar requests needs to give an estimate.",
    "completion_min_at_risk": "Similar requests that stayed open at least as long as this one, needed "
    "for an estimate conditional on its age.",
    "repeat_period_days": "Days before the data's end over which repeat locations are counted.",
    "repeat_min_count": "Requests of one type at one place needed to flag it as a repeat location.",
}

SETTINGS = Settings()


def setting_names() -> list[str]:
    return [f.name for f in fields(Settings)]
