"""Tables that hang from copied (reference) tables, and small tables' quasi-identifiers.

A copied table keeps its real keys in the target, so a child's single-column FK
into it can be modelled as one more categorical column of the child over those
keys: the copula then ties Track.MediaTypeId to Track.UnitPrice and
Products.CategoryID to the product's own columns, and children per copied
parent follow the source's frequencies (Genre "Rock" keeps its share of tracks).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Mapping

import numpy as np
import pandas as pd

from dbsynth.relational import cardinality as card
from dbsynth.schema.model import LogicalType, Schema, Table

#: birth dates of a small people table move by this many days at least (and at most BLUR_MAX_DAYS)
BLUR_MIN_DAYS, BLUR_MAX_DAYS = 20, 400


def categorical_fks(schema: Schema, table: Table, frames: Mapping[str, pd.DataFrame],
                    copied: frozenset[str], context: Any = None) -> dict[str, Any]:
    """{column: fk} for the single-column FKs of ``table`` into copied tables modelled as categories.

    Left to the key sampler: composite FKs, FKs in a unique set (a link
    table's pair), columns two FKs share, and FKs whose source values do not
    all find their parent (a category would reproduce the orphans).
    """
    if table.name in copied:
        return {}
    unique_cols = {c for s in table.unique_column_sets() for c in s}
    uses: dict[str, int] = {}
    for fk in table.foreign_keys:
        for c in fk.columns:
            uses[c] = uses.get(c, 0) + 1
    out: dict[str, Any] = {}
    frame = frames.get(table.name)
    for fk in table.foreign_keys:
        col = fk.columns[0]
        if (len(fk.columns) != 1 or fk.referred_table not in copied or fk.referred_table == table.name or fk is context
                or col in unique_cols or uses[col] > 1 or frame is None or col not in frame
                or fk.referred_table not in frames):
            continue
        if frame[col].notna().any() and card.match_rate(frame, frames[fk.referred_table], fk) < 1.0:
            continue
        if table.column(col).logical_type not in (LogicalType.INTEGER, LogicalType.TEXT):
            continue  # uuid, date keys: their values do not round-trip as categories; the key sampler draws them
        out[col] = fk
    return out


def blur_dates(values: pd.Series, rng: np.random.Generator) -> pd.Series:
    """Each date moved by a random, never-zero number of days; text keeps its exact format.

    A small people table's birth dates are a quasi-identifier: the model learns
    the blurred ones, so the source's exact dates are never reproduced.
    """
    shift = rng.integers(BLUR_MIN_DAYS, BLUR_MAX_DAYS + 1, size=len(values)) * rng.choice([-1, 1], size=len(values))
    return pd.Series([_shifted(v, int(d)) for v, d in zip(values.tolist(), shift)], index=values.index, dtype=object)


def _shifted(value: Any, days: int) -> Any:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return value
    if isinstance(value, (datetime, date)):
        return value + timedelta(days=days)
    if isinstance(value, pd.Timestamp):
        return value + pd.Timedelta(days=days)
    if isinstance(value, str) and len(value) >= 10:
        try:
            day = date.fromisoformat(value[:10])
        except ValueError:
            return value
        return (day + timedelta(days=days)).isoformat() + value[10:]  # the time part and format stay as they were
    return value


#: tables under this many rows (the judge's boundary) take whole source rows for their non-personal columns
ROW_POOL_MAX_ROWS = 20


def row_pool(table: Table, frame: pd.DataFrame, columns: list[str], rng: np.random.Generator,
             jsonable: Any, family_counts: np.ndarray | None = None) -> dict[str, Any] | None:
    """Source rows of a tiny table (8 employees), restricted to ``columns``, for the sampler to deal out.

    A copula fitted on 8 rows cannot learn that the one "General Manager" is the
    oldest hire; dealing out whole rows keeps every pair of columns as it is.
    Keys and personal columns are not in the pool (they are generated); birth
    dates are in it blurred (``blur_dates``); declared-unique columns stay with
    the model, which keeps them unique when the table grows with --scale.
    """
    if not 0 < len(frame) < ROW_POOL_MAX_ROWS:
        return None
    unique = {c for s in table.unique_column_sets() if len(s) == 1 for c in s}
    cols = [c for c in columns if c in frame and c not in unique]
    if not cols:
        return None
    part = frame[cols].reset_index(drop=True)
    for c in cols:
        from dbsynth.profile.reference import is_birth_date
        if is_birth_date(c):
            part[c] = blur_dates(part[c], rng)
    rows = [[jsonable(v) for v in rec] for rec in part.itertuples(index=False, name=None)]
    counts = [] if family_counts is None else np.asarray(family_counts, dtype=float).tolist()
    keys = [jsonable(v) for v in frame[table.pk_columns[0]].tolist()] \
        if len(table.pk_columns) == 1 and table.pk_columns[0] in frame else []
    return {"columns": cols, "rows": rows, "counts": counts, "keys": keys, **_hierarchy(table, frame, jsonable)}


def _hierarchy(table: Table, frame: pd.DataFrame, jsonable: Any) -> dict[str, Any]:
    """A one-column self FK (ReportsTo): each pool row's key and the key it points at, to re-link the dealt rows."""
    pk = table.pk_columns
    fks = [fk for fk in table.foreign_keys if fk.referred_table == table.name and len(fk.columns) == 1]
    if len(pk) != 1 or len(fks) != 1 or list(fks[0].referred_columns) != list(pk) or pk[0] not in frame \
            or fks[0].columns[0] not in frame:
        return {}
    return {"self": {"pk": pk[0], "fk": fks[0].columns[0], "keys": [jsonable(v) for v in frame[pk[0]].tolist()],
                     "refs": [jsonable(v) for v in frame[fks[0].columns[0]].tolist()]}}


def deal_rows(pool: dict[str, Any], frame: pd.DataFrame, rng: np.random.Generator,
              counts: np.ndarray | None = None) -> tuple[pd.DataFrame, np.ndarray | None]:
    """``frame`` with the pool's columns replaced by whole pool rows: each row once, then again when the
    table has more rows than the pool (--scale above 1)."""
    n, rows = len(frame), pool["rows"]
    if not n or not rows:
        return frame, counts
    # the first round in the source's order (keys are generated 1..n, so a ReportsTo reads as in the source);
    # further rounds (--scale above 1) and a smaller table (below 1) in a random order
    first = np.arange(len(rows)) if n >= len(rows) else rng.permutation(len(rows))
    order = np.concatenate([first] + [rng.permutation(len(rows)) for _ in range(n // len(rows))])[:n]
    out = frame.copy()
    for j, c in enumerate(pool["columns"]):
        if c in out:
            col = np.empty(n, dtype=object)
            col[:] = [rows[i][j] for i in order]
            out[c] = col
    if pool.get("self"):
        _relink(pool["self"], out, order)
    family = np.asarray(pool.get("counts") or [], dtype=float)
    if counts is not None and family.ndim == 2 and family.shape == (len(rows), counts.shape[1]) and len(counts) == n:
        counts = family[order]  # each dealt row keeps its source row's number of children (3 of 8 employees)
    out.attrs["dealt_order"] = order  # which source row each synthetic row took (for children's FKs)
    return out, counts


def dealt_keys(pool: dict[str, Any], frame: pd.DataFrame, pk: tuple[str, ...], order: np.ndarray) -> dict[str, list[Any]]:
    """{source key: synthetic keys of the rows dealt that source row}: children's FKs drawn as source keys land there."""
    out: dict[str, list[Any]] = {}
    if len(pk) != 1 or pk[0] not in frame or len(pool.get("keys", [])) != len(pool["rows"]):
        return out
    for i, src in enumerate(order):
        out.setdefault(repr(pool["keys"][src]), []).append(frame[pk[0]].iloc[i])
    return out


def remap_pooled(frame: pd.DataFrame, pooled: Mapping[str, str], dealt: Mapping[str, dict[str, list[Any]]],
                 parents: Mapping[str, pd.DataFrame], pks: Mapping[str, str], rng: np.random.Generator) -> pd.DataFrame:
    """FKs into a tiny dealt table, drawn as the source's keys with the child's columns (an order's employee),
    rewritten to the synthetic row dealt that employee's source row; a source row not dealt (a smaller
    table at --scale below 1) gives way to a random synthetic row."""
    out = frame
    for col, parent in pooled.items():
        if col not in frame or not len(frame):
            continue
        spread = dealt.get(parent, {})
        pframe = parents.get(parent)
        fallback = pframe[pks[parent]].to_numpy(dtype=object) if pframe is not None and pks.get(parent) in pframe \
            else np.zeros(0, dtype=object)
        vals = out[col].to_numpy(dtype=object).copy()
        for i, v in enumerate(vals):
            if v is None or (isinstance(v, float) and np.isnan(v)):
                continue
            choices = spread.get(repr(to_python_key(v)))
            if choices:
                vals[i] = choices[int(rng.integers(len(choices)))]
            elif len(fallback):
                vals[i] = fallback[int(rng.integers(len(fallback)))]
        out = out.copy() if out is frame else out
        out[col] = vals
    return out


def _relink(spec: dict[str, Any], out: pd.DataFrame, order: np.ndarray) -> None:
    """Each dealt row points at the synthetic row dealt its source row's manager: the hierarchy is the source's.

    Where that row was not dealt (fewer rows than the pool), the sampler's own draw stays.
    """
    if spec["pk"] not in out or spec["fk"] not in out:
        return
    synthetic: dict[Any, Any] = {}
    for i, src in enumerate(order):
        synthetic.setdefault(repr(spec["keys"][src]), out[spec["pk"]].iloc[i])
    col = out[spec["fk"]].to_numpy(dtype=object).copy()
    for i, src in enumerate(order):
        ref = spec["refs"][src]
        if ref is None:
            col[i] = None
        elif repr(ref) in synthetic:
            col[i] = synthetic[repr(ref)]
    out[spec["fk"]] = col


def exact_shares(frame: pd.DataFrame, columns: list[str], transforms: list[Any],
                 rng: np.random.Generator) -> pd.DataFrame:
    """Children per copied parent as in the source: each FK category gets its exact share of the rows.

    The copula draws the key with the child's attributes, so counts per parent
    are multinomial around the source's (Track per MediaType 3022 for 3034); the
    few rows over a parent's share move to parents under theirs, so the shape
    of children per parent is the source's, scaled.
    """
    n = len(frame)
    by_name = {getattr(t, "column", None): t for t in transforms}
    out = frame
    for c in columns:
        tr = by_name.get(c)
        if tr is None or c not in frame or not n or not hasattr(tr, "cdf"):
            continue
        share = np.diff(np.concatenate([[0.0], np.asarray(tr.cdf, dtype=float)]))
        want = np.floor(share * n).astype(int)
        rest = n - want.sum()
        if rest > 0:  # largest remainders first
            want[np.argsort(-(share * n - want), kind="stable")[:rest]] += 1
        lookup = {repr(to_python_key(v)): i for i, v in enumerate(tr.categories)}
        codes = np.array([lookup.get(repr(to_python_key(v)), -1) for v in frame[c].tolist()])
        if (codes < 0).any():
            continue  # a value outside the learned categories: leave the column as drawn
        have = np.bincount(codes, minlength=len(want))
        spare = np.concatenate([rng.choice(np.flatnonzero(codes == k), size=have[k] - want[k], replace=False)
                                for k in np.flatnonzero(have > want)] or [np.zeros(0, dtype=int)])
        need = np.repeat(np.flatnonzero(want > have), (want - have)[want > have])
        m = min(len(spare), len(need))
        if m == 0:
            continue
        spare = rng.permutation(spare)[:m]
        codes[spare] = rng.permutation(need)[:m]
        vals = np.empty(n, dtype=object)
        vals[:] = [tr.categories[k] for k in codes]
        out = out.copy() if out is frame else out
        out[c] = vals
    return out


def to_python_key(value: Any) -> Any:
    """A category value as compared across the frame and the transform (NaN and None are NULL)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return value.item() if isinstance(value, np.generic) else value


def already_present(table: str, frame: pd.DataFrame, pk: tuple[str, ...],
                    existing: Mapping[Any, Any] | None) -> pd.DataFrame:
    """A copied table's rows less those whose key the append target already holds (copied by an earlier seed):
    a lookup table is copied once, and its children's keys keep pointing at those rows."""
    held = (existing or {}).get((table, tuple(pk)))
    if held is None or not len(held) or not pk or not len(frame) or not set(pk) <= set(frame.columns):
        return frame
    have = set(map(tuple, held.astype(str).to_numpy().tolist()))
    mine = frame[list(pk)].astype(str).to_numpy().tolist()
    return frame[[tuple(k) not in have for k in mine]].reset_index(drop=True)
