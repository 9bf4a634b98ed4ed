"""Tiny tables deal out whole source rows: only columns whose values the target accepts as they are."""
from __future__ import annotations

import pandas as pd

from connectors.generic_writer import writable
from dbsynth.relational.sources import poolable
from dbsynth.schema.model import Column, LogicalType, Table
from dbsynth.transform.columns import CategoricalTransform, NumericTransform


def _table() -> Table:
    return Table(name="team", columns=(
        Column(name="uid", logical_type=LogicalType.TEXT, type_sql="TEXT", nullable=False),
        Column(name="label", logical_type=LogicalType.TEXT, type_sql="VARCHAR(5)", length=5),
        Column(name="amount", logical_type=LogicalType.DECIMAL, type_sql="NUMERIC(5,2)", precision=5, scale=2),
        Column(name="score", logical_type=LogicalType.INTEGER, type_sql="INTEGER", nullable=False),
        Column(name="title", logical_type=LogicalType.TEXT, type_sql="TEXT")))


def test_dirty_too_long_too_big_or_null_in_not_null_columns_are_not_dealt_out() -> None:
    frame = pd.DataFrame({"uid": list("abcde"), "label": ["ok", "fine", "waytoolong", "x", None],
                          "amount": [1.5, 2.25, 1234.5, None, 3.0], "score": [1, None, 3, 4, 5],
                          "title": ["Sales", "Sales", "CEO", "Clerk", "Clerk"]})
    transforms = [CategoricalTransform(column="label").fit(frame["label"]),
                  NumericTransform(column="amount", scale=2).fit(frame["amount"]),
                  NumericTransform(column="score", integer=True).fit(frame["score"]),
                  CategoricalTransform(column="title").fit(frame["title"])]
    # label: 10 characters in a VARCHAR(5); amount: 1234.5 beyond NUMERIC(5,2); score: NULL where NOT NULL
    assert poolable(_table(), frame, transforms) == ["title"]


def test_integer_columns_are_written_as_whole_numbers() -> None:
    frame = pd.DataFrame({"uid": ["a", "b"], "score": [27.0, None], "amount": [1.5, None]})
    out = writable(_table(), frame)
    assert out["score"].tolist() == [27, None] and isinstance(out["score"].iloc[0], int)
    assert out["amount"].tolist()[0] == 1.5  # a decimal keeps its fraction
