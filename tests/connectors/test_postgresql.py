"""PostgreSQL connector against the suite's throwaway cluster (no mocks)."""
from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from connectors.base import open_connector
from connectors.postgresql import PostgresConnector, psycopg_url
from dbsynth.errors import SchemaError
from dbsynth.schema.model import LogicalType, Schema, TableKind

pytestmark = pytest.mark.postgres

DDL = """
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN year AS integer CONSTRAINT year_check CHECK (VALUE >= 1901 AND VALUE <= 2155);
CREATE TABLE "Parent Table" ("Id" integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  code varchar(10) NOT NULL UNIQUE, "mixedCase" text);
CREATE TABLE child (
  id serial PRIMARY KEY,
  parent_id integer NOT NULL REFERENCES "Parent Table"("Id") ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
  parent_code varchar(10) REFERENCES "Parent Table"(code),
  boss_id integer REFERENCES child(id),
  mood mood DEFAULT 'ok', yr year, tags text[], doc tsvector,
  price numeric(8,2) CONSTRAINT price_positive CHECK (price >= 0),
  small smallint, big bigint, at timestamptz, d date, flag boolean);
CREATE TABLE link (a integer, b integer, note text, PRIMARY KEY (a, b),
  CONSTRAINT link_a FOREIGN KEY (a) REFERENCES child(id));
CREATE UNIQUE INDEX ux_parent_lower ON "Parent Table" (lower(code));
CREATE INDEX ix_child_parent_d ON child (parent_id, d);
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;
CREATE TRIGGER child_touch BEFORE UPDATE ON child FOR EACH ROW EXECUTE FUNCTION touch();
CREATE VIEW child_view AS SELECT id, mood FROM child;
CREATE TABLE events (id integer, at date NOT NULL, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE log (id integer PRIMARY KEY, msg text);
CREATE TABLE log_old (CHECK (id < 100)) INHERITS (log);
CREATE SCHEMA other;
CREATE TABLE other.thing (id int PRIMARY KEY, child_id int REFERENCES public.child(id));
INSERT INTO "Parent Table" (code) SELECT 'c' || g FROM generate_series(1, 5) g;
INSERT INTO child (parent_id, parent_code, mood, yr, tags, doc, price, small, big, at, d, flag)
SELECT 1 + g % 5, 'c' || (1 + g % 5), (ARRAY['sad','ok','happy'])[1 + g % 3]::mood, 1990 + g % 20,
       ARRAY['a', 'b' || g], to_tsvector('row ' || g), g * 0.5, g, g * 1000000000::bigint,
       '2024-03-01 12:00+02'::timestamptz, DATE '2024-01-01' + g, g % 2 = 0
FROM generate_series(1, 1234) g;
INSERT INTO events VALUES (1, '2024-05-01'), (2, '2024-06-01');
"""


@pytest.fixture(scope="module")
def pg_url(pg_admin_url: str) -> str:
    # One database for the module: reflection is read-only, so tests can share it.
    from tests.conftest import PgDatabases
    dbs = PgDatabases(pg_admin_url)
    url = dbs.create("conn", sql=DDL)
    yield url
    dbs.drop_all()


@pytest.fixture(scope="module")
def schema(pg_url: str) -> Schema:
    conn = open_connector(pg_url)
    try:
        return conn.reflect()
    finally:
        conn.close()


def test_url_rewritten_to_psycopg3() -> None:
    assert psycopg_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert psycopg_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert psycopg_url("postgresql+psycopg2://u@h/db") == "postgresql+psycopg2://u@h/db"


def test_registered_with_capabilities(pg_url: str) -> None:
    conn = open_connector(pg_url.replace("postgresql://", "postgres://"))
    assert isinstance(conn, PostgresConnector) and conn.engine.dialect.driver == "psycopg"
    caps = conn.capabilities
    assert caps.copy and caps.deferrable_constraints and caps.sequences and caps.schemas
    assert caps.max_identifier_length == 63
    conn.close()


def test_tables_kinds_and_counts(schema: Schema) -> None:
    assert schema.name == "public" and schema.dialect == "postgresql"
    names = [t.name for t in schema.tables]
    assert names == sorted(names) and "thing" not in names
    assert {t.name for t in schema.data_tables} == {"Parent Table", "child", "link", "events", "log"}
    assert schema.table("child").row_count == 1234 and schema.table("events").row_count == 2
    view = schema.table("child_view")
    assert view.kind == TableKind.VIEW and view.row_count is None and "FROM child" in view.view_definition
    for child, parent in (("events_2024", "events"), ("log_old", "log")):
        assert schema.table(child).kind == TableKind.PARTITION
        assert schema.table(child).parent_table == parent
        assert any(child in w for w in schema.warnings)


