"""`dbsynth subset` end to end: Chinook and Sakila, SQLite → SQLite and PostgreSQL → PostgreSQL.

Each subset must load with every FK on and 0 violations, hold only source
rows (compared in every unmasked column), keep no PII / free-text source
value verbatim, and mask one source value the same way everywhere.
"""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

import dbsynth
import dbsynth.errors
from dbsynth.subset.run import SubsetResult
from tests.conftest import ROOT, dataset_path

CHINOOK = ROOT / "examples" / "chinook" / "chinook.sqlite"
KEY = "test-key"


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def read_all(url: str) -> dict[str, pd.DataFrame]:
    """Every table as the driver returns it (SQLite: the stored text of dates, as written)."""
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            names = sa.inspect(conn).get_table_names()
            return {n: pd.read_sql(sa.text(f'SELECT * FROM "{n}"'), conn) for n in names}
    finally:
        engine.dispose()


def primary_keys(url: str) -> dict[str, list[str]]:
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            insp = sa.inspect(conn)
            return {t: insp.get_pk_constraint(t)["constrained_columns"] for t in insp.get_table_names()}
    finally:
        engine.dispose()


def fk_orphans(url: str) -> dict[str, int]:
    """Rows per FK whose parent row is missing (any dialect), from the target's own catalog."""
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    out: dict[str, int] = {}
    try:
        with engine.connect() as conn:
            insp = sa.inspect(conn)
            for table in insp.get_table_names():
                for fk in insp.get_foreign_keys(table):
                    on = " AND ".join(f'p."{b}" = c."{a}"' for a, b in zip(fk["constrained_columns"], fk["referred_columns"]))
                    filled = " AND ".join(f'c."{a}" IS NOT NULL' for a in fk["constrained_columns"])
                    sql = (f'SELECT COUNT(*) FROM "{table}" c WHERE {filled} AND NOT EXISTS '
                           f'(SELECT 1 FROM "{fk["referred_table"]}" p WHERE {on})')
                    out[f"{table}.{','.join(fk['constrained_columns'])}"] = conn.execute(sa.text(sql)).scalar_one()
    finally:
        engine.dispose()
    return out


def _rows(frame: pd.DataFrame, cols: list[str]) -> set[tuple[str, ...]]:
    return set(map(tuple, frame[cols].astype(object).where(frame[cols].notna(), None).astype(str).values.tolist()))


def check_subset(source: str, target: str, result: SubsetResult) -> None:
    """The issue's checks: 0 violations, only source rows, parents present, nothing verbatim."""
    assert sum(result.rows.values()) > 0
    assert result.summary.orphans and all(v == 0 for v in result.summary.orphans.values()), result.summary.orphans
    assert all(v == 0 for v in result.summary.duplicates.values()), result.summary.duplicates
    assert all(v == 0 for v in fk_orphans(target).values())
    if target.startswith("sqlite"):
        with sqlite3.connect(target.removeprefix("sqlite:///")) as con:
            assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    src, dst = read_all(source), read_all(target)
    pks = primary_keys(target)
    masked: dict[str, set[str]] = {}
    for m in result.masked:
        masked.setdefault(m.table, set()).add(m.column)
    for name, frame in dst.items():
        if frame.empty:
            continue
        keep = [c for c in frame.columns if c not in masked.get(name, set())]
        extra = _rows(frame, keep) - _rows(src[name], keep)
        assert not extra, f"{name}: {len(extra)} target rows are no source row, e.g. {sorted(extra)[:2]}"
        for col in masked.get(name, set()):
            # a blank value (Sakila's phones are ' ') holds nothing to mask and stays as it is
            source_values = {v for v in src[name][col].dropna().astype(str) if any(c.isalnum() for c in v)}
            target_values = {v for v in frame[col].dropna().astype(str) if any(c.isalnum() for c in v)}
            assert not source_values & target_values, f"{name}.{col} kept {sorted(source_values & target_values)[:3]}"
        pk = pks.get(name)
        if pk and masked.get(name):  # masking keeps each row's NULLs where they were, and fills the rest
            cols = sorted(masked[name])
            both = frame.merge(src[name], on=pk, suffixes=("", "_src"))
            assert len(both) == len(frame)
            for col in cols:
                assert (both[col].isna() == both[f"{col}_src"].isna()).all(), f"{name}.{col}: NULLs moved"


