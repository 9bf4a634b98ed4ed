"""`seed --mode append --only Invoice,InvoiceLine --rows Invoice=1000` on the bundled Chinook (issue 15, part 2).

The target is seeded once, a few customers are inserted by hand (the QA fixtures that must stay), then
only invoices and their lines are added: every new invoice hangs from a customer already there, nothing
else is written, no key or unique value repeats, and the invoices-per-customer shape is the source's.

The cardinality score is the judge's (SDMetrics CardinalityShapeSimilarity: 1 − KS distance of the
raw children-per-parent counts). Raw counts, not their shape: 1,000 invoices over the 59 customers of a
plain seed would be 17 each against the source's 7, so the first seed makes 140 customers, and with the 3
hand-inserted ones 1,000 invoices are the source's 6.98 per customer.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests.conftest import ROOT
from tests.e2e.test_safety import cli

CHINOOK = ROOT / "examples" / "chinook" / "chinook.sqlite"
SOURCE = f"sqlite:///{CHINOOK}"
HAND = [(9001, "Test", "User", "qa.user@example.com", "Atlantis"),
        (9002, "Known", "Account", "known.account@example.com", "USA"),
        (9003, "QA", "Fixture", "qa.fixture@example.com", "Germany")]
HAND_SQL = ('INSERT INTO "Customer" ("CustomerId", "FirstName", "LastName", "Email", "Country") '
            "VALUES (%s, '%s', '%s', '%s', '%s')")


def _ok(out: Any) -> Any:
    assert out.returncode == 0, f"{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
    return out


def _frames(con: Any, tables: list[str]) -> dict[str, pd.DataFrame]:
    return {t: pd.read_sql(f'SELECT * FROM "{t}"', con) for t in tables}


def cardinality(real_parents: pd.DataFrame, real_children: pd.DataFrame, parents: pd.DataFrame,
                children: pd.DataFrame) -> float:
    """The judge's score for Customer → Invoice: SDMetrics' CardinalityShapeSimilarity."""
    metric = pytest.importorskip("sdmetrics.multi_table").CardinalityShapeSimilarity
    ids = {"CustomerId": {"sdtype": "id"}}
    md = {"tables": {"Customer": {"primary_key": "CustomerId", "columns": dict(ids)},
                     "Invoice": {"primary_key": "InvoiceId", "columns": {"InvoiceId": {"sdtype": "id"}, **ids}}},
          "relationships": [{"parent_table_name": "Customer", "child_table_name": "Invoice",
                             "parent_primary_key": "CustomerId", "child_foreign_key": "CustomerId"}]}
    pick = lambda p, c: {"Customer": p[["CustomerId"]].astype("int64"),  # noqa: E731
                         "Invoice": c[["InvoiceId", "CustomerId"]].astype("int64")}
    return float(metric.compute(real_data=pick(real_parents, real_children), synthetic_data=pick(parents, children),
                                metadata=md))


def check_attached(before: dict[str, pd.DataFrame], after: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The new invoices (asserting what must hold of them); the caller scores their cardinality."""
    new = after["Invoice"][~after["Invoice"]["InvoiceId"].isin(before["Invoice"]["InvoiceId"])]
    assert len(new) == 1000
    assert set(new["CustomerId"]) <= set(before["Customer"]["CustomerId"])  # customers that were there
    assert len(after["Customer"]) == len(before["Customer"])  # and no new one
    for table in ("Invoice", "InvoiceLine"):  # no key repeats (Chinook's only unique sets are its keys)
        key = f"{table}Id"
        assert after[table][key].is_unique and len(after[table]) > len(before[table])
    lines = after["InvoiceLine"]
    new_lines = lines[lines["InvoiceId"].isin(new["InvoiceId"])]
    assert len(new_lines) == len(lines) - len(before["InvoiceLine"])  # every new line is under a new invoice
    assert set(new_lines["TrackId"]) <= set(before["Track"]["TrackId"])  # and plays a track already there
    hand = new[new["CustomerId"].isin([h[0] for h in HAND])]
    assert set(hand["CustomerId"]) == {h[0] for h in HAND}  # the hand-made customers get invoices too
    joined = new.merge(after["Customer"], on="CustomerId")
    assert (joined["BillingCountry"] == joined["Country"]).mean() > 0.95  # drawn from their customer's values
    assert set(hand.merge(after["Customer"], on="CustomerId")["BillingCountry"]) >= {"Atlantis"}
    return new


