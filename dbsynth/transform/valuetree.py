"""Structure of nested values (JSON documents, arrays) learned as a tree of distributions.

Each node records which kinds of value occur at that position (object, array,
string, integer, number, boolean, null, date, datetime) and, per kind, what
they look like: an object's keys with the share of documents that carry each
key and a node per key; an array's length distribution and a node for its
elements; numbers as a support or quantile grid; strings as the categories
that repeat, else a length and character-class shape (never a source string).
Drawing walks the tree, so synthetic documents keep the source's key structure.
"""
from __future__ import annotations

import datetime as dt
import decimal
from collections import Counter
from typing import Any

import numpy as np

from dbsynth.transform.dists import (draw_categories, draw_numbers, learn_categories, learn_numbers)

MAX_DEPTH = 8
MAX_KEYS = 60
MAX_LIST_ITEMS = 1000  # longer arrays are capped when drawn
_EPOCH = dt.datetime(1970, 1, 1)
_EPOCH_DATE = dt.date(1970, 1, 1)
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def kind_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, np.integer)):
        return "integer"
    if isinstance(value, (float, decimal.Decimal, np.floating)):
        return "number"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, (list, tuple)):
        return "array"
    if isinstance(value, dt.datetime):
        return "datetime"
    if isinstance(value, dt.date):
        return "date"
    return "string"


def learn(values: list[Any], depth: int = 0) -> dict[str, Any]:
    """The tree of `values` (all present at one position of the documents)."""
    kinds = Counter(kind_of(v) for v in values)
    node: dict[str, Any] = {"kinds": list(kinds), "p": [c / max(len(values), 1) for c in kinds.values()]}
    for kind in kinds:
        subset = [v for v in values if kind_of(v) == kind]
        node[kind] = _learn_kind(kind, subset, depth)
    return node


def _learn_kind(kind: str, values: list[Any], depth: int) -> Any:
    if kind == "object":
        return _learn_object(values, depth) if depth < MAX_DEPTH else {"keys": []}
    if kind == "array":
        items = [x for v in values for x in v] if depth < MAX_DEPTH else []
        return {"len": learn_numbers([len(v) for v in values], integer=True),
                "item": learn(items, depth + 1) if items else None}
    if kind in ("integer", "number"):
        return learn_numbers([float(v) for v in values], integer=kind == "integer")
    if kind == "bool":
        return float(np.mean([bool(v) for v in values]))
    if kind == "datetime":
        tz = next((v.tzinfo for v in values if v.tzinfo is not None), None)
        return {"secs": learn_numbers([_seconds(v) for v in values]), "tz": tz is not None}
    if kind == "date":
        return learn_numbers([(v - _EPOCH_DATE).days for v in values], integer=True)
    if kind == "string":
        return learn_strings([str(v) for v in values])
    return None


def _learn_object(values: list[dict[str, Any]], depth: int) -> dict[str, Any]:
    counts = Counter(k for v in values for k in v)
    keys = []
    for key, count in counts.most_common(MAX_KEYS):
        present = [v[key] for v in values if key in v]
        keys.append([str(key), count / len(values), learn(present, depth + 1)])
    order = {k: i for i, k in enumerate(dict.fromkeys(k for v in values for k in v))}
    keys.sort(key=lambda entry: order.get(entry[0], 0))  # the source's key order
    return {"keys": keys}


def learn_strings(texts: list[str]) -> dict[str, Any]:
    """Repeating strings as categories; the rest as a shape (lengths, per-position classes)."""
    cats = learn_categories(texts)
    if cats and cats["coverage"] >= 0.5:
        return {"cats": cats}
    from dbsynth.transform.keyshapes import learn_pattern
    return {"pattern": learn_pattern(texts[:2000])}


def draw_strings(spec: dict[str, Any], n: int, rng: np.random.Generator) -> list[str]:
    if spec.get("cats"):
        return [str(v) for v in draw_categories(spec["cats"], n, rng)]
    return shaped_strings(spec["pattern"], n, rng)


def shaped_strings(pattern: dict[str, Any], n: int, rng: np.random.Generator) -> list[str]:
    """`n` strings of a learned shape (sample/keys.learn_pattern), drawn a position at a time."""
    from dbsynth.transform.keyshapes import _CLASSES
    lengths = rng.choice(pattern["lengths"], size=n, p=np.asarray(pattern["length_p"]) / np.sum(pattern["length_p"]))
    columns = []
    for cls in pattern["classes"][:int(lengths.max()) if n else 0]:
        pool = np.array(list(cls[1:] if cls.startswith("=") else "".join(_CLASSES[c] for c in cls)))
        columns.append(pool[rng.integers(0, len(pool), size=n)])
    chars = np.stack(columns, axis=1) if columns else np.empty((n, 0), dtype="<U1")
    return ["".join(row[:k]) for row, k in zip(chars.tolist(), lengths.tolist())]


def draw(node: dict[str, Any] | None, n: int, rng: np.random.Generator, depth: int = 0) -> list[Any]:
    """`n` values shaped like the tree's source values."""
    if node is None or not node.get("kinds"):
        return [None] * n
    kinds = node["kinds"]
    picks = rng.choice(len(kinds), size=n, p=np.asarray(node["p"]) / np.sum(node["p"]))
    out: list[Any] = [None] * n
    for i, kind in enumerate(kinds):
        rows = np.flatnonzero(picks == i)
        if len(rows):
            for r, v in zip(rows, _draw_kind(kind, node.get(kind), len(rows), rng, depth)):
                out[r] = v
    return out


def _draw_kind(kind: str, spec: Any, n: int, rng: np.random.Generator, depth: int) -> list[Any]:
    if kind == "null":
        return [None] * n
    if kind == "object":
        return _draw_objects(spec, n, rng, depth)
    if kind == "array":
        return _draw_arrays(spec, n, rng, depth)
    if kind in ("integer", "number"):
        x = draw_numbers(spec, n, rng)
        return [int(v) for v in x] if kind == "integer" else [float(v) for v in x]
    if kind == "bool":
        return [bool(v) for v in rng.uniform(size=n) < spec]
    if kind == "date":
        return [_EPOCH_DATE + dt.timedelta(days=int(d)) for d in draw_numbers(spec, n, rng)]
    if kind == "datetime":
        tz = dt.timezone.utc if spec.get("tz") else None
        return [(_EPOCH + dt.timedelta(seconds=round(float(s)))).replace(tzinfo=tz)
                for s in draw_numbers(spec["secs"], n, rng)]
    return draw_strings(spec, n, rng)


def _draw_objects(spec: dict[str, Any], n: int, rng: np.random.Generator, depth: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [{} for _ in range(n)]
    for key, share, child in spec["keys"]:
        rows = np.flatnonzero(rng.uniform(size=n) < share)
        for r, v in zip(rows, draw(child, len(rows), rng, depth + 1)):
            out[r][key] = v
    return out


def _draw_arrays(spec: dict[str, Any], n: int, rng: np.random.Generator, depth: int) -> list[list[Any]]:
    lengths = np.clip(draw_numbers(spec["len"], n, rng), 0, MAX_LIST_ITEMS).astype(int)
    items = draw(spec.get("item"), int(lengths.sum()), rng, depth + 1) if spec.get("item") else []
    out, pos = [], 0
    for length in lengths:
        if not items:
            out.append([])
            continue
        out.append(items[pos:pos + length])
        pos += length
    return out


def _seconds(value: dt.datetime) -> float:
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return (value - _EPOCH).total_seconds()
