"""PostgreSQL CHECKs with LIKE, regular expressions and IN: every row generated to satisfy them.

Uses ../shared/repros/pg/06_like_check.sql, 07_regex_check.sql, 08_in_check.sql
(skipped when absent). The target keeps the CHECKs, so PostgreSQL itself
judges every row; the table must keep its source row count.
"""
from __future__ import annotations

import subprocess

import pytest

from tests.conftest import REPROS as BUNDLED_REPROS, PgDatabases, _pg_bin
from tests.e2e.test_seed import dbsynth, ok

REPROS = BUNDLED_REPROS / "pg"  # bundled copy of ../shared/repros
CASES = {"06_like_check": "email LIKE '%@corp.example'",
         "07_regex_check": "code ~ '^[A-Z]{3}-[0-9]{4}$'",
         "08_in_check": "status IN ('new','paid','shipped') AND qty * price < 10000"}


def _query(url: str, sql: str) -> list[str]:
    out = subprocess.run([_pg_bin("psql"), "-X", "-At", "-d", url, "-c", sql], capture_output=True, text=True,
                         check=True)
    return out.stdout.split()


@pytest.mark.postgres
@pytest.mark.parametrize("name", sorted(CASES))
def test_check_satisfied_by_construction(name: str, pg_databases: PgDatabases) -> None:
    sql_file = REPROS / f"{name}.sql"
    if not sql_file.exists():
        pytest.skip("shared repros not available")
    src = pg_databases.create("src", sql_file=sql_file)
    dst = pg_databases.create("dst")
    ok(dbsynth("seed", src, dst, "--seed", "5"))
    assert _query(dst, "SELECT count(*) FROM m") == ["300"]
    # the CHECK is in the target (so PostgreSQL accepted every row) and every row satisfies it
    assert int(_query(dst, "SELECT count(*) FROM pg_constraint WHERE contype = 'c' "
                           "AND conrelid = 'm'::regclass")[0]) >= 1
    assert _query(dst, f"SELECT count(*) FROM m WHERE NOT ({CASES[name]})") == ["0"]
    # values vary: not one constant that happens to pass
    column = CASES[name].split()[0]
    assert int(_query(dst, f"SELECT count(DISTINCT {column}) FROM m")[0]) >= 3


@pytest.mark.postgres
def test_domain_regex_check_is_satisfied(pg_databases: PgDatabases) -> None:
    src = pg_databases.create("src", sql="""
        CREATE DOMAIN sku AS text CHECK (VALUE ~ '^SKU-[0-9]{5}$');
        CREATE TABLE item (id int PRIMARY KEY, code sku NOT NULL UNIQUE, kind text CHECK (kind LIKE 'k\\_%'));
        INSERT INTO item SELECT g, 'SKU-' || lpad(g::text, 5, '0'), 'k_' || (g % 40) FROM generate_series(1, 200) g;
    """)
    dst = pg_databases.create("dst")
    ok(dbsynth("seed", src, dst, "--seed", "2"))
    assert _query(dst, "SELECT count(*) FROM item") == ["200"]
    assert _query(dst, "SELECT count(*) FROM item WHERE code !~ '^SKU-[0-9]{5}$' OR kind NOT LIKE 'k\\_%'") == ["0"]
