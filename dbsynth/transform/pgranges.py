"""Range types (int4range, int8range, numrange, daterange, tsrange, tstzrange).

A range is learned as its lower bound's distribution and its width's, each
with the source's granularity (bookings on the hour stay on the hour), plus
the shares of empty and unbounded ranges and the usual bound brackets.
Drawn ranges always have lower < upper, so they are valid and non-empty
unless the source itself held `empty` ranges.
"""
from __future__ import annotations

import bisect
import datetime as dt
import re
from typing import Any

import numpy as np
import pandas as pd

from dbsynth.transform.dists import draw_numbers, granularity, learn_categories, learn_numbers, draw_categories

# type -> (value kind, granularity steps from coarse to fine)
RANGE_TYPES: dict[str, tuple[str, tuple[float, ...]]] = {
    "int4range": ("int", (1.0,)), "int8range": ("int", (1.0,)),
    "numrange": ("num", (1.0, 0.01, 1e-6)),
    "daterange": ("date", (1.0,)),
    "tsrange": ("ts", (86400.0, 3600.0, 900.0, 60.0, 1.0, 1e-6)),
    "tstzrange": ("tstz", (86400.0, 3600.0, 900.0, 60.0, 1.0, 1e-6)),
}
_EPOCH = dt.datetime(1970, 1, 1)
_EPOCH_DATE = dt.date(1970, 1, 1)
_TEXT = re.compile(r'^\s*([\[(])\s*"?([^,"]*)"?\s*,\s*"?([^)\]"]*)"?\s*([\])])\s*$')
_DEFAULT_LOWER = {"int": 1.0, "num": 1.0, "date": 19723.0, "ts": 1.7e9, "tstz": 1.7e9}
_DEFAULT_WIDTH = {"int": 10.0, "num": 1.0, "date": 7.0, "ts": 3600.0, "tstz": 3600.0}


def learn_ranges(values: list[Any], type_name: str) -> dict[str, Any] | None:
    kind, steps = RANGE_TYPES[type_name]
    parsed = [_safe_parse(v, kind) for v in values]
    ok = [p for p in parsed if p is not None]
    if values and len(ok) < 0.9 * len(values):
        return None
    bounded = [p for p in ok if p[0] != "empty"]
    lowers = np.asarray([p[1] for p in bounded if p[1] is not None], dtype=float)
    widths = np.asarray([p[2] - p[1] for p in bounded if p[1] is not None and p[2] is not None], dtype=float)
    widths = widths[widths > 0]
    integer = kind in ("int", "date")
    return {"kind": kind, "empty": (len(ok) - len(bounded)) / max(len(ok), 1),
            "lower_inf": _share(bounded, lambda p: p[1] is None),
            "upper_inf": _share(bounded, lambda p: p[2] is None),
            "lower": learn_numbers(lowers, integer=integer), "width": learn_numbers(widths, integer=integer),
            "lower_step": granularity(lowers, steps) if len(lowers) else steps[-1],
            "width_step": granularity(widths, steps) if len(widths) else steps[-1],
            "brackets": learn_categories([p[0] for p in bounded], min_repeats=1) or
            {"values": ["[)"], "p": [1.0]}}


def draw_ranges(params: dict[str, Any], n: int, rng: np.random.Generator) -> list[str]:
    kind = params["kind"]
    lo_step, w_step = params["lower_step"], params["width_step"]
    lower = np.round(draw_numbers(params["lower"], n, rng, default=_DEFAULT_LOWER[kind]) / lo_step) * lo_step
    width = np.round(draw_numbers(params["width"], n, rng, default=_DEFAULT_WIDTH[kind]) / w_step) * w_step
    width = np.maximum(width, w_step)  # never empty: lower < upper
    brackets = draw_categories(params["brackets"], n, rng)
    empty = rng.uniform(size=n) < params["empty"]
    lo_inf = rng.uniform(size=n) < params["lower_inf"]
    up_inf = rng.uniform(size=n) < params["upper_inf"]
    out = []
    for i in range(n):
        if empty[i]:
            out.append("empty")
            continue
        left = "(" if lo_inf[i] else brackets[i][0]
        right = ")" if up_inf[i] else brackets[i][1]
        lo = "" if lo_inf[i] else _format(lower[i], kind)
        up = "" if up_inf[i] else _format(lower[i] + width[i], kind)
        out.append(f"{left}{lo},{up}{right}")
    return out


def range_bounds(value: Any, type_name: str) -> tuple[float | None, float | None] | None:
    """(lower, upper) of a range value (text literal or psycopg Range) as numbers on one axis
    (days for dates, epoch seconds for timestamps; None = unbounded), or None when empty or
    unreadable: what an EXCLUDE (… WITH &&) check needs to test overlaps."""
    parsed = _safe_parse(value, RANGE_TYPES[type_name][0])
    if parsed is None or parsed[0] == "empty":
        return None
    return parsed[1], parsed[2]


Bound = tuple[float, int]  # (position, tie) so inclusive / exclusive bounds compare as half-open
PLACE_SCAN = 2_000  # gaps tried per range at most; beyond, a range goes after the key's last one


