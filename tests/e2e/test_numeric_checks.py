"""Numeric CHECK bounds, BETWEEN and cross-column orders hold by construction (issue 10, item 3)."""
from __future__ import annotations

import random
import sqlite3
from pathlib import Path

from tests.e2e.test_seed import dbsynth, fk_violations, ok, sqlite_counts

VIOLATIONS = {
    "slot": "hr < 0 OR hr >= 6",
    "hour": "hr < 0 OR hr >= 16",
    "span": "lo > hi OR qty NOT BETWEEN 1 AND 5 OR price < 0 OR price > 100",
}


def _source(path: Path) -> Path:
    rnd = random.Random(7)
    con = sqlite3.connect(path)
    con.executescript("""
        CREATE TABLE slot (day INTEGER NOT NULL, hr INTEGER NOT NULL, note TEXT,
                           PRIMARY KEY (day, hr), CHECK (hr >= 0 AND hr < 6));
        CREATE TABLE hour (day INTEGER NOT NULL, hr SMALLINT NOT NULL, PRIMARY KEY (day, hr),
                           CHECK (hr >= 0 AND hr < 16));
        CREATE TABLE span (id INTEGER PRIMARY KEY, lo INTEGER NOT NULL, hi INTEGER,
                           qty INTEGER NOT NULL CHECK (qty BETWEEN 1 AND 5),
                           price NUMERIC(6,2) CHECK (price >= 0 AND price <= 100),
                           CHECK (lo <= hi));
    """)
    cells = rnd.sample([(d, h) for d in range(1, 13) for h in range(6)], 60)
    con.executemany("INSERT INTO slot VALUES (?, ?, ?)", [(d, h, f"n{d * h % 5}") for d, h in sorted(cells)])
    # hr varies more than day: hr is drawn as the key, day as a value (the fuzzer's line_5)
    cells = rnd.sample([(d, h) for d in range(1, 5) for h in range(16)], 60)
    con.executemany("INSERT INTO hour VALUES (?, ?)", sorted(cells))
    rows = []
    for i in range(1, 81):
        lo = rnd.randint(0, 500)
        hi = None if i % 9 == 0 else lo + rnd.choice([0, 1, 3, 40, 200])
        rows.append((i, lo, hi, rnd.choice([1, 5, 5, 2]), round(rnd.choice([0, 100, rnd.uniform(0, 100)]), 2)))
    con.executemany("INSERT INTO span VALUES (?, ?, ?, ?, ?)", rows)
    con.commit()
    con.close()
    return path


def test_numeric_checks_hold_at_planned_counts(tmp_path: Path) -> None:
    src = _source(tmp_path / "src.sqlite")
    for seed in ("0", "3"):
        dst = tmp_path / f"out{seed}.sqlite"
        out = ok(dbsynth("seed", f"sqlite:///{src}", f"sqlite:///{dst}", "--seed", seed))
        assert "rows lost" not in out.stdout
        assert sqlite_counts(dst) == sqlite_counts(src)  # roots keep their counts at scale 1
        assert fk_violations(dst) == []
        with sqlite3.connect(dst) as con:
            for table, broken in VIOLATIONS.items():
                assert con.execute(f"SELECT COUNT(*) FROM {table} WHERE {broken}").fetchone()[0] == 0, table
            for table in ("slot", "hour"):
                assert con.execute(f"SELECT COUNT(*) FROM (SELECT day, hr FROM {table} GROUP BY 1, 2 "
                                   "HAVING COUNT(*) > 1)").fetchone()[0] == 0
                hours = {r[0] for r in con.execute(f"SELECT DISTINCT hr FROM {table}")}
                assert len(hours) > 1 and all(isinstance(h, int) for h in hours)


def test_grid_key_grows_past_observed_days_at_scale(tmp_path: Path) -> None:
    src = _source(tmp_path / "src.sqlite")
    dst = tmp_path / "out.sqlite"
    ok(dbsynth("seed", f"sqlite:///{src}", f"sqlite:///{dst}", "--scale", "3"))
    counts = sqlite_counts(dst)
    assert counts["slot"] == 180 and counts["hour"] == 180  # 4 observed days hold 64 hours
    with sqlite3.connect(dst) as con:
        for table in ("slot", "hour"):
            assert con.execute(f"SELECT COUNT(*) FROM {table} WHERE {VIOLATIONS[table]}").fetchone()[0] == 0