def run(source: str, target: str, **kw: object) -> SubsetResult:
    result = dbsynth.subset(source, target, **{"mask_key": KEY, **kw})  # type: ignore[arg-type]
    check_subset(source, target, result)
    return result


@pytest.fixture(scope="module")
def sakila() -> Path:
    return dataset_path("sakila", "sakila.sqlite")


# --- SQLite → SQLite ---------------------------------------------------------------------

def test_chinook_where(tmp_path: Path) -> None:
    out = tmp_path / "t.sqlite"
    result = run(sqlite_url(CHINOOK), sqlite_url(out), where=['Customer: "Country" = \'Germany\''])
    with sqlite3.connect(CHINOOK) as con:
        german = {r[0] for r in con.execute("SELECT CustomerId FROM Customer WHERE Country = 'Germany'")}
        their_invoices = con.execute(f"SELECT COUNT(*) FROM Invoice WHERE CustomerId IN ({','.join(map(str, german))})").fetchone()[0]
    with sqlite3.connect(out) as con:
        assert {r[0] for r in con.execute("SELECT CustomerId FROM Customer")} == german  # no customer pulled as a child
        assert con.execute("SELECT COUNT(*) FROM Invoice").fetchone()[0] == their_invoices  # children come along
        # parents transitively: the support reps and whoever they report to (a self-reference)
        reps = con.execute("SELECT COUNT(*) FROM Employee WHERE EmployeeId IN (SELECT SupportRepId FROM Customer)").fetchone()[0]
        assert reps >= 1
        assert con.execute("SELECT COUNT(*) FROM Employee e WHERE ReportsTo IS NOT NULL AND NOT EXISTS "
                           "(SELECT 1 FROM Employee b WHERE b.EmployeeId = e.ReportsTo)").fetchone()[0] == 0
    assert set(result.reference_tables) >= {"Genre", "MediaType"}
    assert result.rows["Genre"] == 25  # lookup tables come whole
    masked = {(m.table, m.column) for m in result.masked}
    assert {("Customer", "Email"), ("Customer", "LastName"), ("Employee", "Email"), ("Track", "Name")} <= masked


def test_chinook_percent(tmp_path: Path) -> None:
    result = run(sqlite_url(CHINOOK), sqlite_url(tmp_path / "t.sqlite"), percent=10, seed=3)
    assert "Artist" in result.root_tables and "Genre" not in result.root_tables
    assert result.rows["Artist"] < 275  # a slice, not the whole database
    assert 0 < result.rows.get("InvoiceLine", 0) < 2240


def test_sakila_where(tmp_path: Path, sakila: Path) -> None:
    result = run(sqlite_url(sakila), sqlite_url(tmp_path / "t.sqlite"), where=["customer: customer_id <= 5"])
    assert result.rows["customer"] >= 5 and result.rows["rental"] > 0
    assert {"language", "category"} <= set(result.reference_tables)
    assert ("customer", "email") in {(m.table, m.column) for m in result.masked}


def test_sakila_percent(tmp_path: Path, sakila: Path) -> None:
    result = run(sqlite_url(sakila), sqlite_url(tmp_path / "t.sqlite"), percent=10)
    assert result.root_tables and result.rows["payment"] < 16049


# --- masking: one source value, one masked value --------------------------------------------

def _two_tables(path: Path) -> None:
    with sqlite3.connect(path) as con:
        con.executescript("""
            CREATE TABLE person (id INTEGER PRIMARY KEY, full_name TEXT, email VARCHAR(60) UNIQUE);
            CREATE TABLE contact (id INTEGER PRIMARY KEY, person_id INTEGER REFERENCES person(id), email TEXT);
        """)
        con.executemany("INSERT INTO person VALUES (?, ?, ?)",
                        [(i, f"Person Number{i}", f"user{i}@example.org") for i in range(1, 41)])
        con.executemany("INSERT INTO contact VALUES (?, ?, ?)",
                        [(i, i, f"user{i}@example.org") for i in range(1, 41)])


