"""MySQL pieces of target DDL, without a server: FK alignment, InnoDB actions, mapping notes."""
from __future__ import annotations

import sqlalchemy as sa

from dbsynth.load.ddl_mysql import align_fk_types, auto_increment, mapping_notes, mysql_column_type
from dbsynth.schema.model import Column, ForeignKey, LogicalType, PrimaryKey, Schema, Table


def _schema() -> Schema:
    parent = Table(name="customer", primary_key=PrimaryKey(("id",)), columns=(
        Column("id", LogicalType.INTEGER, "integer", nullable=False, autoincrement=True, integer_bytes=4),
        Column("mood", LogicalType.ENUM, "mood", enum_values=("happy", "sad"), enum_name="mood"),
        Column("active", LogicalType.BOOLEAN, "boolean"),
        Column("seen", LogicalType.DATETIME, "TIMESTAMP WITH TIME ZONE", timezone=True),
        Column("code", LogicalType.TEXT, "text"),
    ))
    child = Table(name="payment", primary_key=PrimaryKey(("id",)), columns=(
        Column("id", LogicalType.INTEGER, "integer", nullable=False, integer_bytes=4),
        Column("customer_id", LogicalType.INTEGER, "smallint", nullable=False, integer_bytes=2),
    ), foreign_keys=(ForeignKey(("customer_id",), "customer", ("id",), name="fk_pay", on_delete="SET NULL",
                                on_update="CASCADE"),))
    return Schema(dialect="postgresql", tables=(child, parent))


def test_fk_columns_take_the_parent_width_and_refused_actions_are_said() -> None:
    warnings: list[str] = []
    out = align_fk_types(_schema(), warnings)
    pay = out.table("payment")
    assert pay.column("customer_id").integer_bytes == 4
    assert pay.foreign_keys[0].on_delete is None and pay.foreign_keys[0].on_update == "CASCADE"
    assert len(warnings) == 1 and "ON DELETE SET NULL left out" in warnings[0] and "payment" in warnings[0]


def test_mysql_types_for_a_postgres_schema() -> None:
    from sqlalchemy.dialects import mysql
    dialect = mysql.dialect()
    conn = type("C", (), {"dialect": dialect})()
    customer = _schema().table("customer")
    enum = mysql_column_type(customer.column("mood"), customer, sa.Text(), conn=conn, same=False)
    assert enum.compile(dialect=dialect) == "ENUM('happy','sad')"
    key = mysql_column_type(customer.column("id"), customer, sa.Integer(), conn=conn, same=False)
    assert auto_increment(customer.column("id"), customer) and key.get_col_spec() == "INTEGER AUTO_INCREMENT"


def test_mapping_notes_name_what_was_mapped() -> None:
    notes = mapping_notes(_schema(), source="postgresql", target="mysql")
    assert len(notes) == 1
    line = notes[0]
    for part in ("mood → ENUM", "boolean → TINYINT(1)", "→ DATETIME (UTC)", "serial/identity → AUTO_INCREMENT"):
        assert part in line, (part, line)
    assert mapping_notes(_schema(), source="postgresql", target="postgresql") == []
