"""Key generation and FK assignment: PKs, string-key patterns, UUIDs, quotas, forests."""
from __future__ import annotations

import uuid
from typing import Any

import numpy as np
import pandas as pd

from dbsynth.transform.keyshapes import (_CLASSES, learn_pattern, numeric_text_pattern,  # noqa: F401
                                          proportional_counts, time_steps)


def integer_keys(*, start: int, n: int) -> np.ndarray:
    """Sequential integer keys start+1 .. start+n (Python ints, insertable as-is)."""
    return np.array(list(range(start + 1, start + n + 1)), dtype=object)


def uuid_keys(*, n: int, rng: np.random.Generator) -> np.ndarray:
    raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    return np.array([str(uuid.UUID(bytes=bytes(r), version=4)) for r in raw], dtype=object)


def pattern_keys(*, pattern: dict[str, Any], n: int, rng: np.random.Generator,
                 seen: set[Any], max_length: int | None = None) -> np.ndarray:
    """`n` new unique strings shaped like the source keys (not in `seen`; `seen` is updated)."""
    out: list[str] = []
    lengths = rng.choice(pattern["lengths"], size=n, p=pattern["length_p"])
    for length in lengths:
        for attempt in range(50):
            key = _one_key(pattern["classes"][:int(length)], rng)
            if attempt > 20:  # the shape space is crowded: lengthen with digits
                key += str(int(rng.integers(0, 10 ** 6)))
            key = key[:max_length] if max_length else key
            if key not in seen:
                break
        seen.add(key)
        out.append(key)
    return np.array(out, dtype=object)


def _one_key(classes: list[str], rng: np.random.Generator) -> str:
    chars = []
    for cls in classes:
        if cls.startswith("="):
            chars.append(cls[1:])
            continue
        pool = "".join(_CLASSES[c] for c in cls)
        chars.append(pool[int(rng.integers(0, len(pool)))])
    return "".join(chars)


def assign_by_quota(*, n: int, quotas: np.ndarray, rng: np.random.Generator,
                    unique: bool = False) -> np.ndarray:
    """Parent positions for `n` children, proportional to remaining quota; quotas are consumed.

    unique: each parent at most once (one-to-one FKs); -1 where parents ran out.
    """
    if len(quotas) == 0:
        return np.full(n, -1)
    if unique:
        free = np.flatnonzero(quotas > -0.5)
        w = np.clip(quotas[free], 0, None) + 1e-3
        k = min(n, len(free))
        pick = free[_weighted_without_replacement(w, k, rng)]
        quotas[pick] = -1.0
        return np.concatenate([pick, np.full(n - k, -1)]).astype(int)
    w = np.clip(quotas, 0, None)
    if w.sum() <= 0:  # quotas used up (rounding, resampling): spread evenly
        w = np.ones(len(quotas))
    pick = rng.permutation(np.repeat(np.arange(len(quotas)), proportional_counts(w, n, rng)))
    quotas -= np.bincount(pick, minlength=len(quotas))
    return pick


def assign_matched(*, scores: np.ndarray, parent_feature: np.ndarray, quotas: np.ndarray,
                   rng: np.random.Generator) -> np.ndarray:
    """Quota assignment that pairs children with parents by rank of a shared score.

    `scores` are the children's predictions of the parent feature (with the
    residual noise already added), so ranking both sides and pairing them
    reproduces the child ↔ parent dependence while quotas are met as in
    `assign_by_quota`.
    """
    n = len(scores)
    if len(quotas) == 0:
        return np.full(n, -1)
    w = np.clip(quotas, 0, None)
    if w.sum() <= 0:
        w = np.ones(len(quotas))
    slots = np.repeat(np.arange(len(quotas)), proportional_counts(w, n, rng))
    slots = slots[np.argsort(parent_feature[slots] + rng.uniform(0, 1e-9, len(slots)), kind="stable")]
    pick = np.empty(n, dtype=int)
    pick[np.argsort(scores, kind="stable")] = slots
    quotas -= np.bincount(pick, minlength=len(quotas))
    return pick


