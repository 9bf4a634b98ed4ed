"""The closure on small hand-built schemas: cycles, self-references, children, lookup tables."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

import dbsynth
from dbsynth.errors import ConfigError, SchemaError

SQL = """
PRAGMA foreign_keys = OFF;
CREATE TABLE kind (id INTEGER PRIMARY KEY, label TEXT NOT NULL);
CREATE TABLE dept (id INTEGER PRIMARY KEY, name TEXT, head_id INTEGER NOT NULL REFERENCES emp(id));
CREATE TABLE emp (id INTEGER PRIMARY KEY, dept_id INTEGER NOT NULL REFERENCES dept(id),
                  boss_id INTEGER REFERENCES emp(id), kind_id INTEGER NOT NULL REFERENCES kind(id), email TEXT);
CREATE TABLE task (id INTEGER PRIMARY KEY, emp_id INTEGER NOT NULL REFERENCES emp(id), title TEXT);
"""


def _source(path: Path) -> str:
    with sqlite3.connect(path) as con:
        con.executescript(SQL)
        con.executemany("INSERT INTO kind VALUES (?, ?)", [(1, "staff"), (2, "contractor")])
        # two departments, each headed by its first employee; a chain of bosses inside each
        con.executemany("INSERT INTO dept VALUES (?, ?, ?)", [(1, "north", 1), (2, "south", 11)])
        rows = [(i, 1 if i <= 10 else 2, None if i in (1, 11) else i - 1, 1 + i % 2, f"person{i}@example.org") for i in range(1, 21)]
        con.executemany("INSERT INTO emp VALUES (?, ?, ?, ?, ?)", rows)
        con.executemany("INSERT INTO task VALUES (?, ?, ?)", [(i, 1 + i % 20, f"task {i}") for i in range(1, 61)])
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    return f"sqlite:///{path}"


def _ids(path: Path, table: str) -> set[int]:
    with sqlite3.connect(path) as con:
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        return {r[0] for r in con.execute(f"SELECT id FROM {table}")}


def test_parents_through_self_reference_and_cycle(tmp_path: Path) -> None:
    src = _source(tmp_path / "s.sqlite")
    out = tmp_path / "t.sqlite"
    result = dbsynth.subset(src, f"sqlite:///{out}", where=["task: id = 4"], mask=False)
    # task 4 → emp 5 → boss chain 4, 3, 2, 1 → dept 1 → its head (emp 1) → dept 1 (a cycle);
    # kind is a lookup table (small, no personal data): whole; dept points at people, so it is data
    assert _ids(out, "emp") == {1, 2, 3, 4, 5}
    assert _ids(out, "dept") == {1} and _ids(out, "kind") == {1, 2}
    assert _ids(out, "task") == {4}  # parents pulled in bring no children of their own
    assert result.reference_tables == ["kind"]


def test_children_follow_start_rows_down(tmp_path: Path) -> None:
    src = _source(tmp_path / "s.sqlite")
    out = tmp_path / "t.sqlite"
    dbsynth.subset(src, f"sqlite:///{out}", where=["dept: id = 2"], mask=False)
    assert _ids(out, "emp") == set(range(11, 21))  # the department's employees…
    assert _ids(out, "task") == {i for i in range(1, 61) if 11 <= 1 + i % 20 <= 20}  # …and their tasks


def test_children_false(tmp_path: Path) -> None:
    src = _source(tmp_path / "s.sqlite")
    cfg = tmp_path / "c.toml"
    cfg.write_text("[tables.emp]\nchildren = false\n")
    out = tmp_path / "t.sqlite"
    dbsynth.subset(src, f"sqlite:///{out}", where=["dept: id = 2"], mask=False, config=cfg)
    assert _ids(out, "emp") == set(range(11, 21)) and _ids(out, "task") == set()


def test_percent_is_seeded_and_names_its_roots(tmp_path: Path) -> None:
    src = _source(tmp_path / "s.sqlite")
    with sqlite3.connect(tmp_path / "s.sqlite") as con:
        con.execute("CREATE TABLE audit (id INTEGER PRIMARY KEY, what TEXT)")
        con.executemany("INSERT INTO audit VALUES (?, ?)", [(i, f"event {i}") for i in range(1, 101)])
    got = []
    for n in range(3):
        out = tmp_path / f"t{n}.sqlite"
        result = dbsynth.subset(src, f"sqlite:///{out}", percent=10, seed=0 if n < 2 else 1, mask=False)
        # roots: audit, and the dept ⇄ emp cycle (its only other parent, kind, is a lookup table)
        assert result.root_tables == ["audit", "dept", "emp"] and result.rows["audit"] == 10
        got.append(_ids(out, "audit"))
    assert got[0] == got[1] != got[2]


@pytest.mark.parametrize("kw, message", [({}, "needs start rows"), ({"percent": 0}, "--percent"),
                                         ({"percent": 150}, "--percent")])
def test_arguments(tmp_path: Path, kw: dict, message: str) -> None:
    src = _source(tmp_path / "s.sqlite")
    with pytest.raises(ConfigError, match=message):
        dbsynth.subset(src, f"sqlite:///{tmp_path / 't.sqlite'}", **kw)
    assert not (tmp_path / "t.sqlite").exists()


def test_orphan_source_rows_are_named_and_nothing_is_loaded(tmp_path: Path) -> None:
    src = _source(tmp_path / "s.sqlite")
    with sqlite3.connect(tmp_path / "s.sqlite") as con:  # FK checks off: a dirty source
        con.execute("INSERT INTO task VALUES (999, 4242, 'lost')")
    out = tmp_path / "t.sqlite"
    with pytest.raises(SchemaError, match=r"task\.\(emp_id\): 1 value\(s\) find no emp row"):
        dbsynth.subset(src, f"sqlite:///{out}", where=["task: id = 999"])
    assert not out.exists()


def test_where_matching_nothing_is_said(tmp_path: Path) -> None:
    src = _source(tmp_path / "s.sqlite")
    result = dbsynth.subset(src, f"sqlite:///{tmp_path / 't.sqlite'}", where=["task: id < 0", "task: id = 1"])
    assert "--where for 'task' matched no row" in result.warnings and result.rows["task"] == 1


def test_percent_roots_of_a_schema_of_cycles(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    with sqlite3.connect(path) as con:
        con.executescript("""
            CREATE TABLE a (id INTEGER PRIMARY KEY, b_id INTEGER REFERENCES b(id), email TEXT);
            CREATE TABLE b (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES a(id), email TEXT);
            CREATE TABLE c (id INTEGER PRIMARY KEY, a_id INTEGER NOT NULL REFERENCES a(id));
        """)
        con.executemany("INSERT INTO a VALUES (?, ?, ?)", [(i, i, f"a{i}@x.org") for i in range(1, 301)])
        con.executemany("INSERT INTO b VALUES (?, ?, ?)", [(i, i, f"b{i}@x.org") for i in range(1, 301)])
        con.executemany("INSERT INTO c VALUES (?, ?)", [(i, 1 + i % 300) for i in range(1, 601)])
    out = tmp_path / "t.sqlite"
    result = dbsynth.subset(f"sqlite:///{path}", f"sqlite:///{out}", percent=5)
    assert result.root_tables == ["a", "b"]
    assert 0 < result.rows["c"] < 600 and _ids(out, "a") == _ids(out, "b")


def test_identical_rows_of_a_keyless_table_are_said(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    with sqlite3.connect(path) as con:
        con.executescript("""
            CREATE TABLE owner (id INTEGER PRIMARY KEY, email TEXT);
            CREATE TABLE log (owner_id INTEGER REFERENCES owner(id), what TEXT);
        """)
        con.executemany("INSERT INTO owner VALUES (?, ?)", [(i, f"o{i}@x.org") for i in range(1, 301)])
        con.executemany("INSERT INTO log VALUES (?, ?)", [(1, "login"), (1, "login"), (1, "logout"), (2, "login")])
    result = dbsynth.subset(f"sqlite:///{path}", f"sqlite:///{tmp_path / 't.sqlite'}", where=["owner: id = 1"],
                            mask=False)
    assert result.rows["log"] == 2 and "log: 1 row(s) identical to another (no primary key) copied once" in result.warnings


def test_composite_foreign_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib
    monkeypatch.setattr(importlib.import_module("dbsynth.subset.source"), "IN_BATCH", 50)  # several batches
    path = tmp_path / "s.sqlite"
    with sqlite3.connect(path) as con:
        con.executescript("""
            CREATE TABLE room (building TEXT, num INTEGER, email TEXT, PRIMARY KEY (building, num));
            CREATE TABLE booking (id INTEGER PRIMARY KEY, building TEXT, num INTEGER,
                                  FOREIGN KEY (building, num) REFERENCES room (building, num));
        """)
        con.executemany("INSERT INTO room VALUES (?, ?, ?)",
                        [(b, n, f"{b}{n}@x.org") for b in "ABC" for n in range(1, 101)])
        con.executemany("INSERT INTO booking VALUES (?, ?, ?)",
                        [(i, "ABC"[i % 3], 1 + i % 100) for i in range(1, 901)])
    out = tmp_path / "t.sqlite"
    dbsynth.subset(f"sqlite:///{path}", f"sqlite:///{out}", where=["booking: id <= 700"], mask=False)
    with sqlite3.connect(out) as con:
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        rooms = set(con.execute("SELECT building, num FROM room").fetchall())
    with sqlite3.connect(path) as con:
        needed = set(con.execute("SELECT building, num FROM booking WHERE id <= 700").fetchall())
    assert rooms == needed  # exactly the rooms the bookings need
