"""Exact relations held end to end: Chinook's invoice totals, and an order/lines fixture on SQLite and PostgreSQL.

The fixture holds every kind: line amount = qty × unit price (row), order total =
Σ line amounts and n_lines = count (aggregates), line_no 1..k within each order
(sequence, both as a primary key and as a UNIQUE beside a surrogate key).
"""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.conftest import ROOT
from tests.e2e.test_seed import dbsynth, fk_violations, ok

CHINOOK = ROOT / "examples" / "chinook" / "chinook.sqlite"
# an invoice without lines (rare at --scale 0.5) totals 0
TOTALS = ('SELECT i."Total" AS total, COALESCE(s.t, 0) AS lines FROM "Invoice" i LEFT JOIN '
          '(SELECT "InvoiceId", SUM("UnitPrice" * "Quantity") AS t FROM "InvoiceLine" GROUP BY "InvoiceId") s '
          'ON s."InvoiceId" = i."InvoiceId"')


def _ddl(surrogate: bool) -> str:
    key = "PRIMARY KEY (order_id, line_no)"
    head = ""
    if surrogate:  # line_no unique within the order beside a surrogate key
        head, key = "id INTEGER PRIMARY KEY, ", "UNIQUE (order_id, line_no)"
    return f"""
CREATE TABLE product (product_id INTEGER PRIMARY KEY, name VARCHAR(20) NOT NULL, price NUMERIC(8,2) NOT NULL);
CREATE TABLE orders (order_id INTEGER PRIMARY KEY, customer VARCHAR(10) NOT NULL,
  total NUMERIC(10,2) NOT NULL CHECK (total >= 0), n_lines INTEGER NOT NULL);
CREATE TABLE order_line ({head}order_id INTEGER NOT NULL REFERENCES orders(order_id),
  line_no INTEGER NOT NULL CHECK (line_no BETWEEN 1 AND 99),
  product_id INTEGER NOT NULL REFERENCES product(product_id), qty INTEGER NOT NULL,
  unit_price NUMERIC(8,2) NOT NULL, amount NUMERIC(10,2) NOT NULL, {key});
"""


def _rows(surrogate: bool, seed: int = 3) -> str:
    rng = np.random.default_rng(seed)
    prices = {p: round(float(rng.uniform(1, 50)), 2) for p in range(1, 31)}
    out = [f"INSERT INTO product VALUES ({p}, 'P{p}', {v});" for p, v in prices.items()]
    line_id = 0
    for o in range(1, 241):
        k, total, lines = int(rng.integers(1, 5)), 0.0, []
        for n in range(1, k + 1):
            p, q = int(rng.integers(1, 31)), int(rng.integers(1, 6))
            amount = round(q * prices[p], 2)
            total += amount
            line_id += 1
            head = f"{line_id}, " if surrogate else ""
            lines.append(f"INSERT INTO order_line VALUES ({head}{o}, {n}, {p}, {q}, {prices[p]}, {amount});")
        out.append(f"INSERT INTO orders VALUES ({o}, 'C{int(rng.integers(1, 8))}', {round(total, 2)}, {k});")
        out += lines
    return "\n".join(out)


def _check_orders(orders: pd.DataFrame, lines: pd.DataFrame) -> None:
    assert len(orders) > 100 and len(lines) > len(orders)
    for c in ("total", "unit_price", "amount"):
        lines[c] = lines[c].astype(float) if c in lines else None
    orders["total"] = orders["total"].astype(float)
    assert np.allclose(lines["amount"], (lines["qty"] * lines["unit_price"]).round(2), atol=0.005)
    per = lines.groupby("order_id")
    got = orders.set_index("order_id")
    sums = per["amount"].sum().reindex(got.index, fill_value=0.0)
    assert np.allclose(got["total"], sums.round(2), atol=0.005)
    assert (got["n_lines"] == per.size().reindex(got.index, fill_value=0)).all()
    # line numbers restart at 1 in every order: 1..k, never a global counter
    numbers = per["line_no"].agg(["min", "max", "size", "nunique"])
    assert (numbers["min"] == 1).all() and (numbers["max"] == numbers["size"]).all()
    assert (numbers["nunique"] == numbers["size"]).all() and numbers["max"].max() <= 4


@pytest.mark.parametrize("surrogate", [False, True], ids=["pk", "unique"])
def test_order_lines_sqlite(surrogate: bool, tmp_path: Path) -> None:
    src, dst = tmp_path / "src.sqlite", tmp_path / "dst.sqlite"
    with sqlite3.connect(src) as con:
        con.executescript(_ddl(surrogate) + _rows(surrogate))
    out = ok(dbsynth("seed", f"sqlite:///{src}", f"sqlite:///{dst}", "--seed", "0", "--scale", "2"))
    assert "cannot keep" in out.stdout + out.stderr  # product.price = min(unit_price) is said, not held
    with sqlite3.connect(dst) as con:
        orders = pd.read_sql("SELECT * FROM orders", con)
        lines = pd.read_sql("SELECT * FROM order_line", con)
    assert fk_violations(dst) == []
    _check_orders(orders, lines)


