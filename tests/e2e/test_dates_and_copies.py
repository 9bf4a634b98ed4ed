"""Dates keep their granularity and text format; invoices carry their synthetic customer's address.

On the bundled Chinook (SQLite → SQLite, and the same data in PostgreSQL → PostgreSQL).
"""
from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import ROOT
from tests.e2e.test_seed import dbsynth, ok

CHINOOK = ROOT / "examples" / "chinook"


def _agreement(frame: pd.DataFrame) -> dict[str, float]:
    return {c: float((frame[f"billing_{c}"].fillna("∅") == frame[c].fillna("∅")).mean())
            for c in ("address", "city", "state", "country", "postal_code")}


def test_chinook_sqlite_dates_and_billing_address(tmp_path: Path) -> None:
    src, dst = CHINOOK / "chinook.sqlite", tmp_path / "out.sqlite"
    ok(dbsynth("seed", f"sqlite:///{src}", f"sqlite:///{dst}", "--seed", "0"))
    with sqlite3.connect(dst) as con:
        dates = [r[0] for r in con.execute("SELECT InvoiceDate FROM Invoice")]
        people = con.execute("SELECT BirthDate, HireDate FROM Employee").fetchall()
        joined = pd.read_sql(
            "SELECT i.BillingAddress AS billing_address, i.BillingCity AS billing_city, "
            "i.BillingState AS billing_state, i.BillingCountry AS billing_country, "
            "i.BillingPostalCode AS billing_postal_code, c.Address AS address, c.City AS city, c.State AS state, "
            "c.Country AS country, c.PostalCode AS postal_code FROM Invoice i JOIN Customer c USING (CustomerId)", con)
    with sqlite3.connect(src) as con:
        real_births = {r[0] for r in con.execute("SELECT BirthDate FROM Employee")}
    # the source writes `2021-01-01 00:00:00`: date-only values, whole-second text format
    assert dates and all(len(d) == 19 and d.endswith(" 00:00:00") for d in dates)
    assert len(set(dates)) > 50
    assert all(dt.datetime.strptime(b, "%Y-%m-%d %H:%M:%S") and b.endswith(" 00:00:00") for b, _ in people)
    assert len({b for b, _ in people} & real_births) <= 1  # employees' exact birth dates are not reproduced
    rates = _agreement(joined)
    assert len(joined) > 300 and min(rates.values()) >= 0.99, rates


def test_text_date_formats_survive_sqlite_to_sqlite(tmp_path: Path) -> None:
    src, dst = tmp_path / "src.sqlite", tmp_path / "out.sqlite"
    with sqlite3.connect(src) as con:
        con.execute('CREATE TABLE "Orders" (id INTEGER PRIMARY KEY, "OrderDate" DATETIME, "BirthDate" DATE, '
                    '"Stamp" TIMESTAMP, "Opens" TIME)')
        rows = [(i, f"199{i % 7}-0{1 + i % 9}-{10 + i % 18} 00:00:00.000", f"19{40 + i % 30}-0{1 + i % 9}-0{1 + i % 9}",
                 f"2005-05-{10 + i % 18} {i % 24:02d}:{i * 7 % 60:02d}:{i * 13 % 60:02d}", f"{8 + i % 10:02d}:{i % 4 * 15:02d}")
                for i in range(1, 120)]
        con.executemany('INSERT INTO "Orders" VALUES (?, ?, ?, ?, ?)', rows)
    ok(dbsynth("seed", f"sqlite:///{src}", f"sqlite:///{dst}", "--seed", "1"))
    with sqlite3.connect(dst) as con:
        out = con.execute('SELECT "OrderDate", "BirthDate", "Stamp", "Opens", typeof("OrderDate") FROM "Orders"').fetchall()
    assert len(out) > 100
    for order, birth, stamp, opens, kind in out:
        assert kind == "text"
        assert dt.datetime.strptime(order, "%Y-%m-%d %H:%M:%S.%f") and order.endswith(" 00:00:00.000"), order
        assert dt.date.fromisoformat(birth) and len(birth) == 10, birth
        assert dt.datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S") and len(stamp) == 19, stamp
        assert dt.datetime.strptime(opens, "%H:%M") and opens[-2:] in ("00", "15", "30", "45"), opens


@pytest.mark.postgres
def test_chinook_postgres_dates_and_billing_address(pg_databases) -> None:
    from sqlalchemy import create_engine

    src = pg_databases.create("chinook_src", sql_file=CHINOOK / "postgres.sql")
    dst = pg_databases.create("chinook_syn")
    ok(dbsynth("seed", src, dst, "--seed", "0"))
    engine = create_engine(dst.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as con:
        dates = pd.read_sql("SELECT invoice_date FROM invoice", con)["invoice_date"]
        joined = pd.read_sql("SELECT i.billing_address, i.billing_city, i.billing_state, i.billing_country, "
                             "i.billing_postal_code, c.address, c.city, c.state, c.country, c.postal_code "
                             "FROM invoice i JOIN customer c USING (customer_id)", con)
    engine.dispose()
    assert len(dates) > 300 and (dates == dates.dt.normalize()).all()  # timestamps at midnight stay there
    rates = _agreement(joined)
    assert min(rates.values()) >= 0.99, rates
