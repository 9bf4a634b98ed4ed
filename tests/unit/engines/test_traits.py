"""Family traits: child columns that identify their parent are drawn once per synthetic family."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dbsynth.engines.base import FitOptions, SampleOptions
from dbsynth.relational.traits import Donors, assign_donors, find_donors, value_keys
from dbsynth.engines.registry import get_engine, load_model
from dbsynth.profile.detect import profile_schema
from dbsynth.schema.graph import build_plan
from dbsynth.schema.model import Column, ForeignKey, LogicalType, PrimaryKey, Schema, Table
from dbsynth.transform.columns import CategoricalTransform

INT, FLOAT, TEXT = LogicalType.INTEGER, LogicalType.FLOAT, LogicalType.TEXT
COUNTRIES = ["Brazil", "France", "Germany", "UK", "USA"]


def _col(name: str, lt: LogicalType = INT) -> Column:
    return Column(name=name, logical_type=lt, type_sql=lt.value, nullable=False)


def _shop(seed: int = 0) -> tuple[Schema, dict[str, pd.DataFrame]]:
    """customer(country, tier) 1—n orders(ship_label per customer, ship_country = customer's, amount)."""
    rng = np.random.default_rng(seed)
    n = 150
    customer = pd.DataFrame({"id": np.arange(1, n + 1), "country": rng.choice(COUNTRIES, n, p=[.1, .2, .3, .1, .3]),
                             "tier": rng.choice(["gold", "silver", "bronze"], n)})
    counts = rng.integers(1, 12, n)
    pid = np.repeat(np.arange(n), counts)
    orders = pd.DataFrame({"id": np.arange(1, len(pid) + 1), "customer_id": pid + 1,
                           "ship_label": [f"Depot {i:03d} {customer.country[i]}" for i in pid],
                           "ship_country": customer.country.to_numpy()[pid],
                           "amount": rng.gamma(2.0, 30.0, len(pid)).round(2)})
    tables = (
        Table("customer", (_col("id"), _col("country", TEXT), _col("tier", TEXT)), primary_key=PrimaryKey(("id",))),
        Table("orders", (_col("id"), _col("customer_id"), _col("ship_label", TEXT), _col("ship_country", TEXT),
                         _col("amount", FLOAT)), primary_key=PrimaryKey(("id",)),
              foreign_keys=(ForeignKey(("customer_id",), "customer", ("id",)),)),
    )
    return Schema(dialect="sqlite", tables=tables), {"customer": customer, "orders": orders}


def _fit(schema: Schema, frames: dict[str, pd.DataFrame]):
    profiles = profile_schema(schema=schema, frames=frames)
    return get_engine("copula").fit(schema=schema, plan=build_plan(schema), frames=frames, profiles=profiles,
                                    options=FitOptions(seed=0))


def _collect(model, **opts: object) -> dict[str, pd.DataFrame]:
    out: dict[str, list[pd.DataFrame]] = {}
    for chunk in model.sample(options=SampleOptions(**opts)):
        out.setdefault(chunk.table, []).append(chunk.frame)
    return {t: pd.concat(f, ignore_index=True) for t, f in out.items()}


@pytest.fixture(scope="module")
def shop():
    schema, frames = _shop()
    return schema, frames, _fit(schema, frames)


def test_fit_finds_the_trait_and_the_copied_column(shop) -> None:
    _, frames, model = shop
    om = model.tables["orders"].model
    assert om.inherit == {"ship_country": "country"}
    donors = om.donors
    assert donors is not None and donors.traits == ["ship_label"]  # the amount varies; the country is copied
    assert dict(zip(donors.match, donors.hard)) == {"country": True, "tier": False}
    assert len(donors.counts) == 150 and donors.counts.sum() == len(frames["orders"])


def test_every_family_ships_to_one_label_of_its_own_country(shop) -> None:
    _, frames, model = shop
    out = _collect(model, seed=3)
    orders = out["orders"].merge(out["customer"], left_on="customer_id", right_on="id", suffixes=("", "_c"))
    assert (orders.groupby("customer_id").ship_label.nunique() == 1).all()
    assert (orders.ship_country == orders.country).all()
    label_country = frames["orders"].groupby("ship_label").ship_country.first()
    assert (orders.ship_label.map(label_country) == orders.ship_country).mean() >= 0.97
    # donors are taken in turn: the labels keep their share of the rows (TV distance)
    real = frames["orders"].ship_label.value_counts(normalize=True)
    syn = out["orders"].ship_label.value_counts(normalize=True)
    assert 0.5 * real.subtract(syn, fill_value=0).abs().sum() < 0.25


def test_traits_at_scale_use_each_donor_about_equally(shop) -> None:
    _, frames, model = shop
    # 33 independent batches: each takes the donors in turn from where the batches before it end
    # (dbsynth/execute/plan.py donor_turns), so the uses stay even without a count carried over
    out = _collect(model, seed=1, scale=3.0, batch_rows=100)
    per_label = out["orders"].groupby("ship_label").customer_id.nunique()
    assert len(per_label) == frames["orders"].ship_label.nunique()
    assert per_label.max() - per_label.min() <= 5
    assert (per_label - per_label.median()).abs().le(1).mean() >= 0.85
    assert (out["orders"].groupby("customer_id").ship_label.nunique() == 1).all()


def test_donors_survive_save_and_load(shop, tmp_path: Path) -> None:
    _, _, model = shop
    model.save(tmp_path / "m")
    again = load_model(tmp_path / "m")
    a, b = model.tables["orders"].model.donors, again.tables["orders"].model.donors
    assert a is not None and b is not None
    assert (a.traits, a.match, a.hard) == (b.traits, b.match, b.hard)
    assert (a.keys == b.keys).all() and (a.codes == b.codes).all() and (a.counts == b.counts).all()
    first, second = _collect(model, seed=5), _collect(again, seed=5)
    pd.testing.assert_frame_equal(first["orders"], second["orders"])


def test_no_trait_when_the_column_varies_within_families() -> None:
    schema, frames = _shop()
    rng = np.random.default_rng(1)
    frames["orders"]["ship_label"] = rng.choice([f"L{i}" for i in range(60)], len(frames["orders"]))
    model = _fit(schema, frames)
    assert model.tables["orders"].model.donors is None


def _donors(keys: list[list[str]], counts: list[float], hard: list[bool]) -> Donors:
    return Donors(traits=["t"], match=[f"m{i}" for i in range(len(hard))], hard=hard,
                  keys=np.asarray(keys, dtype=object), counts=np.asarray(counts, dtype=float),
                  codes=np.arange(len(counts)).reshape(-1, 1))


def test_assign_donors_agrees_on_hard_columns_before_reuse() -> None:
    donors = _donors([["'DE'", "'a'"], ["'DE'", "'b'"], ["'FR'", "'a'"]], [5, 2, 3], hard=[True, False])
    keys = np.asarray([["'DE'", "'a'"], ["'DE'", "'a'"], ["'DE'", "'b'"], ["'FR'", "'b'"], ["'FR'", "'a'"]],
                      dtype=object)
    usage = np.zeros(3)
    got = assign_donors(donors, keys=keys, counts=np.array([4.0, 1.0, 2.0, 3.0, 0.0]), usage=usage,
                        rng=np.random.default_rng(0))
    assert got[4] == -1  # no children, no donor
    assert set(got[:3]) <= {0, 1} and got[3] == 2  # the country always agrees
    assert sorted(got[:3].tolist()).count(0) <= 2 and usage.sum() == 4


def test_assign_donors_prefers_unused_then_matching_then_similar_size() -> None:
    donors = _donors([["'x'"], ["'y'"], ["'x'"]], [10, 10, 1], hard=[False])
    usage = np.zeros(3)
    got = assign_donors(donors, keys=np.asarray([["'x'"]], dtype=object), counts=np.array([9.0]), usage=usage,
                        rng=np.random.default_rng(0))
    assert got.tolist() == [0]  # agrees on x and has the nearest size
    got = assign_donors(donors, keys=np.asarray([["'x'"]], dtype=object), counts=np.array([9.0]), usage=usage,
                        rng=np.random.default_rng(0))
    assert got.tolist() == [2]  # donor 0 is used: an unused donor that agrees beats it


def test_find_donors_ignores_small_family_sets() -> None:
    t = CategoricalTransform(column="c").fit(pd.Series(["a", "b"]))
    frame = pd.DataFrame({"c": ["a", "b"]})
    parent = pd.DataFrame({"k": ["x", "y"]})
    assert find_donors(transforms=[t], frame=frame, pidx=np.array([0, 1]), parent=parent,
                       parent_transforms=[], inherit={}) is None


def test_value_keys_tell_null_from_the_string_none() -> None:
    keys = value_keys({"a": np.array([None, "None", float("nan"), 1], dtype=object)}, ["a"], 4)
    assert keys[0, 0] == keys[2, 0] != keys[1, 0] and keys[3, 0] == "1"


def test_a_region_when_present_has_its_one_country() -> None:
    """NULL-tolerant dependency: most rows have no region, but WA is always USA; NULL shares stay."""
    rng = np.random.default_rng(2)
    n = 300
    country = rng.choice(["USA", "Canada", "France", "Germany"], n, p=[.35, .15, .25, .25])
    states = {"USA": ["WA", "OR", "CA"], "Canada": ["BC", "QC"]}
    region = np.array([rng.choice(states[c]) if c in states else None for c in country], dtype=object)
    frame = pd.DataFrame({"id": np.arange(1, n + 1), "region": region, "country": country})
    schema = Schema(dialect="sqlite", tables=(Table("site", (_col("id"), Column(
        name="region", logical_type=TEXT, type_sql="TEXT", nullable=True), _col("country", TEXT)),
        primary_key=PrimaryKey(("id",))),))
    model = _fit(schema, {"site": frame})
    deps = {(f, c): nulls for f, c, _, nulls in model.tables["site"].model.dependencies}
    assert ("region", "country") in deps and len(deps[("region", "country")]) == 2  # NULL: France, Germany
    out = _collect(model, seed=4)["site"]
    real_pairs = set(zip(frame.region.fillna("-"), frame.country))
    assert all(p in real_pairs for p in zip(out.region.fillna("-"), out.country))
    assert abs(out.region.isna().mean() - frame.region.isna().mean()) < 0.05


def test_a_trait_fixes_the_columns_it_determines() -> None:
    """ship_city (10 cities) is no trait, but each ship label has one city: forcing the label forces it."""
    schema, frames = _shop()
    orders = frames["orders"]
    city_of = {label: f"City {i % 10}" for i, label in enumerate(sorted(orders.ship_label.unique()))}
    orders["ship_city"] = orders.ship_label.map(city_of)
    t = schema.table("orders")
    schema = Schema(dialect="sqlite", tables=(schema.table("customer"), Table(
        "orders", (*t.columns, _col("ship_city", TEXT)), primary_key=t.primary_key, foreign_keys=t.foreign_keys)))
    model = _fit(schema, frames)
    assert model.tables["orders"].model.donors.traits == ["ship_label"]
    out = _collect(model, seed=2)["orders"]
    assert (out.ship_city == out.ship_label.map(city_of)).all()


def test_every_family_keeps_one_trait_with_tiny_batches(shop) -> None:
    _, _, model = shop
    out = _collect(model, seed=0, batch_rows=1)
    assert (out["orders"].groupby("customer_id").ship_label.nunique() == 1).all()


def test_repair_draws_of_a_trait_child_work_without_a_parent_row(shop) -> None:
    _, _, model = shop
    _collect(model, seed=0)
    rows = model.resample(table="orders", n=20, seed=1)
    assert len(rows) == 20 and rows.ship_label.notna().all()


def test_donors_load_when_the_parent_has_no_categories(tmp_path: Path) -> None:
    schema, frames = _shop()
    frames["customer"] = frames["customer"].assign(country=1.5, tier=2.5)  # constants: nothing to match on
    model = _fit(schema, frames)
    donors = model.tables["orders"].model.donors
    assert donors is not None and donors.match == []
    model.save(tmp_path / "m")
    out = _collect(load_model(tmp_path / "m"), seed=0)
    assert (out["orders"].groupby("customer_id").ship_label.nunique() == 1).all()


def test_a_corrupt_donor_table_is_a_model_error(shop, tmp_path: Path) -> None:
    import json

    from dbsynth.errors import ModelError

    _, _, model = shop
    model.save(tmp_path / "m")
    path = next(p for p in (tmp_path / "m" / "tables").glob("*.json")
                if json.loads(p.read_text())["model"].get("donors"))
    doc = json.loads(path.read_text())
    doc["model"]["donors"]["keys"] = [["'x'"]]  # one key row for 150 donors
    path.write_text(json.dumps(doc))
    with pytest.raises(ModelError, match="corrupt"):
        load_model(tmp_path / "m")
