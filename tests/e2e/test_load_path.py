"""The load path (issue 10, items 17-23): fit → sample → load into every target and format, one
transaction for rows and sequences (kill, error, Ctrl-C), append without collisions, --mode fail early,
and no silent loss of rows."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any, Iterator

import pandas as pd
import pytest
from rich.console import Console

from dbsynth.errors import ConstraintError, LoadError
from tests.conftest import ROOT
from tests.e2e.test_safety import cli, make_sqlite, one_line_error

CHINOOK = ROOT / "examples" / "chinook" / "chinook.sqlite"
QUIET = Console(file=open(os.devnull, "w"))  # noqa: SIM115


def _ok(out: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert out.returncode == 0, f"{out.stdout[-2000:]}\n{out.stderr[-2000:]}"
    return out


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The bundled example fitted once and sampled as parquet and as csv."""
    base = tmp_path_factory.mktemp("example")
    _ok(cli("fit", f"sqlite:///{CHINOOK}", "-o", str(base / "model")))
    out = {}
    for fmt in ("parquet", "csv"):
        _ok(cli("sample", str(base / "model"), "-o", str(base / fmt), "--format", fmt))
        out[fmt] = base / fmt
    return out


def _manifest_rows(folder: Path) -> dict[str, int]:
    import json
    return json.loads((folder / "manifest.json").read_text())["rows"]


def _sqlite_frames(path: Path) -> dict[str, pd.DataFrame]:
    with sqlite3.connect(path) as con:
        names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {n: pd.read_sql(f'SELECT * FROM "{n}"', con) for n in names}


def _pg_frames(url: str) -> dict[str, pd.DataFrame]:
    import psycopg
    with psycopg.connect(url) as con:
        names = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables "
                                           "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'")]
        out = {}
        for n in names:
            cur = con.execute(f'SELECT * FROM "{n}"')
            out[n] = pd.DataFrame(cur.fetchall(), columns=[d.name for d in cur.description])
        return out


def _canonical(frame: pd.DataFrame) -> list[tuple[str, ...]]:
    """Rows as text, sorted: the same values however the target typed them."""
    def cell(v: Any) -> str:
        if v is None or (isinstance(v, float) and pd.isna(v)):
            return "NULL"
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v)
    cols = sorted(frame.columns, key=str.lower)
    return sorted(tuple(cell(v) for v in row) for row in frame[cols].itertuples(index=False))


def test_example_csv_and_parquet_load_into_sqlite_identically(folders: dict[str, Path], tmp_path: Path) -> None:
    loaded = {}
    for fmt, folder in folders.items():
        dst = tmp_path / f"{fmt}.sqlite"
        _ok(cli("load", str(folder), f"sqlite:///{dst}"))
        loaded[fmt] = _sqlite_frames(dst)
        assert {t: len(f) for t, f in loaded[fmt].items()} == _manifest_rows(folder)
        reports_to = loaded[fmt]["Employee"]["ReportsTo"].dropna()
        assert len(reports_to) and all(float(v).is_integer() for v in reports_to)
    with sqlite3.connect(tmp_path / "csv.sqlite") as con:  # stored as integers, not the text "1.0"
        assert con.execute('SELECT COUNT(*) FROM "Employee" WHERE typeof("ReportsTo") NOT IN '
                           "('integer', 'null')").fetchone()[0] == 0
    for table in loaded["csv"]:
        if table in ("Invoice", "Customer", "Employee"):  # float/decimal/date spellings differ only in type
            continue
        assert _canonical(loaded["csv"][table]) == _canonical(loaded["parquet"][table]), table


@pytest.mark.postgres
def test_example_fit_sample_load_into_postgres(folders: dict[str, Path], pg_databases) -> None:  # type: ignore[no-untyped-def]
    for fmt, folder in folders.items():
        url = pg_databases.create(f"ex_{fmt}")
        _ok(cli("load", str(folder), url))
        frames = _pg_frames(url)
        assert {t: len(f) for t, f in frames.items()} == _manifest_rows(folder)
        import psycopg
        with psycopg.connect(url) as con:  # the nullable integer arrived as integers ("1.0" was refused)
            got = [r[0] for r in con.execute('SELECT "ReportsTo" FROM "Employee" WHERE "ReportsTo" IS NOT NULL')]
        assert got and all(isinstance(v, int) for v in got)


