"""The fuzzer's generator: deterministic, every feature reachable, and every source valid by the database itself."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from dbsynth.fuzz.build import SourceError, create_pg, create_sqlite, ddl
from dbsynth.fuzz.generate import Options, generate

FEATURES = {"self_ref", "self_ref_not_null", "cycle_nullable", "cycle_not_null", "composite_pk_fk", "composite_fk",
            "composite_pk_numeric", "two_fks_one_parent", "one_column_two_parents", "diamond_or_multi_parent",
            "nullable_fk", "one_to_one_fk", "check_range", "check_in", "check_like", "check_regex",
            "check_cross_column", "unique_int", "unique_text", "unique_multi", "code_pk", "code_unique",
            "code_repeated", "dirty_number", "dirty_date", "text_over_varchar", "uuid", "jsonb", "bytea",
            "timestamptz", "odd_name", "text_pk", "uuid_pk"}


def test_same_seed_same_schema_and_rows() -> None:
    a, b = generate(7), generate(7)
    assert ddl(a, "sqlite") == ddl(b, "sqlite") and ddl(a, "postgresql") == ddl(b, "postgresql")
    assert a.rows == b.rows and a.sqlite_dirt == b.sqlite_dirt
    assert ddl(generate(8), "sqlite") != ddl(a, "sqlite")


def test_every_feature_is_generated_and_table_counts_span_the_range() -> None:
    schemas = [generate(s) for s in range(300)]
    seen = Counter(f for s in schemas for f in s.features)
    assert FEATURES - set(seen) == set()
    sizes = {len(s.tables) for s in schemas}
    assert min(sizes) == 2 and max(sizes) == 15


def test_plain_profile_leaves_out_dirt_exotic_types_codes_and_odd_names() -> None:
    seen = {f for s in range(200) for f in generate(s, Options.named("plain")).features}
    assert not seen & {"dirty_number", "dirty_date", "text_over_varchar", "jsonb", "bytea", "code_pk",
                       "code_unique", "code_repeated", "odd_name"}
    assert {"cycle_not_null", "self_ref", "composite_fk", "check_like"} <= seen


def test_sqlite_sources_pass_their_own_constraints(tmp_path: Path) -> None:
    for seed in range(60):  # create_sqlite raises SourceError on any violation
        create_sqlite(generate(seed), tmp_path / "src.sqlite")


def test_a_broken_source_is_the_generators_error(tmp_path: Path) -> None:
    schema = next(s for s in map(generate, range(100)) if any(t.checks for t in s.tables))
    table = next(t for t in schema.tables if t.checks)
    table.checks[0].sqlite = "1 = 0"
    with pytest.raises(SourceError, match="SQLite source rejected: CHECK constraint failed"):
        create_sqlite(schema, tmp_path / "src.sqlite")


@pytest.mark.postgres
def test_postgres_sources_pass_their_own_constraints(pg_databases) -> None:
    for seed in range(12):  # NOT NULL cycles need their deferrable FKs; orphans raise SourceError
        create_pg(generate(seed), pg_databases.create("fuzzsrc"))
