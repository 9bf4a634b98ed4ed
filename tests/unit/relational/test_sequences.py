"""Child sequences: what is learned per family, and how a family's times are drawn (relational/sequences.py)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import ks_2samp

from dbsynth.relational.sequences import (Lag, Parent, Sequences, draw_grid, draw_lag, draw_sequence,
                                          find_sequences, row_numbers)
from dbsynth.relational.table import TableModel, find_orderings
from dbsynth.schema.model import Column, ForeignKey, LogicalType, Table
from dbsynth.transform.columns import DatetimeTransform

DAY = 86400.0
EPOCH = pd.Timestamp("2021-01-01").value / 1e9


def _text(secs: np.ndarray) -> list[str]:
    return pd.to_datetime(secs, unit="s").strftime("%Y-%m-%d %H:%M:%S").tolist()


def _source(seed: int = 1) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Customers (joined at `created`) with orders every `period` days from a little after joining;
    each order ships 1-3 days later; each order's payment comes 0-2 hours after it."""
    rng = np.random.default_rng(seed)
    joined = EPOCH + rng.uniform(0, 200, 120) * DAY
    customers = pd.DataFrame({"id": np.arange(1, 121), "created": _text(joined)})
    rows = []
    for cid, start in zip(customers["id"], joined):
        period = rng.choice([7.0, 30.0])
        t = start + rng.exponential(3.0) * DAY
        for _ in range(int(rng.integers(2, 12))):
            rows.append((cid, t))
            t += period * DAY * rng.uniform(0.9, 1.1)
    cid, when = map(np.array, zip(*rows))
    ship = when + rng.uniform(1, 3, len(when)) * DAY
    orders = pd.DataFrame({"id": np.arange(1, len(when) + 1), "customer_id": cid, "order_date": _text(when),
                           "shipped": _text(ship), "last_update": "2022-06-01 00:00:00"})
    paid = when + rng.uniform(0, 2, len(when)) * 3600
    payments = pd.DataFrame({"id": orders["id"], "order_id": orders["id"], "paid_at": _text(paid)})
    return customers, orders, payments


def _col(name: str, lt: LogicalType = LogicalType.DATETIME) -> Column:
    return Column(name=name, logical_type=lt, type_sql=lt.value)


ORDERS = Table(name="orders", columns=(_col("id", LogicalType.INTEGER), _col("customer_id", LogicalType.INTEGER),
                                       _col("order_date"), _col("shipped"), _col("last_update")),
               foreign_keys=(ForeignKey(columns=("customer_id",), referred_table="customer",
                                        referred_columns=("id",)),))
PAYMENTS = Table(name="payment", columns=(_col("id", LogicalType.INTEGER), _col("order_id", LogicalType.INTEGER),
                                          _col("paid_at")),
                 foreign_keys=(ForeignKey(columns=("order_id",), referred_table="orders", referred_columns=("id",)),))


def _model(name: str, frame: pd.DataFrame, columns: list[str]) -> TableModel:
    model = TableModel(name=name, rows=len(frame))
    model.transforms = [DatetimeTransform(column=c).fit(frame[c]) for c in columns]
    model.orderings = find_orderings(model, frame)
    return model


@pytest.fixture(scope="module")
def fitted() -> dict:
    customers, orders, payments = _source()
    cm = _model("customer", customers, ["created"])
    om = _model("orders", orders, ["order_date", "shipped", "last_update"])
    pm = _model("payment", payments, ["paid_at"])
    parents = {"customer": Parent(frame=customers, times={"created": cm.transforms[0]})}
    found = find_sequences(table=ORDERS, frame=orders, transforms=om.transforms, parents=parents,
                           orderings=om.orderings)
    pay = find_sequences(table=PAYMENTS, frame=payments, transforms=pm.transforms, orderings=[],
                         parents={"orders": Parent(frame=orders, times={t.column: t for t in om.transforms})})
    return {"customers": customers, "orders": orders, "payments": payments, "found": found, "pay": pay, "om": om}


def test_a_family_column_is_a_sequence_anchored_on_the_parent_and_its_follower_a_lag(fitted) -> None:
    found: Sequences = fitted["found"]
    assert [s.column for s in found.sequences] == ["order_date"]  # last_update: two instants, no sequence
    seq = found.sequences[0]
    assert seq.fk == ["customer_id"] and seq.referred_table == "customer" and seq.anchor == "created"
    assert seq.families == 120 and len(seq.first) == len(seq.gaps) == len(seq.spans) == len(seq.weights)
    assert sum(seq.weights) == 120 and set(seq.cell_size) == set(range(len(seq.sizes)))
    assert min(min(g) for g in seq.first) >= 0  # seconds after the customer joined
    (lag,) = found.lags
    assert (lag.column, lag.source, lag.fk) == ("shipped", "order_date", [])
    assert DAY <= np.median(lag.lags) <= 3 * DAY
    assert "orders.order_date ordered per customer" in found.texts("orders")[0]


