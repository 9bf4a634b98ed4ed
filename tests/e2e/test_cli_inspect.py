"""`dbsynth inspect` end to end, as a user runs it (a real subprocess)."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PASSWORD, PASSWORD_ROLE, ROOT, dataset_path

MERMAID_TOOLS = ROOT / "tests" / "tools"


def dbsynth(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dbsynth.cli", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)


def inspect_json(url: str, *extra: str) -> dict:
    out = dbsynth("inspect", url, "--format", "json", *extra)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def _edges(doc: dict, child: str, parent: str) -> list[dict]:
    table = next(t for t in doc["tables"] if t["name"] == child)
    return [fk for fk in table["foreign_keys"] if fk["referred_table"] == parent]


@pytest.mark.datasets
def test_sakila_sqlite_json() -> None:
    doc = inspect_json(f"sqlite:///{dataset_path('sakila', 'sakila.sqlite')}")
    assert len(doc["tables"]) == 16
    assert ["staff", "store"] in doc["cycles"]
    breaks = [d for d in doc["plan"]["deferred"] if {d["table"], d["referred_table"]} == {"staff", "store"}]
    assert len(breaks) == 1 and breaks[0]["strategy"] == "pragma_defer"
    film_language = _edges(doc, "film", "language")
    assert sorted(fk["columns"][0] for fk in film_language) == ["language_id", "original_language_id"]
    assert sum(t["row_count"] for t in doc["tables"]) == 47273
    order = doc["plan"]["order"]
    assert order.index("language") < order.index("film") < order.index("film_actor")
    rental = next(t for t in doc["tables"] if t["name"] == "rental")
    assert set(rental) >= {"name", "columns", "primary_key", "foreign_keys", "unique", "checks", "row_count"}


@pytest.mark.datasets
@pytest.mark.postgres
def test_sakila_postgres_json(pg_dataset) -> None:
    doc = inspect_json(pg_dataset("sakila"))
    assert len(doc["tables"]) == 15  # film_text exists only in the SQLite port
    assert doc["enums"]["mpaa_rating"] == ["G", "PG", "PG-13", "R", "NC-17"]
    year = doc["domains"]["year"]
    assert "1901" in " ".join(year["checks"]) and "2155" in " ".join(year["checks"])
    partitions = {p["name"]: p["parent"] for p in doc["partitions"]}
    assert partitions == {f"payment_p2007_0{i}": "payment" for i in range(1, 7)}
    breaks = [d for d in doc["plan"]["deferred"] if {d["table"], d["referred_table"]} == {"staff", "store"}]
    assert len(breaks) == 1 and breaks[0]["strategy"] == "drop_readd"
    assert len(_edges(doc, "film", "language")) == 2


@pytest.mark.datasets
def test_text_format_lists_plan() -> None:
    out = dbsynth("inspect", f"sqlite:///{dataset_path('chinook', 'chinook.sqlite')}")
    assert out.returncode == 0, out.stderr
    assert "Load order" in out.stdout and "Self-reference" in out.stdout and "InvoiceLine" in out.stdout


def _mermaid_ok(text: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    if not (MERMAID_TOOLS / "node_modules" / "mermaid").exists() or not shutil.which("node"):
        pytest.skip("mermaid checker not installed (npm install --prefix tests/tools)")
    path = tmp_path / "diagram.mmd"
    path.write_text(text)
    return subprocess.run(["node", str(MERMAID_TOOLS / "mermaid_check.mjs"), str(path)],
                          capture_output=True, text=True, timeout=120)


@pytest.mark.datasets
@pytest.mark.parametrize("name,file", [("northwind", "northwind.sqlite"), ("sakila", "sakila.sqlite")])
def test_mermaid_parses(name: str, file: str, tmp_path: Path) -> None:
    out = dbsynth("inspect", f"sqlite:///{dataset_path(name, file)}", "--format", "mermaid")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("erDiagram")
    check = _mermaid_ok(out.stdout, tmp_path)
    assert check.returncode == 0 and check.stdout.startswith("OK"), check.stdout + check.stderr
    broken = _mermaid_ok(out.stdout.replace("{", "{{", 1), tmp_path)
    assert broken.returncode != 0  # the checker really parses


@pytest.mark.datasets
def test_dot_format() -> None:
    out = dbsynth("inspect", f"sqlite:///{dataset_path('sakila', 'sakila.sqlite')}", "--format", "dot")
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("digraph") and out.stdout.count("->") == 22
    assert "style=dashed" in out.stdout  # the store ↔ staff cycle break


def _assert_one_line_error(out: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert out.returncode != 0
    lines = [ln for ln in out.stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), out.stderr
    assert "Traceback" not in out.stderr + out.stdout
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_missing_sqlite_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.db"
    _assert_one_line_error(dbsynth("inspect", f"sqlite:///{missing}"), "nope.db")
    assert not missing.exists()


def test_unknown_dialect() -> None:
    _assert_one_line_error(dbsynth("inspect", "postgress://u:pw@localhost/db"), "postgress", "postgresql")


@pytest.mark.postgres
def test_wrong_password_is_masked(pg_admin_url: str) -> None:
    host = pg_admin_url.split("@", 1)[1].rsplit("/", 1)[0]
    secret = PASSWORD + "-wrong"
    out = dbsynth("inspect", f"postgresql://{PASSWORD_ROLE}:{secret}@{host}/postgres")
    _assert_one_line_error(out, PASSWORD_ROLE)
    assert secret not in out.stderr + out.stdout


def test_unreachable_host_is_masked() -> None:
    out = dbsynth("inspect", "postgresql://bob:hunter2@127.0.0.1:1/db")
    _assert_one_line_error(out, "127.0.0.1")
    assert "hunter2" not in out.stderr + out.stdout


@pytest.mark.postgres
def test_missing_schema(pg_databases) -> None:
    url = pg_databases.create(sql="CREATE TABLE t (id int primary key)")
    _assert_one_line_error(dbsynth("inspect", url, "--schema", "nosuch"), "nosuch")


def test_debug_shows_traceback(tmp_path: Path) -> None:
    out = dbsynth("--debug", "inspect", f"sqlite:///{tmp_path / 'missing.db'}")
    assert out.returncode != 0 and "Traceback" in out.stderr
