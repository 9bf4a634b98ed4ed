"""The copula engine on toy schemas and on Chinook (SQLite)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dbsynth.engines.base import FitOptions, SampleOptions
from dbsynth.engines.registry import get_engine, load_model
from dbsynth.errors import ConfigError, ModelError
from dbsynth.schema.graph import build_plan
from dbsynth.schema.model import Column, ForeignKey, LogicalType, PrimaryKey, Schema, Table, UniqueConstraint
from tests.conftest import dataset_path
from tests.unit.engines._data import reflect_sqlite

INT, FLOAT, TEXT = LogicalType.INTEGER, LogicalType.FLOAT, LogicalType.TEXT


def _col(name: str, lt: LogicalType = INT, nullable: bool = False) -> Column:
    return Column(name=name, logical_type=lt, type_sql=lt.value, nullable=nullable)


def _fit(schema: Schema, frames: dict[str, pd.DataFrame], **opts: object):
    return get_engine("copula").fit(schema=schema, plan=build_plan(schema), frames=frames, profiles={},
                                    options=FitOptions(**opts))


def _collect(model, **opts: object) -> dict[str, pd.DataFrame]:
    out: dict[str, list[pd.DataFrame]] = {}
    for chunk in model.sample(options=SampleOptions(**opts)):
        out.setdefault(chunk.table, []).append(chunk.frame)
    return {t: pd.concat(f, ignore_index=True) for t, f in out.items()}


def _toy() -> tuple[Schema, dict[str, pd.DataFrame]]:
    """parent(size) 1—n child(value ~ size); link(parent, tag) unique; tag popularity Zipf; emp forest."""
    rng = np.random.default_rng(0)
    n = 400
    size = rng.gamma(2.0, 5.0, n)
    parent = pd.DataFrame({"id": np.arange(1, n + 1), "size": size.round(2),
                           "x": (size * 3 + rng.normal(0, 2, n)).round(2)})
    counts = rng.poisson(1 + size / 5)
    pid = np.repeat(parent["id"], counts).to_numpy()
    child = pd.DataFrame({"id": np.arange(1, len(pid) + 1), "parent_id": pid,
                          "value": (np.repeat(size, counts) * 10 + rng.normal(0, 5, len(pid))).round(1)})
    tag = pd.DataFrame({"id": np.arange(1, 61)})
    pops = 1.0 / np.arange(1, 61) ** 1.2
    rows = {(p, int(t)) for p in parent["id"] for t in rng.choice(60, 3, replace=False, p=pops / pops.sum()) + 1}
    link = pd.DataFrame(sorted(rows), columns=["parent_id", "tag_id"])
    emp = pd.DataFrame({"id": np.arange(1, 31), "boss": [None] + [1] * 4 + list(rng.integers(2, 6, 25))})
    tables = (
        Table("parent", (_col("id"), _col("size", FLOAT), _col("x", FLOAT)), primary_key=PrimaryKey(("id",))),
        Table("child", (_col("id"), _col("parent_id"), _col("value", FLOAT)), primary_key=PrimaryKey(("id",)),
              foreign_keys=(ForeignKey(("parent_id",), "parent", ("id",)),)),
        Table("tag", (_col("id"),), primary_key=PrimaryKey(("id",))),
        Table("link", (_col("parent_id"), _col("tag_id")), primary_key=PrimaryKey(("parent_id", "tag_id")),
              foreign_keys=(ForeignKey(("parent_id",), "parent", ("id",)), ForeignKey(("tag_id",), "tag", ("id",)))),
        Table("emp", (_col("id"), _col("boss", INT, nullable=True)), primary_key=PrimaryKey(("id",)),
              foreign_keys=(ForeignKey(("boss",), "emp", ("id",), nullable=True),)),
    )
    return Schema(dialect="sqlite", tables=tables), {"parent": parent, "child": child, "tag": tag,
                                                       "link": link, "emp": emp}


@pytest.fixture(scope="module")
def toy():
    schema, frames = _toy()
    return schema, frames, _fit(schema, frames, seed=3)


def test_registry_suggests_on_typo() -> None:
    with pytest.raises(ConfigError, match="copula"):
        get_engine("copulla")


def test_copula_keeps_correlation_and_counts(toy) -> None:
    schema, frames, model = toy
    out = _collect(model, seed=1)
    src = frames["parent"][["size", "x"]].corr().iloc[0, 1]
    syn = out["parent"][["size", "x"]].astype(float).corr().iloc[0, 1]
    assert abs(src - syn) < 0.1
    assert len(out["parent"]) == 400
    assert abs(len(out["child"]) / len(frames["child"]) - 1) < 0.1


def test_children_follow_parent_features(toy) -> None:
    _, frames, model = toy
    out = _collect(model, seed=2)
    merged = out["child"].merge(out["parent"], left_on="parent_id", right_on="id")
    assert merged[["value", "size"]].astype(float).corr().iloc[0, 1] > 0.6
    per = out["child"]["parent_id"].value_counts().reindex(out["parent"]["id"], fill_value=0)
    assert np.corrcoef(per.to_numpy(float), out["parent"]["size"].astype(float))[0, 1] > 0.3


def test_fks_valid_links_unique_and_popularity_kept(toy) -> None:
    _, frames, model = toy
    out = _collect(model, seed=4, scale=2.0)
    assert set(out["child"]["parent_id"]) <= set(out["parent"]["id"])
    link = out["link"]
    assert not link.duplicated().any() and set(link["tag_id"]) <= set(out["tag"]["id"])
    assert abs(len(out["parent"]) - 800) == 0 and abs(len(link) / (2 * len(frames["link"])) - 1) < 0.1
    src = np.sort(frames["link"]["tag_id"].value_counts().to_numpy())[::-1][:10]
    syn = np.sort(link["tag_id"].value_counts().to_numpy())[::-1][:10]
    assert syn[0] > 3 * np.median(link["tag_id"].value_counts()) and src[0] > 3 * np.median(src)


def test_self_reference_forest(toy) -> None:
    _, _, model = toy
    emp = _collect(model, seed=5)["emp"]
    ids, boss = emp["id"].tolist(), dict(zip(emp["id"], emp["boss"]))
    assert emp["boss"].isna().sum() >= 1 and set(emp["boss"].dropna()) <= set(ids)
    for i in ids:  # walking up always ends at a root: no cycles
        seen = 0
        while boss[i] is not None and seen < 40:
            i, seen = boss[i], seen + 1
        assert seen < 40


def test_determinism_and_save_load(toy, tmp_path: Path) -> None:
    _, _, model = toy
    a, b, c = _collect(model, seed=7), _collect(model, seed=7), _collect(model, seed=8)
    for t in a:
        pd.testing.assert_frame_equal(a[t], b[t])
    assert not a["child"].equals(c["child"])
    model.save(tmp_path / "m")
    loaded = load_model(tmp_path / "m")
    d = _collect(loaded, seed=7)
    for t in a:
        pd.testing.assert_frame_equal(a[t], d[t])
    assert not list((tmp_path / "m").rglob("*.pkl"))


def test_batches_keep_fks_and_counts(toy) -> None:
    _, _, model = toy
    chunks = list(model.sample(options=SampleOptions(seed=1, batch_rows=100)))
    assert max(c.batch for c in chunks) >= 2  # several batches (the batch plan decides how many)
    seen: dict[str, set] = {}
    for ch in chunks:  # every FK points at a row of this or an earlier chunk
        if ch.table == "child":
            assert set(ch.frame["parent_id"]) <= seen["parent"]
        seen.setdefault(ch.table, set()).update(ch.frame.get("id", pd.Series(dtype=object)))
    assert sum(len(c.frame) for c in chunks if c.table == "parent") == 400


def test_missing_model_dir_is_model_error(tmp_path: Path) -> None:
    with pytest.raises(ModelError):
        load_model(tmp_path / "nope")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "manifest.json").write_text("{not json")
    with pytest.raises(ModelError):
        load_model(tmp_path / "bad")


def test_not_null_cycle_is_filled_consistently() -> None:
    store = Table("store", (_col("id"), _col("manager"), _col("v", FLOAT)), primary_key=PrimaryKey(("id",)),
                  foreign_keys=(ForeignKey(("manager",), "staff", ("id",)),),
                  unique_constraints=(UniqueConstraint(("manager",)),))
    staff = Table("staff", (_col("id"), _col("store_id")), primary_key=PrimaryKey(("id",)),
                  foreign_keys=(ForeignKey(("store_id",), "store", ("id",)),))
    schema = Schema(dialect="postgresql", tables=(store, staff))
    frames = {"store": pd.DataFrame({"id": range(1, 21), "manager": range(1, 21), "v": np.arange(20.0)}),
              "staff": pd.DataFrame({"id": range(1, 41), "store_id": list(range(1, 21)) * 2})}
    out = _collect(_fit(schema, frames), seed=0)
    assert out["store"]["manager"].notna().all() and not out["store"]["manager"].duplicated().any()
    assert set(out["store"]["manager"]) <= set(out["staff"]["id"])
    assert set(out["staff"]["store_id"]) <= set(out["store"]["id"])


def test_empty_parent_gives_empty_children() -> None:
    schema, frames = _toy()
    frames = {**frames, "parent": frames["parent"].iloc[:0], "child": frames["child"].iloc[:0],
              "link": frames["link"].iloc[:0]}
    out = _collect(_fit(schema, frames), seed=0)
    assert len(out["parent"]) == 0 and len(out["child"]) == 0 and len(out["link"]) == 0


# -- Chinook ------------------------------------------------------------------
@pytest.fixture(scope="module")
def chinook():
    from dbsynth.profile.detect import profile_schema

    schema, frames = reflect_sqlite(dataset_path("chinook", "chinook.sqlite"))
    profiles = profile_schema(schema=schema, frames=frames)
    model = get_engine("copula").fit(schema=schema, plan=build_plan(schema), frames=frames, profiles=profiles,
                                     options=FitOptions(seed=0))
    return schema, frames, profiles, model


def _check_fks(schema: Schema, out: dict[str, pd.DataFrame]) -> None:
    for table in schema.tables:
        for fk in table.foreign_keys:
            vals = out[table.name][list(fk.columns)].dropna()
            ref = set(out[fk.referred_table][list(fk.referred_columns)].itertuples(index=False, name=None))
            bad = [r for r in vals.itertuples(index=False, name=None) if r not in ref]
            assert not bad, f"{table.name} {fk.label}: {len(bad)} orphans"


@pytest.mark.parametrize("scale", [1.0, 3.0])
def test_chinook_end_to_end(chinook, scale: float) -> None:
    schema, frames, profiles, model = chinook
    out = _collect(model, seed=1, scale=scale)
    for t in schema.tables:
        assert list(out[t.name].columns) == list(t.column_names)
        want = len(frames[t.name]) * scale
        assert abs(len(out[t.name]) - want) <= max(0.1 * want, 1), t.name
        for pk in [t.pk_columns] if t.pk_columns else []:
            assert not out[t.name].duplicated(list(pk)).any(), t.name
    _check_fks(schema, out)


def test_chinook_privacy_and_formats(chinook) -> None:
    schema, frames, profiles, model = chinook
    out = _collect(model, seed=2)
    for name, prof in profiles.items():
        for col in prof.columns:
            # cities, states and countries are places, not people: drawn from the source's own per country
            if col.semantic.value == "pii" and col.pii_kind.value not in ("city", "state", "country"):
                leaked = set(out[name][col.name].dropna()) & set(frames[name][col.name].dropna())
                assert not leaked, f"{name}.{col.name} copies source values"
    assert out["Invoice"]["InvoiceDate"].str.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$").all()
    cols = [c for c in frames["Invoice"].columns if c not in ("InvoiceId", "CustomerId")]
    src_rows = set(frames["Invoice"][cols].astype(str).itertuples(index=False, name=None))
    syn_rows = out["Invoice"][cols].astype(str).itertuples(index=False, name=None)
    assert sum(r in src_rows for r in syn_rows) / len(out["Invoice"]) < 0.05


def _similarity(a: pd.DataFrame, b: pd.DataFrame, x: str, y: str) -> float:
    pa = a.groupby([x, y], dropna=False).size() / len(a)
    pb = b.groupby([x, y], dropna=False).size() / len(b)
    return 1 - 0.5 * pa.subtract(pb, fill_value=0).abs().sum()


def test_chinook_city_country_trend(chinook) -> None:
    """Trees + functional dependencies keep BillingCity -> BillingCountry (City modelled as a category)."""
    import copy
    import dataclasses

    from dbsynth.profile.types import SemanticType

    schema, frames, profiles, _ = chinook
    inv = profiles["Invoice"]
    cols = tuple(dataclasses.replace(c, semantic=SemanticType.CATEGORICAL, pii_kind=None)
                 if c.name in ("BillingCity", "BillingState", "BillingCountry") else c for c in inv.columns)
    profiles = {**profiles, "Invoice": dataclasses.replace(inv, columns=cols)}
    model = get_engine("copula").fit(schema=schema, plan=build_plan(schema), frames=frames, profiles=profiles,
                                     options=FitOptions(seed=0))
    # an invoice's city is its customer's: a family trait; switched off, the trees carry it
    assert model.tables["Invoice"].model.donors is not None
    assert "BillingCity" in model.tables["Invoice"].model.donors.traits
    model.tables["Invoice"].model.donors = None
    model.tables["Invoice"].model.copies = {}  # copied from the (faked) customer city: not what is measured here
    seeds = (3, 4, 5)  # averaged: one draw of 412 rows over 53 cities is noisy
    with_trees = np.mean([_similarity(frames["Invoice"], _collect(model, seed=s)["Invoice"], "BillingCity",
                                      "BillingCountry") for s in seeds])
    plain = copy.deepcopy(model)
    plain.tables["Invoice"].generator.trees = []
    plain.tables["Invoice"].model.dependencies = []
    # places (transform/places.py) redraw a city never seen with the row's country: off here, tested below
    places = plain.tables["Invoice"].model.places
    plain.tables["Invoice"].model.places = {}
    without = np.mean([_similarity(frames["Invoice"], _collect(plain, seed=s)["Invoice"], "BillingCity",
                                   "BillingCountry") for s in seeds])
    # 412 invoices over 53 cities: two independent real samples agree at about 0.86 at best
    assert with_trees >= 0.5 and with_trees > without + 0.3, (with_trees, without)  # prototype: 0.27–0.36
    plain.tables["Invoice"].model.places = places  # without trees, the per-country fix alone keeps the pairs
    fixed = np.mean([_similarity(frames["Invoice"], _collect(plain, seed=s)["Invoice"], "BillingCity",
                                 "BillingCountry") for s in seeds])
    assert fixed > without + 0.3, (fixed, without)


def test_big_leaf_tables_stream_in_family_slices(chinook) -> None:
    """With small batches, leaf tables come in several chunks; families stay whole, keys stay valid."""
    schema, frames, _, model = chinook
    chunks: dict[str, int] = {}
    out: dict[str, list[pd.DataFrame]] = {}
    for chunk in model.sample(options=SampleOptions(seed=4, batch_rows=1000)):
        chunks[chunk.table] = chunks.get(chunk.table, 0) + 1
        out.setdefault(chunk.table, []).append(chunk.frame)
    got = {t: pd.concat(f, ignore_index=True) for t, f in out.items()}
    assert chunks["PlaylistTrack"] > 1 and chunks["InvoiceLine"] > 1
    _check_fks(schema, got)
    for t in schema.tables:
        assert abs(len(got[t.name]) - len(frames[t.name])) <= max(0.1 * len(frames[t.name]), 1), t.name
        if t.pk_columns:
            assert not got[t.name].duplicated(list(t.pk_columns)).any(), t.name
