"""Partial unique indexes and EXCLUDE constraints in the streaming validator."""
from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd

from dbsynth.sample.types import TableChunk
from dbsynth.schema.graph import build_plan
from dbsynth.schema.model import (Column, ExclusionConstraint, Index, LogicalType, PrimaryKey, Schema, Table)
from dbsynth.validate import Validator
from dbsynth.validate.exclusion import parse_range

INT = LogicalType.INTEGER


def _validator(table: Table) -> Validator:
    schema = Schema(dialect="postgresql", tables=(table,))
    return Validator(schema, build_plan(schema))


def _pu() -> Table:
    cols = (Column("id", INT, "integer", nullable=False), Column("code", LogicalType.TEXT, "text"),
            Column("active", LogicalType.BOOLEAN, "boolean"))
    return Table("pu", cols, primary_key=PrimaryKey(("id",)),
                 indexes=(Index("pu_active_code", ("code",), unique=True, where="active"),))


def test_partial_unique_binds_only_selected_rows_across_chunks() -> None:
    v = _validator(_pu())
    first = v.check(TableChunk("pu", pd.DataFrame({"id": [1, 2, 3, 4], "code": ["a", "a", "a", "b"],
                                                   "active": [True, False, True, True]})))
    assert first.valid["id"].tolist() == [1, 2, 4]  # the second active 'a' conflicts, the inactive one not
    second = v.check(TableChunk("pu", pd.DataFrame({"id": [5, 6], "code": ["b", "b"], "active": [False, True]})))
    assert second.valid["id"].tolist() == [5]  # an active 'b' was emitted in the first chunk
    assert _pu().unique_column_sets() == [("id",)]  # partial: not a plain unique set for the sampler


def _booking() -> Table:
    cols = (Column("id", INT, "integer", nullable=False), Column("room", INT, "integer"),
            Column("during", LogicalType.OTHER, "tstzrange"))
    return Table("booking", cols, primary_key=PrimaryKey(("id",)),
                 exclusions=(ExclusionConstraint(("room", "during"), ("=", "&&"), name="no_overlap"),))


def test_exclusion_drops_overlapping_ranges_of_the_same_key() -> None:
    v = _validator(_booking())
    during = ['["2024-01-01 10:00:00+00","2024-01-01 12:00:00+00")',
              '["2024-01-01 11:00:00+00","2024-01-01 13:00:00+00")',  # overlaps row 1, same room
              '["2024-01-01 12:00:00+00","2024-01-01 14:00:00+00")',  # touches row 1 only: fine
              '["2024-01-01 11:00:00+00","2024-01-01 13:00:00+00")',  # other room: fine
              None]
    out = v.check(TableChunk("booking", pd.DataFrame({"id": [1, 2, 3, 4, 5], "room": [1, 1, 1, 2, 1],
                                                      "during": during})))
    assert out.valid["id"].tolist() == [1, 3, 4, 5]
    assert [x.kind for x in out.violations] == ["unique"] and "no_overlap" in out.violations[0].detail


def test_exclusion_with_only_equality_is_a_unique_set() -> None:
    table = Table("slot", (Column("room", INT, "integer"), Column("day", INT, "integer")),
                  exclusions=(ExclusionConstraint(("room", "day"), ("=", "="), name="slot_no_double"),))
    assert table.unique_column_sets() == [("room", "day")]
    out = _validator(table).check(TableChunk("slot", pd.DataFrame({"room": [1, 1, 2], "day": [5, 5, 5]})))
    assert len(out.valid) == 2


def test_range_parsing_handles_bounds_and_objects() -> None:
    a = parse_range("[1,5)")
    b = parse_range("(4,9]")
    assert a is not None and b is not None and a[0] < b[0] < a[1]
    assert parse_range("empty") is None and parse_range(None) is None and parse_range("[5,5)") is None
    start = datetime(2024, 1, 1, tzinfo=timezone.utc)
    assert parse_range((start, datetime(2024, 1, 2, tzinfo=timezone.utc))) is not None
    unbounded = parse_range("[,3)")
    assert unbounded is not None and unbounded[0][0] == float("-inf")
