"""JSON round trip of Schema objects."""
from __future__ import annotations

import json

import pytest

from dbsynth.errors import SchemaError
from dbsynth.schema.model import (
    CheckConstraint, Column, ForeignKey, Index, LogicalType, PrimaryKey, Schema, Table, TableKind,
    Trigger, UniqueConstraint,
)
from dbsynth.schema.serde import schema_from_dict, schema_from_json, schema_to_json, to_dict
from tests.fixtures.schemas import FIXTURES, schema_fixture


def _rich_schema() -> Schema:
    """Every optional field set, so a dropped or mistyped field shows up."""
    status = Column("status", LogicalType.ENUM, "order_status", nullable=False, default="'new'",
                    enum_values=("new", "paid", "shipped"), enum_name="order_status")
    qty = Column("qty", LogicalType.INTEGER, "positive_int", domain="positive_int",
                 domain_checks=("VALUE > 0",), domain_type_sql="integer", integer_bytes=4)
    ident = Column("id", LogicalType.INTEGER, "bigint", nullable=False, autoincrement=True,
                   integer_bytes=8, sequence="orders_id_seq", comment="surrogate key")
    extra = (Column("tags", LogicalType.ARRAY, "text[]", item_type="text"),
             Column("at", LogicalType.DATETIME, "timestamptz", timezone=True),
             Column("amount", LogicalType.DECIMAL, "numeric(10,2)", precision=10, scale=2))
    orders = Table(
        name="orders", schema="public", columns=(ident, status, qty) + extra, row_count=42, comment="orders",
        primary_key=PrimaryKey(("id",), name="orders_pkey"),
        foreign_keys=(ForeignKey(("qty",), "orders", ("id",), name="fk_self", referred_schema="public",
                                 nullable=True, on_delete="CASCADE", on_update="NO ACTION", deferrable=True,
                                 initially_deferred=True, references_unique=False),),
        unique_constraints=(UniqueConstraint(("status", "qty"), name="uq_status_qty"),),
        checks=(CheckConstraint("qty < 1000", name="ck_qty"),),
        indexes=(Index("ix_lower", ("status",), unique=True, expressions=("lower(status)",)),),
        triggers=(Trigger("trg_audit", definition="CREATE TRIGGER trg_audit ..."),))
    part = Table(name="orders_2024", columns=(ident,), kind=TableKind.PARTITION, parent_table="orders")
    view = Table(name="v", columns=(ident,), kind=TableKind.VIEW, view_definition="SELECT id FROM orders")
    return Schema(dialect="postgresql", tables=(orders, part, view), name="public", warnings=("w1", "w2"))


@pytest.mark.parametrize("name", FIXTURES)
def test_fixture_round_trip_is_exact(name: str) -> None:
    schema = schema_fixture(name)
    assert schema_from_json(schema_to_json(schema)) == schema
    assert schema_from_json(schema_to_json(schema, indent=None)) == schema


def test_every_field_survives() -> None:
    schema = _rich_schema()
    back = schema_from_json(schema_to_json(schema))
    assert back == schema
    orders = back.table("orders")
    assert orders.column("status").logical_type is LogicalType.ENUM
    assert orders.column("status").enum_values == ("new", "paid", "shipped")
    assert back.table("v").kind is TableKind.VIEW and back.table("orders_2024").kind is TableKind.PARTITION
    assert isinstance(orders.primary_key, PrimaryKey) and orders.primary_key.columns == ("id",)
    assert orders.foreign_keys[0].deferrable and not orders.foreign_keys[0].references_unique
    assert back.warnings == ("w1", "w2")


def test_document_is_plain_json() -> None:
    doc = json.loads(schema_to_json(_rich_schema()))
    assert doc["dialect"] == "postgresql"
    assert doc["tables"][0]["columns"][1]["logical_type"] == "enum"
    assert doc["tables"][0]["columns"][1]["enum_values"] == ["new", "paid", "shipped"]
    assert doc["tables"][1]["kind"] == "partition"
    assert to_dict(LogicalType.DATE) == "date"


def test_missing_optional_fields_take_defaults() -> None:
    doc = {"dialect": "sqlite", "tables": [{"name": "t", "columns": [
        {"name": "id", "logical_type": "integer", "type_sql": "INTEGER"}]}]}
    schema = schema_from_dict(doc)
    assert schema.table("t").column("id").nullable is True
    assert schema.table("t").kind is TableKind.TABLE and schema.table("t").primary_key is None


def _doc_with(**column: object) -> dict:
    col = {"name": "id", "logical_type": "integer", "type_sql": "INTEGER"} | column
    return {"dialect": "sqlite", "tables": [{"name": "t", "columns": [col]}]}


@pytest.mark.parametrize("doc", [
    {"tables": []},  # no dialect
    [],  # not an object
    {"dialect": "sqlite", "tables": [1]},
    {"dialect": "sqlite", "tables": [{"columns": []}]},  # table without a name
    {"dialect": "sqlite", "tables": [{"name": "t", "columns": [], "kind": "materialised"}]},
    _doc_with(logical_type="varchar2"),
    {"dialect": "sqlite", "tables": [{"name": "t", "columns": [{"name": "id"}]}]},
], ids=["no-dialect", "list", "table-not-object", "table-no-name", "bad-kind", "bad-type", "column-no-type"])
def test_bad_documents_raise_schema_error(doc: object) -> None:
    with pytest.raises(SchemaError) as err:
        schema_from_dict(doc)  # type: ignore[arg-type]
    assert "invalid schema document" in str(err.value) and err.value.hint


@pytest.mark.parametrize("text", ["", "{not json", "[1, 2"])
def test_invalid_json_raises_schema_error(text: str) -> None:
    with pytest.raises(SchemaError, match="not valid JSON"):
        schema_from_json(text)


def test_new_schema_facts_round_trip() -> None:
    from dbsynth.schema.model import (Column, ExclusionConstraint, Index, LogicalType, Schema, Table,
                                      Trigger)
    from dbsynth.schema.serde import schema_from_json, schema_to_json

    cols = (Column("id", LogicalType.INTEGER, "integer", identity="always", autoincrement=True),
            Column("total", LogicalType.INTEGER, "integer", generated="a + b"),
            Column("n", LogicalType.INTEGER, "integer", sequence="it's_n_seq", autoincrement=True))
    table = Table("t", cols, indexes=(Index("ux", ("n",), unique=True, where="n > 0", method="btree"),),
                  exclusions=(ExclusionConstraint(("n", "id"), ("=", "&&"), name="x", where="id > 1"),),
                  triggers=(Trigger("tg", "CREATE TRIGGER …", function="public.f()", function_definition="…"),))
    schema = Schema("postgresql", (table,), name="sales")
    assert schema_from_json(schema_to_json(schema)) == schema
