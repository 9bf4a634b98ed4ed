"""Streaming under a tiny root: small top tables are held whole, the batches split what hangs below."""
from __future__ import annotations

import numpy as np
import pandas as pd

from dbsynth.engines.base import FitOptions, SampleOptions
from dbsynth.engines.registry import get_engine
from dbsynth.sample.batching import batch_share
from dbsynth.sample.sampler import Sampler
from dbsynth.schema.graph import build_plan
from dbsynth.schema.model import Column, ForeignKey, LogicalType, PrimaryKey, Schema, Table, UniqueConstraint
from dbsynth.validate.checks import Keys, KeySet

INT, FLOAT = LogicalType.INTEGER, LogicalType.FLOAT


def _col(name: str, lt: LogicalType = INT) -> Column:
    return Column(name=name, logical_type=lt, type_sql=lt.value, nullable=False)


def _geo() -> tuple[Schema, dict[str, pd.DataFrame]]:
    """region (3) → nation (12) → customer (600) → item (customer_id, line) unique."""
    rng = np.random.default_rng(0)
    region = pd.DataFrame({"id": [1, 2, 3], "size": [1.0, 2.0, 3.0]})
    nation = pd.DataFrame({"id": np.arange(1, 13), "region_id": np.repeat([1, 2, 3], 4)})
    customer = pd.DataFrame({"id": np.arange(1, 601), "nation_id": rng.integers(1, 13, 600),
                             "spend": rng.gamma(2.0, 50.0, 600).round(2)})
    lines = rng.integers(1, 5, 600)
    item = pd.DataFrame({"customer_id": np.repeat(customer.id, lines),
                         "line": np.concatenate([np.arange(1, k + 1) for k in lines]),
                         "qty": rng.integers(1, 9, lines.sum())})
    tables = (
        Table("region", (_col("id"), _col("size", FLOAT)), primary_key=PrimaryKey(("id",))),
        Table("nation", (_col("id"), _col("region_id")), primary_key=PrimaryKey(("id",)),
              foreign_keys=(ForeignKey(("region_id",), "region", ("id",)),)),
        Table("customer", (_col("id"), _col("nation_id"), _col("spend", FLOAT)), primary_key=PrimaryKey(("id",)),
              foreign_keys=(ForeignKey(("nation_id",), "nation", ("id",)),)),
        Table("item", (_col("customer_id"), _col("line"), _col("qty")),
              unique_constraints=(UniqueConstraint(("customer_id", "line")),),
              foreign_keys=(ForeignKey(("customer_id",), "customer", ("id",)),)),
    )
    return Schema(dialect="sqlite", tables=tables), {"region": region, "nation": nation, "customer": customer,
                                                      "item": item}


def _model():
    schema, frames = _geo()
    return get_engine("copula").fit(schema=schema, plan=build_plan(schema), frames=frames, profiles={},
                                    options=FitOptions(seed=0)), frames


def test_tiny_tops_are_held_and_the_batches_split_the_families_below() -> None:
    model, frames = _model()
    options = SampleOptions(seed=1, scale=2.0, batch_rows=300)
    sampler = Sampler(model=model, options=options)
    assert sampler.resident == {"region", "nation"}
    chunks: dict[str, list[pd.DataFrame]] = {}
    batches: dict[str, list[int]] = {}
    for chunk in model.sample(options=options):
        chunks.setdefault(chunk.table, []).append(chunk.frame)
        batches.setdefault(chunk.table, []).append(chunk.batch)
    assert batches["region"] == [0] and batches["nation"] == [0]  # drawn once, never again
    # 1200 customers with their ~3000 items, in batches of at most 300 rows
    assert len(set(batches["customer"])) == sampler.plan().batches >= 14
    sizes = [len(f) for f in chunks["customer"]]
    assert max(sizes) - min(sizes) <= 24  # each of 24 nations split within one row, not whole regions per batch
    out = {t: pd.concat(f, ignore_index=True) for t, f in chunks.items()}
    assert len(out["region"]) == 6 and len(out["nation"]) == 24 and len(out["customer"]) == 1200
    assert set(out["customer"].nation_id) <= set(out["nation"].id)
    assert set(out["item"].customer_id) <= set(out["customer"].id)
    assert not out["item"].duplicated(["customer_id", "line"]).any()


def test_the_same_seed_gives_the_same_batches() -> None:
    model, _ = _model()
    options = SampleOptions(seed=3, scale=2.0, batch_rows=200)
    first = [c.frame for c in model.sample(options=options)]
    second = [c.frame for c in model.sample(options=options)]
    assert len(first) == len(second)
    for a, b in zip(first, second):
        pd.testing.assert_frame_equal(a, b)


def test_batch_shares_add_up_to_each_family() -> None:
    sizes = np.array([0, 1, 5, 7, 12])
    parts = [batch_share(sizes, b, 4) for b in range(4)]
    assert (sum(parts) == sizes).all() and all((p >= 0).all() for p in parts)
    assert max(p.sum() for p in parts) - min(p.sum() for p in parts) <= len(sizes)


def test_keysets_pack_integer_keys_held_in_object_columns() -> None:
    frame = pd.DataFrame({"a": pd.Series([1, 2, 3], dtype=object), "b": pd.Series([7, 8, 9], dtype=object)})
    keys = Keys(frame, ["a", "b"])
    assert keys.ints() is not None  # 8 bytes a key, not a tuple
    text = pd.DataFrame({"a": pd.Series(["007", "7"], dtype=object)})
    assert Keys(text, ["a"]).ints() is None  # "007" and "7" are different keys
    seen = KeySet()
    seen.add(keys)
    probe = pd.DataFrame({"a": pd.Series([2, 2], dtype=object), "b": pd.Series([8, 9], dtype=object)})
    assert seen.contains(Keys(probe, ["a", "b"])).tolist() == [True, False]