def test_same_email_masks_the_same_in_two_tables_and_two_runs(tmp_path: Path) -> None:
    src = tmp_path / "src.sqlite"
    _two_tables(src)
    outs = []
    for run_no, key in enumerate((KEY, KEY, "another-key")):
        out = tmp_path / f"t{run_no}.sqlite"
        result = run(sqlite_url(src), sqlite_url(out), where=["person: id <= 20"], mask_key=key)
        assert {("person", "email"), ("contact", "email")} <= {(m.table, m.column) for m in result.masked}
        with sqlite3.connect(out) as con:
            pairs = con.execute("SELECT p.id, p.email, c.email FROM person p JOIN contact c ON c.person_id = p.id "
                                "ORDER BY p.id").fetchall()
        assert len(pairs) == 20 and all(p == c and "@" in p for _, p, c in pairs)  # joins on e-mail still work
        outs.append(pairs)
    assert outs[0] == outs[1]  # same key: the same masked values, run after run
    assert [p for _, p, _ in outs[0]] != [p for _, p, _ in outs[2]]  # another key: other values


def test_no_mask_copies_rows_verbatim(tmp_path: Path) -> None:
    out = tmp_path / "t.sqlite"
    result = dbsynth.subset(sqlite_url(CHINOOK), sqlite_url(out), where=["Customer: CustomerId = 1"], mask=False)
    assert result.masked == [] and result.mask_key is None
    with sqlite3.connect(CHINOOK) as a, sqlite3.connect(out) as b:
        assert a.execute("SELECT * FROM Customer WHERE CustomerId = 1").fetchall() == b.execute("SELECT * FROM Customer").fetchall()


def test_children_false_in_the_config(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text("[tables.Customer]\nchildren = false\n")
    result = run(sqlite_url(CHINOOK), sqlite_url(tmp_path / "t.sqlite"), where=["Customer: CustomerId = 1"], config=str(cfg))
    assert result.rows["Customer"] == 1 and result.rows.get("Invoice", 0) == 0


# --- --remap-keys ------------------------------------------------------------------------------

def _integer_keys(url: str) -> dict[str, list[int]]:
    with sqlite3.connect(url.removeprefix("sqlite:///")) as con:
        return {t: [r[0] for r in con.execute(f'SELECT "{t}Id" FROM "{t}" ORDER BY rowid')]
                for t in ("Customer", "Invoice", "Track", "Genre")}


def test_remap_keys_renumbers_every_fk_the_same_way(tmp_path: Path) -> None:
    where = ["Customer: Country = 'Germany'"]
    plain = tmp_path / "plain.sqlite"
    dbsynth.subset(sqlite_url(CHINOOK), sqlite_url(plain), where=where, mask_key=KEY)
    urls = [sqlite_url(tmp_path / f"r{i}.sqlite") for i in range(3)]
    for url, key in zip(urls, (KEY, KEY, "another-key")):
        result = dbsynth.subset(sqlite_url(CHINOOK), url, where=where, mask_key=key, remap_keys=True)
        assert ("Customer", "CustomerId") in result.remapped and ("Genre", "GenreId") not in result.remapped
        assert all(v == 0 for v in result.summary.orphans.values()) and all(v == 0 for v in fk_orphans(url).values())
        with sqlite3.connect(url.removeprefix("sqlite:///")) as con:
            assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    before, same, again, other = _integer_keys(sqlite_url(plain)), *(_integer_keys(u) for u in urls)
    assert same == again  # one key, one numbering: refreshes stay stable
    assert same["Customer"] != other["Customer"]  # another key, another numbering
    assert sorted(same["Customer"]) != sorted(before["Customer"])  # renumbered...
    assert len(same["Invoice"]) == len(before["Invoice"]) and max(same["Customer"]) <= 59  # ...inside the source's range
    assert same["Genre"] == before["Genre"]  # a lookup table keeps its ids
    dst, base = read_all(urls[0]), read_all(sqlite_url(plain))
    # each invoice still belongs to its own customer: the (invoice date, total, customer's city) rows are unchanged
    rows = lambda d: sorted(d["Invoice"].merge(d["Customer"], on="CustomerId")[["InvoiceDate", "Total", "City"]]  # noqa: E731
                            .astype(str).itertuples(index=False, name=None))
    assert rows(dst) == rows(base)


# --- the command line -------------------------------------------------------------------------

def dbsynth_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dbsynth.cli", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=600, env={**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"})


