"""The fuzzer's CI budget: fixed seeds, each schema seeded SQLite → SQLite and PostgreSQL → PostgreSQL.

Each must exit 0, keep every table within tolerance of its planned row count
and leave 0 violations as checked by the target database (see dbsynth/fuzz/check.py).
A failure names its seed; reproduce it with
`python -m benchmarks fuzz --seed SEED --schemas 1` (the JSON it writes holds the DDL).
DBSYNTH_FUZZ_SCHEMAS changes the budget (default 50).
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from dbsynth.fuzz.generate import Options
from dbsynth.fuzz.runner import iterate

BUDGET = int(os.environ.get("DBSYNTH_FUZZ_SCHEMAS", "50"))
FIRST_SEED = 20_000  # the long manual run starts at 0; CI stays on its own seeds
CI_OPTIONS = Options(max_tables=12, max_rows=120)  # every feature, smaller tables: the budget fits a few minutes
RUN_TIMEOUT_S = 30  # a passing run takes 1-3 s; a hang is a failure, not a stalled CI


@pytest.mark.fuzz
@pytest.mark.postgres
@pytest.mark.timeout(1800)
def test_fuzz_budget_seeds_every_schema_on_both_dialects(pg_admin_url: str, tmp_path: Path) -> None:
    seeds = list(range(FIRST_SEED, FIRST_SEED + BUDGET))
    outcomes = []
    for o in iterate(seeds, ("sqlite", "postgresql"), pg_admin_url=pg_admin_url, options=CI_OPTIONS,
                     workdir=tmp_path, timeout_s=RUN_TIMEOUT_S):
        outcomes.append(o)
        print(f"ok   seed {o.seed} [{o.dialect}] {o.seconds}s" if o.ok else f"FAIL {o.line()}")  # shown with -s
    assert len(outcomes) == 2 * BUDGET
    failed = [o for o in outcomes if not o.ok]
    lines = "\n".join(o.line() for o in failed)
    assert len(failed) == 0, (f"{len(failed)} of {len(outcomes)} fuzz runs failed "
                        f"(reproduce: python -m benchmarks fuzz --seed SEED --schemas 1 --max-tables 12 "
                        f"--max-rows 120):\n{lines}")
