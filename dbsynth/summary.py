"""Final summary tables: rows per table, seconds per stage, violations, load verification."""
from __future__ import annotations

from typing import Any, Mapping

from rich.console import Console
from rich.table import Table as RichTable


def print_summary(console: Console, *, rows: Mapping[str, int], seconds: Mapping[str, float],
                  validation: Any) -> None:
    table = RichTable(title="Synthetic rows")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, n in rows.items():
        table.add_row(name, f"{n:,}")
    table.add_row("[bold]total[/bold]", f"[bold]{sum(rows.values()):,}[/bold]")
    console.print(table)
    console.print("Seconds per stage: " + ", ".join(f"{k} {v:.2f}" for k, v in seconds.items()))
    data = validation.to_dict() if hasattr(validation, "to_dict") else dict(validation or {})
    console.print("Constraint checks: " + _validation_line(data))


def _validation_line(data: Mapping[str, Any]) -> str:
    totals = data.get("totals", data)
    parts = [f"{k} {v}" for k, v in totals.items() if isinstance(v, (int, float))]
    return ", ".join(parts) or "no violations"


def print_load_summary(console: Console, summary: Any) -> None:
    data = summary.to_dict() if hasattr(summary, "to_dict") else dict(summary)
    skip = {"rows"}
    for key, value in data.items():
        if key in skip or value in (None, [], {}, ""):
            continue
        console.print(f"{key.replace('_', ' ')}: {value}")
