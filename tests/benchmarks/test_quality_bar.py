"""Issue 3's quality bar, judged by SDMetrics: seed each sample database at scale 1 and score it.

Not a timed test: `dbsynth seed` SQLite → SQLite, then the independent judge
(benchmarks/judge.py: SDMetrics' multi-table QualityReport with metadata from
SDV) must score at least 0.80 on the full schema, and no table may reproduce
source rows more often than a fresh half of the real data does (+2 points).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import shared_dataset_path as dataset_path  # the three-dataset bar: ../shared only
from tests.e2e.test_seed import dbsynth, ok

pytest.importorskip("sdv")  # the judge detects metadata with SDV (benchmarks only)
pytest.importorskip("sdmetrics")

QUALITY_BAR = 0.80
PRIVACY_SLACK = 0.02


@pytest.mark.datasets
@pytest.mark.slow
@pytest.mark.parametrize("name", ["chinook", "northwind", "sakila"])
def test_seeded_database_clears_the_quality_bar(name: str, tmp_path: Path) -> None:
    from benchmarks.judge import judge

    source = dataset_path(name, f"{name}.sqlite")
    target = tmp_path / f"{name}.sqlite"
    ok(dbsynth("seed", f"sqlite:///{source}", f"sqlite:///{target}", "--seed", "0"))
    result = judge(f"sqlite:///{source}", f"sqlite:///{target}")
    quality = result["quality"]
    assert not quality["empty_synthetic_tables"]
    assert quality["overall"] >= QUALITY_BAR, quality["properties"]
    for table, share in result["exact_match"].items():
        assert share["synthetic"] <= share["real_half"] + PRIVACY_SLACK, (table, share)
