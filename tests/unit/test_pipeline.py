"""read_frames: a coherent sample of big tables (whole families under the kept parents)."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from dbsynth import commands
from dbsynth.pipeline import read_frames


@pytest.mark.parametrize("text_keys", [False, True])
def test_big_children_come_in_whole_families_of_the_kept_parents(tmp_path: Path, text_keys: bool) -> None:
    path = tmp_path / "src.sqlite"
    key = "TEXT" if text_keys else "INTEGER"
    with sqlite3.connect(path) as con:
        con.execute(f"CREATE TABLE parent (id {key} PRIMARY KEY, size INTEGER)")
        con.execute(f"CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id {key} REFERENCES parent(id), v REAL)")
        ids = [f"P{i:04d}" if text_keys else i for i in range(1, 301)]
        con.executemany("INSERT INTO parent VALUES (?, ?)", [(p, i % 7) for i, p in enumerate(ids)])
        con.executemany("INSERT INTO child (parent_id, v) VALUES (?, ?)",
                        [(p, float(j)) for i, p in enumerate(ids) for j in range(1 + i % 5)])
    url = f"sqlite:///{path}"
    schema = commands.reflect(url)
    frames = read_frames(url, schema, tables=["parent", "child"], max_rows=60, seed=3)
    kept = set(frames["parent"]["id"])
    assert 30 <= len(kept) <= 90  # a seeded share of 300 parents
    child = frames["child"]
    assert set(child["parent_id"]) <= kept
    with sqlite3.connect(path) as con:
        real = {p: n for p, n in con.execute("SELECT parent_id, COUNT(*) FROM child GROUP BY parent_id")}
    got = child.groupby("parent_id").size().to_dict()
    assert got == {p: real[p] for p in kept}  # every family whole: children per parent stay true
    again = read_frames(url, schema, tables=["parent", "child"], max_rows=60, seed=3)
    assert again["child"].equals(child)
