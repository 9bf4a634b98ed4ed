"""`dbsynth seed --edge-cases SHARE` end to end: Chinook, SQLite → SQLite and PostgreSQL → PostgreSQL.

The output must hold every category of the source, a NULL in every nullable
column and a text at each declared maximum length (lookup tables copied
verbatim aside), with 0 constraint violations; the report shows it.
"""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import dbsynth
from dbsynth.profile.detect import profile_schema
from dbsynth.report import quality
from dbsynth.report.coverage import coverage, reference_of
from dbsynth.report.runner import load_side
from dbsynth.report.validity import validity
from tests.conftest import ROOT

CHINOOK = ROOT / "examples" / "chinook" / "chinook.sqlite"


def _coverage(real: str, synthetic: str) -> tuple[dict, int]:
    """The report's coverage section and its violation count, without the slow sections."""
    r, s = load_side(real), load_side(synthetic)
    profiles = profile_schema(schema=r.schema, frames=r.frames)
    kinds = quality.column_kinds(r.schema, profiles)
    syn = {t: f for t, f in s.frames.items() if t in r.frames}
    cov = coverage(r.schema, r.frames, syn, kinds, reference=reference_of(r.schema, profiles, []))
    return cov, validity(r.schema, syn).to_dict()["total"]


def _check(cov: dict, violations: int) -> None:
    assert violations == 0
    assert cov["categories"]["share"] == 1.0, cov["categories"]["missing"]
    assert cov["nullable"]["share"] == 1.0, cov["nullable"]["without"]
    assert cov["max_length"]["columns"] == 0 or cov["max_length"]["share"] == 1.0, cov["max_length"]["missed"]
    # a total kept equal to its lines' sum and birth dates regenerated for privacy keep their own values
    assert cov["boundaries"]["share"] >= 0.7, cov["boundaries"]["missed"]


def test_sqlite(tmp_path: Path) -> None:
    target = tmp_path / "edge.sqlite"
    dbsynth.seed(f"sqlite:///{CHINOOK}", f"sqlite:///{target}", seed=0, edge_cases=0.05)
    cov, violations = _coverage(f"sqlite:///{CHINOOK}", f"sqlite:///{target}")
    _check(cov, violations)
    assert cov["max_length"]["columns"] > 0  # Chinook's NVARCHAR(n) columns
    with sqlite3.connect(target) as con:
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []


def test_postgres(pg_dataset, pg_databases) -> None:  # noqa: ANN001
    source = pg_dataset("chinook")
    target = pg_databases.create("edge")
    result = dbsynth.seed(source, target, seed=0, edge_cases=0.05)
    assert result.load.orphans and all(v == 0 for v in result.load.orphans.values())
    cov, violations = _coverage(source, target)
    _check(cov, violations)
    assert cov["max_length"]["columns"] > 0


def test_cli_option_and_report_section(tmp_path: Path) -> None:
    """`dbsynth sample --edge-cases` on a saved model; `dbsynth report` writes the coverage section."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    cli = [sys.executable, "-m", "dbsynth.cli"]
    model, out = tmp_path / "model", tmp_path / "rows"
    run = lambda *a: subprocess.run([*cli, *a], capture_output=True, text=True, cwd=ROOT, env=env, timeout=600)  # noqa: E731
    assert run("fit", f"sqlite:///{CHINOOK}", "--out", str(model)).returncode == 0
    bad = run("sample", str(model), "--out", str(out), "--edge-cases", "1.5")
    assert bad.returncode == 2 and "--edge-cases" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
    done = run("sample", str(model), "--out", str(out), "--edge-cases", "0.05")
    assert done.returncode == 0, done.stderr
    report = run("report", f"sqlite:///{CHINOOK}", str(out), "--json", str(tmp_path / "r.json"),
                 "--html", str(tmp_path / "r.html"))
    assert "edge-case coverage: categories present 100%" in report.stdout, report.stdout[-2000:] + report.stderr
    doc = json.loads((tmp_path / "r.json").read_text())
    assert doc["coverage"]["nullable"]["share"] == 1.0 and doc["validity"]["total"] == 0
    assert "Edge-case coverage" in (tmp_path / "r.html").read_text()


@pytest.mark.parametrize("text", ['edge_cases = 2', 'edge_cases = "lots"'])
def test_config_key_is_checked(tmp_path: Path, text: str) -> None:
    from dbsynth.config import load_config
    from dbsynth.errors import ConfigError
    cfg = tmp_path / "c.toml"
    cfg.write_text(text + "\n")
    with pytest.raises(ConfigError, match="edge.cases"):
        load_config(cfg)
    cfg.write_text("edge_cases = 0.05\n")
    assert load_config(cfg).edge_cases == 0.05
