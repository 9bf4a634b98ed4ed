"""Schema model behaviour, and the fixture schemas agreeing with their SQL."""
from __future__ import annotations

import dataclasses
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from dbsynth.errors import SchemaError
from dbsynth.schema.model import (
    Column, ForeignKey, Index, LogicalType, PrimaryKey, Schema, Table, TableKind, UniqueConstraint,
)
from tests.fixtures.schemas import (
    FIXTURES, fixture_rows, postgres_fixture_sql, schema_fixture, sqlite_fixture,
)


def _col(name: str) -> Column:
    return Column(name, LogicalType.INTEGER, "INTEGER")


def test_table_column_error_names_table_and_columns() -> None:
    table = schema_fixture("chain").table("city")
    assert table.column("population").nullable
    with pytest.raises(SchemaError, match="'city' has no column 'populaton'") as err:
        table.column("populaton")
    assert err.value.hint and "population" in err.value.hint and "country_id" in err.value.hint


def test_schema_table_lookup() -> None:
    schema = schema_fixture("constraints")
    assert schema.has_table("order line") and not schema.has_table("order_line")
    assert schema.table("order line").column("unit price").precision == 8
    with pytest.raises(SchemaError, match="no table 'order_line'"):
        schema.table("order_line")


def test_unique_column_sets() -> None:
    table = Table(name="t", columns=tuple(_col(c) for c in "abcd"), primary_key=PrimaryKey(("a",)),
                  unique_constraints=(UniqueConstraint(("b",)), UniqueConstraint(("a",))),
                  indexes=(Index("ix_cd", ("c", "d"), unique=True), Index("ix_b", ("b",), unique=True),
                           Index("ix_plain", ("d",)), Index("ix_expr", ("c",), unique=True,
                                                              expressions=("lower(c)",))))
    # PK first, duplicates once, plain and expression indexes left out.
    assert table.unique_column_sets() == [("a",), ("b",), ("c", "d")]
    assert Table(name="n", columns=(_col("x"),)).unique_column_sets() == []
    assert schema_fixture("constraints").table("product").unique_column_sets() == [("id",), ("sku",)]
    link = schema_fixture("composite").table("enrollment")
    assert link.unique_column_sets() == [("student_id", "course_code", "term")]


def test_data_tables_exclude_views_and_partitions() -> None:
    base = schema_fixture("constraints")
    part = Table(name="product_2024", columns=(_col("id"),), kind=TableKind.PARTITION, parent_table="product")
    schema = base.with_tables(base.tables + (part,))
    assert [t.name for t in schema.data_tables] == ["product", "order line"]
    assert not schema.table("product_sales").is_data_table and not part.is_data_table
    assert len(schema.tables) == 4 and len(base.tables) == 3


def test_model_is_frozen_and_keys_read_back() -> None:
    table = schema_fixture("composite").table("lecture")
    with pytest.raises(dataclasses.FrozenInstanceError):
        table.name = "x"  # type: ignore[misc]
    assert table.pk_columns == ("id",) and Table(name="n", columns=()).pk_columns == ()
    assert table.column_names == ("id", "course_code", "term", "starts", "room")
    fk = table.foreign_keys[0]
    assert fk.label == "(course_code, term) -> course_offering(course_code, term)"


def test_fixture_fk_nullability() -> None:
    team, member = schema_fixture("cycle2_nullable").tables
    assert team.foreign_keys[0].nullable and not member.foreign_keys[0].nullable
    store, staff = schema_fixture("cycle2_notnull").tables
    assert not store.foreign_keys[0].nullable and not staff.foreign_keys[0].nullable
    assert [fk.nullable for t in schema_fixture("cycle3_nullable").tables for fk in t.foreign_keys] == [
        True, False, False]
    assert schema_fixture("self_reference").tables[0].foreign_keys[0].nullable


def test_unknown_fixture_raises() -> None:
    with pytest.raises(SchemaError, match="unknown fixture"):
        schema_fixture("pentagon")


