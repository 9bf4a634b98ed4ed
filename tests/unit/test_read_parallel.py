"""dbsynth/read_parallel.py: what is read does not depend on how many threads read it."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from dbsynth import commands
from dbsynth.read_parallel import read_plan
from dbsynth.pipeline import read_frames


def _source(path: Path) -> str:
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE region (id INTEGER PRIMARY KEY, name TEXT)")
        con.execute("CREATE TABLE shop (id INTEGER PRIMARY KEY, region_id INTEGER REFERENCES region(id), v REAL)")
        con.execute("CREATE TABLE sale (id INTEGER PRIMARY KEY, shop_id INTEGER REFERENCES shop(id), n INTEGER)")
        con.execute("CREATE TABLE loose (id INTEGER PRIMARY KEY, t TEXT)")
        con.executemany("INSERT INTO region VALUES (?, ?)", [(i, f"r{i}") for i in range(1, 6)])
        con.executemany("INSERT INTO shop VALUES (?, ?, ?)", [(i, 1 + i % 5, i / 3) for i in range(1, 401)])
        con.executemany("INSERT INTO sale (shop_id, n) VALUES (?, ?)",
                        [(s, j) for s in range(1, 401) for j in range(s % 4)])
        con.executemany("INSERT INTO loose (t) VALUES (?)", [(f"t{i}",) for i in range(300)])
    return f"sqlite:///{path}"


def test_the_plan_follows_row_counts_alone(tmp_path: Path) -> None:
    url = _source(tmp_path / "src.sqlite")
    schema = commands.reflect(url)
    plan = {p.name: p for p in read_plan(schema, ["region", "shop", "sale", "loose"], max_rows=100)}
    assert plan["region"].mode == "whole"
    assert plan["shop"].mode == "share" and plan["loose"].mode == "share"
    assert plan["sale"].mode == "family" and plan["sale"].fk.referred_table == "shop"
    assert plan["shop"].stream != plan["loose"].stream  # each share its own random stream


@pytest.mark.parametrize("workers", ["1", "4"])
def test_any_number_of_threads_reads_the_same_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   workers: str) -> None:
    url = _source(tmp_path / "src.sqlite")
    schema = commands.reflect(url)
    tables = ["region", "shop", "sale", "loose"]
    monkeypatch.setenv("DBSYNTH_READ_WORKERS", "1")
    one = read_frames(url, schema, tables=tables, max_rows=100, seed=5)
    monkeypatch.setenv("DBSYNTH_READ_WORKERS", workers)
    many = read_frames(url, schema, tables=tables, max_rows=100, seed=5)
    for name in tables:
        assert one[name].equals(many[name]), name
    assert set(many["sale"]["shop_id"]) <= set(many["shop"]["id"])  # families of the kept shops only
    assert 40 <= len(many["shop"]) <= 160 and len(many["region"]) == 5
