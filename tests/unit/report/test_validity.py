"""Validity: each constraint kind counted once per violating row, judged by the real schema."""
from __future__ import annotations

import pandas as pd

from dbsynth.report.validity import validity
from dbsynth.schema.model import (CheckConstraint, Column, ForeignKey, LogicalType, PrimaryKey, Schema, Table,
                                  UniqueConstraint)

INT, TEXT = LogicalType.INTEGER, LogicalType.TEXT


def _schema() -> Schema:
    parent = Table(name="parent", columns=(Column("id", INT, "integer", nullable=False),
                                           Column("code", TEXT, "varchar(3)", length=3)),
                   primary_key=PrimaryKey(("id",)), unique_constraints=(UniqueConstraint(("code",)),))
    child = Table(name="child", columns=(Column("id", INT, "integer", nullable=False),
                                         Column("parent_id", INT, "integer", nullable=False),
                                         Column("qty", INT, "integer")),
                  primary_key=PrimaryKey(("id",)),
                  foreign_keys=(ForeignKey(("parent_id",), "parent", ("id",)),),
                  checks=(CheckConstraint("qty > 0"),))
    return Schema(dialect="sqlite", tables=(parent, child))


def test_clean_data_has_no_violations() -> None:
    frames = {"parent": pd.DataFrame({"id": [1, 2], "code": ["a", "b"]}),
              "child": pd.DataFrame({"id": [1, 2, 3], "parent_id": [1, 1, 2], "qty": [1, 5, None]})}
    out = validity(_schema(), frames)
    assert out.ok and out.to_dict()["total"] == 0 and set(out.totals()) >= {"primary_key", "foreign_key", "check"}


def test_every_kind_is_counted() -> None:
    frames = {"parent": pd.DataFrame({"id": [1, 2, 2], "code": ["a", "a", "toolong"]}),
              "child": pd.DataFrame({"id": [1, 1, 3, 4], "parent_id": [1, 9, None, 2], "qty": [0, 1, 2, 3]})}
    out = validity(_schema(), frames)
    assert out.totals() == {"not_null": 1, "type_bounds": 1, "check": 1, "foreign_key": 1, "primary_key": 2,
                            "unique": 1}
    doc = out.to_dict()
    assert doc["ok"] is False and doc["total"] == 7
    assert doc["tables"]["child"]["foreign_key"] == 1
    assert any(d["kind"] == "foreign_key" and d["example"] in ("9", "9.0") for d in doc["details"])


def test_orphans_are_not_cascaded_and_missing_tables_listed() -> None:
    # parent 1 is duplicated; its children still point at a row that exists, so they are no orphans
    frames = {"parent": pd.DataFrame({"id": [1, 1], "code": ["a", "b"]}),
              "child": pd.DataFrame({"id": [1, 2], "parent_id": [1, 1], "qty": [1, 1]})}
    out = validity(_schema(), frames)
    assert out.totals()["foreign_key"] == 0 and out.totals()["primary_key"] == 1
    only_parent = validity(_schema(), {"parent": frames["parent"]})
    assert only_parent.missing_tables == ["child"]