@pytest.mark.postgres
def test_folder_values_are_checked_against_the_target_schema(folders: dict[str, Path], tmp_path: Path,
                                                             pg_databases) -> None:  # type: ignore[no-untyped-def]
    import shutil
    bad = tmp_path / "bad"
    shutil.copytree(folders["csv"], bad)
    part = bad / "Employee" / "part-00000.csv"
    lines = part.read_text().splitlines()
    header = lines[0].split(",")
    row = lines[2].split(",")
    row[header.index("ReportsTo")] = "two"
    lines[2] = ",".join(row)
    part.write_text("\n".join(lines) + "\n")
    url = pg_databases.create("bad")
    one_line_error(cli("load", str(bad), url), "'Employee'", "'ReportsTo'", "'two'")
    assert _pg_frames(url) == {}


# ---------------------------------------------------------------- one transaction: sequences too
def _sequences(url: str) -> dict[str, tuple[int, bool]]:
    import psycopg
    with psycopg.connect(url) as con:
        names = [r[0] for r in con.execute("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'")]
        return {n: con.execute(f'SELECT last_value, is_called FROM "{n}"').fetchone() for n in names}


def _shifted_chunks() -> list[Any]:
    """The shop rows with every key moved up, so a load would advance each sequence."""
    from tests.connectors.test_writers import shop_chunks
    out = []
    for chunk in shop_chunks():
        frame = chunk.frame.copy()
        for col in ("id", "store_id", "boss_id", "manager_id", "dept_id", "head_id", "order_id"):
            if col in frame:
                frame[col] = frame[col] + 100
        out.append(type(chunk)(chunk.table, frame))
    return out


@pytest.fixture()
def shop_pg(pg_databases) -> str:  # type: ignore[no-untyped-def]
    from dbsynth.load import load
    from tests.connectors.test_writers import PG_DDL, shop_chunks, shop_schema
    url = pg_databases.create("seq", sql=PG_DDL)
    load(chunks=shop_chunks(), schema=shop_schema(), target_url=url)
    return url


