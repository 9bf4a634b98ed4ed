"""What `dbsynth subset` prints: rows per table (of the source's), what was whole, what was masked."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

    from dbsynth.subset.run import SubsetResult


def print_subset(console: "Console", err_console: "Console", result: "SubsetResult") -> None:
    from dbsynth.summary import print_load_summary
    if result.key_generated:  # printed once, on stderr: pass it back with --mask-key for the same values
        err_console.print(f"mask key: {result.mask_key} (pass --mask-key to mask the same way again)",
                          markup=False, highlight=False, soft_wrap=True)
    for line in result.warnings:
        console.print(f"[yellow]warning[/yellow]: {line}", highlight=False, soft_wrap=True)
    total = sum(result.rows.values())
    console.print(f"subset: {total} rows in {len(result.rows)} tables ({result.seconds:.1f}s)", highlight=False)
    for name in sorted(result.rows):
        note = " (reference table, whole)" if name in result.reference_tables else ""
        note += " (root)" if name in result.root_tables else ""
        console.print(f"  {name}: {result.rows[name]} of {result.source_rows.get(name, 0)}{note}", highlight=False)
    if result.root_tables:
        console.print(f"--percent sampled the root tables {', '.join(result.root_tables)}; rows that other "
                      "selected rows need were added to them", highlight=False, soft_wrap=True)
    if result.mask_key is None:
        console.print("[yellow]masking off[/yellow] (--no-mask): PII and free text copied as they are")
    else:
        cols = ", ".join(f"{m.table}.{m.column}" for m in result.masked) or "none"
        console.print(f"masked {len(result.masked)} column(s): {cols}", highlight=False, soft_wrap=True)
    if result.remapped:
        domains = ", ".join(f"{t}.{c}" for t, c in sorted(result.remapped))
        console.print(f"keys renumbered (--remap-keys) in {len(result.remapped)} key column(s) and every FK "
                      f"to them: {domains}", highlight=False, soft_wrap=True)
    print_load_summary(console, result.summary)
