"""The Python API (dbsynth.inspect/fit/sample/load/seed/report) on the bundled Chinook SQLite."""
from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import dbsynth
from dbsynth.errors import ConfigError, DbsynthError
from tests.conftest import ROOT

CHINOOK = ROOT / "examples" / "chinook" / "chinook.sqlite"
SOURCE = f"sqlite:///{CHINOOK}"


def _count(path: Path, table: str) -> int:
    with sqlite3.connect(path) as con:
        return con.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]


@pytest.fixture(scope="module")
def fitted(tmp_path_factory: pytest.TempPathFactory) -> dbsynth.FitResult:
    return dbsynth.fit(SOURCE, out=tmp_path_factory.mktemp("model"), seed=3)


def test_import_is_light() -> None:
    code = ("import sys, dbsynth; heavy = [m for m in ('torch', 'pandas', 'sqlalchemy') if m in sys.modules];"
            "print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"
    assert set(dbsynth.__all__) >= {"inspect", "fit", "sample", "load", "seed", "report"}


def test_inspect() -> None:
    info = dbsynth.inspect(SOURCE)
    assert isinstance(info, dbsynth.InspectResult)
    assert len(info.tables) == 11
    assert info.tables.index("Artist") < info.tables.index("Album") < info.tables.index("Track")
    assert info.schema.table("Invoice").row_count == 412
    assert '"InvoiceLine"' in info.to_json()
    profiled = dbsynth.inspect(SOURCE, profile=True)
    kinds = {c.name: c.semantic.value for c in profiled.profiles["Customer"].columns}
    assert kinds["Email"] == "pii"


def test_fit(fitted: dbsynth.FitResult) -> None:
    assert isinstance(fitted, dbsynth.FitResult)
    assert fitted.path is not None and (fitted.path / "manifest.json").exists()
    assert {t.name for t in fitted.schema.data_tables} == set(dbsynth.inspect(SOURCE).tables)
    assert fitted.seconds["fit"] > 0


def test_sample_in_memory_and_to_folder(fitted: dbsynth.FitResult, tmp_path: Path) -> None:
    mem = dbsynth.sample(fitted, seed=1)
    assert isinstance(mem, dbsynth.SampleResult) and mem.path is None
    assert isinstance(mem.tables["Track"], pd.DataFrame)
    assert mem.rows["Artist"] == len(mem.tables["Artist"]) == 275  # roots keep the source's count at scale 1
    # every synthetic album points at a synthetic artist
    assert mem.tables["Album"]["ArtistId"].isin(mem.tables["Artist"]["ArtistId"]).all()
    saved = dbsynth.sample(fitted.path, out=tmp_path / "rows", seed=1, fmt="csv")
    assert saved.path == tmp_path / "rows" and (saved.path / "manifest.json").exists()
    assert saved.rows == mem.rows  # same model, same seed: same rows, folder or not
    assert mem.validation["totals"]["dropped"] == 0 and mem.lost == []


def test_load(fitted: dbsynth.FitResult, tmp_path: Path) -> None:
    folder = dbsynth.sample(fitted, out=tmp_path / "rows").path
    target = tmp_path / "staging.sqlite"
    done = dbsynth.load(folder, f"sqlite:///{target}")
    assert isinstance(done, dbsynth.LoadResult)
    assert done.rows["Invoice"] == _count(target, "Invoice") > 0
    assert sum(done.orphans.values()) == 0 and done.drift == []
    with pytest.raises(DbsynthError):  # --mode fail: the target now holds rows
        dbsynth.load(folder, f"sqlite:///{target}")


def test_seed(tmp_path: Path) -> None:
    target = tmp_path / "seeded.sqlite"
    done = dbsynth.seed(SOURCE, f"sqlite:///{target}", seed=5, scale=0.5)
    assert isinstance(done, dbsynth.SeedResult)
    assert done.rows["Artist"] == _count(target, "Artist") == round(275 * 0.5)
    assert done.load.schema_action == "created"
    assert done.total_seconds >= sum(done.seconds.values()) - 1e-6
    with pytest.raises(DbsynthError, match="source"):  # the source is never a target
        dbsynth.seed(SOURCE, SOURCE)
    with pytest.raises(ConfigError):
        dbsynth.seed(SOURCE, f"sqlite:///{tmp_path / 'x.sqlite'}", engine="copulla")


def test_report(tmp_path: Path) -> None:
    target = tmp_path / "seeded.sqlite"
    dbsynth.seed(SOURCE, f"sqlite:///{target}", seed=2)
    rep = dbsynth.report(SOURCE, f"sqlite:///{target}", json=tmp_path / "r.json", min_quality=0.5)
    assert isinstance(rep, dbsynth.ReportResult)
    assert rep.passed and rep.violations == 0 and 0.5 < rep.overall <= 1
    assert rep.written == [str(tmp_path / "r.json")] and (tmp_path / "r.json").exists()
    strict = dbsynth.report(SOURCE, f"sqlite:///{target}", min_quality=1.0)
    assert not strict.passed and "below" in strict.failures[0]
