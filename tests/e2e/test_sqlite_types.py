"""SQLite columns whose declared type SQLAlchemy reads by affinity: uuid text and bytes are generated, not NULL."""
from __future__ import annotations

import os
import random
import sqlite3
import uuid
from pathlib import Path

from tests.e2e.test_seed import dbsynth, ok


def _source(path: Path) -> Path:
    rng = random.Random(38)
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a VARBINARY(16), b LONGBLOB NOT NULL, u UUID, "
                "g BYTEA, d BLOB)")
    rows = [(i, None if i % 4 == 0 else os.urandom(rng.randint(4, 16)), os.urandom(rng.randint(1, 30)),
             None if i % 5 == 0 else str(uuid.UUID(int=rng.getrandbits(128), version=4)), os.urandom(8),
             None if i % 3 == 0 else os.urandom(rng.randint(2, 6))) for i in range(1, 121)]
    con.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?)", rows)
    con.commit()
    con.close()
    return path


def _shares(path: Path) -> dict[str, float]:
    with sqlite3.connect(path) as con:
        n = con.execute("SELECT COUNT(*) FROM t").fetchone()[0]
        return {c: con.execute(f"SELECT COUNT({c}) FROM t").fetchone()[0] / n for c in "abugd"}


def test_uuid_and_binary_columns_are_generated(tmp_path: Path) -> None:
    src = _source(tmp_path / "src.sqlite")
    dst = tmp_path / "dst.sqlite"
    out = ok(dbsynth("seed", f"sqlite:///{src}", f"sqlite:///{dst}", "--seed", "38"))
    assert "not modelled" not in out.stdout + out.stderr
    want, got = _shares(src), _shares(dst)
    for col in "abugd":  # the source's NULL share, not all NULL
        assert abs(got[col] - want[col]) < 0.1, (col, want[col], got[col])
    with sqlite3.connect(dst) as con:
        blobs = con.execute("SELECT a, b, g, d FROM t").fetchall()
        uuids = [r[0] for r in con.execute("SELECT u FROM t WHERE u IS NOT NULL")]
        lengths = [r[0] for r in con.execute("SELECT length(a) FROM t WHERE a IS NOT NULL")]
    assert all(isinstance(v, bytes) for row in blobs for v in row if v is not None)
    assert all(str(uuid.UUID(u)) == u for u in uuids) and len(set(uuids)) == len(uuids)
    assert 4 <= min(lengths) and max(lengths) <= 16  # the source's length distribution
