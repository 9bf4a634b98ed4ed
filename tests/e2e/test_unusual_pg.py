"""Unusual keys and CHECKs seeded PostgreSQL → PostgreSQL: every table keeps its size, PostgreSQL accepts
every row with all constraints in place, and key columns keep their types."""
from __future__ import annotations

import pytest

from tests.conftest import ROOT, PgDatabases
from tests.e2e.test_repros_pg_checks import _query
from tests.e2e.test_seed import dbsynth, ok

SQL = ROOT / "tests" / "fixtures" / "sql" / "unusual_pg.sql"


@pytest.mark.postgres
def test_unusual_keys_and_checks(pg_databases: PgDatabases) -> None:
    src = pg_databases.create("src", sql_file=SQL)
    dst = pg_databases.create("dst")
    ok(dbsynth("seed", src, dst, "--seed", "4"))
    tables = ["country", "time_slot", "orders", "lines", "item", "station", "weather"]
    counts = " UNION ALL ".join(f"SELECT '{t}=' || count(*) FROM {t}" for t in tables)
    assert _query(dst, counts) == _query(src, counts)
    assert _query(dst, "SELECT count(DISTINCT code) FROM country") == ["400"]
    assert _query(dst, "SELECT max(line_no) <= 20 AND min(line_no) >= 1 FROM lines") == ["t"]
    assert _query(dst, "SELECT count(*) FROM weather WHERE day < date '2000-01-01'") == ["0"]
    assert _query(dst, "SELECT count(*) FROM item WHERE code !~ '^SKU-[0-9]{5}$' OR tag <> upper(tag)") == ["0"]
    assert int(_query(dst, "SELECT count(*) FROM pg_constraint WHERE contype = 'c'")[0]) >= 6