class Busy:
    """Disjoint intervals of one key, sorted by lower bound (the ranges laid out so far)."""

    def __init__(self) -> None:
        self.lows: list[Bound] = []
        self.highs: list[Bound] = []

    def overlaps(self, low: Bound, high: Bound) -> bool:
        at = bisect.bisect_right(self.lows, low)
        if at > 0 and self.highs[at - 1] > low:
            return True
        return at < len(self.lows) and self.lows[at] < high

    def add(self, low: Bound, high: Bound) -> None:
        at = bisect.bisect_right(self.lows, low)
        self.lows.insert(at, low)
        self.highs.insert(at, high)


def place_ranges(values: list[Any], keys: list[tuple[Any, ...]], type_name: str, busy: dict[Any, Busy]) -> list[Any]:
    """`values` moved so that no two ranges with equal keys overlap (EXCLUDE (k WITH =, r WITH &&)).

    A range that overlaps one laid out before keeps its width and brackets and
    moves to the free start nearest its own: its own lower bound, or the end
    of another range of its key (always free past the last one, so this
    converges). `busy` holds each key's ranges across calls (chunks). NULL,
    empty and unbounded ranges, and keys with a NULL, stay as they are.
    """
    kind = RANGE_TYPES[type_name][0]
    out = list(values)
    for i, (key, value) in enumerate(zip(keys, values)):
        if any(v is None or (isinstance(v, float) and v != v) for v in key):
            continue
        parsed = _safe_parse(value, kind)
        if parsed is None or parsed[0] == "empty" or parsed[1] is None or parsed[2] is None:
            continue  # unbounded sides cannot move; the validator still checks them
        brackets, lo, hi = parsed
        here = busy.setdefault(key, Busy())
        start = _free_start(here, lo, hi - lo, brackets, kind)
        if start != lo:
            out[i] = f"{brackets[0]}{_format(start, kind)},{_format(start + hi - lo, kind)}{brackets[1]}"
        here.add(*_tied(start, start + hi - lo, brackets))
    return out


def _tied(lo: float, hi: float, brackets: str) -> tuple[Bound, Bound]:
    return (lo, 0 if brackets[0] == "[" else 1), (hi, 1 if brackets[1] == "]" else 0)


def _free_start(here: Busy, lo: float, width: float, brackets: str, kind: str) -> float:
    if not here.overlaps(*_tied(lo, lo + width, brackets)):
        return lo
    nudge = 1.0 if kind in ("int", "date") else 1e-6  # past an inclusive upper bound
    ends = sorted({h[0] + (nudge if h[1] else 0.0) for h in here.highs}, key=lambda e: abs(e - lo))
    for end in ends[:PLACE_SCAN]:
        if not here.overlaps(*_tied(end, end + width, brackets)):
            return end
    last = max(h[0] for h in here.highs)
    return last + nudge


def range_text(value: Any) -> str:
    """A psycopg Range as a range literal ('[1,4)', '["2024-01-01 00:00:00+00:00",)', 'empty')."""
    if value.isempty:
        return "empty"
    bounds = ["" if b is None else f'"{b}"' for b in (value.lower, value.upper)]  # str(datetime): ISO
    return f"{value.bounds[0]}{bounds[0]},{bounds[1]}{value.bounds[1]}"


def _share(items: list[Any], test: Any) -> float:
    return sum(1 for p in items if test(p)) / len(items) if items else 0.0


def _safe_parse(value: Any, kind: str) -> tuple[str, float | None, float | None] | None:
    try:
        return _parse(value, kind)
    except (ValueError, TypeError, OverflowError):  # 'infinity' bounds, dirty text
        return None


def _parse(value: Any, kind: str) -> tuple[str, float | None, float | None] | None:
    """(brackets or 'empty', lower, upper) as numbers; None when unreadable."""
    if hasattr(value, "isempty"):  # psycopg Range
        if value.isempty:
            return ("empty", None, None)
        return (value.bounds, _number(value.lower, kind), _number(value.upper, kind))
    text = str(value).strip()
    if text.lower() == "empty":
        return ("empty", None, None)
    match = _TEXT.match(text)
    if not match:
        return None
    left, lo, up, right = match.groups()
    return (left + right, _number(lo or None, kind), _number(up or None, kind))


def _number(value: Any, kind: str) -> float | None:
    if value is None:
        return None
    if kind in ("int", "num"):
        return float(value)
    if kind == "date":
        day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value).strip())
        return float((day - _EPOCH_DATE).days)
    stamp = pd.Timestamp(value)
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return (stamp - pd.Timestamp(_EPOCH)).total_seconds()


def _format(x: float, kind: str) -> str:
    if kind == "int":
        return str(int(x))
    if kind == "num":
        return f"{x:.10g}"
    if kind == "date":
        return (_EPOCH_DATE + dt.timedelta(days=int(x))).isoformat()
    stamp = _EPOCH + dt.timedelta(seconds=float(x))
    text = stamp.isoformat(sep=" ")
    return f'"{text}+00"' if kind == "tstz" else f'"{text}"'