def test_special_types(schema: Schema) -> None:
    child = schema.table("child")
    mood = child.column("mood")
    assert mood.logical_type == LogicalType.ENUM and mood.enum_values == ("sad", "ok", "happy")
    assert mood.enum_name == "mood" and mood.default == "'ok'::mood"
    yr = child.column("yr")
    assert yr.domain == "year" and yr.logical_type == LogicalType.INTEGER
    assert yr.domain_type_sql == "INTEGER" and len(yr.domain_checks) == 1
    assert "1901" in yr.domain_checks[0] and "2155" in yr.domain_checks[0]
    tags = child.column("tags")
    assert tags.logical_type == LogicalType.ARRAY and tags.item_type == "TEXT" and tags.type_sql == "TEXT[]"
    assert child.column("doc").logical_type == LogicalType.OTHER
    price = child.column("price")
    assert price.logical_type == LogicalType.DECIMAL and (price.precision, price.scale) == (8, 2)
    assert [child.column(c).integer_bytes for c in ("small", "id", "big")] == [2, 4, 8]
    assert child.column("at").timezone and child.column("at").logical_type == LogicalType.DATETIME
    assert child.column("flag").logical_type == LogicalType.BOOLEAN


def test_identity_and_serial(schema: Schema) -> None:
    ident = schema.table("Parent Table").column("Id")
    assert ident.autoincrement and ident.identity and ident.sequence is None  # identity owns its sequence
    serial = schema.table("child").column("id")
    assert serial.autoincrement and serial.sequence == "child_id_seq"  # bare name, from pg_depend
    assert "nextval" in serial.default
    assert not schema.table("child").column("small").autoincrement


def test_constraints(schema: Schema) -> None:
    parent, child = schema.table("Parent Table"), schema.table("child")
    assert parent.unique_column_sets() == [("Id",), ("code",)]
    assert [(i.name, i.unique, i.expressions) for i in parent.indexes] == [
        ("ux_parent_lower", True, ("lower(code::text)",))]
    assert [(i.name, i.columns) for i in child.indexes] == [("ix_child_parent_d", ("parent_id", "d"))]
    assert [(c.name, c.sqltext) for c in child.checks] == [("price_positive", "price >= 0::numeric")]
    assert [t.name for t in child.triggers] == ["child_touch"]
    assert "EXECUTE FUNCTION touch()" in child.triggers[0].definition
    assert schema.table("link").pk_columns == ("a", "b")
    assert len(schema.table("log_old").checks) == 1


def test_foreign_keys(schema: Schema) -> None:
    fks = {fk.columns: fk for fk in schema.table("child").foreign_keys}
    to_parent = fks[("parent_id",)]
    assert to_parent.referred_table == "Parent Table" and to_parent.referred_columns == ("Id",)
    assert to_parent.deferrable and to_parent.initially_deferred and to_parent.on_delete == "CASCADE"
    assert not to_parent.nullable and to_parent.references_unique
    by_code = fks[("parent_code",)]
    assert by_code.referred_columns == ("code",) and by_code.nullable and not by_code.deferrable
    assert fks[("boss_id",)].referred_table == "child"  # self-reference
    (link_fk,) = schema.table("link").foreign_keys
    assert link_fk.name == "link_a" and link_fk.referred_schema is None


def test_other_schema(pg_url: str) -> None:
    conn = open_connector(pg_url)
    other = conn.reflect(schema="other")
    assert other.name == "other" and [t.name for t in other.tables] == ["thing"]
    (fk,) = other.table("thing").foreign_keys
    assert fk.referred_schema == "public" and fk.referred_table == "child"
    assert other.table("thing").schema == "other" and other.table("thing").row_count == 0
    with pytest.raises(SchemaError, match="'nope'") as err:
        conn.reflect(schema="nope")
    assert "public" in err.value.hint and "other" in err.value.hint
    conn.close()


def test_server_side_chunked_read(pg_url: str, schema: Schema) -> None:
    conn = open_connector(pg_url)
    chunks = list(conn.read_table(schema.table("child"), chunk_size=500))
    assert [len(c) for c in chunks] == [500, 500, 234]
    frame = pd.concat(chunks, ignore_index=True)
    assert sorted(frame["id"].tolist()) == list(range(1, 1235))
    assert str(frame["id"].dtype) == "Int64" and frame["price"].dtype == "float64"
    assert str(frame["at"].dtype).startswith("datetime64") and str(frame["at"].dt.tz) == "UTC"
    assert (frame["at"] == pd.Timestamp("2024-03-01 10:00", tz="UTC")).all()
    assert str(frame["d"].dtype).startswith("datetime64") and str(frame["flag"].dtype) == "boolean"
    assert frame["tags"].iloc[0][0] == "a" and set(frame["mood"]) == {"sad", "ok", "happy"}
    (parents,) = conn.read_table(schema.table("Parent Table"), columns=("Id", "mixedCase"))
    assert parents.columns.tolist() == ["Id", "mixedCase"] and len(parents) == 5
    conn.close()


def test_source_is_read_only(pg_url: str, schema: Schema) -> None:
    conn = open_connector(pg_url)
    with pytest.raises(DBAPIError, match="read-only transaction"):
        with conn.engine.begin() as c:
            c.execute(text("INSERT INTO log VALUES (1, 'x')"))
    assert conn.row_count(schema.table("log")) == 0
    conn.close()


def test_target_is_writable(pg_databases) -> None:
    url = pg_databases.create("target", sql="CREATE TABLE t (id int PRIMARY KEY)")
    conn = open_connector(url, read_only=False)
    with conn.engine.begin() as c:
        c.execute(text("INSERT INTO t VALUES (1), (2)"))
    assert conn.row_count(conn.reflect().table("t")) == 2
    conn.close()
