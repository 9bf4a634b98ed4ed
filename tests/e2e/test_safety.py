"""Safety principles end to end: the source is never the target, every failure is one clear line,
and a failed run leaves no SQLite file behind (issue 10: principles)."""
from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Iterator

import pytest

from tests.conftest import ROOT

SMALL_SQL = """
CREATE TABLE customer (id INTEGER PRIMARY KEY, email VARCHAR(80) NOT NULL UNIQUE, referrer INTEGER NULL,
                       score REAL, FOREIGN KEY (referrer) REFERENCES customer (id));
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL REFERENCES customer (id),
                     qty INTEGER NULL, total NUMERIC(10, 2) NOT NULL CHECK (total >= 0));
"""


def small_rows(n: int = 60) -> str:
    people = [f"({i}, 'p{i}@example.com', {'NULL' if i % 3 == 0 else (i % 7) + 1}, {i * 1.5})" for i in range(1, n + 1)]
    orders = [f"({i}, {(i % n) + 1}, {'NULL' if i % 4 == 0 else i % 9}, {i * 2.25:.2f})" for i in range(1, 2 * n + 1)]
    return (f"INSERT INTO customer VALUES {', '.join(people)};\n"
            f"INSERT INTO orders VALUES {', '.join(orders)};\n")


def make_sqlite(path: Path) -> Path:
    with sqlite3.connect(path) as con:
        con.executescript(SMALL_SQL + small_rows())
    return path


