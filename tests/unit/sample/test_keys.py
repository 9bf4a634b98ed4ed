"""Key generation, quota assignment and forests."""
from __future__ import annotations

import numpy as np
from scipy.stats import spearmanr

from dbsynth.relational.cardinality import degree_grid, draw_quotas, rescale_counts
from dbsynth.sample import keys as K


def test_pattern_keys_follow_shape_and_are_unique() -> None:
    pattern = K.learn_pattern(["ALFKI", "ANATR", "BERGS", "BOLID"])
    seen: set = set()
    keys = K.pattern_keys(pattern=pattern, n=500, rng=np.random.default_rng(0), seen=seen)
    assert len(set(keys)) == 500
    assert all(len(k) == 5 and k.isalpha() and k.isupper() for k in keys)


def test_uuid_and_integer_keys() -> None:
    a = K.uuid_keys(n=100, rng=np.random.default_rng(3))
    assert len(set(a)) == 100 and list(a) == list(K.uuid_keys(n=100, rng=np.random.default_rng(3)))
    assert list(K.integer_keys(start=10, n=3)) == [11, 12, 13]


def test_quotas_keep_popularity_shape() -> None:
    rng = np.random.default_rng(0)
    source = np.sort(rng.zipf(1.8, 300).clip(0, 200).astype(float))[::-1]
    quotas = draw_quotas(degree_grid(source), 300, rng)
    want = quotas.copy()
    pick = K.assign_by_quota(n=int(source.sum()), quotas=quotas, rng=rng)
    got = np.bincount(pick, minlength=300)
    assert spearmanr(want, got).statistic >= 0.8
    assert np.quantile(got, 0.99) > 5 * np.median(got)


def test_grouped_unique_draws_without_replacement() -> None:
    groups = np.repeat(np.arange(50), 8)
    pick = K.assign_grouped_unique(groups=groups, quotas=np.ones(20) * 20, rng=np.random.default_rng(1))
    pairs = set(zip(groups.tolist(), pick.tolist()))
    assert len(pairs) == len(groups) and (pick >= 0).all()


def test_forest_is_acyclic_with_source_depth() -> None:
    parents = K.forest_parents(n=300, depth_p=[0.1, 0.3, 0.6], fanout=degree_grid(np.array([0.0] * 8 + [3.0] * 2)),
                               rng=np.random.default_rng(2))
    assert (parents < np.arange(300)).all()  # parents come first: no cycles
    depth = np.zeros(300, dtype=int)
    for i in range(300):
        depth[i] = 0 if parents[i] < 0 else depth[parents[i]] + 1
    assert depth.max() == 2 and abs((depth == 0).mean() - 0.1) < 0.06


def test_forest_with_an_undrawn_depth_keeps_deeper_rows_linked() -> None:
    # a small table may draw no row at some middle depth; the rows below it must still get parents
    # (they used to all become roots: an all-NULL parent column), and parents still come first
    depth_p, fanout = [0.21, 0.17, 0.33, 0.25, 0.04], [0.0] * 12 + [1.0] * 10 + [2.0, 7.0]
    for seed in range(300):
        parents = K.forest_parents(n=24, depth_p=depth_p, fanout=fanout, rng=np.random.default_rng(seed))
        assert (parents < np.arange(24)).all()
        assert (parents < 0).mean() <= 0.5, seed


def test_rescale_counts_hits_target_and_cap() -> None:
    out = rescale_counts(np.array([0.0, 1, 2, 3, 10]), target=40, cap=12, rng=np.random.default_rng(0))
    assert out.sum() == 40 and out.max() <= 12


def test_make_unique_suffixes_and_bumps() -> None:
    seen: set = set()
    out = K.make_unique(np.array(["a", "a", "b", None], dtype=object), seen=seen, max_length=3)
    assert len({v for v in out if v}) == 3 and out[3] is None
    ints = K.make_unique(np.array([1, 1, 2], dtype=object), seen=set())
    assert len(set(ints)) == 3


def test_quotas_of_a_small_parent_are_its_exact_in_degrees() -> None:
    """Three shippers with 249, 255 and 326 orders: at the same size, the same three quotas."""
    source = np.array([255.0, 326.0, 249.0])
    quotas = draw_quotas(degree_grid(source), 3, np.random.default_rng(0))
    assert sorted(quotas.tolist()) == [249.0, 255.0, 326.0]
    tripled = draw_quotas(degree_grid(source), 9, np.random.default_rng(1))
    assert sorted(tripled.tolist()) == [249.0] * 3 + [255.0] * 3 + [326.0] * 3


def test_quotas_of_a_big_parent_interpolate_its_heavy_tail() -> None:
    """Beyond 200 parents the grid is quantiles: a step would hand the top 1/200 the maximum."""
    source = np.random.default_rng(3).zipf(2.5, 5000).astype(float)
    quotas = draw_quotas(degree_grid(source), 5000, np.random.default_rng(0))
    grid = np.asarray(degree_grid(source))
    stepped = grid[np.minimum((np.arange(5000) + 0.5) / 5000 * len(grid), len(grid) - 1).astype(int)]

    def top(q: np.ndarray) -> float:
        return float(np.sort(q)[-25:].sum() / q.sum())

    assert top(quotas) < top(stepped) - 0.1 and top(quotas) < 0.4
