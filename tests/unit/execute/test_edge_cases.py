"""Edge cases on demand (dbsynth/execute/edge_cases.py): a share of rows covers the source's corners."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dbsynth import pipeline
from dbsynth.config import Config
from dbsynth.engines.base import FitOptions
from dbsynth.engines.registry import get_engine
from dbsynth.errors import ConfigError
from dbsynth.execute.edge_cases import _lengthened, check_share
from dbsynth.schema.graph import build_plan
from dbsynth.schema.model import CheckConstraint, Column, ForeignKey, LogicalType, PrimaryKey, Schema, Table

INT, FLOAT, TEXT = LogicalType.INTEGER, LogicalType.FLOAT, LogicalType.TEXT
TIERS = ["basic"] * 30 + ["gold"] * 9 + ["platinum"]  # platinum: one shop in forty
STATUSES = ["paid"] * 380 + ["open"] * 18 + ["lost"] * 2


def _col(name: str, lt: LogicalType = INT, *, nullable: bool = False, length: int | None = None) -> Column:
    return Column(name=name, logical_type=lt, type_sql=lt.value if length is None else f"varchar({length})",
                  nullable=nullable, length=length)


def _source() -> tuple[Schema, dict[str, pd.DataFrame]]:
    """shop (40) → orders (400): rare categories, nullable columns without NULLs, a CHECK-bounded score."""
    rng = np.random.default_rng(0)
    shop = pd.DataFrame({"id": np.arange(1, 41), "tier": TIERS,
                         "note": [f"note number {i} about the shop" [:10 + i % 15] for i in range(40)],
                         "score": rng.integers(10, 91, 40)})
    children = rng.integers(1, 20, 40)
    children = np.round(children * 400 / children.sum()).astype(int)
    shop_ids = np.repeat(shop.id, children)[:400]
    orders = pd.DataFrame({"id": np.arange(1, len(shop_ids) + 1), "shop_id": shop_ids,
                           "status": rng.permutation(STATUSES)[:len(shop_ids)],
                           "amount": rng.gamma(2.0, 30.0, len(shop_ids)).round(2)})
    tables = (
        Table("shop", (_col("id"), _col("tier", TEXT, length=20), _col("note", TEXT, nullable=True, length=30),
                       _col("score", nullable=True)),
              primary_key=PrimaryKey(("id",)),
              checks=(CheckConstraint("score BETWEEN 0 AND 100"),
                      CheckConstraint("tier IN ('basic', 'gold', 'platinum')"))),
        Table("orders", (_col("id"), _col("shop_id"), _col("status", TEXT, length=10), _col("amount", FLOAT)),
              primary_key=PrimaryKey(("id",)), foreign_keys=(ForeignKey(("shop_id",), "shop", ("id",)),)),
    )
    return Schema(dialect="sqlite", tables=tables), {"shop": shop, "orders": orders}


@pytest.fixture(scope="module")
def fitted():  # noqa: ANN201
    schema, frames = _source()
    model = get_engine("copula").fit(schema=schema, plan=build_plan(schema), frames=frames, profiles={},
                                     options=FitOptions(seed=0))
    return model, frames


def _output(model, **config) -> tuple[dict[str, pd.DataFrame], object]:  # noqa: ANN001
    chunks, validator = pipeline.validated_chunks(model, config=Config(**config))
    parts: dict[str, list[pd.DataFrame]] = {}
    for chunk in chunks:
        parts.setdefault(chunk.table, []).append(chunk.frame)
    return {t: pd.concat(p, ignore_index=True) for t, p in parts.items()}, validator


def test_the_share_covers_rare_categories_nulls_lengths_and_bounds(fitted) -> None:  # noqa: ANN001
    model, source = fitted
    out, validator = _output(model, seed=3, edge_cases=0.05)
    shop, orders = out["shop"], out["orders"]
    assert set(shop["tier"].dropna()) == {"basic", "gold", "platinum"}
    assert {"paid", "open", "lost"} <= set(orders["status"].dropna())
    assert orders["status"].str.len().max() == 10  # varchar(10): one status stretched to its maximum length
    assert shop["note"].isna().any() and shop["score"].isna().any()  # nullable columns get a NULL
    assert shop["note"].dropna().str.len().max() == 30  # the declared maximum length
    scores = set(shop["score"].dropna().astype(int))
    assert {int(source["shop"].score.min()), int(source["shop"].score.max()), 0, 100} <= scores  # source + CHECK
    amounts = orders["amount"].dropna().astype(float)
    assert np.isclose(amounts.min(), source["orders"].amount.min()) and np.isclose(amounts.max(), source["orders"].amount.max())
    # every row still satisfies its constraints: the CHECKs, the FK, and nothing was dropped or repaired
    assert shop["score"].dropna().between(0, 100).all()
    assert shop["tier"].isin(["basic", "gold", "platinum"]).all()  # no stretched tier: its CHECK forbids it
    assert set(orders["shop_id"]) <= set(shop["id"])
    assert orders["status"].notna().all() and shop["tier"].notna().all()  # NOT NULL columns stay filled
    summary = validator.summary()
    assert sum(summary.rows_in.values()) == sum(summary.rows_valid.values())


def test_a_parent_gets_no_children_and_one_gets_the_most(fitted) -> None:  # noqa: ANN001
    model, source = fitted
    out, _ = _output(model, seed=3, edge_cases=0.2)
    per_shop = out["orders"]["shop_id"].value_counts()
    assert (~out["shop"]["id"].isin(per_shop.index)).any()
    assert per_shop.max() >= source["orders"]["shop_id"].value_counts().max()


def test_without_the_option_the_output_is_unchanged(fitted) -> None:  # noqa: ANN001
    model, _ = fitted
    plain, _ = _output(model, seed=5)
    zero, _ = _output(model, seed=5, edge_cases=0.0)
    edged, _ = _output(model, seed=5, edge_cases=0.05)
    for table in plain:
        pd.testing.assert_frame_equal(plain[table], zero[table])
    assert not all(plain[t].equals(edged[t]) for t in plain)


def test_edits_stay_within_the_share(fitted) -> None:  # noqa: ANN001
    model, _ = fitted
    plain, _ = _output(model, seed=7)
    edged, _ = _output(model, seed=7, edge_cases=0.05)
    changed = (plain["orders"].astype(str) != edged["orders"].astype(str)).any(axis=1).sum()
    assert 0 < changed <= np.ceil(0.05 * len(plain["orders"]))


def test_lengthened_text_keeps_its_look() -> None:
    assert _lengthened("Main St", 12) == "Main St Main"
    assert len(_lengthened("Main St", 50)) == 50 and not _lengthened("ab c", 5).endswith(" ")
    mail = _lengthened("ann@example.com", 30)
    assert len(mail) == 30 and mail.endswith("@example.com")
    assert _lengthened(" ", 4) == "    "


@pytest.mark.parametrize("bad", [-0.1, 1.5, float("nan"), True])
def test_a_share_outside_zero_to_one_is_one_clear_error(bad: float) -> None:
    with pytest.raises(ConfigError, match="--edge-cases"):
        check_share(bad)
    assert check_share(None) == 0.0 and check_share(0.05) == 0.05


def test_a_null_takes_a_category_row_when_every_row_is_one_category() -> None:
    """Nine employees, nine extensions: no spare row, so the NULL (and the longest value) take one."""
    from types import SimpleNamespace

    from dbsynth.execute.edge_cases import ColumnGoals, EdgeCases, TableGoals, _key
    from dbsynth.frames import TableChunk
    schema = Schema(dialect="sqlite", tables=(
        Table("staff", (_col("id"), _col("ext", TEXT, nullable=True, length=6)), primary_key=PrimaryKey(("id",))),))
    exts = [f"{4000 + i}" for i in range(9)]
    edges = EdgeCases(SimpleNamespace(schema=schema, tables={}), share=0.05, seed=0)
    goal = ColumnGoals(name="ext", null=True, length=6, keep={_key(v) for v in exts})
    edges.goals["staff"] = TableGoals(columns={"ext": goal}, fks=[], couples={})
    out = edges.apply(TableChunk(table="staff", frame=pd.DataFrame({"id": range(9), "ext": exts}), batch=0)).frame
    assert out["ext"].isna().sum() == 1 and out["ext"].dropna().str.len().max() == 6
    assert out["ext"].dropna().isin(exts).sum() == 7  # two categories gave way, the rest kept theirs
    # with a spare row (a repeated extension) the NULL goes there and every category stays
    edges.goals["staff"] = TableGoals(columns={"ext": ColumnGoals(name="ext", null=True, keep=goal.keep)},
                                      fks=[], couples={})
    frame = pd.DataFrame({"id": range(10), "ext": exts + [exts[0]]})
    out = edges.apply(TableChunk(table="staff", frame=frame, batch=0)).frame
    assert out["ext"].isna().sum() == 1 and set(out["ext"].dropna()) == set(exts)
