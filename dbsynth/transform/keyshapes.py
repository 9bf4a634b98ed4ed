"""Shapes of key values learned at fit time: string-key patterns, date-key steps, and the
largest-remainder split the quota dealing and count rescaling share (drawing lives in sample/keys.py)."""
from __future__ import annotations

import string
import warnings
from typing import Any, Iterable

import numpy as np
import pandas as pd

_CLASSES = {"U": string.ascii_uppercase, "L": string.ascii_lowercase, "D": string.digits, "N": "123456789"}


def learn_pattern(values: Iterable[Any]) -> dict[str, Any]:
    """Length distribution and per-position character classes of string keys (no values kept)."""
    texts = [str(v) for v in values if v is not None and not (isinstance(v, float) and np.isnan(v))]
    if not texts:
        return {"lengths": [8], "length_p": [1.0], "classes": ["U"] * 8}
    lengths, counts = np.unique([len(t) for t in texts], return_counts=True)
    width = int(lengths.max())
    classes = [_position_class([t[i] for t in texts if len(t) > i]) for i in range(width)]
    return {"lengths": lengths.tolist(), "length_p": (counts / counts.sum()).tolist(), "classes": classes}


def numeric_text_pattern(pattern: dict[str, Any]) -> dict[str, Any]:
    """Digits only, no leading zero: the key is equal as text and as a number ('301' and 301).

    Lengths stay the source's (at least 2 when it had several, so there is room for
    distinct keys); an INTEGER FK referring to a text key then matches in both types.
    """
    lengths = [max(1, int(x)) for x in pattern.get("lengths", [3])]
    width = max(lengths)
    return {"lengths": lengths, "length_p": list(pattern.get("length_p", [1.0])),
            "classes": ["N"] + ["D"] * (width - 1), "numeric": True}


def _position_class(chars: list[str]) -> str:
    kinds = set()
    for c in chars:
        kinds.add("U" if c.isupper() else "L" if c.islower() else "D" if c.isdigit() else c)
    letters = "".join(sorted(k for k in kinds if k in _CLASSES))
    if len(kinds) == 1 and not letters:
        return "=" + next(iter(kinds))  # a fixed separator such as '-'
    return letters or "U"


def proportional_counts(weights: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Integer counts summing to n, each within 1 of n·w/Σw (random largest remainder).

    Meeting quotas this closely keeps each parent's popularity instead of
    blurring it with multinomial noise.
    """
    expected = n * weights / weights.sum()
    counts = np.floor(expected).astype(int)
    short = int(n - counts.sum())
    if short > 0:
        frac = expected - counts
        p = frac / frac.sum() if frac.sum() > 0 else None
        counts[rng.choice(len(weights), size=short, replace=False, p=p)] += 1
    return counts


def time_steps(values: pd.Series, *, unit: str) -> dict[str, Any] | None:
    """First value, usual step and text format of dates in a key (None when they do not parse)."""
    from dbsynth.transform.columns import DatetimeTransform

    probe = DatetimeTransform(column="_", unit=unit)
    with warnings.catch_warnings():  # values that are not dates say so through the result
        warnings.simplefilter("ignore")
        probe._detect(values)
        secs = probe._numbers(values)
    secs = np.unique(secs[~np.isnan(secs)])
    if len(secs) < 0.95 * len(values.unique()) or not len(secs):
        return None
    diffs = np.diff(secs)
    step = float(np.median(diffs[diffs > 0])) if (diffs > 0).any() else 86400.0
    return {"start": float(secs[0]), "step": max(step, 1.0), "unit": unit,
            "fmt": probe.fmt if probe.mode == "text" else None}
