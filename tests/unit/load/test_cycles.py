"""Cycle references to parent rows that were never loaded are re-pointed (load/cycles.py), on real SQLite."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlalchemy as sa

from dbsynth.load.cycles import repoint_orphans


def _db(tmp_path: Path, *, unique: bool) -> sa.Engine:
    path = tmp_path / "t.sqlite"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE line (acct TEXT, seq INTEGER, PRIMARY KEY (acct, seq))")
    con.execute(f"CREATE TABLE team (id INTEGER PRIMARY KEY, l_acct TEXT, l_seq INTEGER"
                f"{', UNIQUE (l_acct, l_seq)' if unique else ''})")
    con.executemany("INSERT INTO line VALUES (?, ?)", [("a", 1), ("a", 2), ("b", 1)])
    # rows 3 and 4 point at (a, 9) / (c, 1): parents the validator replaced; row 5 is NULL on purpose
    con.executemany("INSERT INTO team VALUES (?, ?, ?)", [(1, "a", 1), (2, "b", 1), (3, "a", 9), (4, "c", 1),
                                                          (5, None, None)])
    con.commit()
    con.close()
    return sa.create_engine(f"sqlite:///{path}")


def _orphans(conn: sa.Connection) -> int:
    return conn.exec_driver_sql("SELECT COUNT(*) FROM team t LEFT JOIN line l ON l.acct = t.l_acct "
                                "AND l.seq = t.l_seq WHERE t.l_acct IS NOT NULL AND l.acct IS NULL").scalar_one()


def test_repoint_composite_orphans(tmp_path: Path) -> None:
    engine = _db(tmp_path, unique=False)
    with engine.begin() as conn:
        moved = repoint_orphans(conn, table="team", columns=("l_acct", "l_seq"), parent="line",
                                parent_columns=("acct", "seq"), unique=False, nullable=True)
        assert moved == 2
        assert _orphans(conn) == 0
        # rows that were fine, and the NULL one, are untouched
        rows = dict((r[0], (r[1], r[2])) for r in conn.exec_driver_sql("SELECT id, l_acct, l_seq FROM team"))
        assert rows[1] == ("a", 1) and rows[2] == ("b", 1) and rows[5] == (None, None)
    engine.dispose()


def test_repoint_one_to_one_takes_free_parents_then_null(tmp_path: Path) -> None:
    engine = _db(tmp_path, unique=True)
    with engine.begin() as conn:
        moved = repoint_orphans(conn, table="team", columns=("l_acct", "l_seq"), parent="line",
                                parent_columns=("acct", "seq"), unique=True, nullable=True)
        assert moved == 2
        assert _orphans(conn) == 0
        refs = conn.exec_driver_sql("SELECT l_acct, l_seq FROM team WHERE l_acct IS NOT NULL").fetchall()
        assert len(refs) == len(set(refs)) == 3  # only one parent was free: the other orphan is NULL
    engine.dispose()
