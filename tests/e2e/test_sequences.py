"""Child sequences end to end (dbsynth/relational/sequences.py): a family's dates keep the source's order
and spacing, and dates that follow another (a return after its rental, a payment at its rental) keep the lag.

A fixture runs without ../shared: customers who join over a year, order about every 1-3 weeks from a
few days after joining, each order ships 1-4 days later and is paid 0-3 hours after it (the payment
hangs from the customer, so it finds its order through a non-context FK). Sakila is the yardstick.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import ks_2samp

from dbsynth import pipeline
from dbsynth.config import Config
from tests.conftest import shared_dataset_path
from tests.e2e.test_seed import dbsynth, fk_violations, ok
from tests.unit.execute.fixture import chunk_digests

DDL = """
CREATE TABLE customer (id INTEGER PRIMARY KEY, segment TEXT NOT NULL, created TEXT NOT NULL);
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customer(id),
                     order_date TEXT NOT NULL, shipped_date TEXT, amount REAL NOT NULL);
CREATE TABLE payment (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customer(id),
                      order_id INTEGER REFERENCES orders(id), paid_at TEXT NOT NULL);
"""
DAY = 86400.0


def _text(secs: float) -> str:
    return pd.Timestamp(secs, unit="s").strftime("%Y-%m-%d %H:%M:%S")


def make_source(path: Path, customers: int = 300) -> Path:
    rng = np.random.default_rng(11)
    start = pd.Timestamp("2022-01-01").value / 1e9
    con = sqlite3.connect(path)
    con.executescript(DDL)
    oid = 0
    for cid in range(1, customers + 1):
        joined = start + rng.uniform(0, 365) * DAY
        con.execute("INSERT INTO customer VALUES (?, ?, ?)", (cid, str(rng.choice(["home", "shop"])), _text(joined)))
        pace = rng.uniform(7, 21) * DAY
        t = joined + rng.exponential(4.0) * DAY
        for _ in range(int(rng.integers(1, 12))):
            oid += 1
            shipped = _text(t + rng.uniform(1, 4) * DAY) if rng.uniform() > 0.05 else None
            con.execute("INSERT INTO orders VALUES (?, ?, ?, ?, ?)",
                        (oid, cid, _text(t), shipped, round(float(rng.gamma(2, 20)), 2)))
            con.execute("INSERT INTO payment VALUES (?, ?, ?, ?)",
                        (oid, cid, oid, _text(t + rng.uniform(0, 3) * 3600)))
            t += pace * rng.uniform(0.5, 1.5)
    con.commit()
    con.close()
    return path


def _read(path: Path, sql: str) -> pd.DataFrame:
    with sqlite3.connect(path) as con:
        return pd.read_sql(sql, con)


def _ts(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, errors="coerce", format="mixed")


def family_gaps(frame: pd.DataFrame, family: str, column: str) -> np.ndarray:
    """Each family's rows by time, consecutive differences in seconds."""
    frame = frame.assign(t=_ts(frame[column])).dropna(subset=["t"]).sort_values([family, "t"])
    return frame.groupby(family)["t"].diff().dt.total_seconds().dropna().to_numpy()


def lags(frame: pd.DataFrame, later: str, earlier: str) -> np.ndarray:
    return (_ts(frame[later]) - _ts(frame[earlier])).dt.total_seconds().dropna().to_numpy()


def ks_complement(a: np.ndarray, b: np.ndarray) -> float:
    return 1.0 - float(ks_2samp(a, b).statistic)


ORDER_PAY = ("SELECT o.customer_id, o.order_date, p.paid_at FROM payment p JOIN orders o ON o.id = p.order_id")


@pytest.fixture(scope="module")
def fixture_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = tmp_path_factory.mktemp("sequences")
    src = make_source(folder / "src.sqlite")
    dst = folder / "out.sqlite"
    ok(dbsynth("seed", f"sqlite:///{src}", f"sqlite:///{dst}", "--seed", "3"))
    return {"src": src, "dst": dst}


