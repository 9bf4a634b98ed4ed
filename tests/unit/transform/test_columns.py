"""Round trips and bounds of the reversible column transforms."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from dbsynth.transform import datefmt
from dbsynth.transform.columns import (CategoricalTransform, ConstantTransform, DatetimeTransform,
                                       NumericTransform, transform_from_dict)


def _roundtrip(tr, values: pd.Series, n: int = 2000) -> np.ndarray:
    tr.fit(values)
    tr = transform_from_dict(tr.to_dict())
    rng = np.random.default_rng(0)
    scores = tr.transform(values, rng=rng)
    assert scores.shape == (len(values), tr.width) and np.isfinite(scores).all()
    return tr.reverse_transform(rng.standard_normal((n, tr.width)), rng=rng)


def test_numeric_integers_stay_integers_within_range() -> None:
    rng = np.random.default_rng(1)
    values = pd.Series(rng.integers(5, 5000, 500))
    out = _roundtrip(NumericTransform(column="x", integer=True), values)
    assert all(isinstance(v, int) for v in out)
    assert min(out) >= 5 and max(out) <= 4999


def test_numeric_decimal_keeps_scale_and_nulls() -> None:
    rng = np.random.default_rng(2)
    values = pd.Series(np.round(rng.gamma(2.0, 10.0, 800), 2)).mask(rng.uniform(size=800) < 0.25)
    out = _roundtrip(NumericTransform(column="x", scale=2), values, n=4000)
    present = [v for v in out if v is not None]
    assert abs(1 - len(present) / len(out) - 0.25) < 0.05
    assert all(v >= 0 and round(v, 2) == v for v in present)


def test_numeric_small_support_keeps_values() -> None:
    values = pd.Series([0.99] * 300 + [1.99] * 100)
    out = _roundtrip(NumericTransform(column="price", scale=2), values)
    assert set(out) == {0.99, 1.99}
    assert abs(np.mean(np.array(out) == 0.99) - 0.75) < 0.05


def test_numeric_scores_are_monotone() -> None:
    values = pd.Series(np.arange(1000, dtype=float))
    tr = NumericTransform(column="x").fit(values)
    z = tr.transform(values, rng=np.random.default_rng(0))[:, 0]
    assert np.all(np.diff(z) >= 0) and abs(z.mean()) < 0.05


def test_sqlite_text_datetimes_keep_format() -> None:
    values = pd.Series(["2021-01-01 00:00:00", "2021-03-05 12:30:00", "2022-07-01 08:00:00", None])
    out = _roundtrip(DatetimeTransform(column="d"), values, n=200)
    present = [v for v in out if v is not None]
    assert present and all(isinstance(v, str) and len(v) == 19 for v in present)
    assert all("2021-01-01 00:00:00" <= v <= "2022-07-01 08:00:00" for v in present)
    dt.datetime.strptime(present[0], "%Y-%m-%d %H:%M:%S")


def test_datetime64_and_dates_come_back_typed() -> None:
    stamps = pd.Series(pd.date_range("2020-01-01", periods=100, freq="D"))
    out = _roundtrip(DatetimeTransform(column="d"), stamps, n=50)
    assert all(isinstance(v, pd.Timestamp) for v in out)
    dates = pd.Series([dt.date(2020, 1, 1) + dt.timedelta(days=i) for i in range(100)])
    out = _roundtrip(DatetimeTransform(column="d", unit="date"), dates, n=50)
    assert all(isinstance(v, dt.date) and dt.date(2020, 1, 1) <= v <= dt.date(2020, 4, 9) for v in out)


def test_dates_come_back_as_the_calendar_day_of_each_instant() -> None:
    # dates are made from whole microseconds column-wise (numpy), not a Timestamp per row: the
    # day must be the Timestamp's own (floored, before 1970 too)
    dates = pd.Series([dt.date(1950, 1, 1) + dt.timedelta(days=37 * i) for i in range(400)])
    tr = DatetimeTransform(column="d", unit="date")
    tr.fit(dates)
    tr.grid = None  # no snapping to the source's own days: every instant is its own
    secs = np.random.default_rng(1).uniform(-1e9, 1e9, 500)
    micros = datefmt.snap(secs, tr.step)
    got = tr._finish(secs)
    want = [pd.Timestamp(int(u), unit="us").date() for u in micros]
    assert all(type(v) is dt.date for v in got)
    assert [g - w for g, w in zip(got, want) if g != w] == []


def test_categorical_frequencies_and_nulls() -> None:
    values = pd.Series(["a"] * 600 + ["b"] * 300 + [None] * 100)
    out = _roundtrip(CategoricalTransform(column="c"), values, n=5000)
    freq = pd.Series(list(out), dtype=object).value_counts(dropna=False, normalize=True)
    assert abs(freq["a"] - 0.6) < 0.03 and abs(freq["b"] - 0.3) < 0.03
    assert abs(sum(v is None for v in out) / 5000 - 0.1) < 0.02


def test_booleans_come_back_as_booleans() -> None:
    out = _roundtrip(CategoricalTransform(column="b"), pd.Series([True, False, True, True]), n=400)
    assert {type(v) for v in out} == {bool} and 0.6 < np.mean(list(out)) < 0.9


def test_constant_is_zero_width() -> None:
    tr = ConstantTransform(column="k").fit(pd.Series(["x", "x", None]))
    out = transform_from_dict(tr.to_dict()).reverse_transform(np.zeros((3, 0)), rng=np.random.default_rng(0))
    assert tr.width == 0 and list(out) == ["x", "x", "x"]
