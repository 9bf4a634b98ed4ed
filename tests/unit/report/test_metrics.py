"""Pure metrics: known values on tiny inputs, and agreement with SDMetrics' own metrics."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dbsynth.report import metrics as m


def test_ks_complement_identical_and_disjoint() -> None:
    a = pd.Series(np.arange(100.0))
    assert m.ks_complement(a, a.sample(frac=1, random_state=1)) == pytest.approx(1.0)
    assert m.ks_complement(a, a + 1000) == pytest.approx(0.0)
    assert np.isnan(m.ks_complement(a, pd.Series([np.nan, np.nan])))


def test_ks_on_datetimes_uses_the_time_axis() -> None:
    days = pd.Series(pd.date_range("2020-01-01", periods=50, freq="D"))
    assert m.ks_complement(days, days) == pytest.approx(1.0)
    assert m.ks_complement(days, days + pd.Timedelta(days=365)) == pytest.approx(0.0)


def test_tv_complement_known_value() -> None:
    real = pd.Series(["a"] * 50 + ["b"] * 50)
    syn = pd.Series(["a"] * 80 + ["b"] * 20)
    assert m.tv_complement(real, syn) == pytest.approx(0.7)  # 1 - (0.3 + 0.3) / 2
    assert m.tv_complement(real, pd.Series(["c"] * 10)) == pytest.approx(0.0, abs=1e-6)


def test_tv_complement_treats_int_and_float_alike() -> None:
    real = pd.Series([1, 2, 2, 3], dtype="Int64")
    assert m.tv_complement(real, pd.Series([1.0, 2.0, 2.0, 3.0])) == pytest.approx(1.0)


def test_correlation_similarity() -> None:
    x = np.arange(200.0)
    real = pd.DataFrame({"a": x, "b": 2 * x})
    score, rr, sr = m.correlation_similarity(real, pd.DataFrame({"a": x, "b": -x}))
    assert rr == pytest.approx(1.0) and sr == pytest.approx(-1.0) and score == pytest.approx(0.0)
    assert m.correlation_similarity(real, real)[0] == pytest.approx(1.0)


def test_contingency_similarity_and_cramers_v() -> None:
    real = pd.DataFrame({"a": ["x", "x", "y", "y"], "b": ["p", "p", "q", "q"]})
    flipped = pd.DataFrame({"a": ["x", "x", "y", "y"], "b": ["q", "q", "p", "p"]})
    assert m.contingency_similarity(real, real) == pytest.approx(1.0)
    assert m.contingency_similarity(real, flipped) == pytest.approx(0.0)
    assert m.cramers_v(real) == pytest.approx(1.0)


def test_children_per_parent_counts_zero_children() -> None:
    parents = pd.DataFrame({"id": pd.array([1, 2, 3], dtype="Int64")})
    children = pd.DataFrame({"pid": [1.0, 1.0, 3.0, np.nan]})
    assert m.children_per_parent(parents, children).tolist() == [2.0, 0.0, 1.0]
    composite = m.children_per_parent(pd.DataFrame({"a": [1, 1], "b": ["x", "y"]}),
                                      pd.DataFrame({"a": [1, 1, 1], "b": ["y", "y", "x"]}))
    assert composite.tolist() == [1.0, 2.0]


def test_paper_statistics_bounds() -> None:
    rng = np.random.default_rng(0)
    a, b = pd.Series(rng.normal(size=500)), pd.Series(rng.normal(3, 1, size=500))
    assert m.js_divergence_numeric(a, a) == pytest.approx(0.0, abs=1e-9)
    assert 0.5 < m.js_divergence_numeric(a, b) <= 1.0
    assert m.wasserstein(a, b) == pytest.approx(3.0, rel=0.15)  # in real-std units
    cats = pd.Series(["x"] * 300 + ["y"] * 200)
    assert m.chi2_pvalue(cats, cats) > 0.99
    assert m.chi2_pvalue(cats, pd.Series(["x"] * 100 + ["y"] * 400)) < 1e-6
    assert m.detection_score(0.5) == 1.0 and m.detection_score(1.0) == 0.0 and m.detection_score(0.3) == 1.0


def test_single_metrics_match_sdmetrics() -> None:
    sdm = pytest.importorskip("sdmetrics")
    from sdmetrics.multi_table import CardinalityShapeSimilarity
    rng = np.random.default_rng(3)
    real, syn = pd.Series(rng.gamma(2, 3, 400)), pd.Series(rng.gamma(2.4, 3, 300))
    assert m.ks_complement(real, syn) == pytest.approx(sdm.single_column.KSComplement.compute(real, syn), abs=1e-9)
    rc, sc = pd.Series(rng.choice(list("abcd"), 300)), pd.Series(rng.choice(list("abcde"), 200))
    assert m.tv_complement(rc, sc) == pytest.approx(sdm.single_column.TVComplement.compute(rc, sc), abs=1e-9)
    parents = pd.DataFrame({"id": np.arange(50)})
    kids_r = pd.DataFrame({"id": np.arange(300), "pid": rng.integers(0, 50, 300)})
    kids_s = pd.DataFrame({"id": np.arange(200), "pid": rng.integers(0, 30, 200)})
    meta = {"tables": {"p": {"primary_key": "id", "columns": {"id": {"sdtype": "id"}}},
                       "c": {"primary_key": "id", "columns": {"id": {"sdtype": "id"}, "pid": {"sdtype": "id"}}}},
            "relationships": [{"parent_table_name": "p", "child_table_name": "c", "parent_primary_key": "id",
                               "child_foreign_key": "pid"}]}
    theirs = CardinalityShapeSimilarity.compute({"p": parents, "c": kids_r}, {"p": parents, "c": kids_s}, meta)
    ours = m.cardinality_shape_similarity(m.children_per_parent(parents, kids_r[["pid"]]),
                                          m.children_per_parent(parents, kids_s[["pid"]]))
    assert ours == pytest.approx(theirs, abs=1e-9)


def test_timezone_aware_datetimes_compare_as_instants() -> None:
    """timestamptz columns arrive as datetime64[us, UTC] (or another zone): no crash, same instants."""
    utc = pd.Series(pd.to_datetime(["2024-01-01 10:00", "2024-01-02 10:00", None]).tz_localize("UTC"))
    oslo = utc.dt.tz_convert("Europe/Oslo")
    assert m.as_numeric(utc).tolist()[:2] == m.as_numeric(oslo).tolist()[:2]
    assert np.isnan(m.as_numeric(utc).iloc[2])
    assert m.ks_complement(utc, oslo) == 1.0
