"""Value generators for types the copula has no place for (mostly PostgreSQL's).

jsonb/json, hstore, arrays, interval, money, inet/cidr, macaddr, bit/varbit, bytea,
ranges, point, tsvector and non-key uuid columns are not numbers or
categories, so they are not modelled jointly with the table: each is drawn
by its type's generator from distributions learned on the source (NULL
share, key structure, lengths, bounds…), conditioned on nothing else.

A small registry keyed by the column's type name (or logical type) holds one
`TypeGen` per type: `fit` turns source values into JSON-able params (no
source value that occurs only once is kept), `draw` turns params into `n`
non-NULL values the loaders accept: PostgreSQL text literals (COPY parses
them into the column's type; SQLite keeps them as text), JSON text, bytes
for bytea and Python lists for arrays.
"""
from __future__ import annotations

import json
import re
from typing import Any, Iterable

import numpy as np
import pandas as pd

from dbsynth.schema.model import Column, LogicalType, Table
from dbsynth.transform import pgscalars  # noqa: F401  (registers the scalar generators)
from dbsynth.transform import valuetree
from dbsynth.transform.dists import draw_numbers, learn_numbers
from dbsynth.transform.pgranges import range_text
from dbsynth.transform.typegen import REGISTRY, TypeGen, base_type, missing, register

SPEC_KIND = "pgtype"
UNIQUE_TRIES = 20
_REGISTRY = REGISTRY

_BY_LOGICAL = {LogicalType.JSON: "json", LogicalType.ARRAY: "array", LogicalType.INTERVAL: "interval",
               LogicalType.BINARY: "bytea", LogicalType.UUID: "uuid"}


def type_kind(col: Column) -> str | None:
    """The registered generator for `col`, or None (the column is modelled as usual)."""
    if col.logical_type in _BY_LOGICAL:
        return _BY_LOGICAL[col.logical_type]
    name = base_type(col)
    if name.endswith("[]"):
        return "array"
    return name if name in _REGISTRY else None


def typed_columns(table: Table, names: Iterable[str]) -> list[str]:
    """Those of `names` drawn by a type generator: their values are type literals (ranges, inet,
    JSON text) that only the database itself can check a CHECK against."""
    return [n for n in names if n in table.column_names and type_kind(table.column(n)) is not None
            and table.column(n).logical_type not in (LogicalType.UUID, LogicalType.BINARY)]


def generator_kind(col: Column, values: pd.Series) -> str | None:
    """The generator that takes `col`, given its source values (None: model it as usual).

    A SQLite BLOB holding text, or a JSON column holding plain words, stays text.
    """
    kind = type_kind(col)
    if kind is None:
        return None
    present = [v for v in values.tolist() if not missing(v)]
    return kind if _REGISTRY[kind].fit(present[:200], col) is not None else None


def fit_spec(col: Column, values: pd.Series, *, unique: bool = False) -> dict[str, Any] | None:
    """The `others` spec of a column drawn by its type generator, or None when none fits."""
    kind = type_kind(col)
    if kind is None:
        return None
    present = [v for v in values.tolist() if not missing(v)]
    params = _REGISTRY[kind].fit(present, col)
    if params is None:
        return None
    null_rate = 1 - len(present) / len(values) if len(values) else 0.0
    return {"column": col.name, "kind": SPEC_KIND, "type": kind, "params": params,
            "null_rate": null_rate if col.nullable else 0.0, "unique": unique}


def sample_spec(spec: dict[str, Any], *, n: int, rng: np.random.Generator,
                seen: set[Any] | None = None) -> np.ndarray:
    """`n` values (None at the learned NULL share); unique ones when the spec says so."""
    gen = _REGISTRY[spec["type"]]
    values = gen.draw(spec["params"], n, rng)
    if spec.get("unique") and seen is not None:
        values = _unique(values, gen, spec["params"], rng, seen)
    out = np.empty(n, dtype=object)
    for i, v in enumerate(values):  # one by one: equal-length lists must not become a 2-D array
        out[i] = v
    out[null_rows(n, spec.get("null_rate", 0.0), rng)] = None
    return out


def null_rows(n: int, rate: float, rng: np.random.Generator) -> np.ndarray:
    """Exactly the NULL share (rounded at random), at random rows: small tables keep it too."""
    whole = n * rate
    count = int(whole) + int(rng.uniform() < whole - int(whole))
    mask = np.zeros(n, dtype=bool)
    mask[rng.permutation(n)[:count]] = True
    return mask


def plain_value(value: Any) -> Any:
    """A source value copied verbatim (reference tables), JSON-able and accepted by every loader:
    documents and arrays keep their structure, ranges become range literals, the rest text."""
    if missing(value):  # NaT of an interval column
        return None
    if isinstance(value, (dict, list, tuple)):
        return json.loads(json.dumps(value, default=str))
    if hasattr(value, "isempty") and hasattr(value, "bounds"):  # psycopg Range
        return range_text(value)
    return str(value)


