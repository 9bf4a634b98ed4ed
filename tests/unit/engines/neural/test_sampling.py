"""Pieces of the neural engine: token encoding, calibrated stratified draws."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("torch")

from dbsynth.engines.neural.encoding import decode, encode, make_token  # noqa: E402
from dbsynth.engines.neural.table_net import calibrate, stratified_categorical  # noqa: E402
from dbsynth.transform.columns import CategoricalTransform, NumericTransform  # noqa: E402


@pytest.mark.parametrize("make", [
    lambda rng: NumericTransform(column="x").fit(pd.Series(np.where(rng.uniform(size=500) < 0.2, np.nan,
                                                                    rng.gamma(2, 3, 500)))),
    lambda rng: NumericTransform(column="x", integer=True).fit(pd.Series(rng.integers(0, 7, 500))),
    lambda rng: CategoricalTransform(column="c").fit(pd.Series(rng.choice(["a", "b", None], 500))),
])
def test_tokens_round_trip_and_keep_the_marginal(make) -> None:
    rng = np.random.default_rng(0)
    tr = make(rng)
    token = make_token(tr, source="own", index=0)
    assert token is not None
    codes = rng.integers(0, token.classes, 2000)
    assert np.array_equal(encode(token, tr, decode(token, tr, codes, rng)), codes)
    # real values -> codes -> values: the same distribution (mean within 5%)
    real = tr.reverse_transform(np.column_stack([rng.standard_normal(3000)] * tr.width), rng=rng)
    if isinstance(tr, NumericTransform):
        values = tr.reverse_transform(decode(token, tr, encode(token, tr, tr.transform(
            pd.Series(real, dtype=float), rng=rng)), rng), rng=rng)
        a = pd.Series(real, dtype=float).dropna().mean()
        b = pd.Series(values, dtype=float).dropna().mean()
        assert abs(a - b) <= 0.05 * abs(a) + 1e-9


def test_calibrate_matches_target_and_keeps_odds() -> None:
    rng = np.random.default_rng(1)
    probs = rng.dirichlet(np.ones(4), size=300)
    target = np.array([0.4, 0.3, 0.2, 0.1])
    out = calibrate(probs, target)
    assert np.allclose(out.sum(axis=1), 1.0)
    assert np.abs(out.mean(axis=0) - target).max() < 0.01
    ratio = (out[:, 0] / out[:, 1]) / (probs[:, 0] / probs[:, 1])
    assert np.allclose(ratio, ratio[0])  # one common factor per class pair


def test_stratified_draw_hits_expected_counts() -> None:
    rng = np.random.default_rng(2)
    probs = np.tile([0.5, 0.3, 0.2], (50, 1))
    counts = np.bincount(stratified_categorical(probs, rng), minlength=3)
    assert np.abs(counts - np.array([25, 15, 10])).max() <= 1
