"""The registry of type value generators (see pgtypes.py for how columns reach them).

A `TypeGen` pairs `fit` (source values -> JSON-able params, or None when the
values are not of the type, e.g. a SQLite BLOB holding text) and `draw`
(params -> `n` non-NULL values the loaders accept). Generators register under
their PostgreSQL type name and aliases.
"""
from __future__ import annotations

import re
from typing import Any, Callable

import numpy as np
import pandas as pd

from dbsynth.schema.model import Column


class TypeGen:
    """One type's generator: `fit` (None: the values are not of this type) and `draw`."""

    def __init__(self, name: str, fit: Callable[[list[Any], Column], dict[str, Any] | None],
                 draw: Callable[[dict[str, Any], int, np.random.Generator], list[Any]]) -> None:
        self.name, self.fit, self.draw = name, fit, draw


REGISTRY: dict[str, TypeGen] = {}


def register(name: str, *, aliases: tuple[str, ...] = ()) -> Callable[[type], type]:
    def wrap(cls: type) -> type:
        gen = TypeGen(name, cls.fit, cls.draw)
        for key in (name, *aliases):
            REGISTRY[key] = gen
        return cls
    return wrap


def base_type(col: Column) -> str:
    """`bit varying(16)` → `bit varying`: the type name without modifiers, lower case."""
    text = (col.domain_type_sql or col.type_sql or "").lower()
    return re.sub(r"\s*\(.*\)\s*", "", text).strip()


def missing(v: Any) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    return isinstance(v, float) and v != v


def numbers_share(values: list[Any]) -> float:
    return sum(isinstance(v, (int, float, np.number)) for v in values) / len(values) if values else 0.0


def norm(p: Any) -> np.ndarray:
    arr = np.asarray(p, dtype=float)
    return arr / arr.sum()

