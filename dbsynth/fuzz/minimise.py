"""Shrink a failing fuzz schema: drop tables, then plain columns, while the same failure remains.

A dropped table takes the FKs that point at it (their columns stay, as plain
columns: their values are still valid); a dropped column takes the CHECKs and
UNIQUEs that name it. Key and FK columns are never dropped. The result is
named by `drop` items (`table` or `table.column`), which
`python -m benchmarks fuzz --seed S --schemas 1 --drop ITEMS` replays.
"""
from __future__ import annotations

import copy
from typing import Callable, Iterable

from dbsynth.fuzz.generate import FuzzSchema, Table, q


def without(schema: FuzzSchema, drop: Iterable[str]) -> FuzzSchema:
    items = list(drop)
    tables = {d for d in items if "." not in d or d in {t.name for t in schema.tables}}
    columns: dict[str, set[str]] = {}
    for d in items:
        if d not in tables:
            table, _, column = d.rpartition(".")
            columns.setdefault(table, set()).add(column)
    out = copy.deepcopy(schema)
    out.tables = [t for t in out.tables if t.name not in tables]
    for t in out.tables:
        t.fks = [fk for fk in t.fks if fk.table not in tables]
        _drop_columns(t, columns.get(t.name, set()))
    out.rows = {t.name: [{k: v for k, v in r.items() if k not in columns.get(t.name, set())}
                         for r in out.rows[t.name]] for t in out.tables}
    out.sqlite_dirt = {t: {k: v for k, v in cells.items() if k[1] not in columns.get(t, set())}
                       for t, cells in out.sqlite_dirt.items() if t not in tables}
    return out


def _drop_columns(t: Table, names: set[str]) -> None:
    if not names:
        return
    t.columns = [c for c in t.columns if c.name not in names]
    t.checks = [c for c in t.checks if not any(q(n) in c.sqlite or _bare(n, c.sqlite) for n in names)]
    t.uniques = [u for u in t.uniques if not set(u) & names]


def _bare(name: str, expr: str) -> bool:
    return expr.startswith(f"{name} ")  # the unquoted `hr >= 0 AND …` of numeric composite keys


def droppable_columns(t: Table) -> list[str]:
    keyed = set(t.pk) | {c for fk in t.fks for c in fk.columns}
    return [c.name for c in t.columns if c.name not in keyed]


def minimise(schema: FuzzSchema, still_fails: Callable[[FuzzSchema], bool], *, budget: int = 60) -> list[str]:
    """Greedy: the drop items that keep the failure; `budget` runs at most."""
    dropped: list[str] = []
    tries = 0
    for t in reversed(schema.tables):
        if tries >= budget or len(schema.tables) - _n_tables(dropped) <= 1:
            break
        tries += 1
        if still_fails(without(schema, dropped + [t.name])):
            dropped.append(t.name)
    current = without(schema, dropped)
    for t in current.tables:
        for col in droppable_columns(t):
            if tries >= budget:
                return dropped
            tries += 1
            item = f"{t.name}.{col}"
            if still_fails(without(schema, dropped + [item])):
                dropped.append(item)
    return dropped


def _n_tables(dropped: list[str]) -> int:
    return sum("." not in d for d in dropped)
