"""Command bodies behind the CLI: plain functions, testable without typer."""
from __future__ import annotations

from contextlib import closing
from typing import TYPE_CHECKING

from rich.console import Console

from dbsynth import render
from dbsynth.schema.graph import build_plan

if TYPE_CHECKING:
    from dbsynth.schema.model import Schema


def reflect(url: str, *, schema: str | None = None, row_counts: bool = True) -> "Schema":
    """Reflect `url` through its read-only connector."""
    from connectors.base import open_connector
    with closing(open_connector(url, read_only=True)) as conn:
        return conn.reflect(schema=schema, row_counts=row_counts)


def inspect(*, url: str, schema: str | None, fmt: str, profile: bool, config_path: str | None,
            console: Console) -> None:
    reflected = reflect(url, schema=schema)
    plan = build_plan(reflected)
    if fmt == "json":
        console.out(render.to_json(reflected, plan), highlight=False)
    elif fmt == "mermaid":
        console.out(render.to_mermaid(reflected), highlight=False)
    elif fmt == "dot":
        console.out(render.to_dot(reflected, plan), highlight=False)
    else:
        render.print_text(reflected, plan, console)
    if profile:
        _print_profiles(url, reflected, config_path, console)


def _print_profiles(url: str, schema: "Schema", config_path: str | None, console: Console) -> None:
    from rich.table import Table as RichTable

    from dbsynth.config import load_config
    from dbsynth.pipeline import profile_source
    profiles = profile_source(url, schema, load_config(config_path))
    for name, prof in profiles.items():
        table = RichTable(title=f"{name} ({prof.rows} rows)")
        for col in ("column", "semantic type", "nulls", "distinct", "why"):
            table.add_column(col)
        for c in prof.columns:
            kind = c.semantic.value + (f":{c.pii_kind.value}" if c.pii_kind else "")
            table.add_row(c.name, kind, f"{c.null_rate:.0%}", str(c.distinct), c.reason)
        console.print(table)