def _unique(values: list[Any], gen: TypeGen, params: dict[str, Any], rng: np.random.Generator,
            seen: set[Any]) -> list[Any]:
    out = list(values)
    for i, v in enumerate(out):
        for _ in range(UNIQUE_TRIES):
            key = _hashable(v)
            if key not in seen:
                break
            v = gen.draw(params, 1, rng)[0]
        seen.add(_hashable(v))
        out[i] = v
    return out


def _hashable(v: Any) -> Any:
    return json.dumps(v, default=str) if isinstance(v, (list, dict)) else v


# ---- documents and arrays (scalar types: pgscalars.py) -------------------------------

@register("json", aliases=("jsonb",))
class _Json:
    """Documents with the source's key structure (valuetree), written as JSON text."""

    @staticmethod
    def fit(values: list[Any], col: Column) -> dict[str, Any] | None:
        docs = []
        for v in values:
            if isinstance(v, (str, bytes)):
                try:
                    v = json.loads(v)
                except ValueError:
                    continue  # a stray non-JSON text
            docs.append(v)
        if values and len(docs) < 0.9 * len(values):
            return None  # mostly plain text in a JSON-declared (SQLite) column: model it as text
        return {"tree": valuetree.learn(docs)}

    @staticmethod
    def draw(params: dict[str, Any], n: int, rng: np.random.Generator) -> list[Any]:
        docs = valuetree.draw(params["tree"], n, rng) if params["tree"]["kinds"] else [{}] * n
        return [json.dumps(d, default=str) for d in docs]


_HSTORE_PAIR = re.compile(r'"((?:[^"\\]|\\.)*)"\s*=>\s*(NULL|"((?:[^"\\]|\\.)*)")')


@register("hstore")
class _Hstore:
    """Key/value sets with the source's keys (at their shares) and values per key (value tree)."""

    @staticmethod
    def fit(values: list[Any], col: Column) -> dict[str, Any] | None:
        docs = [v if isinstance(v, dict) else _hstore_dict(str(v)) for v in values]
        return {"tree": valuetree.learn(docs)}

    @staticmethod
    def draw(params: dict[str, Any], n: int, rng: np.random.Generator) -> list[Any]:
        docs = valuetree.draw(params["tree"], n, rng) if params["tree"]["kinds"] else [{}] * n
        return [", ".join(f'{_hs_quote(k)}=>{"NULL" if v is None else _hs_quote(v)}' for k, v in d.items())
                for d in docs]


def _hstore_dict(text: str) -> dict[str, str | None]:
    unescape = lambda s: re.sub(r"\\(.)", r"\1", s)  # noqa: E731
    return {unescape(k): None if raw == "NULL" else unescape(v) for k, raw, v in _HSTORE_PAIR.findall(text)}


def _hs_quote(value: Any) -> str:
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


@register("array")
class _Array:
    """Arrays with the source's length and element distributions (Python lists).

    Elements of a type with its own generator (inet[], jsonb[], tstzrange[]…) are drawn by it;
    others (numbers, text, dates, nested arrays) by the value tree. Nested arrays come out
    rectangular, as PostgreSQL requires.
    """

    @staticmethod
    def fit(values: list[Any], col: Column) -> dict[str, Any] | None:
        lists = [list(v) for v in values if isinstance(v, (list, tuple))]
        if values and len(lists) < 0.9 * len(values):
            return None
        item = _item_generator(col)
        if item is not None:
            elements = [x for v in lists for x in v if not missing(x)]
            params = _REGISTRY[item].fit(elements, _item_column(col))
            if params is not None:
                return {"len": learn_numbers([len(v) for v in lists], integer=True), "item_kind": item,
                        "item": params}
        return {"tree": valuetree.learn(lists) if lists else {"kinds": ["array"], "p": [1.0],
                                                            "array": {"len": {}, "item": None}}}

    @staticmethod
    def draw(params: dict[str, Any], n: int, rng: np.random.Generator) -> list[Any]:
        if "item_kind" in params:
            lengths = np.clip(draw_numbers(params["len"], n, rng, default=1), 0, None).astype(int)
            flat = _REGISTRY[params["item_kind"]].draw(params["item"], int(lengths.sum()), rng)
            bounds = np.concatenate([[0], np.cumsum(lengths)])
            return [list(flat[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]
        return [_rectangular(v) if isinstance(v, list) else [] for v in valuetree.draw(params["tree"], n, rng)]


def _item_column(col: Column) -> Column:
    from dataclasses import replace
    return replace(col, logical_type=LogicalType.OTHER, type_sql=col.item_type or "text", domain_type_sql=None,
                   item_type=None)


def _item_generator(col: Column) -> str | None:
    if not col.item_type:
        return None
    kind = type_kind(_item_column(col))
    return None if kind == "array" else kind


def _rectangular(value: list[Any]) -> list[Any]:
    """Sub-arrays cut to one length (PostgreSQL: 'multidimensional arrays must have matching dimensions')."""
    if not value or not all(isinstance(x, list) for x in value):
        return [x for x in value if not isinstance(x, list)] if any(isinstance(x, list) for x in value) else value
    width = min(len(x) for x in value)
    return [_rectangular(x[:width]) for x in value]
