"""The batch plan: key ranges that never overlap, and batches that depend only on their number."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dbsynth import pipeline
from dbsynth.engines.base import SampleOptions
from dbsynth.execute.plan import family_share
from dbsynth.sample.sampler import Sampler
from tests.unit.execute.fixture import BATCH_ROWS, fixture_config, make_source


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory):
    src = make_source(tmp_path_factory.mktemp("plan") / "src.sqlite")
    return pipeline.fit(f"sqlite:///{src}", config=fixture_config()).model


def _options(**kw: object) -> SampleOptions:
    return SampleOptions(**{"seed": 5, "batch_rows": BATCH_ROWS, **kw})  # type: ignore[arg-type]


def test_small_tables_are_resident_and_the_rest_is_cut_into_batches(model) -> None:
    plan = Sampler(model=model, options=_options()).plan()
    assert plan.batches == 3
    assert {"region", "nation", "supplier"} <= plan.resident
    assert {"customer", "part", "item", "partsupp"} <= set(plan.bounds)
    assert "partsupp" in plan.whole_families  # (supplier_id, part_id) unique: one supplier's parts in one batch


def test_key_ranges_never_overlap_and_hold_every_batch_s_keys(model) -> None:
    options = _options(key_offsets={"customer": 1000})
    plan = Sampler(model=model, options=options).plan()
    for table, sizes in plan.bounds.items():
        base = 1000 if table == "customer" else 0
        ranges = [plan.key_range(table, b, base=base) for b in range(plan.batches)]
        for b, kr in enumerate(ranges):  # batch b starts where batch b-1 ends: no overlap, no gap
            assert kr.end - kr.start == sizes[b]
            assert kr.start == (ranges[b - 1].end if b else base)
            assert kr.spill >= ranges[-1].end  # repairs never land in another batch's range
        spills = [kr.spill for kr in ranges]
        assert all(b - a >= max(sizes) for a, b in zip(spills, spills[1:]))
    sampler = Sampler(model=model, options=options)
    for b in range(plan.batches):
        keys = pd.concat([c.frame for c in sampler.run_batch(b) if c.table == "customer"]).id.astype(int)
        kr = plan.key_range("customer", b, base=1000)
        assert keys.between(kr.start + 1, kr.end).all() and keys.is_unique


def test_the_bounds_cover_what_the_batches_draw(model) -> None:
    sampler = Sampler(model=model, options=_options())
    plan = sampler.plan()
    drawn: dict[str, list[int]] = {}
    for b in range(plan.batches):
        got: dict[str, int] = {}
        for chunk in sampler.run_batch(b):
            got[chunk.table] = got.get(chunk.table, 0) + len(chunk.frame)
        for table in plan.bounds:
            drawn.setdefault(table, []).append(got.get(table, 0))
    for table, sizes in plan.bounds.items():
        assert all(d <= s for d, s in zip(drawn[table], sizes)), (table, drawn[table], sizes)
        # the bounds are tight: a few keys of gap per batch at most
        assert sum(sizes) - sum(drawn[table]) <= 3 * plan.batches + 0.02 * sum(sizes), (table, drawn[table], sizes)


def test_a_batch_depends_only_on_its_number(model) -> None:
    options = _options()
    first = Sampler(model=model, options=options)
    in_order = {b: [c.frame for c in first.run_batch(b)] for b in range(3)}
    alone = [c.frame for c in Sampler(model=model, options=options).run_batch(2)]  # a fresh process's view
    assert len(alone) == len(in_order[2])
    for a, b in zip(alone, in_order[2]):
        pd.testing.assert_frame_equal(a, b)
    again = [c.frame for c in first.run_batch(1)]  # and a batch run again after others
    for a, b in zip(again, in_order[1]):
        pd.testing.assert_frame_equal(a, b)


def test_resident_tables_come_out_with_the_first_batch_only(model) -> None:
    sampler = Sampler(model=model, options=_options())
    tables = [{c.table for c in sampler.run_batch(b)} for b in range(3)]
    assert {"region", "nation", "supplier"} <= tables[0]
    assert not ({"region", "nation", "supplier"} & (tables[1] | tables[2]))
    assert all({"customer", "item"} <= t for t in tables)


def test_whole_families_never_split_and_cover_every_row() -> None:
    sizes = np.array([5, 0, 7, 3, 9, 1, 4])
    parts = [family_share(sizes, b, 3, whole=True) for b in range(3)]
    assert (sum(parts) == sizes).all()
    for fam in range(len(sizes)):
        assert sum(p[fam] > 0 for p in parts) <= 1
    split = [family_share(sizes, b, 3, whole=False) for b in range(3)]
    assert (sum(split) == sizes).all()


def test_a_table_referring_to_batched_rows_is_not_resident(model) -> None:
    sampler = Sampler(model=model, options=_options(batch_rows=100_000))
    assert sampler.resident >= {"region", "nation", "supplier", "partsupp"}  # one batch: small enough
    sampler = Sampler(model=model, options=_options())
    # item refers to part (batched) besides its customer: never drawn once for all batches
    assert "item" not in sampler.resident and "part" not in sampler.resident


def test_fk_targets_keep_rows_in_every_batch() -> None:
    from dbsynth.execute.plan import MIN_PARENTS, batch_count
    assert batch_count([1000.0], 100) == 10
    assert batch_count([1000.0], 100, {"staff": 2.0}) == 1  # Sakila: 2 staff rows are every payment's parents
    assert batch_count([1000.0], 100, {"part": 5 * MIN_PARENTS}) == 5
