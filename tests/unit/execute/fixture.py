"""A tiny source that a small batch_rows cuts into several batches, with every kind of key a batch touches.

region (3) → nation (12) → customer (600) → item (customer_id, line) unique;
supplier (6) → partsupp (supplier_id, part_id) unique, part_id → part (300);
item.part_id → part (a non-context FK into batched rows).
At batch_rows = 700: region, nation and supplier are resident, customer and
part are split over 3 batches, partsupp is dealt out supplier by supplier.
"""
from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dbsynth.config import Config, TableConfig
from dbsynth.sample.types import TableChunk

BATCH_ROWS = 700

DDL = """
CREATE TABLE region (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE nation (id INTEGER PRIMARY KEY, region_id INTEGER NOT NULL REFERENCES region(id), name TEXT);
CREATE TABLE customer (id INTEGER PRIMARY KEY, nation_id INTEGER NOT NULL REFERENCES nation(id),
                       spend REAL NOT NULL CHECK (spend >= 0), segment TEXT);
CREATE TABLE part (id INTEGER PRIMARY KEY, size INTEGER NOT NULL, price REAL);
CREATE TABLE supplier (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE partsupp (supplier_id INTEGER NOT NULL REFERENCES supplier(id),
                       part_id INTEGER NOT NULL REFERENCES part(id), cost REAL,
                       PRIMARY KEY (supplier_id, part_id));
CREATE TABLE item (customer_id INTEGER NOT NULL REFERENCES customer(id), line INTEGER NOT NULL,
                   part_id INTEGER NOT NULL REFERENCES part(id), qty INTEGER NOT NULL,
                   UNIQUE (customer_id, line));
"""


def fixture_config(**kw: Any) -> Config:
    """The small tables are generated (not copied as lookup tables); partsupp hangs from its supplier."""
    tables = {t: TableConfig(copy=False) for t in ("region", "nation", "supplier")}
    tables["partsupp"] = TableConfig(context="supplier_id")
    return Config(tables=tables, **{"seed": 0, "batch_rows": BATCH_ROWS, **kw})


TOML = """batch_rows = 700
[tables.region]
copy = false
[tables.nation]
copy = false
[tables.supplier]
copy = false
[tables.partsupp]
context = "supplier_id"
"""


def make_source(path: Path) -> Path:
    rng = np.random.default_rng(7)
    con = sqlite3.connect(path)
    con.executescript(DDL)
    con.executemany("INSERT INTO region VALUES (?, ?)", [(i, f"R{i}") for i in range(1, 4)])
    con.executemany("INSERT INTO nation VALUES (?, ?, ?)",
                    [(i, (i - 1) // 4 + 1, f"N{i:02d}") for i in range(1, 13)])
    segments = ["AUTO", "BUILDING", "MACHINERY", "HOUSEHOLD"]
    con.executemany("INSERT INTO customer VALUES (?, ?, ?, ?)",
                    [(i, int(rng.integers(1, 13)), float(round(rng.gamma(2.0, 50.0), 2)),
                      segments[int(rng.integers(0, 4))]) for i in range(1, 601)])
    con.executemany("INSERT INTO part VALUES (?, ?, ?)",
                    [(i, int(rng.integers(1, 50)), float(round(rng.uniform(1, 100), 2))) for i in range(1, 301)])
    con.executemany("INSERT INTO supplier VALUES (?, ?)", [(i, f"Supplier#{i}") for i in range(1, 7)])
    rows = []
    for s in range(1, 7):
        for p in rng.choice(np.arange(1, 301), size=int(rng.integers(30, 50)), replace=False):
            rows.append((s, int(p), float(round(rng.uniform(1, 500), 2))))
    con.executemany("INSERT INTO partsupp VALUES (?, ?, ?)", rows)
    items = []
    for c in range(1, 601):
        for line in range(1, int(rng.integers(1, 5)) + 1):
            items.append((c, line, int(rng.integers(1, 301)), int(rng.integers(1, 9))))
    con.executemany("INSERT INTO item VALUES (?, ?, ?, ?)", items)
    con.commit()
    con.close()
    return path


def table_digests(url_or_path: str | Path) -> dict[str, tuple[int, str]]:
    """Rows and a digest of every table's sorted rows (what 'identical output' compares)."""
    path = str(url_or_path).replace("sqlite:///", "")
    con = sqlite3.connect(path)
    out = {}
    for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"):
        rows = sorted(repr(r) for r in con.execute(f'SELECT * FROM "{name}"'))
        out[name] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    con.close()
    return out


def chunk_digests(chunks: list[TableChunk]) -> dict[str, tuple[int, str]]:
    """The same digest over chunks (before any load)."""
    frames: dict[str, list[pd.DataFrame]] = {}
    for c in chunks:
        frames.setdefault(c.table, []).append(c.frame)
    out = {}
    for table, parts in frames.items():
        frame = pd.concat(parts, ignore_index=True)
        rows = sorted(repr(tuple(_plain(v) for v in r)) for r in frame.itertuples(index=False, name=None))
        out[table] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
    return out


def _plain(value: Any) -> Any:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return value.item() if hasattr(value, "item") else value


class Boom:
    """A table generator that fails (picklable, so it fails inside a worker process too)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def sample(self, *_: Any, **__: Any) -> Any:
        raise ValueError("boom: this generator always fails")

    def __getattr__(self, name: str) -> Any:
        if name == "inner":
            raise AttributeError(name)
        return getattr(self.inner, name)