def test_a_child_date_after_its_parent_rows_date_is_a_parent_lag(fitted) -> None:
    (lag,) = fitted["pay"].lags
    assert (lag.column, lag.source, lag.fk, lag.referred_table) == ("paid_at", "order_date", ["order_id"], "orders")
    assert 0 <= min(lag.lags) and max(lag.lags) <= 2 * 3600
    assert fitted["pay"].sequences == []  # one payment per order: no family


def test_loose_orders_and_unrelated_dates_are_not_lags() -> None:
    rng = np.random.default_rng(3)
    a = EPOCH + rng.uniform(0, 100, 300) * DAY
    frame = pd.DataFrame({"a": _text(a), "b": _text(a + rng.uniform(0, 300, 300) * DAY)})  # b >= a, spread wide
    model = _model("t", frame, ["a", "b"])
    assert model.orderings == [("a", "b")]
    table = Table(name="t", columns=(_col("a"), _col("b")))
    assert not find_sequences(table=table, frame=frame, transforms=model.transforms, parents={},
                              orderings=model.orderings)


def test_sequences_survive_the_model_file(fitted) -> None:
    model = fitted["om"]
    model.sequences = fitted["found"]
    back = TableModel.from_dict(model.to_dict(), model.arrays())
    assert back.sequences == fitted["found"]
    assert TableModel.from_dict({**model.to_dict(), "sequences": None}, {}).sequences == Sequences()  # old models


def _families(orders: pd.DataFrame) -> np.ndarray:
    return orders["customer_id"].to_numpy() - 1


def _gaps(secs: np.ndarray, families: np.ndarray) -> np.ndarray:
    frame = pd.DataFrame({"f": families, "t": secs}).sort_values(["f", "t"])
    return frame.groupby("f")["t"].diff().dropna().to_numpy()


def test_drawn_families_keep_the_sources_gaps_and_start_after_their_parent(fitted) -> None:
    seq, orders = fitted["found"].sequences[0], fitted["orders"]
    tr = fitted["om"].transforms[0]
    real = tr.seconds(orders["order_date"])
    families = _families(orders)
    joined = fitted["om"].transforms[0].seconds(fitted["customers"]["created"])  # same text format
    anchor = joined[families]
    shuffled = np.random.default_rng(0).permutation(real)  # what a row-by-row draw gives: no rhythm
    out = draw_sequence(seq, tr, families=families, current=shuffled, anchor=anchor,
                        rng=np.random.default_rng(5))
    # weekly and monthly customers mixed: a hard case (Sakila's rentals reach 0.97, tests/e2e/test_sequences.py)
    kept = 1 - ks_2samp(_gaps(real, families), _gaps(out, families)).statistic
    lost = 1 - ks_2samp(_gaps(real, families), _gaps(shuffled, families)).statistic
    assert kept >= 0.75 and kept >= lost + 0.15
    assert (out >= anchor - 1).mean() >= 0.95  # first orders after the customer joined
    assert out.min() > real.min() and out.max() < real.max()  # never the source's first or last instant
    # within a family, the row drawn earliest gets the earliest time
    for f in range(5):
        rows = np.flatnonzero(families == f)
        assert (np.argsort(shuffled[rows], kind="stable") == np.argsort(out[rows], kind="stable")).all()


def test_drawing_is_a_function_of_the_rng_and_leaves_nulls_and_orphans_alone(fitted) -> None:
    seq, orders = fitted["found"].sequences[0], fitted["orders"]
    tr = fitted["om"].transforms[0]
    now = tr.seconds(orders["order_date"])
    now[:3] = np.nan
    families = _families(orders)
    families[3:6] = -1
    runs = [draw_sequence(seq, tr, families=families, current=now, anchor=None, rng=np.random.default_rng(9))
            for _ in range(2)]
    np.testing.assert_array_equal(runs[0], runs[1])
    assert np.isnan(runs[0][:3]).all()
    np.testing.assert_array_equal(runs[0][3:6], now[3:6])
    # the column's own format and granularity: whole seconds, as text
    written = tr.from_seconds(runs[0][6:9])
    assert all(isinstance(v, str) and len(v) == 19 for v in written)


def test_lags_and_grids() -> None:
    lag = Lag(column="b", source="a", lags=[0.0, 0.0])
    source = np.array([10.0, np.nan, 30.0])
    current = np.array([1.0, 2.0, np.nan])
    out = draw_lag(lag, source=source, current=current, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(out, [10.0, 2.0, np.nan])  # NULL stays NULL, no source keeps the draw
    drawn = draw_grid([0.0, 1.0, 10.0], 2000, np.random.default_rng(1))
    assert 0 <= drawn.min() and drawn.max() <= 10 and 0.8 < np.median(drawn) < 1.2


def test_row_numbers_find_keys_of_one_or_more_columns() -> None:
    keys = pd.DataFrame({"a": [1, 2, 3, 2], "b": ["x", "y", "z", "y"]})
    wanted = pd.DataFrame({"a": [2, 5, 1], "b": ["y", "y", "x"]})
    np.testing.assert_array_equal(row_numbers(keys, wanted), [3, -1, 0])  # repeated key: its last row
    np.testing.assert_array_equal(row_numbers(keys[["a"]], wanted[["a"]]), [3, -1, 0])
