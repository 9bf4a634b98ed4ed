"""The command line's front door: --version, help text, usage errors, -v, the stage-seconds line."""
from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from dbsynth import __version__
from dbsynth.summary import stage_seconds_line
from tests.conftest import ROOT


def dbsynth(*args: str, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "dbsynth.cli", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=timeout, env={**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"})


def test_version() -> None:
    out = dbsynth("--version")
    assert out.returncode == 0 and out.stdout.strip() == f"dbsynth {__version__}"


def test_python_dash_m_runs_the_same_command_line() -> None:
    out = subprocess.run([sys.executable, "-m", "dbsynth", "--version"], capture_output=True, text=True, cwd=ROOT,
                         timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.returncode == 0 and out.stdout.strip() == f"dbsynth {__version__}"


@pytest.mark.parametrize("command", ["inspect", "fit", "sample", "load", "seed", "report", "demo", "subset"])
def test_help_reads_like_git(command: str) -> None:
    out = dbsynth(command, "--help")
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "<bool>" not in text and "<str>" not in text and "{" not in text.splitlines()[0], text
    if command == "seed":
        assert text.startswith("Usage: ") and "seed [OPTIONS] SOURCE TARGET" in text.splitlines()[0]
        assert re.search(r"--engine \[copula\|neural\]", text)
        assert re.search(r"--allow-drops\s+Accept", text)  # a flag: no value shown after it
        assert "--mode [fail|append|replace]" in text and "--seed N" in text
    if command == "subset":
        assert "subset [OPTIONS] SOURCE TARGET" in text.splitlines()[0]
        assert "--where" in text and "--percent P" in text and "--mask / --no-mask" in text and "--mask-key KEY" in text


@pytest.mark.parametrize("args, needle", [
    (["seed", "--bogus", "a", "b"], "no such option: --bogus"),
    (["seed", "sqlite:///x.db"], "missing argument 'TARGET'"),
    (["seed", "--mode", "sideways", "a", "b"], "'sideways' is not one of"),
    (["report", "a", "b", "--min-quality", "3"], "--min-quality"),
    (["subset", "--percent", "ten", "a", "b"], "invalid value for '--percent'"),
])
def test_usage_errors_are_one_lower_case_error_line(args: list[str], needle: str) -> None:
    out = dbsynth(*args)
    assert out.returncode == 2, out.stderr
    lines = [ln for ln in out.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0], out.stderr
    assert "Error:" not in out.stderr and "Traceback" not in out.stderr and "Value error" not in out.stderr


def test_stage_seconds_add_up_to_the_total() -> None:
    line = stage_seconds_line({"fit": 1.0, "load": 0.5}, total=2.0)
    assert line == "fit 1.00, load 0.50, other 0.50; total 2.00"
    assert stage_seconds_line({"fit": 1.0, "load": 0.5}) == "fit 1.00, load 0.50; total 1.50"


def _tiny_source(path: Path) -> Path:
    with sqlite3.connect(path) as con:
        con.executescript("""
            CREATE TABLE customer (id INTEGER PRIMARY KEY, email TEXT, city TEXT);
            CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customer(id),
                                 total REAL);
        """)
        con.executemany("INSERT INTO customer VALUES (?, ?, ?)",
                        [(i, f"user{i}@example.com", ["Oslo", "Lima"][i % 2]) for i in range(1, 41)])
        con.executemany("INSERT INTO orders VALUES (?, ?, ?)", [(i, 1 + i % 40, i * 1.5) for i in range(1, 121)])
    return path


def test_verbose_shows_dbsynth_lines_only_and_seconds_agree(tmp_path: Path) -> None:
    src = _tiny_source(tmp_path / "src.sqlite")
    out = dbsynth("-v", "seed", f"sqlite:///{src}", f"sqlite:///{tmp_path / 'out.sqlite'}")
    assert out.returncode == 0, out.stderr
    debug = [ln for ln in out.stderr.splitlines() if ln.startswith("debug: ")]
    assert any("fitting orders" in ln for ln in debug), out.stderr
    assert "DEBUG" not in out.stderr and "alembic" not in out.stderr.lower() and "faker" not in out.stderr.lower()
    text = " ".join(out.stdout.split())
    stages = re.search(r"Seconds per stage: (.*?); total ([0-9.]+)", text)
    assert stages, text
    parts = [float(p.rsplit(" ", 1)[1]) for p in stages.group(1).split(", ")]
    assert sum(parts) == pytest.approx(float(stages.group(2)), abs=0.01 * len(parts))
    load_line = re.search(r"Loaded .*? in ([0-9.]+)s", text)
    assert load_line and f"load {load_line.group(1)}" in stages.group(1)  # the load line agrees with its stage
    quiet = dbsynth("seed", f"sqlite:///{src}", f"sqlite:///{tmp_path / 'out2.sqlite'}")
    assert "debug:" not in quiet.stderr
