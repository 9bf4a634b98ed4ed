"""Hold kept relations in synthetic rows: which ones can be held, and setting the values.

A row relation is set as each chunk of a table is drawn. An aggregate needs
all of a parent's children, so it is held only where the children hang from
the parent as their context (each batch draws a parent's whole family): the
sampler holds the parent's chunk back until its children are drawn, then sets
the column. A parent drawn whole in the first batch while its children come
over several batches is drawn per batch instead (`unresident`).
"""
from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping

import numpy as np
import pandas as pd

from dbsynth.relations.detect import aggregate, find_relations, row_expression
from dbsynth.relations.model import Relation
from dbsynth.relations.numbering import numbered
from dbsynth.schema.model import Column, LogicalType, Schema


def kept_relations(schema: Schema, frames: Mapping[str, pd.DataFrame], tables: Mapping[str, Any],
                   warnings: list[str]) -> list[dict[str, Any]]:
    """The source's exact relations the sampler can hold (as dicts for the manifest); a warning for each other.

    `tables`: the fitted TablePlans. A relation among copied tables holds by itself and is left out.
    """
    out: list[dict[str, Any]] = []
    for rel in find_relations(schema, frames, tables=list(tables)):
        why = _unheld_reason(rel, tables)
        if why == "copied" or _numbered_already(rel, tables):
            continue
        if why:
            warnings.append(f"{rel.table}.{rel.column}: equals {rel.text().split(' = ', 1)[1]} in every source row, "
                            f"but the output cannot keep it ({why}); it is modelled like any other column")
            continue
        out.append(rel.to_dict())
    return out


def _unheld_reason(rel: Relation, tables: Mapping[str, Any]) -> str | None:
    copied = {t for t, tp in tables.items() if getattr(tp, "copy_rows", None) is not None}
    if rel.kind in ("row", "sequence"):
        return "copied" if rel.table in copied else None
    assert rel.child is not None
    if rel.table in copied and rel.child in copied:
        return "copied"
    if rel.table in copied or rel.child in copied:
        return f"{rel.table if rel.table in copied else rel.child} is copied from the source, the other is not"
    ctx = tables[rel.child].context
    if ctx is None or ctx.referred_table != rel.table or list(ctx.columns) != list(rel.fk):
        return (f"{rel.child} rows are drawn under "
                f"{'no parent' if ctx is None else ctx.referred_table + ' (' + ', '.join(ctx.columns) + ')'}, "
                f"not {rel.table} via ({', '.join(rel.fk)})")
    return None


def _numbered_already(rel: Relation, tables: Mapping[str, Any]) -> bool:
    """A (parent key, line_no) primary key the fitter already numbers per family (copula/sources.py)."""
    if rel.kind != "sequence":
        return False
    others = getattr(tables[rel.table].model, "others", [])
    return any(o.get("column") == rel.column and list(o.get("group") or []) == list(rel.inputs) for o in others)


def relations_of(model: Any) -> list[Relation]:
    return [Relation.from_dict(d) for d in getattr(model, "meta", {}).get("relations", [])]


def unresident(resident: set[str], relations: Iterable[Relation], parent_of: Callable[[str], str | None],
               order: list[str]) -> set[str]:
    """Resident tables less aggregate parents whose children are not resident (and what hangs below them)."""
    out = set(resident)
    for rel in relations:
        if rel.kind == "aggregate" and rel.table in out and rel.child not in out:
            out.discard(rel.table)
    for t in order:  # a resident table's context parent is resident
        p = parent_of(t)
        if t in out and p is not None and p not in out:
            out.discard(t)
    return out


def set_row_values(relations: Iterable[Relation], cols: dict[str, Any], n: int, schema: Schema,
                   used: dict[tuple[str, str], dict[Any, int]]) -> None:
    """cols[target] = the expression of the row's (already drawn) inputs, rounded and typed as the column.

    Sequence numbers count on from `used` (numbers taken per group in earlier chunks), which is updated.
    """
    for rel in relations:
        if rel.kind == "sequence" and all(c in cols for c in rel.inputs):
            cols[rel.column] = numbered(cols, list(rel.inputs), rel.start, n,
                                        used.setdefault((rel.table, rel.column), {}))
        if rel.kind != "row" or not all(c in cols for c in rel.inputs):
            continue
        a, b = (_floats(cols[c], n) for c in rel.inputs)
        column = schema.table(rel.table).column(rel.column)
        cols[rel.column] = typed(row_expression(rel.op, a, b), column, rel.decimals)


def set_aggregates(relations: Iterable[Relation], frames: dict[str, pd.DataFrame], tables: Iterable[str],
                   schema: Schema) -> None:
    """Set each aggregate column of the parents in `tables` from their children in `frames`."""
    todo = set(tables)
    for rel in relations:
        if rel.kind != "aggregate" or rel.table not in todo or rel.child not in frames or rel.table not in frames:
            continue
        parent, child = frames[rel.table], frames[rel.child]
        pos = _positions(parent, list(rel.referred), child, list(rel.fk))
        values = np.prod([_floats(child[c].to_numpy(dtype=object), len(child)) for c in rel.inputs], axis=0) \
            if rel.inputs else np.ones(len(child))
        column = schema.table(rel.table).column(rel.column)
        agg = aggregate(rel.op, np.asarray(values, dtype=float), pos, len(parent))
        parent = parent.copy()
        parent[rel.column] = pd.Series(typed(agg, column, rel.decimals), dtype=object)
        frames[rel.table] = parent


def typed(x: np.ndarray, column: Column, decimals: int | None) -> np.ndarray:
    """Rounded to the column's scale; ints for integer columns, None for NaN."""
    integer = column.logical_type == LogicalType.INTEGER or (
        column.logical_type == LogicalType.DECIMAL and column.scale == 0)
    if decimals is not None:
        x = np.round(x, decimals)
    if integer:
        return np.array([None if np.isnan(v) else int(round(v)) for v in x], dtype=object)
    return np.array([None if np.isnan(v) else float(v) for v in x], dtype=object)


def _floats(values: Any, n: int) -> np.ndarray:
    return pd.to_numeric(pd.Series(np.asarray(values, dtype=object)), errors="coerce").to_numpy(
        dtype=float, na_value=np.nan)[:n] if n else np.zeros(0)


def _positions(parent: pd.DataFrame, pcols: list[str], child: pd.DataFrame, ccols: list[str]) -> np.ndarray:
    """Each child row's parent row in `parent` (-1 when not there); synthetic keys share their Python type."""
    pkeys = pd.MultiIndex.from_frame(parent[pcols].astype(object)) if len(pcols) > 1 else \
        pd.Index(parent[pcols[0]].astype(object))
    ckeys = pd.MultiIndex.from_frame(child[ccols].astype(object)) if len(ccols) > 1 else \
        pd.Index(child[ccols[0]].astype(object))
    return np.asarray(pkeys.get_indexer(ckeys))
