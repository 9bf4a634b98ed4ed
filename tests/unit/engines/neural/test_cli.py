"""`dbsynth seed/fit/sample --engine neural` through the CLI (subprocess), on Chinook and a fixture."""
from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("torch")

from tests.conftest import dataset_path  # noqa: E402
from tests.e2e.test_seed import dbsynth, fk_violations, ok, sqlite_counts  # noqa: E402
from tests.fixtures.schemas import sqlite_fixture  # noqa: E402


@pytest.mark.datasets
def test_seed_chinook_neural(tmp_path: Path) -> None:
    src = dataset_path("chinook", "chinook.sqlite")
    dst = tmp_path / "out.sqlite"
    out = ok(dbsynth("seed", f"sqlite:///{src}", f"sqlite:///{dst}", "--engine", "neural", "--seed", "1",
                     "--device", "cpu", timeout=120))
    assert "neural engine trained on cpu" in out.stdout
    assert fk_violations(dst) == []
    source, target = sqlite_counts(src), sqlite_counts(dst)
    for table, n in source.items():
        assert abs(target[table] - n) <= max(0.1 * n, 2), (table, n, target[table])


def test_fit_then_sample_with_budget(tmp_path: Path) -> None:
    src = sqlite_fixture("two_fks_one_parent", tmp_path)
    out = ok(dbsynth("fit", f"sqlite:///{src}", "-o", str(tmp_path / "m"), "--engine", "neural",
                     "--max-training-time", "5", "--device", "auto"))
    assert "neural engine trained on" in out.stdout
    ok(dbsynth("sample", str(tmp_path / "m"), "-o", str(tmp_path / "rows"), "--seed", "2"))
    assert any((tmp_path / "rows").iterdir())


@pytest.mark.parametrize("args, message", [
    (["--max-training-time", "0"], "--max-training-time must be a positive"),
    (["--device", "tpu"], "unknown device 'tpu'"),
])
def test_bad_options_are_one_line_errors(tmp_path: Path, args: list[str], message: str) -> None:
    src = sqlite_fixture("chain", tmp_path)
    out = dbsynth("fit", f"sqlite:///{src}", "-o", str(tmp_path / "m"), "--engine", "neural", *args)
    assert out.returncode != 0
    assert out.stderr.startswith("error: ") and message in out.stderr, out.stderr