def test_orders_keep_their_customers_rhythm_and_their_lags(fixture_run: dict) -> None:
    src, dst = fixture_run["src"], fixture_run["dst"]
    assert fk_violations(dst) == []
    real, syn = _read(src, "SELECT * FROM orders"), _read(dst, "SELECT * FROM orders")
    assert ks_complement(family_gaps(real, "customer_id", "order_date"),
                         family_gaps(syn, "customer_id", "order_date")) >= 0.85
    assert ks_complement(lags(real, "shipped_date", "order_date"), lags(syn, "shipped_date", "order_date")) >= 0.85
    assert syn["shipped_date"].isna().mean() == pytest.approx(real["shipped_date"].isna().mean(), abs=0.03)
    paid_real, paid_syn = _read(src, ORDER_PAY), _read(dst, ORDER_PAY)
    assert len(paid_syn) > 0.9 * len(syn)
    assert ks_complement(lags(paid_real, "paid_at", "order_date"), lags(paid_syn, "paid_at", "order_date")) >= 0.85
    # every customer's first order after it joined, as in the source
    first = _read(dst, "SELECT c.created, MIN(o.order_date) AS first FROM orders o JOIN customer c "
                       "ON c.id = o.customer_id GROUP BY c.id")
    assert (_ts(first["first"]) >= _ts(first["created"])).mean() >= 0.97
    # the column's granularity and format: whole seconds, as text
    assert syn["order_date"].str.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d").all()


def test_inspect_profile_lists_the_sequences(fixture_run: dict) -> None:
    out = ok(dbsynth("inspect", "--profile", f"sqlite:///{fixture_run['src']}")).stdout
    text = " ".join(out.split())
    assert "orders.order_date ordered per customer (customer_id)" in text
    assert "first after customer.created" in text
    assert "orders.shipped_date follows orders.order_date" in text
    assert "payment.paid_at follows orders.order_date (via order_id)" in text


@pytest.mark.parametrize("engine", ["copula", "neural"])
def test_sequences_are_the_same_for_any_worker_count(fixture_run: dict, engine: str) -> None:
    if engine == "neural":
        pytest.importorskip("torch")
    base = dict(seed=5, batch_rows=600, engine=engine, max_training_time=20.0)
    model = pipeline.fit(f"sqlite:///{fixture_run['src']}", config=Config(**base)).model
    found = model.tables["orders"].model.sequences
    assert [s.column for s in found.sequences] == ["order_date"]
    one = chunk_digests(list(pipeline.validated_chunks(model, config=Config(**base, workers=1))[0]))
    two = chunk_digests(list(pipeline.validated_chunks(model, config=Config(**base, workers=2))[0]))
    assert one == two


@pytest.mark.datasets
@pytest.mark.slow
def test_sakila_rentals_and_payments_keep_their_gaps_and_lags(tmp_path: Path) -> None:
    src = shared_dataset_path("sakila", "sakila.sqlite")
    dst = tmp_path / "out.sqlite"
    ok(dbsynth("seed", f"sqlite:///{src}", f"sqlite:///{dst}", "--seed", "0"))
    sql = "SELECT rental_id, customer_id, rental_date, return_date FROM rental"
    real, syn = _read(src, sql), _read(dst, sql)
    gap = ks_complement(family_gaps(real, "customer_id", "rental_date"), family_gaps(syn, "customer_id", "rental_date"))
    assert gap >= 0.9
    pay = "SELECT p.payment_date, r.rental_date FROM payment p JOIN rental r ON r.rental_id = p.rental_id"
    lag = ks_complement(lags(_read(src, pay), "payment_date", "rental_date"),
                        lags(_read(dst, pay), "payment_date", "rental_date"))
    assert lag >= 0.9
    back = ks_complement(lags(real, "return_date", "rental_date"), lags(syn, "return_date", "rental_date"))
    assert back >= 0.9