@pytest.mark.postgres
def test_error_after_sequences_are_set_leaves_them_unchanged(shop_pg: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from dbsynth.load import loader
    from tests.connectors.test_writers import shop_schema
    before_seq, before_rows = _sequences(shop_pg), _pg_frames(shop_pg)
    assert before_seq and all(v[0] >= 1 for v in before_seq.values())

    def fail(conn: Any, job: Any) -> None:
        assert job.summary.sequences_reset  # the sequences were already moved in this transaction
        raise LoadError("injected failure after the sequences were set")

    monkeypatch.setattr(loader, "_verify", fail)
    with pytest.raises(LoadError, match="injected"):
        loader.load(chunks=_shifted_chunks(), schema=shop_schema(), target_url=shop_pg, mode="replace")
    assert _sequences(shop_pg) == before_seq
    after = _pg_frames(shop_pg)
    assert {t: _canonical(f) for t, f in after.items()} == {t: _canonical(f) for t, f in before_rows.items()}


KILL_AFTER_SEQUENCES = textwrap.dedent("""
    import sys, time
    from dbsynth.load import loader
    from tests.connectors.test_writers import shop_schema
    from tests.e2e.test_load_path import _shifted_chunks

    def wait(conn, job):
        print("READY", ",".join(job.summary.sequences_reset), flush=True)
        time.sleep(120)

    loader._verify = wait
    loader.load(chunks=_shifted_chunks(), schema=shop_schema(), target_url=sys.argv[1], mode="replace")
""")


@pytest.mark.postgres
def test_kill_after_sequences_are_set_leaves_them_unchanged(shop_pg: str) -> None:
    before_seq, before_rows = _sequences(shop_pg), _pg_frames(shop_pg)
    proc = subprocess.Popen([sys.executable, "-c", KILL_AFTER_SEQUENCES, shop_pg], cwd=ROOT, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        assert line.startswith("READY") and "seq" in line, proc.stderr.read() if proc.stderr else ""
    finally:
        proc.kill()
        proc.wait(timeout=30)
    time.sleep(0.5)  # the server notices the closed connection and rolls back
    assert _sequences(shop_pg) == before_seq
    after = _pg_frames(shop_pg)
    assert {t: _canonical(f) for t, f in after.items()} == {t: _canonical(f) for t, f in before_rows.items()}


# ---------------------------------------------------------------- Ctrl-C
def _big_folder(path: Path, rows: int) -> Path:
    from dbsynth.load.files import write_chunks
    from dbsynth.sample.types import TableChunk
    from dbsynth.schema.model import Column, LogicalType, PrimaryKey, Schema, Table
    schema = Schema(dialect="postgresql", tables=(Table("big", (
        Column("id", LogicalType.INTEGER, "bigint", nullable=False), Column("body", LogicalType.TEXT, "text")),
        primary_key=PrimaryKey(("id",))),))
    ids = pd.Series(range(rows), dtype="int64")
    frame = pd.DataFrame({"id": ids, "body": "row " + ids.astype(str) + " " + "x" * 40})
    step = 200_000
    chunks = [TableChunk("big", frame.iloc[i:i + step].reset_index(drop=True), batch=i // step)
              for i in range(0, rows, step)]
    write_chunks(chunks, path, fmt="parquet", schema=schema)
    return path


@pytest.mark.postgres
def test_ctrl_c_during_a_load_rolls_back_and_exits_130(pg_databases, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import psycopg
    small = _big_folder(tmp_path / "small", 10)
    big = _big_folder(tmp_path / "big", 2_000_000)
    url = pg_databases.create("sigint")
    _ok(cli("load", str(small), url))
    proc = subprocess.Popen([sys.executable, "-m", "dbsynth.cli", "load", str(big), url, "--mode", "replace"],
                            cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        with psycopg.connect(url, autocommit=True) as con:  # wait until the rows are being copied
            deadline = time.time() + 60
            while time.time() < deadline:
                busy = con.execute("SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = 'dbsynth' "
                                   "AND query ILIKE 'COPY%'").fetchone()[0]
                if busy or proc.poll() is not None:
                    break
                time.sleep(0.05)
        assert proc.poll() is None, "the load finished before it could be interrupted"
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    errors = [ln for ln in err.splitlines() if ln.strip()]
    assert len(errors) == 1 and errors[0].startswith("error: interrupted") and "rolled back" in errors[0], err
    with psycopg.connect(url) as con:
        assert con.execute("SELECT COUNT(*), MAX(id) FROM big").fetchone() == (10, 9)


# ---------------------------------------------------------------- --mode fail / append
@pytest.fixture()
def small_src(tmp_path: Path) -> Path:
    return make_sqlite(tmp_path / "src.sqlite")


def _seed(source: str, target: str, mode: str, **kw: Any) -> dict:
    from dbsynth.commands import seed
    return seed(source=source, target=target, mode=mode, keep_triggers=False, alembic_config=None,
                config_path=None, schema=None, model_dir=None, console=QUIET, **kw)


def test_mode_fail_refuses_a_non_empty_target_before_fitting(small_src: Path, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from dbsynth import pipeline
    dst = tmp_path / "dst.sqlite"
    _seed(f"sqlite:///{small_src}", f"sqlite:///{dst}", "fail")
    read: list[int] = []
    real = pipeline.read_frames
    monkeypatch.setattr(pipeline, "read_frames", lambda *a, **k: read.append(1) or real(*a, **k))
    before = dst.read_bytes()
    with pytest.raises(LoadError, match="already has rows"):
        _seed(f"sqlite:///{small_src}", f"sqlite:///{dst}", "fail")
    assert read == [] and dst.read_bytes() == before


@pytest.mark.postgres
def test_mode_fail_refuses_a_non_empty_postgres_target_before_fitting(small_src: Path, pg_databases,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from dbsynth import pipeline
    from tests.e2e.test_safety import SMALL_SQL
    url = pg_databases.create("modefail", sql=SMALL_SQL + "INSERT INTO customer VALUES (1, 'a@b.c', NULL, 1);")
    monkeypatch.setattr(pipeline, "read_frames", lambda *a, **k: pytest.fail("read the source before refusing"))
    with pytest.raises(LoadError, match="'customer' already has rows"):
        _seed(f"sqlite:///{small_src}", url, "fail")


def test_append_never_collides_and_does_not_clone(small_src: Path, tmp_path: Path) -> None:
    dst = tmp_path / "dst.sqlite"
    for mode in ("fail", "append", "append"):
        _seed(f"sqlite:///{small_src}", f"sqlite:///{dst}", mode)
    frames = _sqlite_frames(dst)
    customers, orders = frames["customer"], frames["orders"]
    assert len(customers) == 3 * 60 and len(orders) == 3 * 120
    assert customers["id"].is_unique and customers["email"].is_unique and orders["id"].is_unique
    with sqlite3.connect(dst) as con:
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    # each append is new data, not the first seed again with shifted keys
    thirds = [customers.sort_values("id").iloc[i * 60:(i + 1) * 60] for i in range(3)]
    values = [sorted(map(str, t["score"].tolist())) for t in thirds]
    assert values[0] != values[1] and values[1] != values[2]


def test_append_avoids_unique_values_already_in_the_target(small_src: Path) -> None:
    """The validator is seeded with the target's keys: none of the rows it lets through repeats one."""
    from dbsynth import pipeline
    from dbsynth.config import Config
    fitted = pipeline.fit(f"sqlite:///{small_src}", config=Config())
    first, _ = pipeline.validated_chunks(fitted.model, config=Config())
    taken = pd.concat([c.frame for c in first if c.table == "customer"], ignore_index=True)
    assert len(taken)
    existing = {("customer", ("email",)): taken[["email"]]}
    again, validator = pipeline.validated_chunks(fitted.model, config=Config(),  # same seed: same draws
                                                 key_offsets={"customer": 1000, "orders": 1000}, existing=existing)
    rows = pd.concat([c.frame for c in again if c.table == "customer"], ignore_index=True)
    assert not set(rows["email"]) & set(taken["email"])
    assert validator.summary().counts["customer"]["unique"]["found"] > 0


# ---------------------------------------------------------------- no silent loss
class _BadModel:
    """A model whose rows break NOT NULL in a third of the cases, replacements included."""

    def __init__(self) -> None:
        from dbsynth.schema.model import Column, LogicalType, PrimaryKey, Schema, Table
        self.schema = Schema(dialect="sqlite", tables=(Table("t", (
            Column("id", LogicalType.INTEGER, "INTEGER", nullable=False),
            Column("v", LogicalType.INTEGER, "INTEGER", nullable=False)), primary_key=PrimaryKey(("id",))),))
        self.next_id = 0

    def _rows(self, n: int) -> pd.DataFrame:
        ids = list(range(self.next_id, self.next_id + n))
        self.next_id += n
        return pd.DataFrame({"id": ids, "v": [None if i % 3 == 0 else i for i in ids]}, dtype=object)

    def sample(self, *, options: Any) -> Iterator[Any]:
        from dbsynth.sample.types import TableChunk
        yield TableChunk("t", self._rows(300))

    def resample(self, *, table: str, n: int, seed: int) -> pd.DataFrame:
        return self._rows(n)


def test_drops_over_one_percent_fail_with_table_constraint_and_count(tmp_path: Path) -> None:
    from dbsynth import pipeline
    from dbsynth.config import Config
    from dbsynth.load import load
    chunks, _ = pipeline.validated_chunks(_BadModel(), config=Config(), allow_drops=False)
    dst = tmp_path / "dst.sqlite"
    with pytest.raises(ConstraintError) as err:
        load(chunks=chunks, schema=_BadModel().schema, target_url=f"sqlite:///{dst}")
    text = str(err.value)
    assert "table 't'" in text and "not null" in text and "of 300 rows" in text and "--allow-drops" in text
    assert not dst.exists()  # the load consuming the stream rolled back and removed its new file

    chunks, validator = pipeline.validated_chunks(_BadModel(), config=Config(), allow_drops=True)
    summary = load(chunks=chunks, schema=_BadModel().schema, target_url=f"sqlite:///{dst}")
    assert 0 < summary.rows["t"] < 300
    lines = pipeline.loss_lines(validator.summary(), {})
    assert len(lines) == 1 and "'t'" in lines[0] and "not null" in lines[0]


@pytest.mark.postgres
def test_folder_values_are_checked_against_an_existing_target_table(small_src: Path, tmp_path: Path,
                                                                    pg_databases) -> None:  # type: ignore[no-untyped-def]
    """The target's own columns decide: a NOT NULL there that the folder's schema did not have is named."""
    import psycopg

    from tests.e2e.test_safety import SMALL_SQL
    _ok(cli("fit", f"sqlite:///{small_src}", "-o", str(tmp_path / "m")))
    _ok(cli("sample", str(tmp_path / "m"), "-o", str(tmp_path / "rows"), "--format", "csv"))
    url = pg_databases.create("strict", sql=SMALL_SQL.replace("qty INTEGER NULL", "qty INTEGER NOT NULL"))
    one_line_error(cli("load", str(tmp_path / "rows"), url), "orders.qty is NOT NULL")
    with psycopg.connect(url) as con:
        assert con.execute("SELECT COUNT(*) FROM customer").fetchone()[0] == 0
    ok_url = pg_databases.create("same", sql=SMALL_SQL)
    _ok(cli("load", str(tmp_path / "rows"), ok_url))


@pytest.mark.postgres
def test_append_into_postgres_never_collides_and_advances_sequences(small_src: Path, pg_databases) -> None:  # type: ignore[no-untyped-def]
    import psycopg
    url = pg_databases.create("append")
    for mode in ("fail", "append"):
        _seed(f"sqlite:///{small_src}", url, mode)
    frames = _pg_frames(url)
    customers = frames["customer"]
    assert len(customers) == 120 and customers["id"].is_unique and customers["email"].is_unique
    first, second = (customers.sort_values("id").iloc[i * 60:(i + 1) * 60] for i in range(2))
    assert sorted(first["email"]) != sorted(second["email"])
    with psycopg.connect(url) as con:
        orphans = con.execute("SELECT COUNT(*) FROM orders o LEFT JOIN customer c ON c.id = o.customer_id "
                              "WHERE c.id IS NULL").fetchone()[0]
    assert orphans == 0
