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


def test_empty_and_shrunken_tables_are_validity_failures() -> None:
    from dbsynth.report.validity import row_losses
    real = {"a": 100, "b": 400, "e": 10, "f": 70, "c": 50, "d": 1000, "empty_in_source": 0}
    # synthetic at scale 2: c came out empty and d lost most of its rows
    synthetic = {"a": 200, "b": 800, "e": 20, "f": 140, "c": 0, "d": 250, "empty_in_source": 0}
    lost = {x["table"]: x for x in row_losses(real, synthetic)}
    assert set(lost) == {"c", "d"}
    assert lost["c"]["reason"] == "empty" and lost["d"]["reason"] == "shrunken"
    assert lost["d"]["expected_rows"] == 2000 and lost["d"]["real_rows"] == 1000
    frames = {"parent": pd.DataFrame({"id": [1, 2], "code": ["a", "b"]}),
              "child": pd.DataFrame({"id": pd.Series([], dtype=object), "parent_id": pd.Series([], dtype=object),
                                     "qty": pd.Series([], dtype=object)})}
    out = validity(_schema(), frames, real_rows={"parent": 2, "child": 30})
    assert not out.ok and out.to_dict()["shrunken_tables"][0]["table"] == "child"


def test_scale_and_noise_are_not_losses() -> None:
    from dbsynth.report.validity import row_losses
    assert row_losses({"a": 100, "b": 400, "c": 3}, {"a": 10, "b": 41, "c": 1}) == []  # --scale 0.1
    assert row_losses({"a": 100, "b": 20}, {"a": 300, "b": 20}) == []  # a copied table at --scale 3
    assert row_losses({"a": 1000, "b": 10}, {"a": 1000, "b": 6}) == []  # within sampling noise


def test_report_gate_fails_on_a_shrunken_table() -> None:
    from dbsynth.report.runner import Report
    report = Report(data={"quality": {"overall": 0.9}, "validity": {
        "total": 0, "violations": {}, "shrunken_tables": [
            {"table": "t", "reason": "empty", "synthetic_rows": 0, "expected_rows": 40, "real_rows": 40}]}})
    failures = report.failures(min_quality=0.5)
    assert failures == ["table 't' is empty: 0 rows where about 40 were expected (40 in the source)"]