TABLES = ["Customer", "Invoice", "InvoiceLine", "Track", "Album", "Artist", "Employee", "Genre", "MediaType",
          "Playlist", "PlaylistTrack"]


def test_only_invoices_attach_to_the_customers_already_in_a_sqlite_target(tmp_path: Path) -> None:
    dst = tmp_path / "qa.sqlite"
    _ok(cli("seed", SOURCE, f"sqlite:///{dst}", "--rows", "Customer=140"))
    with sqlite3.connect(dst) as con:
        for row in HAND:
            con.execute(HAND_SQL % row)
        before = _frames(con, TABLES)
    assert len(before["Customer"]) == 143  # --rows without --only: a table's count, like `rows` in the config
    _ok(cli("seed", SOURCE, f"sqlite:///{dst}", "--mode", "append", "--only", "Invoice,InvoiceLine",
            "--rows", "Invoice=1000"))
    with sqlite3.connect(dst) as con:
        after = _frames(con, TABLES)
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    new = check_attached(before, after)
    for table in set(TABLES) - {"Invoice", "InvoiceLine"}:  # nothing else is written
        assert len(after[table]) == len(before[table]), table
    with sqlite3.connect(CHINOOK) as con:
        real = _frames(con, ["Customer", "Invoice"])
    score = cardinality(real["Customer"], real["Invoice"], after["Customer"], new)
    assert score >= 0.9, score


@pytest.mark.postgres
def test_only_invoices_attach_in_a_postgres_target(pg_databases, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """In batches of 300 rows on 2 workers: the workers COPY through the parallel load's shadow tables."""
    import psycopg
    import sqlalchemy as sa
    url = pg_databases.create("attach")
    small = tmp_path / "batches.toml"
    small.write_text("batch_rows = 300\n")
    _ok(cli("seed", SOURCE, url, "--rows", "Customer=140"))
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with psycopg.connect(url) as con:
            for row in HAND:
                con.execute(HAND_SQL % row)
        with engine.connect() as con:
            before = {t: pd.read_sql(sa.text(f'SELECT * FROM "{t}"'), con) for t in TABLES}
        out = _ok(cli("seed", SOURCE, url, "--mode", "append", "--only", "Invoice,InvoiceLine", "--rows",
                      "Invoice=1000", "--workers", "2", "--config", str(small)))
        assert "postgresql-parallel-copy" in out.stdout, out.stdout[-2000:]
        with engine.connect() as con:
            after = {t: pd.read_sql(sa.text(f'SELECT * FROM "{t}"'), con) for t in TABLES}
    finally:
        engine.dispose()
    check_attached(before, after)  # PostgreSQL itself checked every FK at commit
    for table in set(TABLES) - {"Invoice", "InvoiceLine"}:
        assert len(after[table]) == len(before[table]), table
    with psycopg.connect(url) as con:  # the sequence moved past the new keys: the next insert is free
        ids = con.execute('SELECT pg_get_serial_sequence(\'"Invoice"\', \'InvoiceId\')').fetchone()[0]
        if ids is not None:
            assert con.execute(f"SELECT last_value FROM {ids}").fetchone()[0] >= after["Invoice"]["InvoiceId"].max()


def test_the_python_api_attaches_too(tmp_path: Path) -> None:
    import dbsynth
    from tests.e2e.test_safety import make_sqlite
    src, dst = make_sqlite(tmp_path / "src.sqlite"), make_sqlite(tmp_path / "dst.sqlite")
    out = dbsynth.seed(f"sqlite:///{src}", f"sqlite:///{dst}", mode="append", only="orders", rows={"orders": 30})
    assert out.rows == {"orders": 30}
    with sqlite3.connect(dst) as con:
        assert con.execute("SELECT COUNT(*) FROM customer").fetchone()[0] == 60
        assert con.execute("SELECT COUNT(*) FROM orders").fetchone()[0] == 150
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
