"""The report's edge-case coverage (dbsynth/report/coverage.py) and its subset detection (subset_view.py)."""
from __future__ import annotations

import pandas as pd

from dbsynth.report.coverage import coverage, html_section, summary_line
from dbsynth.report.subset_view import looks_like_subset
from dbsynth.schema.model import CheckConstraint, Column, ForeignKey, LogicalType, PrimaryKey, Schema, Table

INT, TEXT, FLOAT = LogicalType.INTEGER, LogicalType.TEXT, LogicalType.FLOAT


def _schema() -> Schema:
    return Schema(dialect="sqlite", tables=(
        Table("shop", (Column("id", INT, "integer", nullable=False), Column("tier", TEXT, "varchar(8)", length=8),
                       Column("score", FLOAT, "real")), primary_key=PrimaryKey(("id",))),
        Table("orders", (Column("id", INT, "integer", nullable=False), Column("shop_id", INT, "integer", nullable=False)),
              primary_key=PrimaryKey(("id",)), foreign_keys=(ForeignKey(("shop_id",), "shop", ("id",)),)),
    ))


KINDS = {"shop": {"tier": "categorical", "score": "numerical"}, "orders": {}}
REAL = {"shop": pd.DataFrame({"id": [1, 2, 3, 4], "tier": ["basic", "basic", "gold", "rare"],
                              "score": [1.0, 5.0, 7.5, 9.0]}),
        "orders": pd.DataFrame({"id": range(1, 8), "shop_id": [1, 1, 1, 2, 2, 3, 4]})}


def test_a_plain_copy_of_the_corners_scores_full_coverage() -> None:
    syn = {"shop": pd.DataFrame({"id": [1, 2, 3, 4, 5], "tier": ["basic", "gold", "rare", "basicbas", None],
                                 "score": [1.0, 9.0, None, 3.0, 4.0]}),
           "orders": pd.DataFrame({"id": range(1, 6), "shop_id": [1, 1, 1, 2, 3]})}
    cov = coverage(_schema(), REAL, syn, KINDS)
    assert cov["categories"]["share"] == 1.0 and cov["nullable"]["share"] == 1.0
    assert cov["max_length"]["share"] == 1.0 and cov["boundaries"]["share"] == 1.0
    assert cov["parents"] == {"fks": 1, "zero_children": 1, "most_children": 1, "missed": []}
    assert "categories present 100%" in summary_line(cov) and "Edge-case coverage" in html_section(cov)


def test_misses_are_named() -> None:
    # rows enough for every goal (three tiers, a NULL, an 8-character tier): each miss is a miss
    syn = {"shop": pd.DataFrame({"id": [1, 2, 3, 4, 5], "tier": ["basic", "gold"] * 2 + ["gold"],
                                 "score": [5.0, 7.5, 6.0, 6.0, 5.0]}),
           "orders": pd.DataFrame({"id": range(1, 6), "shop_id": range(1, 6)})}
    cov = coverage(_schema(), REAL, syn, KINDS)
    assert cov["categories"]["exempt"] == cov["nullable"]["exempt"] == cov["max_length"]["exempt"] == []
    assert cov["categories"]["missing"] == ["shop.tier = 'rare'"] and cov["categories"]["share"] == round(2 / 3, 6)
    assert set(cov["nullable"]["without"]) == {"shop.tier", "shop.score"}
    assert cov["max_length"]["missed"] == ["shop.tier (8)"]
    assert cov["boundaries"]["missed"] == ["shop.score min", "shop.score max"]
    assert cov["parents"]["zero_children"] == 0 and len(cov["parents"]["missed"]) == 2


def test_lookup_tables_are_left_out() -> None:
    cov = coverage(_schema(), REAL, {t: f.copy() for t, f in REAL.items()}, KINDS)  # a verbatim copy
    assert cov["categories"]["source"] == 0 and cov["nullable"]["columns"] == 0
    assert coverage(_schema(), REAL, REAL, KINDS, reference=["shop"])["skipped_tables"] == ["shop"]


def test_a_subset_is_told_from_generated_rows() -> None:
    kinds = {"t": {"a": "categorical", "b": "numerical", "c": "datetime"}}
    real = {"t": pd.DataFrame({"a": list("xyzxyz") * 5, "b": range(30), "c": pd.date_range("2020-01-01", periods=30)})}
    assert looks_like_subset(real, {"t": real["t"].iloc[::3].reset_index(drop=True)}, kinds)
    generated = real["t"].assign(b=[v + 0.5 for v in range(30)]).iloc[:10]
    assert not looks_like_subset(real, {"t": generated}, kinds)
    assert not looks_like_subset(real, {"t": pd.concat([real["t"]] * 2)}, kinds)  # more rows than the source


def test_goals_that_cannot_be_met_are_exempt_with_why() -> None:
    """A CHECK shorter than the declared length, and a table with fewer rows than its categories plus a NULL."""
    schema = Schema(dialect="sqlite", tables=(
        Table("film", (Column("id", INT, "integer", nullable=False), Column("rating", TEXT, "varchar(10)", length=10),
                       Column("ext", TEXT, "text")),
              primary_key=PrimaryKey(("id",)),
              checks=(CheckConstraint("rating IN ('G', 'PG', 'NC-17')"),)),))
    kinds = {"film": {"rating": "categorical", "ext": "categorical"}}
    real = {"film": pd.DataFrame({"id": [1, 2, 3, 4], "rating": ["G", "PG", "NC-17", "G"], "ext": list("abcd")})}
    syn = {"film": pd.DataFrame({"id": [1, 2, 3, 4], "rating": ["G", None, "NC-17", "PG"], "ext": list("dcba")})}
    cov = coverage(schema, real, syn, kinds)
    assert cov["max_length"]["exempt"] == ["film.rating (10): a CHECK allows at most 5 characters"]
    assert cov["max_length"]["columns"] == 0 and cov["max_length"]["missed"] == []
    assert cov["nullable"]["exempt"] == ["film.ext: 4 rows cannot hold 4 source categories and a NULL"]
    assert cov["nullable"]["share"] == 1.0 and cov["nullable"]["columns"] == 1
    assert "2 exempt" in summary_line(cov) and "cannot hold 4 source categories" in html_section(cov)
    # one row more leaves room for the NULL: then a missing NULL counts as missed
    more = {"film": pd.concat([syn["film"], pd.DataFrame({"id": [5], "rating": ["G"], "ext": ["a"]})])}
    cov = coverage(schema, real, more, kinds)
    assert cov["nullable"]["without"] == ["film.ext"] and cov["nullable"]["exempt"] == []
    # a NULL taking a category's only row: the category is exempt, not missing
    took = {"film": syn["film"].assign(ext=[None, "c", "b", "a"])}
    cov = coverage(schema, real, took, kinds)
    assert cov["categories"]["missing"] == [] and cov["categories"]["share"] == 1.0
    assert cov["categories"]["exempt"] == ["film.ext: 1 category (4 rows cannot hold 4 source categories and a NULL)"]
