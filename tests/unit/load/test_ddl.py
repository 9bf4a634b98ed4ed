"""Cross-dialect DDL helpers: sqlglot transpiling and logical type mapping."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from dbsynth.load.ddl import logical_type, transpile
from dbsynth.schema.model import Column, LogicalType


def test_transpile_quotes_columns_and_rejects_garbage() -> None:
    assert transpile("Price >= 0", source="sqlite", target="postgresql") == '"Price" >= 0'
    assert transpile("x > 1", source="postgresql", target="postgresql") == '"x" > 1'  # re-emitted, not pasted
    assert transpile("((( nope", source="sqlite", target="postgresql") is None


def test_logical_types_render_per_target() -> None:
    def render(col: Column, dialect: object) -> str:
        return str(logical_type(col, target=dialect.name).compile(dialect=dialect))  # type: ignore[attr-defined]

    pg, lite = postgresql.dialect(), sqlite.dialect()
    small = Column("n", LogicalType.INTEGER, "SMALLINT", integer_bytes=2)
    money = Column("m", LogicalType.DECIMAL, "NUMERIC(10,2)", precision=10, scale=2)
    name = Column("s", LogicalType.TEXT, "NVARCHAR(40)", length=40)
    stamp = Column("t", LogicalType.DATETIME, "timestamptz", timezone=True)
    assert render(small, pg) == "SMALLINT" and render(money, pg) == "NUMERIC(10, 2)"
    assert render(name, lite) == "VARCHAR(40)" and render(stamp, pg) == "TIMESTAMP WITH TIME ZONE"
    enum = logical_type(Column("k", LogicalType.ENUM, "TEXT", enum_values=("a", "bb")), target="postgresql")
    assert isinstance(enum, sa.Enum) and not enum.native_enum and enum.length == 2


def test_exclusion_sql_is_built_from_words_not_text() -> None:
    from dbsynth.load.ddl import exclusion_sql
    from dbsynth.schema.model import ExclusionConstraint

    engine = sa.create_engine("postgresql+psycopg://")  # dialect only: never connects
    conn = type("C", (), {"dialect": engine.dialect})()
    good = ExclusionConstraint(("room", "it's"), ("=", "&&"), method="gist", name="no double")
    assert exclusion_sql(conn, "booking", good) == (  # type: ignore[arg-type]
        'ALTER TABLE "booking" ADD CONSTRAINT "no double" EXCLUDE USING gist ("room" WITH =, "it\'s" WITH &&)')
    evil = ExclusionConstraint(("room",), ("= ); DROP TABLE t; --",), method="gist")
    assert exclusion_sql(conn, "booking", evil) is None  # type: ignore[arg-type]
    assert exclusion_sql(conn, "booking", ExclusionConstraint(("a",), ("=",), method="gist; x")) is None  # type: ignore[arg-type]


def test_sqlite_trigger_text_runs_as_one_statement_only() -> None:
    from dbsynth.load.ddl import create_triggers
    from dbsynth.schema.model import Schema, Table, Trigger

    good = Trigger("t_ok", "CREATE TRIGGER t_ok AFTER INSERT ON t BEGIN SELECT 1; END")
    smuggled = Trigger("t_bad", "CREATE TRIGGER t_bad AFTER INSERT ON t BEGIN SELECT 1; END; CREATE TABLE pwned (a)")
    not_trigger = Trigger("t_odd", "CREATE TABLE pwned2 (a)")
    table = Table("t", (Column("a", LogicalType.INTEGER, "INTEGER"),), triggers=(good, smuggled, not_trigger))
    engine = sa.create_engine("sqlite://")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (a INTEGER)")
        created, skipped = create_triggers(conn, schema=Schema("sqlite", (table,)), source_dialect="sqlite")
        names = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master")}
    assert created == ["t_ok"] and len(skipped) == 2
    assert "t.t_odd (definition is not a CREATE TRIGGER)" in skipped
    assert names == {"t", "t_ok"}
