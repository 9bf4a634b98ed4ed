"""`dbsynth seed --only … --rows …`: every wrong use is one error line, before any source row is read."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.test_safety import cli, make_sqlite, one_line_error


@pytest.fixture()
def urls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    from dbsynth import pipeline
    monkeypatch.setattr(pipeline, "read_frames", lambda *a, **k: pytest.fail("read the source before refusing"))
    src = make_sqlite(tmp_path / "src.sqlite")
    return f"sqlite:///{src}", f"sqlite:///{make_sqlite(tmp_path / 'target.sqlite')}"


@pytest.mark.parametrize("args, needles", [
    (["--mode", "append", "--only", "ordrs"], ["--only names table 'ordrs'", "did you mean 'orders'"]),
    (["--only", "orders"], ["--only needs --mode append"]),
    (["--mode", "append", "--only", "orders", "--rows", "customer=3"], ["customer is not among the --only tables"]),
    (["--mode", "append", "--only", "orders", "--rows", "orders:3"], ["--rows 'orders:3' is not TABLE=N"]),
    (["--rows", "custmer=3"], ["--rows names table 'custmer'"]),
])
def test_seed_only_errors(urls: tuple[str, str], args: list[str], needles: list[str]) -> None:
    one_line_error(cli("seed", *urls, *args), *needles)


def test_seed_only_into_a_target_without_the_parent_table(urls: tuple[str, str], tmp_path: Path) -> None:
    import sqlite3
    bare = tmp_path / "bare.sqlite"
    with sqlite3.connect(bare) as con:
        con.execute("CREATE TABLE unrelated (x INTEGER)")
    one_line_error(cli("seed", urls[0], f"sqlite:///{bare}", "--mode", "append", "--only", "orders"),
                   "the target has no table 'customer'", "seed the target once without --only first")


def test_seed_help_lists_only_and_rows() -> None:
    out = cli("seed", "--help")
    assert out.returncode == 0 and "--only TABLE[,TABLE…]" in out.stdout and "--rows TABLE=N" in out.stdout
