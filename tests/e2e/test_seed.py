"""`dbsynth seed` / fit / sample / load / demo end to end on real databases."""
from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import ROOT, dataset_path
from tests.fixtures.schemas import FIXTURES, postgres_fixture_sql, sqlite_fixture


def dbsynth(*args: str, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dbsynth.cli", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=timeout)


def ok(out: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert out.returncode == 0, f"stdout:\n{out.stdout[-3000:]}\nstderr:\n{out.stderr[-3000:]}"
    return out


def sqlite_counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as con:
        names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
        return {n: con.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0] for n in names}


def fk_violations(path: Path) -> list[tuple]:
    with sqlite3.connect(path) as con:
        return con.execute("PRAGMA foreign_key_check").fetchall()


def dump(path: Path) -> dict[str, pd.DataFrame]:
    with sqlite3.connect(path) as con:
        return {n: pd.read_sql(f'SELECT * FROM "{n}"', con) for n in sqlite_counts(path)}


def assert_counts_close(source: dict[str, int], target: dict[str, int], *, scale: float, rel: float) -> None:
    for table, n in source.items():
        want = n * scale
        assert abs(target.get(table, 0) - want) <= max(rel * want, 1), (table, n, target.get(table))


@pytest.mark.parametrize("fixture", FIXTURES)
def test_seed_fixture_shapes_sqlite(fixture: str, tmp_path: Path) -> None:
    src = sqlite_fixture(fixture, tmp_path)
    dst = tmp_path / "out.sqlite"
    ok(dbsynth("seed", f"sqlite:///{src}", f"sqlite:///{dst}", "--seed", "3"))
    assert fk_violations(dst) == []
    source, target = sqlite_counts(src), sqlite_counts(dst)
    for table, n in source.items():
        assert (target[table] > 0) == (n > 0), (table, n, target[table])


@pytest.mark.postgres
@pytest.mark.parametrize("fixture", ["cycle2_notnull", "cycle3_nullable", "composite", "self_reference"])
def test_seed_fixture_shapes_postgres(fixture: str, pg_databases, tmp_path: Path) -> None:
    src = pg_databases.create("src", sql=postgres_fixture_sql(fixture))
    dst = pg_databases.create("dst")
    ok(dbsynth("seed", src, dst, "--seed", "1"))
    out = ok(dbsynth("inspect", dst, "--format", "json"))
    import json
    doc = json.loads(out.stdout)
    assert all(t["row_count"] > 0 for t in doc["tables"]), doc["tables"]
    # every FK constraint of the source exists in the target, so PostgreSQL itself checked every row
    src_doc = json.loads(ok(dbsynth("inspect", src, "--format", "json")).stdout)
    fks = lambda d: sorted((t["name"], tuple(fk["columns"])) for t in d["tables"] for fk in t["foreign_keys"])  # noqa: E731
    assert fks(doc) == fks(src_doc)


@pytest.mark.datasets
@pytest.mark.slow
@pytest.mark.parametrize("name", ["chinook", "northwind", "sakila"])
def test_seed_datasets_sqlite(name: str, tmp_path: Path) -> None:
    src = dataset_path(name, f"{name}.sqlite")
    dst = tmp_path / "out.sqlite"
    out = ok(dbsynth("seed", f"sqlite:///{src}", f"sqlite:///{dst}", "--seed", "0"))
    assert fk_violations(dst) == []
    assert_counts_close(sqlite_counts(src), sqlite_counts(dst), scale=1.0, rel=0.10)
    assert "total" in out.stdout
    if name == "sakila":  # an ordering every source row keeps is kept, though no constraint declares it
        with sqlite3.connect(dst) as con:
            assert con.execute("SELECT COUNT(*) FROM rental WHERE return_date < rental_date").fetchone()[0] == 0


@pytest.mark.datasets
@pytest.mark.slow
def test_scale_three(tmp_path: Path) -> None:
    src = dataset_path("chinook", "chinook.sqlite")
    dst = tmp_path / "out.sqlite"
    ok(dbsynth("seed", f"sqlite:///{src}", f"sqlite:///{dst}", "--scale", "3"))
    source, target = sqlite_counts(src), sqlite_counts(dst)
    assert fk_violations(dst) == []
    assert abs(sum(target.values()) - 3 * sum(source.values())) <= 0.10 * 3 * sum(source.values())


@pytest.mark.datasets
def test_same_seed_same_output_and_replace(tmp_path: Path) -> None:
    src = f"sqlite:///{dataset_path('chinook', 'chinook.sqlite')}"
    a, b, c = (tmp_path / f"{x}.sqlite" for x in "abc")
    ok(dbsynth("seed", src, f"sqlite:///{a}", "--seed", "5"))
    ok(dbsynth("seed", src, f"sqlite:///{b}", "--seed", "5"))
    ok(dbsynth("seed", src, f"sqlite:///{c}", "--seed", "6"))
    da, db, dc = dump(a), dump(b), dump(c)
    for table in da:
        pd.testing.assert_frame_equal(da[table], db[table])
    assert any(not da[t].equals(dc[t]) for t in da if len(da[t]))
    # fail mode refuses a non-empty target; replace twice leaves one copy
    refused = dbsynth("seed", src, f"sqlite:///{a}", "--seed", "5")
    assert refused.returncode != 0 and refused.stderr.startswith("error: ") and "Traceback" not in refused.stderr
    before = sqlite_counts(a)
    ok(dbsynth("seed", src, f"sqlite:///{a}", "--seed", "5", "--mode", "replace"))
    ok(dbsynth("seed", src, f"sqlite:///{a}", "--seed", "5", "--mode", "replace"))
    assert sqlite_counts(a) == before
    assert fk_violations(a) == []


@pytest.mark.datasets
@pytest.mark.postgres
@pytest.mark.slow
def test_sakila_postgres_to_postgres(pg_dataset, pg_databases) -> None:
    from sqlalchemy import create_engine, text
    src = pg_dataset("sakila")
    dst = pg_databases.create("sakila_syn")
    ok(dbsynth("seed", src, dst, "--seed", "2"))
    engine = create_engine(dst.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as con:
        counts = {t: con.execute(text(f'SELECT COUNT(*) FROM "{t}"')).scalar() for t in ("film", "rental", "payment", "store", "staff")}
        fks = con.execute(text("SELECT COUNT(*) FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid "
                               "JOIN pg_namespace n ON n.oid = r.relnamespace WHERE c.contype = 'f' AND n.nspname = 'public'")).scalar()
        not_valid = con.execute(text("SELECT COUNT(*) FROM pg_constraint WHERE NOT convalidated")).scalar()
        # the application can insert after the load: sequences were advanced
        con.execute(text("INSERT INTO actor (first_name, last_name) VALUES ('NEW', 'ACTOR')"))
        con.rollback()
    engine.dispose()
    assert counts["store"] == 2 and counts["staff"] == 2
    assert abs(counts["film"] - 1000) <= 100 and abs(counts["rental"] - 16044) <= 1605
    # 22 FKs between the 15 data tables (the 6 empty inheritance partitions are not cloned)
    assert fks == 22 and not_valid == 0


@pytest.mark.datasets
def test_fit_sample_load_steps(tmp_path: Path) -> None:
    src = f"sqlite:///{dataset_path('chinook', 'chinook.sqlite')}"
    model, out, dst = tmp_path / "model", tmp_path / "rows", tmp_path / "dst.sqlite"
    ok(dbsynth("fit", src, "-o", str(model), "--seed", "4"))
    assert (model / "manifest.json").exists()
    assert not list(model.rglob("*.pkl")) and not list(model.rglob("*.pickle"))
    ok(dbsynth("sample", str(model), "-o", str(out), "--seed", "4"))
    assert (out / "manifest.json").exists()
    ok(dbsynth("load", str(out), f"sqlite:///{dst}"))
    assert fk_violations(dst) == []
    assert sqlite_counts(dst)["Invoice"] > 0


def test_demo_runs(tmp_path: Path) -> None:
    target = tmp_path / "demo.sqlite"
    out = ok(dbsynth("demo", "--out", str(target)))
    assert str(target) in out.stdout.replace("\n", "")
    counts = sqlite_counts(target)
    assert counts["Invoice"] > 0 and counts["InvoiceLine"] > 0
    assert fk_violations(target) == []


def test_bad_config_and_engine(tmp_path: Path) -> None:
    src = tmp_path / "src.sqlite"
    sqlite_fixture("chain", tmp_path)  # creates a file named after the fixture
    src = next(tmp_path.glob("*.sqlite"))
    cfg = tmp_path / "bad.toml"
    cfg.write_text("[tables.nosuch]\nrows = 3\n")
    out = dbsynth("seed", f"sqlite:///{src}", f"sqlite:///{tmp_path / 'o.db'}", "--config", str(cfg))
    assert out.returncode != 0 and out.stderr.startswith("error: ") and "nosuch" in out.stderr
    out = dbsynth("seed", f"sqlite:///{src}", f"sqlite:///{tmp_path / 'o.db'}", "--engine", "copulla")
    assert out.returncode != 0 and "copula" in out.stderr and "Traceback" not in out.stderr
