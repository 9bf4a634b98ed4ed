"""Nullable self-references end to end: the shapes the schema fuzzer found filled all NULL (seeds 20034, 20045).

A small table whose parent column is mostly filled (an integer key and a text key); `dbsynth seed` must keep
the source's non-NULL share, point every parent at an existing row, and make no cycle in the parent chain.
"""
from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from tests.e2e.test_seed import dbsynth, fk_violations, ok

TABLES = {  # table -> (key column, key DDL, parent column DDL)
    "zone": ("id", "id INTEGER PRIMARY KEY", "parent_id INTEGER REFERENCES zone (id)"),
    "line": ("slug", "slug VARCHAR(20) PRIMARY KEY", "parent_slug VARCHAR(20) REFERENCES line (slug)"),
}


def _rows(table: str, n: int, roots: int, rng: random.Random) -> list[tuple]:
    """A forest of depth 2 whose middle level is a single row (the first root's child) under which hang
    all other rows: a synthetic draw of that shape often has no middle row at all."""
    keys = list(range(901, 901 + n)) if table == "zone" else [f"ln-{rng.randrange(10**6):06d}-{i}" for i in range(n)]
    parents = [None] * roots + [keys[0]] + [keys[roots]] * (n - roots - 1)
    return [(k, f"name {i}", p) for i, (k, p) in enumerate(zip(keys, parents))]


def _source_rows() -> dict[str, list[tuple]]:
    rng = random.Random(7)
    return {"zone": _rows("zone", 24, 5, rng), "line": _rows("line", 16, 1, rng)}


def _ddl(table: str) -> str:
    _, key, parent = TABLES[table]
    return f"CREATE TABLE {table} ({key}, name VARCHAR(40) NOT NULL, {parent})"


def _check(rows: dict[str, list[tuple]], synth: dict[str, list[tuple]]) -> None:
    for table, src in rows.items():
        out = synth[table]
        assert len(out) == len(src), table
        want = sum(r[2] is not None for r in src) / len(src)
        got = sum(r[2] is not None for r in out) / len(out)
        assert abs(got - want) <= 0.2, (table, got, want)
        parent = {r[0]: r[2] for r in out}
        assert all(p in parent for p in parent.values() if p is not None), table  # points at existing rows
        for key in parent:  # the source has no cycle, nor may the synthetic parent chain
            seen = set()
            while key is not None:
                assert key not in seen, (table, key)
                seen.add(key)
                key = parent[key]


@pytest.mark.parametrize("seed", ["1", "3", "20034"])
def test_self_reference_filled_sqlite(seed: str, tmp_path: Path) -> None:
    rows, src, dst = _source_rows(), tmp_path / "src.sqlite", tmp_path / "dst.sqlite"
    with sqlite3.connect(src) as con:
        for table, data in rows.items():
            con.execute(_ddl(table))
            con.executemany(f"INSERT INTO {table} VALUES (?, ?, ?)", data)
    ok(dbsynth("seed", f"sqlite:///{src}", f"sqlite:///{dst}", "--seed", seed))
    assert fk_violations(dst) == []
    with sqlite3.connect(dst) as con:
        synth = {t: con.execute(f"SELECT {k}, name, {TABLES[t][2].split()[0]} FROM {t}").fetchall()
                 for t, (k, _, _) in TABLES.items()}
    _check(rows, synth)


def test_self_reference_filled_postgres(pg_databases) -> None:  # noqa: ANN001
    rows = _source_rows()
    lit = lambda v: "NULL" if v is None else (str(v) if isinstance(v, int) else f"'{v}'")  # noqa: E731
    sql = [_ddl(t) + ";" for t in rows] + [f"INSERT INTO {t} VALUES ({', '.join(lit(v) for v in r)});"
                                          for t, data in rows.items() for r in data]
    src = pg_databases.create("src", sql="\n".join(sql))
    dst = pg_databases.create("dst")
    ok(dbsynth("seed", src, dst, "--seed", "20034"))
    engine = create_engine(dst)
    try:
        with engine.connect() as con:
            synth = {t: [tuple(r) for r in con.exec_driver_sql(
                f"SELECT {k}, name, {TABLES[t][2].split()[0]} FROM {t}")] for t, (k, _, _) in TABLES.items()}
            fks = con.exec_driver_sql("SELECT COUNT(*) FROM pg_constraint WHERE contype = 'f' AND convalidated"
                                      " AND conrelid::regclass::text IN ('zone', 'line')").scalar()
    finally:
        engine.dispose()
    assert fks == 2  # both self FKs declared and validated by PostgreSQL: 0 violations
    _check(rows, synth)
