"""Options of fitting and sampling: what the core and every table generator are run with."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping


@dataclass(frozen=True)
class FitOptions:
    seed: int = 0
    locale: str = "en_US"
    # table -> referred table name or comma-joined FK columns (config override)
    context_fks: Mapping[str, str] = field(default_factory=dict)
    copy_tables: frozenset[str] = frozenset()  # reference tables copied verbatim
    skip_tables: frozenset[str] = frozenset()
    max_fit_rows: int | None = 200_000  # per-table subsample for fitting
    device: str = "auto"  # neural engine: auto | cpu | cuda
    max_training_time: float | None = None  # neural engine: seconds for all tables together


@dataclass(frozen=True)
class SampleOptions:
    seed: int = 0
    scale: float = 1.0
    row_counts: Mapping[str, int] = field(default_factory=dict)  # explicit counts (children: sample/child_rows.py)
    batch_rows: int = 50_000  # root rows per batch (memory bound)
    key_offsets: Mapping[str, int] = field(default_factory=dict)  # append mode: integer PKs start at offset+1
    # append --only: the target rows the drawn tables attach to (a sample/given.py GivenRows; None: draw all)
    given: Any = None
