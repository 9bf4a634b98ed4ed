"""Repaired parent rows keep their keys, so children sampled against them stay valid (fuzz seed 30 shape)."""
from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from dbsynth import pipeline
from dbsynth.config import Config
from tests.e2e.test_seed import dbsynth, fk_violations, ok, sqlite_counts

PARENT_ROWS, CHILD_ROWS = 40, 200  # 20+ parent rows: modelled (tiny tables take whole source rows)


def seed30_source(path: Path) -> Path:
    """A parent with CHECKs and a NOT NULL FK child.

    BETWEEN and lo <= hi are met by construction; `lo_val + int_2 <= 300` is not (arithmetic
    is left to the validator), and the source packs rows against it, so some parent rows go through repair.
    """
    rng = random.Random(30)
    with sqlite3.connect(path) as con:
        con.execute('CREATE TABLE line_0 (id BIGINT NOT NULL PRIMARY KEY, text_0 TEXT NOT NULL UNIQUE, '
                    'int_2 INTEGER NOT NULL, lo_val INTEGER NOT NULL, hi_val INTEGER, '
                    'CONSTRAINT ck_between CHECK (int_2 BETWEEN 46 AND 172), '
                    'CONSTRAINT ck_order CHECK (lo_val <= hi_val), '
                    'CONSTRAINT ck_sum CHECK (lo_val + int_2 <= 300))')
        con.execute('CREATE TABLE item_1 (id BIGINT NOT NULL PRIMARY KEY, '
                    'line_0_id BIGINT NOT NULL REFERENCES line_0 (id), real_1 REAL NOT NULL)')
        parents = []
        for i in range(1, PARENT_ROWS + 1):
            int_2 = rng.choice([46, 47, 171, 172, rng.randint(46, 172)])
            lo = 300 - int_2 - rng.randint(0, 8)  # against the sum CHECK
            hi = None if i % 4 == 0 else lo + rng.randint(0, 3)  # hi barely above lo
            parents.append((i, f"t{i}", int_2, lo, hi))
        con.executemany("INSERT INTO line_0 VALUES (?, ?, ?, ?, ?)", parents)
        con.executemany("INSERT INTO item_1 VALUES (?, ?, ?)",
                        [(i, rng.randint(1, PARENT_ROWS), rng.random() * 100) for i in range(1, CHILD_ROWS + 1)])
    return path


@pytest.mark.parametrize("seed", [30, 1, 2])
def test_repaired_parents_keep_their_keys(seed: int, tmp_path: Path) -> None:
    """The parent's CHECK repairs happen, yet no child row ever misses its parent."""
    src = seed30_source(tmp_path / "src.sqlite")
    config = Config(seed=seed)
    model = pipeline.fit(f"sqlite:///{src}", config=config).model
    chunks, validator = pipeline.validated_chunks(model, config=config, allow_drops=False)
    frames = {}
    for chunk in chunks:
        frames.setdefault(chunk.table, []).append(chunk.frame)
    summary = validator.summary()
    kinds = {t: summary.counts.get(t, {}) for t in ("line_0", "item_1")}
    assert kinds["line_0"].get("check", {}).get("repaired", 0) > 0, kinds  # the repair path ran
    assert "foreign_key" not in kinds["item_1"] and summary.ok, kinds  # no child lost (or re-pointed) its parent
    for table, planned in summary.planned.items():
        assert summary.rows_valid[table] == round(planned), (table, planned, summary.rows_valid)
    lines = pd.concat(frames["line_0"])
    items = pd.concat(frames["item_1"])
    hi = lines["hi_val"].astype(float).fillna(1e18)  # a NULL hi passes the CHECK
    assert lines["int_2"].between(46, 172).all() and (lines["lo_val"] <= hi).all()
    assert (lines["lo_val"].astype(int) + lines["int_2"].astype(int) <= 300).all()
    assert items["line_0_id"].isin(lines["id"]).all()


def test_seed_keeps_children_of_repaired_parents(tmp_path: Path) -> None:
    src = seed30_source(tmp_path / "src.sqlite")
    dst = tmp_path / "out.sqlite"
    ok(dbsynth("seed", f"sqlite:///{src}", f"sqlite:///{dst}", "--seed", "30"))
    assert fk_violations(dst) == []
    counts = sqlite_counts(dst)
    assert counts["line_0"] == PARENT_ROWS  # no parent dropped
    assert abs(counts["item_1"] - CHILD_ROWS) <= 0.05 * CHILD_ROWS + 3 * CHILD_ROWS ** 0.5, counts
    with sqlite3.connect(dst) as con:
        bad = con.execute("SELECT COUNT(*) FROM line_0 WHERE NOT (int_2 BETWEEN 46 AND 172) "
                          "OR lo_val > hi_val OR lo_val + int_2 > 300").fetchone()[0]
        orphans = con.execute("SELECT COUNT(*) FROM item_1 c LEFT JOIN line_0 p ON p.id = c.line_0_id "
                              "WHERE p.id IS NULL").fetchone()[0]
    assert bad == 0 and orphans == 0
