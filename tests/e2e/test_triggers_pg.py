"""PostgreSQL -> PostgreSQL: triggers come with the functions they call; the summary names any left out."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from connectors.postgresql import psycopg_url
from tests.conftest import PgDatabases
from tests.e2e.test_seed import dbsynth, ok

pytestmark = pytest.mark.postgres

SOURCE = """
CREATE TABLE item (id serial PRIMARY KEY, name text NOT NULL, touched timestamptz, body text, doc tsvector);
CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN NEW.touched := '2000-01-01'; NEW.name := NEW.name || '; DROP TABLE item; --'; RETURN NEW; END $$;
CREATE TRIGGER item_stamp BEFORE INSERT OR UPDATE ON item FOR EACH ROW EXECUTE FUNCTION stamp();
CREATE TRIGGER item_doc BEFORE INSERT ON item FOR EACH ROW
  EXECUTE FUNCTION tsvector_update_trigger(doc, 'pg_catalog.english', body);
INSERT INTO item (name, body) SELECT 'n' || g, 'word ' || g FROM generate_series(1, 120) g;
"""


def one(url: str, sql: str) -> object:
    engine = sa.create_engine(psycopg_url(url))
    try:
        with engine.begin() as conn:
            return conn.execute(sa.text(sql)).scalar_one()
    finally:
        engine.dispose()


def test_trigger_functions_are_copied_and_triggers_fire_after_load(pg_databases: PgDatabases) -> None:
    src, dst = pg_databases.create("src", sql=SOURCE), pg_databases.create("dst")
    out = ok(dbsynth("seed", src, dst))
    assert "2 re-created after the load" in out.stdout, out.stdout
    assert one(dst, "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal") == 2
    # the loaded rows did not go through the trigger (names learned from the source may hold its
    # suffix once, as text; a trigger firing on the load would have appended it again) ...
    assert one(dst, "SELECT count(*) FROM item WHERE name LIKE '%DROP TABLE item; --%DROP TABLE item; --%'") == 0
    assert one(dst, "SELECT count(*) FROM item") > 0
    # ... and the application's next INSERT does
    assert one(dst, "INSERT INTO item (name, body) VALUES ('x', 'hello') RETURNING name") == "x; DROP TABLE item; --"
    assert one(dst, "SELECT doc::text FROM item WHERE name LIKE 'x;%'") == "'hello':1"


def test_trigger_whose_function_cannot_be_copied_is_named(pg_databases: PgDatabases) -> None:
    # a trigger function not written in SQL / PL/pgSQL is not copied: the summary says which trigger
    sql = SOURCE + """
CREATE FUNCTION no_dup() RETURNS trigger LANGUAGE internal AS 'suppress_redundant_updates_trigger';
CREATE TRIGGER item_no_dup BEFORE UPDATE ON item FOR EACH ROW EXECUTE FUNCTION no_dup();
"""
    src, dst = pg_databases.create("src", sql=sql), pg_databases.create("dst")
    out = ok(dbsynth("seed", src, dst))
    text = " ".join(out.stdout.split())
    assert "2 re-created after the load" in text and "item.item_no_dup" in text and "no_dup()" in text, text
    assert one(dst, "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal") == 2


def test_strict_fails_when_a_trigger_is_not_re_created(pg_databases: PgDatabases) -> None:
    sql = SOURCE + """
CREATE FUNCTION no_dup() RETURNS trigger LANGUAGE internal AS 'suppress_redundant_updates_trigger';
CREATE TRIGGER item_no_dup BEFORE UPDATE ON item FOR EACH ROW EXECUTE FUNCTION no_dup();
"""
    src, dst = pg_databases.create("src", sql=sql), pg_databases.create("dst")
    out = dbsynth("seed", src, dst, "--strict")
    assert out.returncode != 0 and "item.item_no_dup" in " ".join(out.stderr.split()), out.stderr
    assert one(dst, "SELECT count(*) FROM pg_class WHERE relname = 'item'") == 0  # rolled back


def test_smuggled_statements_in_trigger_or_function_text_never_run(pg_databases: PgDatabases) -> None:
    from dbsynth.load.ddl import create_triggers
    from dbsynth.schema.model import Column, LogicalType, Schema, Table, Trigger

    dst = pg_databases.create("dst", sql="CREATE TABLE t (a int)")
    function = ("CREATE OR REPLACE FUNCTION public.f()\n RETURNS trigger\n LANGUAGE plpgsql\n"
                "AS $$ BEGIN RETURN NEW; END $$; CREATE TABLE pwned (a int)")
    triggers = (
        Trigger("t1", "CREATE TRIGGER t1 BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()",
                function="public.f()", function_definition=function),
        Trigger("t2", "CREATE TRIGGER t2 BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION g(); "
                      "CREATE TABLE pwned2 (a int)"),
    )
    schema = Schema("postgresql", (Table("t", (Column("a", LogicalType.INTEGER, "integer"),), triggers=triggers),))
    engine = sa.create_engine(psycopg_url(dst))
    try:
        with engine.begin() as conn:
            created, skipped = create_triggers(conn, schema=schema, source_dialect="postgresql")
    finally:
        engine.dispose()
    assert created == [] and len(skipped) == 2, skipped
    assert "multiple commands" in skipped[0] and "not a single CREATE TRIGGER" in skipped[1]
    assert one(dst, "SELECT count(*) FROM pg_class WHERE relname LIKE 'pwned%'") == 0
    assert one(dst, "SELECT count(*) FROM pg_proc WHERE proname = 'f'") == 0
