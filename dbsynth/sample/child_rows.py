"""`rows` for a table drawn per parent row (a child through its context FK).

A root table's `rows` is its count. A child's count follows its parent's: the
learned children-per-parent ratio times the parent rows. An explicit `rows`
on a child scales that ratio (and the per-parent cap) by one factor, so the
shape of the counts is kept and the table reaches the rows asked for; its
own children follow it (an invoice per customer stays an invoice per
customer). What cannot be reached is a ConfigError, never a silent miss.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Callable, Mapping

from dbsynth.errors import ConfigError
from dbsynth.sample.batching import expected_rows, parent_of

if TYPE_CHECKING:
    from dbsynth.relational.model import RelationalModel


def child_factors(model: "RelationalModel", order: list[str], row_counts: Mapping[str, int],
                  root_total: Callable[[str], int], given: Mapping[str, float] | None = None) -> dict[str, float]:
    """Per child table with `rows`: the factor on its children-per-parent counts (`given`: rows of
    tables read from an append target, sample/given.py)."""
    factors: dict[str, float] = {}
    for table in order:  # parents first: a factor set above is in the parent's rows below
        want = row_counts.get(table)
        parent = parent_of(model, table)
        if want is None or parent is None or model.tables[table].copy_rows is not None or table in (given or {}):
            continue
        planned = expected_rows(model, order, root_total, factors, given)
        have, parents = planned.get(table, 0.0), planned.get(parent, 0.0)
        if want == 0:
            factors[table] = 0.0
            continue
        where = f"config [tables.{table}] rows = {want}"
        if have <= 0:
            raise ConfigError(f"{where}: {table} is drawn per {parent} row (its context FK), and "
                              f"{parent} is planned with {parents:,.0f} rows that have {table} children",
                              hint=f"give {parent} rows, or set [tables.{table}] context to another FK")
        tp = model.tables[table]
        one_each = tp.context is not None and sorted(tp.context.columns) in [sorted(s) for s in tp.unique_sets]
        if one_each and want > parents:
            raise ConfigError(f"{where}: {table} has at most one row per {parent} row (its context FK is "
                              f"unique) and {parent} is planned with {parents:,.0f} rows",
                              hint=f"set [tables.{parent}] rows (or --scale) to at least {want}")
        factors[table] = want / have
    return factors


def scaled_cap(cap: float | None, factor: float) -> float | None:
    """The learned most-children-per-parent, grown with the factor so the asked rows fit."""
    if cap is None or factor <= 1:
        return cap
    return float(math.ceil(cap * factor))