def _weighted_without_replacement(w: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    # Gumbel top-k: exact weighted sampling without replacement, vectorised
    keys = np.log(w) + rng.gumbel(size=len(w))
    return np.argsort(-keys, kind="stable")[:k]


def assign_grouped_unique(*, groups: np.ndarray, quotas: np.ndarray, rng: np.random.Generator,
                          scores: np.ndarray | None = None,
                          parent_feature: np.ndarray | None = None) -> np.ndarray:
    """Distinct parents within each context group (link tables: unique (context, other) pairs).

    Assigns globally (by quota, or matched on a score), then redraws the few
    rows that repeat a pair; only groups that still clash get an exact
    per-group draw, so cost stays linear in rows. -1 where a group has more
    rows than there are parents.
    """
    if len(quotas) == 0:
        return np.full(len(groups), -1)
    if scores is not None and parent_feature is not None:
        pick = assign_matched(scores=scores, parent_feature=parent_feature, quotas=quotas, rng=rng)
    else:
        pick = assign_by_quota(n=len(groups), quotas=quotas, rng=rng)
    for _ in range(REDRAW_ROUNDS):
        dup = _repeated(groups, pick)
        if not dup.any():
            return pick
        np.add.at(quotas, pick[dup], 1)  # a repeated pick gives its quota back: big parents are not drained by it
        w = np.clip(quotas, 0, None) + 1e-3
        pick[dup] = rng.choice(len(w), size=int(dup.sum()), p=w / w.sum())
        np.subtract.at(quotas, pick[dup], 1)
    for g in np.unique(groups[_repeated(groups, pick)]):
        _exact_group(np.flatnonzero(groups == g), pick, quotas, rng)
    return pick


REDRAW_ROUNDS = 6


def _repeated(groups: np.ndarray, pick: np.ndarray) -> np.ndarray:
    return pd.DataFrame({"g": groups, "p": pick}).duplicated().to_numpy()


def _exact_group(rows: np.ndarray, pick: np.ndarray, quotas: np.ndarray, rng: np.random.Generator) -> None:
    dup = _repeated(np.zeros(len(rows)), pick[rows])
    w = np.clip(quotas, 0, None) + 1e-3
    w[np.unique(pick[rows][~dup])] = 0.0
    free = np.flatnonzero(w > 0)
    k = min(int(dup.sum()), len(free))
    redo = rows[dup]
    pick[redo] = -1
    pick[redo[:k]] = free[_weighted_without_replacement(w[free], k, rng)]


def forest_parents(*, n: int, depth_p: list[float], fanout: list[float],
                   rng: np.random.Generator) -> np.ndarray:
    """Parent position per row (-1 for roots): the source's depth mix and fan-out shape.

    Rows are ordered by depth, so every parent precedes its children and the
    result is acyclic.
    """
    depths = np.sort(rng.choice(len(depth_p), size=n, p=np.asarray(depth_p) / np.sum(depth_p)))
    if n:
        depths[0] = 0
        # close gaps (no row drew some middle depth): a level without rows above it would
        # otherwise turn every deeper row into a root, i.e. an all-NULL self-reference
        depths = np.unique(depths, return_inverse=True)[1].reshape(-1)
    parents = np.full(n, -1)
    knots = np.asarray(fanout, dtype=float)
    quota = np.interp(rng.uniform(0, 1, n), np.linspace(0, 1, len(knots)), knots) + 0.05
    for d in range(1, int(depths.max(initial=0)) + 1):
        upper = np.flatnonzero(depths == d - 1)
        rows = np.flatnonzero(depths == d)
        if len(upper) == 0:
            depths[rows] = 0
            continue
        sub = quota[upper].copy()
        parents[rows] = upper[assign_by_quota(n=len(rows), quotas=sub, rng=rng)]
    return parents


def make_unique(values: np.ndarray, *, seen: set[Any], max_length: int | None = None) -> np.ndarray:
    """Suffix (strings) or bump (integers) duplicates so every non-NULL value is new."""
    out = values.copy()
    top = max((v for v in seen if isinstance(v, int) and not isinstance(v, bool)), default=0)
    for i, v in enumerate(out):
        if v is None or (isinstance(v, float) and np.isnan(v)):
            continue
        if v in seen:
            if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
                top = max(top, int(v))
                v = top + 1
            else:
                v = _suffixed(str(v), seen, max_length)
            out[i] = v
        if isinstance(v, int):
            top = max(top, v)
        seen.add(v)
    return out


def _suffixed(text: str, seen: set[Any], max_length: int | None) -> str:
    k = 2
    while True:
        suffix = f"-{k}"
        base = text[: max_length - len(suffix)] if max_length and max_length > len(suffix) else text
        cand = (base + suffix)[: max_length] if max_length else base + suffix
        if cand not in seen:
            return cand
        k += 1


def as_column_type(values: np.ndarray, logical: Any) -> np.ndarray:
    """Key values taken from a parent column of another type, in the child column's type.

    An INTEGER FK to a text key gets 301 for '301'; a text FK to an integer key gets '301'.
    """
    from dbsynth.schema.model import LogicalType

    if logical == LogicalType.INTEGER:
        convert = (lambda v: int(v) if isinstance(v, str) and v.isdigit() and (v == "0" or v[0] != "0") else v)
    elif logical == LogicalType.TEXT:
        convert = (lambda v: str(v) if isinstance(v, (int, np.integer)) and not isinstance(v, bool) else v)
    else:
        return values
    out = np.empty(len(values), dtype=object)
    out[:] = [convert(v) for v in values]
    return out


def time_keys(spec: dict[str, Any], index: np.ndarray) -> np.ndarray:
    """start + index × step, as text in the source's format, dates or datetimes."""
    stamps = pd.to_datetime(spec["start"] + np.asarray(index, dtype=float) * spec["step"], unit="s")
    if spec.get("fmt"):
        from dbsynth.transform.datefmt import render
        values: list[Any] = render(stamps, spec["fmt"])  # datefmt's `%3f` (milliseconds) included
    elif spec["unit"] == "date":
        values = [s.date() for s in stamps]
    else:
        values = [s.to_pydatetime() for s in stamps]
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def key_frame(values: dict[str, np.ndarray]) -> pd.DataFrame:
    return pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in values.items()})
