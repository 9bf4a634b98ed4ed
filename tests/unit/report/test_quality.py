"""Quality properties: SDMetrics' QualityReport on the same data agrees within 0.01."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from dbsynth.profile.detect import profile_schema
from dbsynth.report import quality as q
from dbsynth.report.runner import Side

from tests.unit.report.conftest import bootstrap


def _kinds(side: Side) -> q.Kinds:
    return q.column_kinds(side.schema, profile_schema(schema=side.schema, frames=side.frames))


def _sdmetrics(real: Side, syn: Side, kinds: q.Kinds) -> tuple[object, list[tuple[str, str, str]]]:
    from sdmetrics.reports.multi_table import QualityReport
    md: dict = {"tables": {}, "relationships": []}
    rd, sd = {}, {}
    for t in real.schema.data_tables:
        ids = list(dict.fromkeys([*t.pk_columns, *(c for fk in t.foreign_keys for c in fk.columns)]))
        cols = {**{c: {"sdtype": k} for c, k in kinds[t.name].items()}, **{c: {"sdtype": "id"} for c in ids}}
        md["tables"][t.name] = {"columns": cols, **({"primary_key": t.pk_columns[0]} if len(t.pk_columns) == 1 else {})}
        rd[t.name] = real.frames[t.name][list(cols)]
        sd[t.name] = syn.frames[t.name][list(cols)]
    rels = []
    for child, fk, ref in q.relationships(real.schema, real.frames):
        parent_pk = real.schema.table(fk.referred_table).pk_columns
        if len(fk.columns) == 1 and ref == parent_pk and child.name != fk.referred_table:
            md["relationships"].append({"parent_table_name": fk.referred_table, "child_table_name": child.name,
                                        "parent_primary_key": ref[0], "child_foreign_key": fk.columns[0]})
            rels.append((fk.referred_table, child.name, fk.columns[0]))
    report = QualityReport()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report.generate(rd, sd, md, verbose=False)
    return report, rels


def test_properties_agree_with_sdmetrics(chinook: Side) -> None:
    pytest.importorskip("sdmetrics")
    syn = bootstrap(chinook, seed=1)
    syn.frames["Track"]["Milliseconds"] = syn.frames["Track"]["Milliseconds"] * 1.3  # a real shape difference
    kinds = _kinds(chinook)
    ours = q.quality(chinook.schema, chinook.frames, syn.frames, kinds)
    report, rels = _sdmetrics(chinook, syn, kinds)
    props = {r["Property"]: r["Score"] for _, r in report.get_properties().iterrows()}
    assert ours.scores["column_shapes"] == pytest.approx(props["Column Shapes"], abs=0.01)
    assert ours.scores["column_pair_trends"] == pytest.approx(props["Column Pair Trends"], abs=0.01)
    assert ours.scores["intertable_trends"] == pytest.approx(props["Intertable Trends"], abs=0.01)
    # cardinality: dbsynth also scores self-references, which SDMetrics cannot; compare the shared FKs
    shared = [c["score"] for c in ours.cardinality if (c["parent"], c["child"], c["columns"][0]) in set(rels)
              and len(c["columns"]) == 1]
    assert np.mean(shared) == pytest.approx(props["Cardinality"], abs=0.01)
    assert ours.scores["column_shapes"] < 0.999 and ours.scores["cardinality"] < 0.999  # the damage shows


def test_identical_data_scores_one(chinook: Side) -> None:
    kinds = _kinds(chinook)
    ours = q.quality(chinook.schema, chinook.frames, chinook.frames, kinds)
    for key in ("overall", "column_shapes", "column_pair_trends", "cardinality", "intertable_trends"):
        assert ours.scores[key] == pytest.approx(1.0), key
    assert {"Track", "Invoice"} <= set(ours.per_table())


def test_keys_pii_and_text_are_not_scored(chinook: Side) -> None:
    kinds = _kinds(chinook)
    assert "TrackId" not in kinds["Track"] and "AlbumId" not in kinds["Track"]
    assert "Email" not in kinds["Customer"] and "Name" not in kinds["Track"]
    assert kinds["Track"]["Milliseconds"] == "numerical" and kinds["Invoice"]["InvoiceDate"] == "datetime"


def test_shuffled_column_lowers_pair_trends(chinook: Side) -> None:
    kinds = _kinds(chinook)
    frames = dict(chinook.frames)
    track = frames["Track"].copy()
    track["Bytes"] = track["Bytes"].sample(frac=1, random_state=0).to_numpy()  # same shape, no correlation
    frames["Track"] = track
    ours = q.quality(chinook.schema, chinook.frames, frames, kinds)
    pair = next(p for p in ours.column_pairs if {p["column_1"], p["column_2"]} == {"Milliseconds", "Bytes"})
    assert pair["real_correlation"] > 0.5 and abs(pair["synthetic_correlation"]) < 0.1
    assert pair["score"] < 0.6
    assert ours.scores["column_shapes"] == pytest.approx(1.0)
    assert ours.scores["column_pair_trends"] < 0.97


def test_synthetic_csv_representation_is_aligned(chinook: Side) -> None:
    kinds = {"Invoice": {"InvoiceDate": "datetime", "Total": "numerical"}}
    frames = dict(chinook.frames)
    inv = frames["Invoice"].copy()
    inv["InvoiceDate"] = inv["InvoiceDate"].astype(str)
    inv["Total"] = inv["Total"].astype(str)
    frames["Invoice"] = inv
    rows = q.column_shapes(chinook.frames, frames, kinds)
    assert [r["score"] for r in rows] == [pytest.approx(1.0), pytest.approx(1.0)]