@pytest.mark.postgres
@pytest.mark.parametrize("surrogate", [False, True], ids=["pk", "unique"])
def test_order_lines_postgres(surrogate: bool, pg_databases) -> None:
    import sqlalchemy as sa

    from connectors.postgresql import psycopg_url

    src = pg_databases.create("lines_src", sql=_ddl(surrogate) + _rows(surrogate))
    dst = pg_databases.create("lines_dst")
    ok(dbsynth("seed", src, dst, "--seed", "0", "--scale", "2"))
    engine = sa.create_engine(psycopg_url(dst))
    with engine.connect() as con:
        orders = pd.read_sql(sa.text("SELECT * FROM orders"), con)
        lines = pd.read_sql(sa.text("SELECT * FROM order_line"), con)
    engine.dispose()
    _check_orders(orders, lines)


def test_chinook_invoice_totals_equal_their_lines(tmp_path: Path) -> None:
    fit_out = ok(dbsynth("fit", f"sqlite:///{CHINOOK}", "--out", str(tmp_path / "model"), "--seed", "0"))
    assert "cannot keep" not in fit_out.stdout
    manifest = json.loads((tmp_path / "model" / "manifest.json").read_text())
    assert [r["column"] for r in manifest["relations"] if r["table"] == "Invoice"] == ["Total"]
    # the saved model holds it too: sample a folder of CSVs from it
    ok(dbsynth("sample", str(tmp_path / "model"), "--out", str(tmp_path / "rows"), "--format", "csv", "--seed", "3"))
    invoices = pd.concat(pd.read_csv(f) for f in sorted((tmp_path / "rows" / "Invoice").glob("*.csv")))
    lines = pd.concat(pd.read_csv(f) for f in sorted((tmp_path / "rows" / "InvoiceLine").glob("*.csv")))
    assert len(invoices) > 100 and len(lines) > len(invoices)
    sums = (lines["UnitPrice"] * lines["Quantity"]).groupby(lines["InvoiceId"]).sum()
    assert np.allclose(invoices["Total"], invoices["InvoiceId"].map(sums).fillna(0.0), atol=0.005)
    inspect = ok(dbsynth("inspect", f"sqlite:///{CHINOOK}", "--profile"))
    assert "Invoice.Total = sum(InvoiceLine.UnitPrice * InvoiceLine.Quantity)" in " ".join(inspect.stdout.split())
    for scale in ("1", "0.5"):
        dst = tmp_path / f"dst_{scale}.sqlite"
        ok(dbsynth("seed", f"sqlite:///{CHINOOK}", f"sqlite:///{dst}", "--seed", "0", "--scale", scale))
        with sqlite3.connect(dst) as con:
            pairs = pd.read_sql(TOTALS, con)
        assert len(pairs) > 100
        assert np.allclose(pairs["total"], pairs["lines"], atol=0.005), scale


@pytest.mark.slow
def test_chinook_totals_with_the_neural_engine(tmp_path: Path) -> None:
    dst = tmp_path / "dst.sqlite"
    ok(dbsynth("seed", f"sqlite:///{CHINOOK}", f"sqlite:///{dst}", "--seed", "0", "--engine", "neural",
               "--max-training-time", "20"))
    with sqlite3.connect(dst) as con:
        pairs = pd.read_sql(TOTALS, con)
    assert len(pairs) > 100 and np.allclose(pairs["total"], pairs["lines"], atol=0.005)


def test_small_parent_with_children_over_several_batches(tmp_path: Path) -> None:
    """10 teams would be drawn whole once and their members over 5 batches: the budgets still add up."""
    rng = np.random.default_rng(2)
    src, dst, cfg = tmp_path / "src.sqlite", tmp_path / "dst.sqlite", tmp_path / "small_batches.toml"
    with sqlite3.connect(src) as con:
        con.executescript("CREATE TABLE team (id INTEGER PRIMARY KEY, budget NUMERIC(12,2) NOT NULL);"
                          "CREATE TABLE member (id INTEGER PRIMARY KEY, team_id INTEGER NOT NULL REFERENCES team(id),"
                          " salary NUMERIC(10,2) NOT NULL);")
        member = 0
        for team in range(1, 11):
            salaries = [round(float(s), 2) for s in rng.uniform(1000, 5000, int(rng.integers(20, 60)))]
            con.execute("INSERT INTO team VALUES (?, ?)", (team, round(sum(salaries), 2)))
            for s in salaries:
                member += 1
                con.execute("INSERT INTO member VALUES (?, ?, ?)", (member, team, s))
    cfg.write_text("batch_rows = 100\n")
    ok(dbsynth("seed", f"sqlite:///{src}", f"sqlite:///{dst}", "--seed", "0", "-c", str(cfg)))
    with sqlite3.connect(dst) as con:
        got = pd.read_sql("SELECT t.budget, COALESCE(s.total, 0) AS total FROM team t LEFT JOIN (SELECT team_id, "
                          "SUM(salary) AS total FROM member GROUP BY team_id) s ON s.team_id = t.id", con)
        members = con.execute("SELECT COUNT(*) FROM member").fetchone()[0]
    assert len(got) == 10 and members > 300
    assert np.allclose(got["budget"], got["total"].round(2), atol=0.005)
