"""DDA (issue 14): identical families are indistinguishable, families with the wrong number of children
are told apart at once, and the aggregates are SyntheRela's (count, numeric means, distinct categories)."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dbsynth.profile.detect import profile_schema
from dbsynth.report import dda
from dbsynth.report import quality as q
from dbsynth.report.runner import Side, load_side


@pytest.fixture(scope="module")
def kinds(chinook: Side) -> q.Kinds:
    return q.column_kinds(chinook.schema, profile_schema(schema=chinook.schema, frames=chinook.frames))


def _families(path: Path, seed: int, extra_children: int = 0) -> Side:
    """A hand-built parent/child database drawn from one law: a parent's category and value set how many
    children it has and what they hold. `extra_children` adds that many children to every parent."""
    rng = np.random.default_rng(seed)
    con = sqlite3.connect(path)
    con.executescript("CREATE TABLE parent (id INTEGER PRIMARY KEY, category TEXT, value REAL);"
                      "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent(id), "
                      "amount REAL, kind TEXT);")
    n, child_id = 400, 0
    for pid in range(1, n + 1):
        cat = rng.choice(["a", "b", "c"], p=[0.5, 0.3, 0.2])
        value = float(rng.normal(10 if cat == "a" else 20, 3))
        con.execute("INSERT INTO parent VALUES (?, ?, ?)", (pid, cat, round(value, 2)))
        for _ in range(int(rng.poisson(2 if cat == "a" else 5)) + extra_children):
            child_id += 1
            con.execute("INSERT INTO child VALUES (?, ?, ?, ?)", (child_id, pid, round(float(rng.normal(value, 2)), 2),
                                                                 str(rng.choice(["x", "y", "z"]))))
    con.commit()
    con.close()
    return load_side(f"sqlite:///{path}")


def _family_kinds(side: Side) -> q.Kinds:
    return q.column_kinds(side.schema, profile_schema(schema=side.schema, frames=side.frames))


def test_same_law_families_are_at_chance(tmp_path: Path) -> None:
    real, syn = _families(tmp_path / "a.sqlite", 1), _families(tmp_path / "b.sqlite", 2)
    kinds = _family_kinds(real)
    assert kinds["parent"] == {"category": "categorical", "value": "numerical"}
    out = dda.dda(real.schema, real.frames, syn.frames, kinds)
    assert set(out) == {"parent"}  # only parent tables by default
    assert out["parent"]["kind"] == "aggregation" and out["parent"]["children"] == ["child(parent_id)"]
    assert 0.4 <= out["parent"]["accuracy"] <= 0.6, out
    assert out["parent"]["rows"] == 400 and out["parent"]["features"] == 7  # 3 categories, value, 3 aggregates


def test_families_with_too_many_children_are_told_apart(tmp_path: Path) -> None:
    real, syn = _families(tmp_path / "a.sqlite", 1), _families(tmp_path / "b.sqlite", 2, extra_children=8)
    out = dda.dda(real.schema, real.frames, syn.frames, _family_kinds(real))
    assert out["parent"]["accuracy"] >= 0.95, out


def test_children_counts_all_off_are_told_apart(chinook: Side, kinds: q.Kinds) -> None:
    """The parents are the real rows; only their children are 21 times too many (same values)."""
    lines = chinook.frames["InvoiceLine"]
    many = pd.concat([lines] * 21, ignore_index=True)
    many["InvoiceLineId"] = np.arange(1, len(many) + 1)
    syn = {**chinook.frames, "InvoiceLine": many}
    out = dda.dda(chinook.schema, chinook.frames, syn, kinds, tables=["Invoice"])
    assert out["Invoice"]["accuracy"] >= 0.97
    # the parent's own columns alone cannot tell them apart: the table without aggregates is at chance
    alone = dda.classify(chinook.frames["Invoice"][list(kinds["Invoice"])],
                         syn["Invoice"][list(kinds["Invoice"])], kinds["Invoice"])
    assert alone is not None and alone["accuracy"] <= 0.6


def test_aggregates_are_count_numeric_means_and_distinct_categories(chinook: Side, kinds: q.Kinds) -> None:
    children = dda._children(chinook.schema, chinook.frames)["Album"]
    frame, cols = dda.aggregated(chinook.frames, chinook.frames, kinds, "Album", children)
    track, album = chinook.frames["Track"], chinook.frames["Album"]
    first = album["AlbumId"].iloc[0]
    mine = track[track["AlbumId"] == first]
    row = frame.iloc[0]
    assert row["Track(AlbumId).count"] == len(mine)
    numeric = [c for c, k in kinds["Track"].items() if k == "numerical"]
    categorical = [c for c, k in kinds["Track"].items() if k == "categorical"]
    assert numeric and all(row[f"Track(AlbumId).mean({c})"] == pytest.approx(mine[c].mean()) for c in numeric)
    assert all(row[f"Track(AlbumId).distinct({c})"] == mine[c].nunique() for c in categorical)
    assert all(cols[c] == "numerical" for c in frame.columns if c.startswith("Track("))
    # dates of the children are not aggregated (SyntheRela means numeric columns only)
    assert not any("mean(" in c and kinds["Track"].get(c.split("mean(")[1][:-1]) == "datetime" for c in frame.columns)


def test_a_table_without_children_gets_single_table_detection(chinook: Side, kinds: q.Kinds) -> None:
    out = dda.dda(chinook.schema, chinook.frames, dict(chinook.frames), kinds, tables=["InvoiceLine"])
    assert out["InvoiceLine"]["kind"] == "single" and out["InvoiceLine"]["children"] == []
    parents = dda.dda(chinook.schema, chinook.frames, dict(chinook.frames), {"InvoiceLine": kinds["InvoiceLine"],
                                                                            "Genre": kinds["Genre"]})
    assert "InvoiceLine" not in parents  # by default only parent tables are scored


def test_dates_become_parts_and_categories_one_hot() -> None:
    real = pd.DataFrame({"d": pd.to_datetime(["2021-01-01", "2021-02-03", None]), "c": ["a", "b", None],
                         "x": [1.0, None, 3.0]})
    xr, xs, names = dda.encode(real, real.copy(), {"d": "datetime", "c": "categorical", "x": "numerical"})
    assert {"d.month", "d.day"} <= set(names)
    assert "d.hour" not in names  # no value has a time of day
    assert sum(n.startswith("c=") for n in names) == 3  # a, b and NULL
    assert not np.isnan(xr).any() and xr.shape == xs.shape == (3, len(names))
    assert "d.year" not in names  # one year only: a constant feature is dropped
