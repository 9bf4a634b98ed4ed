"""Ranges laid out so that, per equal key, none overlaps (EXCLUDE (room WITH =, during WITH &&))."""
from __future__ import annotations

import itertools

import numpy as np

from dbsynth.transform.pgranges import draw_ranges, learn_ranges, place_ranges, range_bounds
from dbsynth.validate.exclusion import parse_range


def _overlapping_pairs(values: list[str], keys: list[tuple]) -> int:
    bad = 0
    for (a, ka), (b, kb) in itertools.combinations(zip(values, keys), 2):
        ra, rb = parse_range(a), parse_range(b)
        if ka == kb and ra and rb and ra[0] < rb[1] and rb[0] < ra[1]:
            bad += 1
    return bad


def _source() -> list[str]:
    return [f'["2024-01-{d:02d} 00:00:00+00","2024-01-{d:02d} 02:00:00+00")' for d in range(1, 31)]


def test_drawn_tstzranges_are_laid_out_without_overlap_keeping_widths() -> None:
    rng = np.random.default_rng(7)
    params = learn_ranges(_source(), "tstzrange")
    assert params is not None
    values = draw_ranges(params, 300, rng)
    keys = [(int(r),) for r in rng.integers(0, 10, 300)]
    assert _overlapping_pairs(values, keys) > 0  # independent draws collide
    placed = place_ranges(values, keys, "tstzrange", {})
    assert _overlapping_pairs(placed, keys) == 0
    width = [b[1] - b[0] for b in (range_bounds(v, "tstzrange") for v in values)]
    assert [b[1] - b[0] for b in (range_bounds(v, "tstzrange") for v in placed)] == width
    assert sum(a != b for a, b in zip(values, placed)) < len(values)  # free ones stay where drawn


def test_layout_holds_across_calls_and_inclusive_bounds() -> None:
    busy: dict = {}
    first = place_ranges(["[1,3]", "[2,5)"], [(), ()], "int4range", busy)
    second = place_ranges(["[1,3]", "(0,2)"], [(), ()], "int4range", busy)
    assert _overlapping_pairs(first + second, [()] * 4) == 0
    assert first[0] == "[1,3]"


def test_null_keys_and_empty_ranges_stay() -> None:
    values = ["empty", "[1,4)", "[1,4)"]
    assert place_ranges(values, [(1,), (None,), (None,)], "int4range", {}) == values
