"""Shrinking a failing fuzz schema, and the fuzz command's bookkeeping (no dbsynth run needed)."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from benchmarks import fuzz as bench_fuzz
from benchmarks.__main__ import parser
from dbsynth.fuzz.build import create_sqlite, ddl
from dbsynth.fuzz.generate import FuzzSchema, generate
from dbsynth.fuzz.minimise import droppable_columns, minimise, without


def _schema_with_fks() -> FuzzSchema:
    return next(s for s in map(generate, range(50)) if len(s.tables) >= 4 and any(t.fks for t in s.tables))


def test_dropping_a_table_drops_the_fks_to_it_and_keeps_the_source_valid(tmp_path: Path) -> None:
    schema = _schema_with_fks()
    parent = next(fk.table for t in schema.tables for fk in t.fks if fk.table != t.name)
    small = without(schema, [parent])
    assert parent not in {t.name for t in small.tables}
    assert all(fk.table != parent for t in small.tables for fk in t.fks)
    create_sqlite(small, tmp_path / "small.sqlite")  # still loads and passes its own constraints
    assert ddl(schema, "sqlite") != ddl(small, "sqlite") and len(schema.tables) == len(small.tables) + 1


def test_dropping_a_column_drops_its_checks() -> None:
    def checked_columns(t):  # noqa: ANN001, ANN202
        return [c for c in droppable_columns(t) if any(f'"{c}"' in k.sqlite for k in t.checks)]
    schema = next(s for s in map(generate, range(100)) if any(checked_columns(t) for t in s.tables))
    table = next(t for t in schema.tables if checked_columns(t))
    checked = checked_columns(table)[0]
    small = without(schema, [f"{table.name}.{checked}"])
    kept = next(t for t in small.tables if t.name == table.name)
    assert checked not in [c.name for c in kept.columns]
    assert not any(f'"{checked}"' in k.sqlite for k in kept.checks)
    assert all(checked not in r for r in small.rows[table.name])


def test_minimise_keeps_only_what_the_failure_needs() -> None:
    schema = _schema_with_fks()
    culprit = schema.tables[0].name  # "fails" while the first table is present
    drop = minimise(schema, lambda s: culprit in {t.name for t in s.tables}, budget=500)
    small = without(schema, drop)
    assert [t.name for t in small.tables] == [culprit]
    assert droppable_columns(small.tables[0]) == []


def test_fuzz_subcommand_parses_and_section_survives_in_results_md(tmp_path: Path) -> None:
    args = parser().parse_args(["fuzz", "--schemas", "3", "--seed", "7", "--dialects", "sqlite", "--drop", "a,b.c"])
    assert (args.cmd, args.schemas, args.seed, args.dialects, args.drop) == ("fuzz", 3, 7, "sqlite", "a,b.c")
    summary = {"dialects": {"sqlite": {"tried": 3, "failed": 1}},
               "categories": {"sqlite table_empty:check": {"count": 1, "seeds": [8], "example": {"seed": 8}}}}
    section = bench_fuzz.markdown(summary, schemas=3, wall=12.0, json_path=tmp_path / "fuzz-x.json", args=args)
    md = tmp_path / "RESULTS.md"
    md.write_text("# Benchmark results\n\nbody\n")
    bench_fuzz.write_section(section, md)
    bench_fuzz.write_section(section.replace("| 1 | `", "| 2 | `"), md)  # replaced, not appended twice
    text = md.read_text()
    assert text.count(bench_fuzz.BEGIN) == 1 and "| 2 | `sqlite table_empty:check`" in text
    assert text.startswith("# Benchmark") and "| sqlite | 2 | 1 |" in text
    assert bench_fuzz.section_of(md) is not None and "table_empty:check" in bench_fuzz.section_of(md)
