"""Cycle FK references left pointing at parent rows that were never loaded.

A cycle's FK is filled by the sampler before the validator sees the parent
chunk; when the validator then replaces (repairs) or drops a parent row, the
child rows already written still hold its old key. Before the FK check,
such references are pointed at a parent row that exists (a random one, a
free one for a one-to-one FK), or set to NULL when no parent is left; the
load says how many it moved.
"""
from __future__ import annotations

import zlib
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from dbsynth.schema.graph import DeferredEdge
    from dbsynth.schema.model import Schema


def repoint_orphans(conn: "Connection", *, table: str, columns: tuple[str, ...], parent: str,
                    parent_columns: tuple[str, ...], unique: bool, nullable: bool, quoted_table: str | None = None,
                    key: tuple[str, ...] = ()) -> int:
    """Re-point rows of `table` whose non-NULL `columns` find no `parent` row; returns how many moved.

    Rows are found again by `key` (the primary key), else by rowid / ctid. `quoted_table` names a
    stand-in table holding the values (PostgreSQL's back-fill temp table).
    """
    q = conn.dialect.identifier_preparer.quote_identifier
    sqlite = conn.dialect.name == "sqlite"
    child = quoted_table or q(table)
    mark = "?" if sqlite else "%s"
    if key:
        rowid, where = ", ".join(f"c.{q(k)}" for k in key), " AND ".join(f"{q(k)} = {mark}" for k in key)
    else:
        rowid, where = ("c.rowid", f"rowid = {mark}") if sqlite else ("c.ctid::text", f"ctid = {mark}::tid")
    on = " AND ".join(f"p.{q(b)} = c.{q(a)}" for a, b in zip(columns, parent_columns))
    filled = " AND ".join(f"c.{q(a)} IS NOT NULL" for a in columns)
    raw = conn.connection.driver_connection
    cur = raw.cursor()
    try:
        cur.execute(f"SELECT {rowid} FROM {child} c WHERE {filled} "
                    f"AND NOT EXISTS (SELECT 1 FROM {q(parent)} p WHERE {on})")
        orphans = [tuple(r) for r in cur.fetchall()]
        if not orphans:
            return 0
        have = " AND ".join(f"{q(b)} IS NOT NULL" for b in parent_columns)
        cur.execute(f"SELECT DISTINCT {', '.join(q(b) for b in parent_columns)} FROM {q(parent)} WHERE {have}")
        keys = [tuple(r) for r in cur.fetchall()]
        if unique:  # a one-to-one FK takes parents nobody points at yet
            cur.execute(f"SELECT DISTINCT {', '.join(q(a) for a in columns)} FROM {child} c WHERE {filled}")
            taken = {tuple(r) for r in cur.fetchall()}
            keys = [k for k in keys if k not in taken]
        rng = np.random.default_rng(zlib.crc32(f"{table}.{','.join(columns)}".encode()))
        n = min(len(orphans), len(keys)) if unique else (len(orphans) if keys else 0)
        picks = rng.permutation(len(keys))[:n] if unique else rng.integers(0, max(len(keys), 1), size=n)
        new: list[tuple[Any, ...]] = [keys[int(i)] for i in picks]
        if len(new) < len(orphans):
            if not nullable:
                return 0  # nothing to point at: the FK check names the table
            new += [(None,) * len(columns)] * (len(orphans) - len(new))
        sets = ", ".join(f"{q(a)} = {mark}" for a in columns)
        cur.executemany(f"UPDATE {child} SET {sets} WHERE {where}", [(*k, *r) for k, r in zip(new, orphans)])
        return len(orphans)
    finally:
        cur.close()


def edge_repoint(conn: "Connection", schema: "Schema", edge: "DeferredEdge", *,
                 quoted_table: str | None = None) -> str | None:
    """Repoint one cycle edge's orphans; a warning line when any moved."""
    if conn.dialect.name not in ("sqlite", "postgresql", "mysql"):
        return None  # rows are found again by rowid / ctid where the table has no primary key
    if not schema.has_table(edge.table) or not schema.has_table(edge.referred_table):
        return None
    t = schema.table(edge.table)
    key = tuple(t.pk_columns) if t.pk_columns and not set(t.pk_columns) & set(edge.columns) else ()
    if not key and conn.dialect.name == "mysql":
        return None  # MySQL has no rowid: without a key the FK check names the table
    if not key and quoted_table is None and conn.dialect.name == "sqlite" and t.pk_columns:
        return None  # a key column is the reference itself (and may be WITHOUT ROWID): leave it to the check
    unique = tuple(sorted(edge.columns)) in {tuple(sorted(s)) for s in t.unique_column_sets()}
    nullable = all(t.column(c).nullable for c in edge.columns)
    moved = repoint_orphans(conn, table=edge.table, columns=tuple(edge.columns), parent=edge.referred_table,
                            parent_columns=tuple(edge.referred_columns), unique=unique, nullable=nullable,
                            quoted_table=quoted_table, key=key)
    if not moved:
        return None
    return (f"{edge.table}({', '.join(edge.columns)}): {moved} cycle reference(s) pointed at {edge.referred_table} "
            "rows the validator replaced or dropped; re-pointed at existing rows")
