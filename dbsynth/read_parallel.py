"""Reading the source for fit, table by table in parallel (one read-only connection per thread).

What is read is decided up front from the row counts alone, in plan order
(parents first): a table within `max_rows` is read whole; a bigger one whose
parent is sampled keeps its kept parents' families; any other big table keeps
a seeded share of its rows, drawn from its own random stream (seed, position),
so the result does not depend on which thread finishes first. A family read
waits for its parent's frame; everything else runs at once. PostgreSQL reads
go through COPY (connectors/pg_copy.py), whose I/O and server work leave the
GIL to the other threads.
"""
from __future__ import annotations

import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from dbsynth.schema.model import Schema

READ_WORKERS_ENV = "DBSYNTH_READ_WORKERS"


@dataclass(frozen=True)
class TableRead:
    """How one table is read: whole, a seeded share, or the families of a sampled parent's rows."""

    name: str
    mode: str  # "whole" | "share" | "family"
    fk: Any = None  # the FK to the sampled parent (family)
    stream: int = 0  # the share's random stream number


def read_plan(schema: "Schema", order: list[str], max_rows: int | None) -> list[TableRead]:
    from dbsynth.pipeline import _family_fk
    plan: list[TableRead] = []
    sampled: set[str] = set()
    for i, name in enumerate(order):
        total = schema.table(name).row_count
        if max_rows is None or total is None or total <= max_rows:
            plan.append(TableRead(name, "whole"))
            continue
        fk = _family_fk(schema.table(name), sampled, schema)
        plan.append(TableRead(name, "family", fk=fk) if fk is not None else TableRead(name, "share", stream=i))
        sampled.add(name)
    return plan


def read_workers() -> int:
    """Threads reading at once: DBSYNTH_READ_WORKERS, else the cores (at least 2: the server works too), at most 8."""
    raw = os.environ.get(READ_WORKERS_ENV)
    if raw and raw.isdigit() and int(raw) > 0:
        return int(raw)
    return min(max(os.cpu_count() or 1, 2), 8)


def read_tables(url: str, schema: "Schema", order: list[str], *, max_rows: int | None,
                seed: int = 0) -> dict[str, "pd.DataFrame"]:
    plan = read_plan(schema, order, max_rows)
    local = threading.local()
    opened: list[Any] = []
    lock = threading.Lock()
    futures: dict[str, Future] = {}

    def connector() -> Any:
        from connectors.base import open_connector
        if getattr(local, "conn", None) is None:
            local.conn = open_connector(url, read_only=True)
            with lock:
                opened.append(local.conn)
        return local.conn

    def task(item: TableRead) -> "pd.DataFrame":
        parent = futures[item.fk.referred_table].result() if item.mode == "family" else None
        return _read_one(connector(), schema.table(item.name), item, max_rows, seed, parent)

    try:
        workers = min(read_workers(), max(len(plan), 1))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dbsynth-read") as pool:
            # submitted parents first: a family task blocks only on a parent already running or done
            for item in plan:
                futures[item.name] = pool.submit(task, item)
            return {item.name: futures[item.name].result() for item in plan}
    finally:
        for conn in opened:
            with closing(conn):
                pass


def _read_one(conn: Any, table: Any, item: TableRead, max_rows: int | None, seed: int,
              parent: "pd.DataFrame | None") -> "pd.DataFrame":
    import numpy as np

    from dbsynth import pipeline
    if item.mode == "whole":
        return pipeline._concat(list(conn.read_table(table)), table.column_names)
    assert max_rows is not None and table.row_count
    if item.mode == "family":
        frames = {item.fk.referred_table: parent}
        keep = pipeline._family_filter(item.fk, frames)
        limit = max_rows * pipeline.FAMILY_FACTOR
        return pipeline._read_filtered(conn, table, keep, limit, pipeline._family_keys(item.fk, frames))
    rng = np.random.default_rng([seed, item.stream])
    share = max_rows / table.row_count
    if getattr(conn, "reads_row_masks", False):  # drawn on the connector's side, before parsing
        return pipeline._read_filtered(conn, table, lambda chunk: np.ones(len(chunk), dtype=bool), max_rows,
                                       row_mask=lambda n: rng.random(n) < share)
    return pipeline._read_filtered(conn, table, pipeline._share_filter(share, rng), max_rows)
