"""`dbsynth seed --edge-cases SHARE` end to end: Chinook (SQLite and PostgreSQL), Sakila and Northwind.

The output must hold every category of the source, a NULL in every nullable
column and a text at each declared maximum length (lookup tables copied
verbatim aside), with 0 constraint violations; the report shows it. On Sakila
and Northwind the three are also read straight off the SQLite files (declared
VARCHAR(n) and NOT NULL from PRAGMA table_info), and the only goals the
report exempts are the two that cannot be met: film.rating's CHECK allows 5
of its 10 characters, and Northwind's nine employees hold nine extensions
and a NULL only by giving one extension up.
"""
from __future__ import annotations

import json
import os
import re
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
from tests.conftest import ROOT, shared_dataset_path

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


EXEMPT = {  # the goals that cannot be met, as the report words them
    "sakila": {"max_length": ["film.rating (10): a CHECK allows at most 5 characters"]},
    "northwind": {"categories": ["Employees.Extension: 1 category (9 rows cannot hold 9 source categories and a NULL)"]},
}


def read_off(source: Path, target: Path) -> dict[str, dict[str, list[str]]]:
    """The three goals read off the two SQLite files: per goal, the columns (or categories) met and missed.

    Declared lengths and NOT NULL come from PRAGMA table_info, categories from the columns dbsynth profiles
    as categorical; lookup tables the fit copies verbatim and tables empty in the source are left out.
    """
    r = load_side(f"sqlite:///{source}")
    profiles = profile_schema(schema=r.schema, frames=r.frames)
    kinds = quality.column_kinds(r.schema, profiles)
    copied = reference_of(r.schema, profiles, [])
    out: dict[str, dict[str, list[str]]] = {k: {"met": [], "missed": []} for k in ("categories", "nullable", "max_length")}
    with sqlite3.connect(source) as src, sqlite3.connect(target) as syn:
        for (table,) in src.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"):
            if table in copied or not src.execute(f'SELECT 1 FROM "{table}" LIMIT 1').fetchall():
                continue  # a copied lookup table is the source's own; an empty one (CustomerDemographics) stays empty
            for _, col, declared, notnull, _, pk in src.execute(f'PRAGMA table_info("{table}")'):
                values = [v for (v,) in syn.execute(f'SELECT "{col}" FROM "{table}"')]
                if kinds.get(table, {}).get(col) == "categorical":
                    present = {str(v) for v in values}
                    for (v,) in src.execute(f'SELECT DISTINCT "{col}" FROM "{table}" WHERE "{col}" IS NOT NULL'):
                        out["categories"]["met" if str(v) in present else "missed"].append(f"{table}.{col} = {v!r}")
                if not notnull and not pk:
                    out["nullable"]["met" if None in values else "missed"].append(f"{table}.{col}")
                size = re.fullmatch(r"\s*N?VARCHAR\s*\(\s*(\d+)\s*\)\s*", declared, re.IGNORECASE)
                if size and not pk:
                    longest = max((len(str(v)) for v in values if v is not None), default=0)
                    out["max_length"]["met" if longest >= int(size[1]) else "missed"].append(f"{table}.{col}")
    return out


@pytest.mark.parametrize("name", ["sakila", "northwind"])
def test_sakila_and_northwind_reach_every_corner_they_can(tmp_path: Path, name: str) -> None:
    source = shared_dataset_path(name, f"{name}.sqlite")
    target = tmp_path / f"{name}.sqlite"
    dbsynth.seed(f"sqlite:///{source}", f"sqlite:///{target}", seed=0, edge_cases=0.05)
    cov, violations = _coverage(f"sqlite:///{source}", f"sqlite:///{target}")
    assert violations == 0
    with sqlite3.connect(target) as con:
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    for goal in ("categories", "nullable", "max_length"):
        assert cov[goal]["exempt"] == EXEMPT[name].get(goal, []), goal
        assert cov[goal]["share"] in (1.0, None), cov[goal]
    found = read_off(source, target)
    exempt = {e.split(":")[0].split(" (")[0] for goals in EXEMPT[name].values() for e in goals}
    for goal, got in found.items():
        assert got["met"] or goal == "max_length", goal  # Northwind's SQLite file declares TEXT, no VARCHAR(n)
        assert [m for m in got["missed"] if m.split(" = ")[0] not in exempt] == [], goal
    assert len(found["categories"]["met"]) >= cov["categories"]["present"]  # the report counts no more than is there
    assert len(found["nullable"]["met"]) == cov["nullable"]["with_null"]


def test_northwind_on_postgres_reaches_every_declared_length(pg_dataset, pg_databases) -> None:  # noqa: ANN001
    """Northwind's PostgreSQL dump declares varchar(n) lengths (its SQLite file has none): all are reached."""
    source = pg_dataset("northwind")
    target = pg_databases.create("edge_nw")
    dbsynth.seed(source, target, seed=0, edge_cases=0.05)
    cov, violations = _coverage(source, target)
    assert violations == 0
    assert cov["max_length"]["columns"] >= 40 and cov["max_length"]["share"] == 1.0, cov["max_length"]
    assert cov["nullable"]["share"] == 1.0 and cov["nullable"]["exempt"] == [], cov["nullable"]
    assert cov["max_length"]["exempt"] == []
    assert cov["categories"]["share"] == 1.0, cov["categories"]["missing"]
    # 9 employees with 9 extensions, 51 states with 51 names: a NULL (and a 100-character name) cost a category
    crowded = {e.split(":")[0] for e in cov["categories"]["exempt"]}
    assert crowded <= {"employees.extension", "us_states.state_name"} and all(
        "rows cannot hold" in e for e in cov["categories"]["exempt"])


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
