"""Source SQL text is parsed and re-emitted, or refused with a reason: never pasted."""
from __future__ import annotations

import pytest

from dbsynth.schema.sqltext import safe_sql, sql_literal

CRAFTED = "fake_nextval('x; CREATE TABLE pwned AS SELECT current_user AS who, now() AS at; --'::text)"


@pytest.mark.parametrize("dialect", ["postgresql", "sqlite"])
@pytest.mark.parametrize("text", [
    "1; CREATE TABLE pwned (x int)",
    "0 /* ); */; DROP TABLE t; --",
    "x > 0); DROP TABLE t; --",
    "(SELECT max(id) FROM t)",
])
def test_more_than_one_expression_is_refused(text: str, dialect: str) -> None:
    out = safe_sql(text, source=dialect, target=dialect)
    assert out.sql is None and out.reason


def test_crafted_default_calling_an_uncopied_function_is_refused() -> None:
    out = safe_sql(CRAFTED, source="postgresql", target="postgresql", kind="default")
    assert out.sql is None and "fake_nextval" in out.reason
    # nextval is written by dbsynth for catalog sequences only, never copied from text
    assert safe_sql("nextval('s'::regclass)", source="postgresql", target="postgresql", kind="default").sql is None


def test_string_literals_are_re_escaped_and_identifiers_quoted() -> None:
    out = safe_sql("lower(name) <> 'it''s; DROP TABLE t; --'", source="sqlite", target="sqlite")
    assert out.sql == "LOWER(\"name\") <> 'it''s; DROP TABLE t; --'"
    out = safe_sql("\"Price\" >= 0 -- comment\n", source="sqlite", target="postgresql")
    assert out.sql == '"Price" >= 0'  # the comment is gone


@pytest.mark.parametrize(("text", "source", "want"), [
    ("(datetime('now'))", "sqlite", "(DATETIME('now'))"),
    ("CURRENT_TIMESTAMP", "sqlite", "CURRENT_TIMESTAMP"),
    ("'new'::character varying", "postgresql", "CAST('new' AS VARCHAR)"),
    ("gen_random_uuid()", "postgresql", "GEN_RANDOM_UUID()"),
])
def test_ordinary_defaults_survive(text: str, source: str, want: str) -> None:
    assert safe_sql(text, source=source, target=source, kind="default").sql == want


def test_domain_value_keyword_stays_bare() -> None:
    out = safe_sql("VALUE >= 0 AND VALUE < 10", source="postgresql", target="postgresql", keywords=("VALUE",))
    assert out.sql == "VALUE >= 0 AND VALUE < 10"


def test_views_accept_one_query_only() -> None:
    assert safe_sql("SELECT a FROM t", source="sqlite", target="sqlite", kind="query").sql == 'SELECT "a" FROM "t"'
    assert safe_sql("SELECT 1; DELETE FROM t", source="sqlite", target="sqlite", kind="query").sql is None
    assert safe_sql("1 + 1", source="sqlite", target="sqlite", kind="query").sql is None


def test_sql_literal_doubles_quotes() -> None:
    assert sql_literal('"it\'s_id_seq"') == "'\"it''s_id_seq\"'"