# --------------------------------------------------------------------------- fixture SQL vs Schema

def _pragma_fks(conn: sqlite3.Connection, table: str) -> set[tuple[tuple[str, ...], str, tuple[str, ...]]]:
    groups: dict[int, list[tuple]] = {}
    for row in conn.execute(f'PRAGMA foreign_key_list("{table}")'):
        groups.setdefault(row[0], []).append(row)
    return {(tuple(r[3] for r in rows), rows[0][2], tuple(r[4] for r in rows)) for rows in groups.values()}


def _check_table(conn: sqlite3.Connection, table: Table) -> None:
    info = conn.execute(f'PRAGMA table_info("{table.name}")').fetchall()
    assert tuple(r[1] for r in info) == table.column_names
    assert tuple(r[2] for r in info) == tuple(c.type_sql for c in table.columns)
    pk = tuple(r[1] for r in sorted((r for r in info if r[5]), key=lambda r: r[5]))
    assert pk == table.pk_columns
    not_null = {r[1] for r in info if r[3]} | set(pk)
    assert not_null == {c.name for c in table.columns if not c.nullable}
    assert _pragma_fks(conn, table.name) == {(fk.columns, fk.referred_table, fk.referred_columns)
                                            for fk in table.foreign_keys}


@pytest.mark.parametrize("name", FIXTURES)
def test_sqlite_fixture_matches_schema_fixture(name: str, tmp_path: Path) -> None:
    path = sqlite_fixture(name, tmp_path)
    schema = schema_fixture(name, dialect="sqlite")
    rows = fixture_rows(name)
    assert all(len(r) > 0 for r in rows.values()) and 10 <= sum(len(r) for r in rows.values()) <= 200
    with closing(sqlite3.connect(path)) as conn:
        kinds = dict(conn.execute("SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view')"))
        assert kinds == {t.name: "view" if t.kind is TableKind.VIEW else "table" for t in schema.tables}
        for table in schema.data_tables:
            _check_table(conn, table)
            count = conn.execute(f'SELECT COUNT(*) FROM "{table.name}"').fetchone()[0]
            assert count == len(rows[table.name])
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        conn.execute("PRAGMA foreign_keys=ON")
        with pytest.raises(sqlite3.IntegrityError):  # the FKs are really declared
            conn.execute(f'UPDATE "{schema.data_tables[-1].name}" SET {_fk_col(schema)} = -1')
    assert fixture_rows(name) == rows  # deterministic


def _fk_col(schema: Schema) -> str:
    fk = schema.data_tables[-1].foreign_keys[0]
    return f'"{fk.columns[0]}"'


@pytest.mark.postgres
@pytest.mark.parametrize("name", FIXTURES)
def test_postgres_fixture_loads_with_valid_fks(name: str, pg_databases, tmp_path: Path) -> None:
    import psycopg

    script = tmp_path / f"{name}.sql"
    script.write_text(postgres_fixture_sql(name))
    url = pg_databases.create("fx", sql_file=script)
    schema = schema_fixture(name)
    with psycopg.connect(url) as conn:
        fks = conn.execute("SELECT conname FROM pg_constraint WHERE contype = 'f' AND convalidated"
                           " AND connamespace = 'public'::regnamespace").fetchall()
        assert sorted(r[0] for r in fks) == sorted(fk.name for _, fk in _all_fks(schema))
        for table, rows in fixture_rows(name).items():
            assert conn.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0] == len(rows)
        checks = conn.execute("SELECT COUNT(*) FROM pg_constraint WHERE contype = 'c'"
                              " AND connamespace = 'public'::regnamespace").fetchone()[0]
        assert checks == sum(len(t.checks) for t in schema.tables)


def _all_fks(schema: Schema) -> list[tuple[Table, ForeignKey]]:
    return [(t, fk) for t in schema.tables for fk in t.foreign_keys]
