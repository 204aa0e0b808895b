"""Text values of the transform: repaired (mojibake), spaces collapsed, cased, made into codes.

311 text repeats a lot (the same few thousand resolution notes, types and agencies on many rows),
so the slow per-value Python work runs once per distinct value (``on_unique``).
"""

from __future__ import annotations

import re

import ftfy
import pandas as pd

MOJIBAKE = re.compile(
    "[\u00c2-\u00c3\u00e2][\u0080-\u00bf\u201a-\u203a\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u02c6\u02dc\u20ac\u2122]"
)


def on_unique(series: pd.Series, func) -> pd.Series:
    """Apply a Series -> Series function to the distinct values only, then spread the result back
    (to every value at once when most are distinct)."""
    codes, uniques = pd.factorize(series, use_na_sentinel=False)
    if len(uniques) > 0.5 * len(series):
        return func(series)
    mapped = func(pd.Series(uniques, dtype=series.dtype))
    return pd.Series(mapped.to_numpy()[codes], index=series.index, dtype=mapped.dtype)


def _fix_mojibake_values(series: pd.Series) -> pd.Series:
    suspicious = series.str.contains(MOJIBAKE, regex=True, na=False)
    if not suspicious.any():
        return series
    out = series.copy()
    out[suspicious] = [ftfy.fix_text(s, uncurl_quotes=False) for s in series[suspicious]]
    return out


def collapse_spaces(series: pd.Series) -> pd.Series:
    """Runs of white space become one space; no space at either end."""
    return series.str.replace(r"\s+", " ", regex=True).str.strip().astype("str")


def fix_mojibake(series: pd.Series) -> pd.Series:
    """Repair UTF-8 that was decoded as Latin-1/cp1252 (e.g. 'â\\x80\\x99' -> "'").

    Only suspicious cells are touched."""
    return on_unique(series, _fix_mojibake_values)


def title_case(series: pd.Series) -> pd.Series:
    """'HEAT/HOT WATER' -> 'Heat/Hot Water'. Unlike str.title, "OWNER'S" -> "Owner's" and '2ND AVE' -> '2nd Ave'."""
    return series.str.lower().str.replace(
        r"(^|[^\w'’])([^\W\d_])", lambda m: m.group(1) + m.group(2).upper(), regex=True
    )


def _slugify_values(series: pd.Series) -> pd.Series:
    return (
        series.str.lower()
        .str.normalize("NFKD")
        .str.encode("ascii", "ignore")
        .str.decode("ascii")
        .str.replace(r"[^a-z0-9]+", "-", regex=True)
        .str.strip("-")
        .astype("str")
    )


def slugify(series: pd.Series) -> pd.Series:
    """'Noise - Residential' -> 'noise-residential' (ASCII letters and digits joined by '-')."""
    return on_unique(series, _slugify_values)