def test_cli_subset_prints_the_key_once_and_report_works(tmp_path: Path) -> None:
    out = tmp_path / "t.sqlite"
    done = dbsynth_cli("subset", sqlite_url(CHINOOK), sqlite_url(out), "--where", "Invoice: Total > 15")
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("mask key: ") == 1 and "mask key" not in done.stdout
    assert "Invoice:" in done.stdout and "reference table, whole" in done.stdout
    with sqlite3.connect(out) as con:
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        assert con.execute("SELECT MIN(Total) FROM Invoice").fetchone()[0] > 15
    report = dbsynth_cli("report", sqlite_url(CHINOOK), sqlite_url(out), "--json", str(tmp_path / "r.json"))
    facts = json.loads((tmp_path / "r.json").read_text())
    assert facts["validity"]["total"] == 0 and facts["privacy"]["pii"]["leaked_values"] == 0
    # the report tells a subset by its rows: tables smaller than the source's are no loss there
    assert facts["subset"] is True and facts["validity"]["shrunken_tables"] == []
    assert not [ln for ln in report.stdout.splitlines() if ln.startswith("FAIL")], report.stdout[-2000:] + report.stderr


@pytest.mark.parametrize("where, message", [
    ("Customer Country = 'x'", "not of the form"),
    ("Customers: Country = 'x'", "did you mean 'Customer'"),
    ("Customer: Country = 'x'; DROP TABLE Customer", "';'"),
    ("Customer: Country = ", "not valid SQL"),
])
def test_cli_bad_where_is_one_line(tmp_path: Path, where: str, message: str) -> None:
    out = tmp_path / "t.sqlite"
    done = dbsynth_cli("subset", sqlite_url(CHINOOK), sqlite_url(out), "--where", where)
    assert done.returncode == 2 and message in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and not out.exists()


# --- PostgreSQL → PostgreSQL --------------------------------------------------------------------

@pytest.mark.parametrize("name, kw", [
    ("chinook", {"where": ["customer: country = 'Germany'"]}),
    ("chinook", {"percent": 10}),
    ("sakila", {"where": ["customer: first_name LIKE 'M%'"]}),
    ("sakila", {"percent": 10}),
])
def test_postgres(name: str, kw: dict, pg_dataset, pg_databases) -> None:  # noqa: ANN001
    source = pg_dataset(name)
    target = pg_databases.create("subset")
    result = run(source, target, **kw)
    assert result.summary.writer == "postgresql-copy"


def test_postgres_remap_keys(pg_dataset, pg_databases) -> None:  # noqa: ANN001
    source = pg_dataset("sakila")
    target = pg_databases.create("subset")
    result = dbsynth.subset(source, target, percent=10, mask_key=KEY, remap_keys=True)
    assert ("customer", "customer_id") in result.remapped and ("language", "language_id") not in result.remapped
    assert all(v == 0 for v in result.summary.orphans.values()) and all(v == 0 for v in fk_orphans(target).values())
    assert all(v == 0 for v in result.summary.duplicates.values())


def test_postgres_where_runs_read_only_and_sequences_follow(pg_dataset, pg_databases) -> None:  # noqa: ANN001
    source = pg_dataset("sakila")
    target = pg_databases.create("subset")
    # a condition that would write (advance a sequence) fails in the read-only transaction
    with pytest.raises(dbsynth.errors.ConnectorError, match="read-only"):
        dbsynth.subset(source, target, where=["actor: nextval('actor_actor_id_seq') > 0"])
    result = run(source, target, where=["actor: actor_id <= 3"])
    assert result.summary.sequences_reset
    engine = sa.create_engine(target.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.begin() as conn:  # a new row in the target takes a fresh key
            new = conn.execute(sa.text("INSERT INTO language (name) VALUES ('Esperanto') RETURNING language_id")).scalar_one()
            assert new > conn.execute(sa.text("SELECT MAX(language_id) FROM language WHERE name <> 'Esperanto'")).scalar_one()
    finally:
        engine.dispose()


def test_big_tables_are_checked_by_asking_the_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Columns of tables too big to read whole: the masked values are looked up in the source instead."""
    import importlib
    run_module = importlib.import_module("dbsynth.subset.run")
    monkeypatch.setattr(run_module, "AVOID_READ_ROWS", 0)
    first = run(sqlite_url(CHINOOK), sqlite_url(tmp_path / "a.sqlite"), percent=10)
    monkeypatch.setattr(run_module, "AVOID_READ_ROWS", 10**9)
    second = run(sqlite_url(CHINOOK), sqlite_url(tmp_path / "b.sqlite"), percent=10)
    assert first.rows == second.rows
    a, b = read_all(sqlite_url(tmp_path / "a.sqlite")), read_all(sqlite_url(tmp_path / "b.sqlite"))
    # either way a value is redrawn only when the source holds it: the same masked values
    assert a["Customer"].equals(b["Customer"]) and a["Track"].equals(b["Track"])
