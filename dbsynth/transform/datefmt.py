"""Text formats and granularity of dates and times, learned from the source.

A SQLite database keeps dates as text in whatever format the application
wrote (`1996-07-04 00:00:00.000`, `1948-12-08`, `2009-01-01T00:00:00`); a
synthetic value written back must read the same, or the application (and any
parser expecting that format) fails. `detect_format` finds the one format the
values round-trip through exactly; `render` writes values in it.

Formats are strftime patterns plus `%3f` (milliseconds: the first three digits
of `%f`), which strftime lacks and `.000` text needs.

`granularity` is the coarsest step every value sits on (a day for date-only
values, a minute where the source has no seconds), so generated values keep it.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Iterable

import numpy as np
import pandas as pd

FORMAT_MIN_SHARE = 0.9  # share of the sampled values a format must reproduce exactly
SAMPLE = 500

_DATES = ("%Y-%m-%d", "%Y/%m/%d", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%Y%m%d")
_CLOCKS = ("%H:%M:%S", "%H:%M", "%H:%M:%S.%3f", "%H:%M:%S.%f")
_SUFFIXES = ("", "Z")
DATE_STEP = 86400.0
_STEPS = (DATE_STEP, 3600.0, 60.0, 1.0, 1e-3, 1e-6)


def datetime_formats() -> list[str]:
    """Candidate formats, most specific first (a date alone also parses as nothing else)."""
    out = list(_DATES)
    for d in _DATES[:5]:
        for sep in (" ", "T"):
            out += [f"{d}{sep}{c}{z}" for c in _CLOCKS for z in _SUFFIXES]
    return out


def time_formats() -> list[str]:
    return list(_CLOCKS)


def parse_format(fmt: str) -> str:
    """The strptime / pandas form of a format (`%3f` reads as `%f`; a literal Z stays literal)."""
    return fmt.replace("%3f", "%f")


def detect_format(values: Iterable[Any], *, time_only: bool = False) -> str | None:
    """The format that reproduces ≥ FORMAT_MIN_SHARE of the text values exactly, or None."""
    texts = [v.strip() for v in values if isinstance(v, str) and v.strip()][:SAMPLE]
    if not texts:
        return None
    candidates = time_formats() if time_only else datetime_formats()
    best, best_hits = None, 0
    for fmt in candidates:
        if not _round_trips(texts[0], fmt) and best is not None:
            continue  # quick rejection: the first value decides most columns
        hits = sum(_round_trips(t, fmt) for t in texts)
        if hits > best_hits:
            best, best_hits = fmt, hits
        if hits == len(texts):
            break
    return best if best_hits >= FORMAT_MIN_SHARE * len(texts) else None


def _round_trips(text: str, fmt: str) -> bool:
    try:
        value = dt.datetime.strptime(text, parse_format(fmt))
    except ValueError:
        return False
    return format_value(value, fmt) == text


def format_value(value: Any, fmt: str) -> Any:
    """One value as text in `fmt`; NULL stays None, text the format cannot read stays as it is."""
    if value is None or value is pd.NaT or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, str):
        try:
            value = pd.Timestamp(value).to_pydatetime()
        except ValueError:
            return value
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value).to_pydatetime()
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    if isinstance(value, dt.time):
        value = dt.datetime.combine(dt.date(2000, 1, 1), value)
    if not isinstance(value, dt.datetime):
        return value
    millis = f"{value.microsecond:06d}"[:3]
    return millis.join(value.strftime(part) for part in fmt.split("%3f"))


def render(values: Iterable[Any], fmt: str) -> list[Any]:
    return [format_value(v, fmt) for v in values]


def granularity(seconds: np.ndarray, *, time_only: bool = False) -> float:
    """The coarsest step (day, hour, minute, second, ms, µs) every value is a multiple of."""
    x = np.asarray(seconds, dtype=float)
    x = x[np.isfinite(x)]
    if not len(x):
        return 1.0
    micros = np.round(x * 1e6)
    for step in _STEPS[1:] if time_only else _STEPS:
        unit = round(step * 1e6)
        if np.all(np.mod(micros, unit) == 0):
            return step
    return 1e-6


def snap(seconds: np.ndarray, step: float) -> np.ndarray:
    """Seconds rounded to the step, as whole microseconds (float64 loses µs on epoch seconds)."""
    unit = max(round(step * 1e6), 1)
    return np.round(np.asarray(seconds, dtype=float) * 1e6 / unit).astype(np.int64) * unit
