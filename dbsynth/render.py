"""Renderings of a reflected schema and its load plan: JSON, text, Mermaid, Graphviz dot."""
from __future__ import annotations

import json
import re
from typing import Any

from rich.console import Console
from rich.table import Table as RichTable

from dbsynth.schema.graph import LoadPlan, fk_graph
from dbsynth.schema.model import ForeignKey, Schema, Table, TableKind
from dbsynth.schema.serde import to_dict


def _fk_doc(fk: ForeignKey) -> dict[str, Any]:
    return {
        "name": fk.name, "columns": list(fk.columns), "referred_table": fk.referred_table,
        "referred_columns": list(fk.referred_columns), "nullable": fk.nullable,
        "on_delete": fk.on_delete, "deferrable": fk.deferrable, "references_unique": fk.references_unique,
    }


def _table_doc(table: Table) -> dict[str, Any]:
    return {
        "name": table.name, "schema": table.schema, "kind": table.kind.value,
        "parent_table": table.parent_table, "row_count": table.row_count,
        "columns": [to_dict(c) for c in table.columns],
        "primary_key": list(table.pk_columns),
        "foreign_keys": [_fk_doc(fk) for fk in table.foreign_keys],
        "unique": [list(u.columns) for u in table.unique_constraints],
        "checks": [c.sqltext for c in table.checks],
        "indexes": [to_dict(i) for i in table.indexes],
        "triggers": [t.name for t in table.triggers],
    }


def plan_doc(plan: LoadPlan) -> dict[str, Any]:
    edge = lambda e: {"table": e.table, "columns": list(e.columns), "referred_table": e.referred_table,  # noqa: E731
                      "strategy": e.strategy.value, "constraint": e.constraint}
    return {"order": list(plan.order), "deferred": [edge(e) for e in plan.deferred],
            "self_references": [edge(e) for e in plan.self_references], "skipped": list(plan.skipped)}


def inspect_document(schema: Schema, plan: LoadPlan) -> dict[str, Any]:
    """The stable JSON shape of `dbsynth inspect --format json`."""
    data = [t for t in schema.tables if t.kind == TableKind.TABLE]
    return {
        "dialect": schema.dialect, "schema": schema.name,
        "tables": [_table_doc(t) for t in data],
        "views": [{"name": v.name, "definition": v.view_definition} for v in schema.tables if v.kind == TableKind.VIEW],
        "partitions": [{"name": p.name, "parent": p.parent_table, "checks": [c.sqltext for c in p.checks]}
                       for p in schema.tables if p.kind == TableKind.PARTITION],
        "enums": _enums(schema), "domains": _domains(schema),
        "cycles": [list(c) for c in plan.cycles], "plan": plan_doc(plan),
        "warnings": list(schema.warnings),
    }


def _enums(schema: Schema) -> dict[str, list[str]]:
    return {c.enum_name: list(c.enum_values) for t in schema.tables for c in t.columns if c.enum_name}


def _domains(schema: Schema) -> dict[str, dict[str, Any]]:
    return {c.domain: {"type": c.domain_type_sql, "checks": list(c.domain_checks)}
            for t in schema.tables for c in t.columns if c.domain}


def to_json(schema: Schema, plan: LoadPlan) -> str:
    return json.dumps(inspect_document(schema, plan), indent=2, default=str)


def _ident(name: str) -> str:
    """Mermaid entity / attribute names allow only word characters and hyphens."""
    out = re.sub(r"[^A-Za-z0-9_]", "_", name)
    return out if out and not out[0].isdigit() else f"t_{out}"


def _mermaid_type(type_sql: str) -> str:
    return _ident(type_sql.split("(")[0].strip().lower() or "unknown")


def to_mermaid(schema: Schema) -> str:
    """A Mermaid `erDiagram`: one entity per table, one relationship per FK."""
    lines = ["erDiagram"]
    for t in schema.data_tables:
        lines.append(f"    {_ident(t.name)} {{")
        fk_cols = {c for fk in t.foreign_keys for c in fk.columns}
        for c in t.columns:
            keys = [k for k, on in (("PK", c.name in t.pk_columns), ("FK", c.name in fk_cols)) if on]
            lines.append(f"        {_mermaid_type(c.type_sql)} {_ident(c.name)}{' ' + ','.join(keys) if keys else ''}")
        lines.append("    }")
    for t in schema.data_tables:
        for fk in t.foreign_keys:
            left = "|o" if fk.nullable else "||"
            label = ",".join(fk.columns).replace('"', "'")
            lines.append(f'    {_ident(fk.referred_table)} {left}--o{{ {_ident(t.name)} : "{label}"')
    return "\n".join(lines) + "\n"


def _dot_quote(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def to_dot(schema: Schema, plan: LoadPlan) -> str:
    """Graphviz digraph parent → child; deferred (cycle-breaking) edges dashed."""
    deferred = {(e.table, e.columns) for e in plan.deferred}
    lines = ["digraph dbsynth {", "  rankdir=LR;", "  node [shape=box];"]
    for t in schema.data_tables:
        lines.append(f"  {_dot_quote(t.name)} [label={_dot_quote(f'{t.name} ({t.row_count})' if t.row_count is not None else t.name)}];")
    for parent, child, data in fk_graph(schema).edges(data=True):
        fk: ForeignKey = data["fk"]
        style = ", style=dashed" if (child, fk.columns) in deferred else ""
        lines.append(f"  {_dot_quote(parent)} -> {_dot_quote(child)} [label={_dot_quote(','.join(fk.columns))}{style}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def print_text(schema: Schema, plan: LoadPlan, console: Console) -> None:
    """Human summary: tables with counts and keys, cycles, load plan, warnings."""
    table = RichTable(title=f"{schema.dialect} schema {schema.name or ''}".strip())
    for col in ("table", "rows", "primary key", "foreign keys", "unique / checks"):
        table.add_column(col)
    for t in schema.data_tables:
        fks = "\n".join(fk.label + (" (nullable)" if fk.nullable else "") for fk in t.foreign_keys)
        extra = [f"UNIQUE({', '.join(u.columns)})" for u in t.unique_constraints]
        extra += [f"CHECK {c.sqltext}" for c in t.checks]
        table.add_row(t.name, "" if t.row_count is None else str(t.row_count),
                      ", ".join(t.pk_columns) or "-", fks or "-", "\n".join(extra) or "-")
    console.print(table)
    _print_plan(schema, plan, console)


def _print_plan(schema: Schema, plan: LoadPlan, console: Console) -> None:
    console.print(f"[bold]Load order[/bold]: {' → '.join(plan.order)}")
    for cycle in plan.cycles:
        console.print(f"[bold]Cycle[/bold]: {' ↔ '.join(cycle)}")
    for e in plan.deferred:
        console.print(f"  break {e.table}({', '.join(e.columns)}) → {e.referred_table}: {e.strategy.value}")
    for e in plan.self_references:
        console.print(f"[bold]Self-reference[/bold]: {e.table}({', '.join(e.columns)})")
    others = [t for t in schema.tables if not t.is_data_table]
    if others:
        console.print("[bold]Not filled[/bold]: " + ", ".join(f"{t.name} ({t.kind.value}"
                      + (f" of {t.parent_table})" if t.parent_table else ")") for t in others))
    for w in schema.warnings:
        console.print(f"[yellow]warning[/yellow]: {w}")