def dbsynth(*args: str, env: dict[str, str] | None = None, timeout: int = 120) -> subprocess.CompletedProcess[str]:
    """The real command in a child process (for timeouts and signals)."""
    return subprocess.run([sys.executable, "-m", "dbsynth.cli", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=timeout, env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The same command in this process (fast): exit code, stdout and stderr as a child would give them."""
    from typer.testing import CliRunner

    from dbsynth.cli import app
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        res = CliRunner().invoke(app, list(args), env=env)
    finally:
        os.chdir(cwd)
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        raise res.exception
    return subprocess.CompletedProcess(list(args), res.exit_code, res.stdout, res.stderr)


def one_line_error(out: subprocess.CompletedProcess[str], *needles: str, code: int | None = None) -> str:
    """The run failed with exactly one `error:` line naming the problem, and no traceback."""
    assert out.returncode != 0, out.stdout[-2000:]
    if code is not None:
        assert out.returncode == code, (out.returncode, out.stderr)
    lines = [ln for ln in out.stderr.splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith("error:")]
    assert len(errors) == 1 and "Traceback" not in out.stderr, out.stderr
    assert "unexpected failure" not in out.stderr, out.stderr
    text = " ".join(lines)  # rich may wrap a long line on narrow terminals
    for needle in needles:
        assert needle in text, (needle, out.stderr)
    return text


@pytest.fixture()
def src(tmp_path: Path) -> Path:
    return make_sqlite(tmp_path / "src.sqlite")


def _digest(path: Path) -> bytes:
    return path.read_bytes()


# ---------------------------------------------------------------- never touch the source
def test_sqlite_target_that_is_the_source_is_refused_in_every_spelling(src: Path, tmp_path: Path) -> None:
    before = _digest(src)
    link = tmp_path / "link.sqlite"
    link.symlink_to(src)
    relative = os.path.relpath(src, ROOT)
    spellings = [f"sqlite:///{src}", f"sqlite:///{link}", f"sqlite:///{relative}",
                 f"sqlite:///{tmp_path}/./sub/../src.sqlite"]
    (tmp_path / "sub").mkdir()
    for i, target in enumerate(spellings):
        for mode in ("fail", "replace", "append") if i == 0 else ("replace",):
            one_line_error(cli("seed", f"sqlite:///{src}", target, "--mode", mode), "is the source database")
    assert _digest(src) == before


def test_demo_never_overwrites_the_bundled_database() -> None:
    bundled = ROOT / "examples" / "chinook" / "chinook.sqlite"
    before = bundled.stat().st_size
    one_line_error(cli("demo", "--out", str(bundled)), "is the source database")
    assert bundled.stat().st_size == before


def test_load_refuses_the_folders_own_source(src: Path, tmp_path: Path) -> None:
    assert cli("fit", f"sqlite:///{src}", "-o", str(tmp_path / "m")).returncode == 0
    assert cli("sample", str(tmp_path / "m"), "-o", str(tmp_path / "rows")).returncode == 0
    before = _digest(src)
    out = cli("load", str(tmp_path / "rows"), f"sqlite:///{src}", "--mode", "replace")
    one_line_error(out, "is the source database")
    assert _digest(src) == before


@pytest.mark.postgres
def test_postgres_target_that_is_the_source_is_refused(pg_databases) -> None:  # type: ignore[no-untyped-def]
    from dbsynth.load.preflight import check_target

    url = pg_databases.create("same", sql=SMALL_SQL + small_rows())
    host_port = url.split("@", 1)[1].split("/", 1)[0]
    port = host_port.rsplit(":", 1)[1]
    db = url.rsplit("/", 1)[1]
    spellings = [url, f"postgresql://postgres@localhost:{port}/{db}", f"postgres://postgres@127.0.0.1:{port}/{db}",
                 f"postgresql+psycopg://postgres@127.0.0.1:{port}/{db}?application_name=x"]
    for target in spellings:
        one_line_error(cli("seed", url, target, "--mode", "replace"), "is the source database")
    # the server's own answer (database, port, start time) catches spellings the URL check cannot
    with pytest.raises(Exception, match="is the source database"):
        check_target(url + "?connect_timeout=5", source=url)
    import psycopg
    with psycopg.connect(url) as con:
        assert con.execute("SELECT COUNT(*) FROM orders").fetchone()[0] == 120


# ---------------------------------------------------------------- one clear line
@pytest.mark.parametrize("target, needles", [
    ("postgresql://u@127.0.0.1:99999/x", ("bad port '99999'",)),
    ("postgresql://u@127.0.0.1:abc/x", ("bad port 'abc'",)),
    ("mysql://u@127.0.0.1:1/x", ("cannot connect to mysql://u@127.0.0.1:1/x",)),  # PyMySQL: dev extra
    ("nosuchdb://u@h/x", ("unknown database dialect",)),
])
def test_url_errors_are_one_line(src: Path, target: str, needles: tuple[str, ...]) -> None:
    one_line_error(cli("seed", f"sqlite:///{src}", target), *needles)


@pytest.mark.parametrize("scale", ["nan", "inf", "1e9", "-1", "0"])
def test_bad_scale_is_one_line_and_leaves_no_file(src: Path, tmp_path: Path, scale: str) -> None:
    dst = tmp_path / "out.sqlite"
    one_line_error(cli("seed", f"sqlite:///{src}", f"sqlite:///{dst}", f"--scale={scale}"), "--scale", code=2)
    assert not dst.exists()


@pytest.mark.parametrize("text, needle", [
    ('[tables.customer]\ncopy = "false"\n', "copy must be true or false"),
    ('seed = "abc"\n', "seed must be a whole number"),
    ('scale = "2"\n', "scale must be a number"),
    ('batch_rows = "many"\n', "batch_rows must be"),
])
def test_bad_config_types_are_one_line(src: Path, tmp_path: Path, text: str, needle: str) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(text)
    dst = tmp_path / "out.sqlite"
    one_line_error(cli("seed", f"sqlite:///{src}", f"sqlite:///{dst}", "--config", str(cfg)), needle, code=2)
    assert not dst.exists()


def test_failed_load_leaves_no_sqlite_file(src: Path, tmp_path: Path) -> None:
    """A load that fails after the target file was opened removes the file it created."""
    assert cli("fit", f"sqlite:///{src}", "-o", str(tmp_path / "m")).returncode == 0
    assert cli("sample", str(tmp_path / "m"), "-o", str(tmp_path / "rows"), "--format", "csv").returncode == 0
    part = tmp_path / "rows" / "orders" / "part-00000.csv"
    lines = part.read_text().splitlines()
    lines[1] = ",".join(["1.5"] + lines[1].split(",")[1:])  # a non-integer key: the value check refuses it
    part.write_text("\n".join(lines) + "\n")
    dst = tmp_path / "out.sqlite"
    one_line_error(cli("load", str(tmp_path / "rows"), f"sqlite:///{dst}"), "'orders'", "'id'", "1.5")
    assert not dst.exists()


def _model(src: Path, tmp_path: Path) -> Path:
    assert cli("fit", f"sqlite:///{src}", "-o", str(tmp_path / "m")).returncode == 0
    return tmp_path / "m"


def test_corrupt_model_files_are_one_line(src: Path, tmp_path: Path) -> None:
    model = _model(src, tmp_path)
    files = [model / "manifest.json", model / "tables" / "t0000.json", model / "tables" / "t0000.npz",
             model / "tables" / "t0001.npz"]
    for i, path in enumerate(files):
        saved = path.read_bytes()
        for broken in (saved[: len(saved) // 2], b""):
            path.write_bytes(broken)
            out_dir = tmp_path / f"rows{i}-{len(broken)}"
            out = cli("sample", str(model), "-o", str(out_dir))
            if out.returncode != 0:  # some truncations still parse; the ones that do not must say so
                one_line_error(out, "model")
                assert not out_dir.exists()
        path.write_bytes(saved)
    missing = tmp_path / "nope"
    one_line_error(cli("sample", str(missing), "-o", str(tmp_path / "r")), "no model")


def test_hints_name_only_existing_commands() -> None:
    from typer.main import get_command

    from dbsynth.cli import app
    commands = set(get_command(app).commands)  # type: ignore[attr-defined]
    import re
    for path in (ROOT / "dbsynth").rglob("*.py"):
        for name in re.findall(r"`dbsynth (?:--[a-z-]+ )*([a-z_-]+)", path.read_text()):  # after global flags
            assert name in commands, f"{path.relative_to(ROOT)} names `dbsynth {name}`, which does not exist"


# ---------------------------------------------------------------- the target answers before fitting
class SilentServer:
    """Accepts TCP connections and never says a word."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.conns: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(conn)

    def close(self) -> None:
        self.sock.close()
        for c in self.conns:
            c.close()


@pytest.fixture()
def silent() -> Iterator[SilentServer]:
    server = SilentServer()
    yield server
    server.close()


def test_silent_target_fails_within_the_connect_timeout(src: Path, silent: SilentServer, tmp_path: Path) -> None:
    env = {"DBSYNTH_CONNECT_TIMEOUT": "2"}
    url = f"postgresql://u@127.0.0.1:{silent.port}/x"
    t0 = time.perf_counter()
    out = dbsynth("seed", f"sqlite:///{src}", url, env=env, timeout=60)
    took = time.perf_counter() - t0
    one_line_error(out, "timed out", "did not answer within 2s")
    assert "fitting" not in out.stdout and took < 20, took
    t0 = time.perf_counter()  # a silent source: the same timeout, the same line
    one_line_error(dbsynth("seed", url, f"sqlite:///{tmp_path / 'out.sqlite'}", env=env, timeout=60), "timed out")
    assert time.perf_counter() - t0 < 20 and not (tmp_path / "out.sqlite").exists()
    assert cli("fit", f"sqlite:///{src}", "-o", str(tmp_path / "m")).returncode == 0
    assert cli("sample", str(tmp_path / "m"), "-o", str(tmp_path / "rows")).returncode == 0
    t0 = time.perf_counter()
    one_line_error(dbsynth("load", str(tmp_path / "rows"), url, env=env, timeout=60), "timed out")
    assert time.perf_counter() - t0 < 20


@pytest.mark.postgres
def test_wrong_target_password_is_found_before_fitting(src: Path, pg_admin_url: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from dbsynth import pipeline
    from dbsynth.commands import seed
    from dbsynth.errors import ConnectorError
    from tests.conftest import PASSWORD_ROLE
    from rich.console import Console

    fitted: list[str] = []
    monkeypatch.setattr(pipeline, "read_frames", lambda *a, **k: fitted.append("read") or {})
    host = pg_admin_url.split("@", 1)[1].rsplit("/", 1)[0]
    target = f"postgresql://{PASSWORD_ROLE}:not-the-password@{host}/postgres"
    with pytest.raises(ConnectorError, match="password authentication failed") as err:
        seed(source=f"sqlite:///{src}", target=target, mode="fail", keep_triggers=False, alembic_config=None,
             config_path=None, schema=None, model_dir=None, console=Console(file=open(os.devnull, "w")))
    assert "not-the-password" not in str(err.value)
    assert fitted == []
