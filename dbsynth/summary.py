"""Final summary tables: rows per table, seconds per stage, violations, load verification."""
from __future__ import annotations

from typing import Any, Mapping

from rich.console import Console
from rich.table import Table as RichTable


def print_summary(console: Console, *, rows: Mapping[str, int], seconds: Mapping[str, float],
                  validation: Any, total: float | None = None) -> None:
    table = RichTable(title="Synthetic rows")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, n in rows.items():
        table.add_row(name, f"{n:,}")
    table.add_row("[bold]total[/bold]", f"[bold]{sum(rows.values()):,}[/bold]")
    console.print(table)
    console.print("Seconds per stage: " + stage_seconds_line(seconds, total), highlight=False)
    data = validation.to_dict() if hasattr(validation, "to_dict") else dict(validation or {})
    console.print("Constraint checks: " + _validation_line(data))
    if hasattr(validation, "rows_in"):  # never silent: every table that lost rows is named
        from dbsynth.pipeline import loss_lines
        for line in loss_lines(validation, getattr(validation, "planned", {})):
            console.print(f"[yellow]rows lost[/yellow]: {line}", highlight=False)


def stage_seconds_line(seconds: Mapping[str, float], total: float | None = None) -> str:
    """`reflect 0.10, fit 1.20, …, other 0.05; total 1.35`: the parts add up to the total.

    `other` is the wall time outside the named stages (connecting, preflight
    checks, saving the model); without a total the stages are summed.
    """
    parts = {k: max(float(v), 0.0) for k, v in seconds.items()}
    named = sum(parts.values())
    if total is None:
        total = named
    elif total - named >= 0.005:
        parts["other"] = total - named
    total = max(total, sum(parts.values()))
    return ", ".join(f"{k} {v:.2f}" for k, v in parts.items()) + f"; total {total:.2f}"


def _validation_line(data: Mapping[str, Any]) -> str:
    totals = data.get("totals", data)
    parts = [f"{k} {v}" for k, v in totals.items() if isinstance(v, (int, float))]
    return ", ".join(parts) or "no violations"


def print_load_summary(console: Console, summary: Any, *, seconds: float | None = None) -> None:
    """What the load did, in a few lines; problems named, clean checks summed up.

    `seconds` replaces the loader's own clock where the rows streamed in from
    the sampler (seed), so the line agrees with the `load` stage above it.
    """
    d = summary.to_dict() if hasattr(summary, "to_dict") else dict(summary)
    took = d.get("seconds", 0) if seconds is None else seconds
    console.print(f"Loaded {sum(d.get('rows', {}).values()):,} rows into {d['target']} "
                  f"(mode {d['mode']}, {d.get('writer')}, schema {d.get('schema_action')}) in {took:.2f}s")
    if d.get("triggers"):
        console.print(f"Triggers: {d['triggers']}")
    if d.get("views_created") or d.get("views_skipped"):
        console.print(f"Views: {len(d.get('views_created', []))} re-created (never filled)"
                      + (f", skipped: {', '.join(d['views_skipped'])}" if d.get("views_skipped") else ""))
    if d.get("sequences_reset"):
        console.print(f"Sequences advanced: {len(d['sequences_reset'])}")
    _print_checks(console, "orphan FK rows", d.get("orphans", {}))
    _print_checks(console, "duplicate keys", d.get("duplicates", {}))
    for line in d.get("drift", []):
        console.print(f"[yellow]drift[/yellow]: {line}")
    for line in d.get("warnings", []):
        console.print(f"[yellow]warning[/yellow]: {line}")


def _print_checks(console: Console, label: str, counts: Mapping[str, int]) -> None:
    bad = {k: v for k, v in counts.items() if v}
    if bad:
        console.print(f"[red]Verification: {label}[/red]: " + ", ".join(f"{k} {v}" for k, v in bad.items()))
    else:
        console.print(f"Verification: {label}: 0 (checked {len(counts)})")
