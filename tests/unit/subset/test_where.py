"""`--where "TABLE: condition"`: parsed, and only a single read-only boolean expression is accepted."""
from __future__ import annotations

import pytest

from dbsynth.errors import ConfigError
from dbsynth.schema.model import Column, LogicalType, Schema, Table
from dbsynth.subset.where import check_condition, parse_where

SCHEMA = Schema(dialect="sqlite", tables=(
    Table(name="Customer", columns=(Column("CustomerId", LogicalType.INTEGER, "INTEGER"),
                                    Column("Country", LogicalType.TEXT, "TEXT"))),
))


@pytest.mark.parametrize("text, table, condition", [
    ("Customer: Country = 'Germany'", "Customer", "Country = 'Germany'"),
    ('customer:"Country" = \'a:b; c\'', "Customer", '"Country" = \'a:b; c\''),  # table name case, ':' and ';' in a string
    ("Customer: CustomerId IN (SELECT CustomerId FROM Customer WHERE Country LIKE 'G%')", "Customer",
     "CustomerId IN (SELECT CustomerId FROM Customer WHERE Country LIKE 'G%')"),
])
def test_parse_where(text: str, table: str, condition: str) -> None:
    spec = parse_where(text, SCHEMA)
    assert (spec.table, spec.condition) == (table, condition)


@pytest.mark.parametrize("text, message", [
    ("Country = 'Germany'", "not of the form"),
    ("Customer:", "not of the form"),
    ("Custmer: Country = 'x'", "did you mean 'Customer'"),
    ("Customer: Country = 'x'; DELETE FROM Customer", "';'"),
    ("Customer: Country = 'x' GROUP BY Country", "query part"),
    ("Customer: Country = ", "not valid SQL"),
    ("Customer: CustomerId IN (DELETE FROM Customer RETURNING CustomerId)", "Customer"),
])
def test_parse_where_refuses(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_where(text, SCHEMA)
    assert message in str(err.value)


def test_a_condition_that_writes_is_refused() -> None:
    with pytest.raises(ConfigError, match="may only read|not valid SQL|one boolean"):
        check_condition("EXISTS (SELECT 1 INTO t2 FROM Customer)", table="Customer", dialect="postgresql")


def test_locking_reads_are_refused_and_errors_point_into_the_condition() -> None:
    with pytest.raises(ConfigError, match="may only read"):
        check_condition("EXISTS (SELECT 1 FROM a FOR UPDATE)", table="Customer", dialect="postgresql")
    with pytest.raises(ConfigError, match="at character 4"):
        check_condition("1=1) OR (1=1", table="Customer", dialect="postgresql")
