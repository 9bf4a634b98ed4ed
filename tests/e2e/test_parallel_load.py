"""Parallel PostgreSQL loads (dbsynth/load/parallel.py): same target as the sequential loader, and
all-or-nothing when a worker or the coordinator is SIGKILLed or a constraint fails at build time."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest

from dbsynth.errors import LoadError
from dbsynth.load import load
from dbsynth.load.parallel import SHADOW_PREFIX, begin_parallel_load, load_parallel, remove_stale_shadows
from dbsynth.sample.types import TableChunk
from dbsynth.testing import pg_bin
from tests.connectors.test_writers import EXPECTED_ROWS, shop_chunks, shop_schema

ROOT = Path(__file__).resolve().parents[2]
ID_COLUMNS = {"id", "manager_id", "store_id", "boss_id", "head_id", "dept_id", "order_id"}


def snapshot(url: str) -> tuple[str, dict[str, tuple[int, str]], list[tuple[Any, ...]]]:
    """Schema (pg_dump -s), per-table row count and digest of the sorted rows, sequence states.

    A shadow schema is left out: whether one is left is asserted on its own (`shadows`).
    """
    dump = subprocess.run([pg_bin("pg_dump"), "-s", "--no-owner", f"--exclude-schema={SHADOW_PREFIX}*", "-d", url], check=True, capture_output=True,
                          text=True).stdout
    ddl = "\n".join(line for line in dump.splitlines()
                    if line.strip() and not line.startswith(("--", "\\restrict", "\\unrestrict")))
    with psycopg.connect(url) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables "
            "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') "
            f"AND NOT starts_with(schemaname, '{SHADOW_PREFIX}') ORDER BY 1").fetchall()]
        data = {t: tuple(conn.execute(f"SELECT count(*), md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) "
                                      f"FROM {t} x").fetchone()) for t in tables}
        seqs = conn.execute("SELECT schemaname, sequencename, last_value FROM pg_sequences "
                            "WHERE NOT starts_with(schemaname, %s) ORDER BY 1, 2", (SHADOW_PREFIX,)).fetchall()
    return ddl, data, seqs


def shadows(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        return [r[0] for r in conn.execute("SELECT nspname FROM pg_namespace WHERE starts_with(nspname, %s)",
                                           (SHADOW_PREFIX,)).fetchall()]


def shifted(chunks: list[TableChunk], by: int) -> list[TableChunk]:
    """The shop rows with every key moved by `by` (a second batch an append can take)."""
    out = []
    for c in chunks:
        frame = c.frame.copy()
        for col in ID_COLUMNS & set(frame.columns):
            frame[col] = frame[col] + by
        if "full name" in frame:
            frame["full name"] = frame["full name"] + "+"
        out.append(TableChunk(c.table, frame))
    return out


def test_new_target_matches_sequential(pg_databases: Any) -> None:
    seq_url, par_url = pg_databases.create("seq"), pg_databases.create("par")
    seq = load(chunks=shop_chunks(), schema=shop_schema(), target_url=seq_url)
    par = load_parallel(chunks=shop_chunks(), schema=shop_schema(), target_url=par_url, jobs=2)
    assert par.writer == "postgresql-parallel-copy" and par.schema_action == "created"
    assert par.rows == seq.rows == EXPECTED_ROWS
    assert par.sequences_reset == seq.sequences_reset and par.sequences_reset  # staff_id_seq, identity
    assert (par.views_created, par.views_skipped) == (seq.views_created, seq.views_skipped) == (
        ["store_names"], ["broken_view"])
    assert par.orphans == seq.orphans and par.duplicates == seq.duplicates and len(par.duplicates) == 6
    assert not any(par.orphans.values()) and not any(par.duplicates.values())
    assert snapshot(par_url) == snapshot(seq_url)
    assert shadows(par_url) == []


def test_replace_and_append_into_filled_target_match_sequential(pg_databases: Any) -> None:
    seq_url, par_url = pg_databases.create("seq"), pg_databases.create("par")
    for url in (seq_url, par_url):
        load(chunks=shop_chunks(), schema=shop_schema(), target_url=url)
    second, third = shifted(shop_chunks(), 100), shifted(shop_chunks(), 200)
    load(chunks=second, schema=shop_schema(), target_url=seq_url, mode="replace")
    par = load_parallel(chunks=second, schema=shop_schema(), target_url=par_url, mode="replace", jobs=2)
    assert par.schema_action == "existing" and par.rows == EXPECTED_ROWS
    assert snapshot(par_url) == snapshot(seq_url)
    load(chunks=third, schema=shop_schema(), target_url=seq_url, mode="append")
    par = load_parallel(chunks=third, schema=shop_schema(), target_url=par_url, mode="append", jobs=2)
    assert par.rows == EXPECTED_ROWS
    after = snapshot(par_url)
    assert after == snapshot(seq_url)
    assert after[1]['public.staff'][0] == 8  # both batches
    assert shadows(par_url) == []


def _chinook_chunks(source: str, schema_name: str | None = None) -> tuple[Any, list[TableChunk]]:
    """Chinook's own rows as load chunks (the loader does not care that they are real): a same-dialect clone."""
    from connectors.base import open_connector
    from dbsynth.schema.graph import build_plan
    conn = open_connector(source)
    try:
        schema = conn.reflect(schema=schema_name)
        chunks = [TableChunk(t, frame) for t in build_plan(schema).order
                  for frame in conn.read_table(schema.table(t), chunk_size=2_000)]
    finally:
        conn.close()
    return schema, chunks


def test_chinook_clone_matches_sequential(pg_databases: Any) -> None:
    source = pg_databases.create("chinook", sql_file=ROOT / "examples" / "chinook" / "postgres.sql")
    schema, chunks = _chinook_chunks(source)
    seq_url, par_url = pg_databases.create("seq"), pg_databases.create("par")
    seq = load(chunks=chunks, schema=schema, target_url=seq_url)
    par = load_parallel(chunks=chunks, schema=schema, target_url=par_url, jobs=2)
    assert seq.writer == "postgresql-copy" and par.writer == "postgresql-parallel-copy"
    assert par.rows == seq.rows and sum(par.rows.values()) > 10_000
    assert (par.orphans, par.duplicates) == (seq.orphans, seq.duplicates)
    assert snapshot(par_url) == snapshot(seq_url)
    assert snapshot(par_url)[1] == snapshot(source)[1]  # the very rows of the source
    assert shadows(par_url) == []


def test_cli_load_with_workers_uses_the_parallel_path(pg_databases: Any, tmp_path: Path) -> None:
    from rich.console import Console

    from dbsynth import commands
    from dbsynth.load.files import write_chunks
    folder = tmp_path / "rows"
    write_chunks(iter(shop_chunks()), folder, fmt="parquet", schema=shop_schema())
    console = Console(file=open(os.devnull, "w"))
    common = dict(folder=str(folder), keep_triggers=False, alembic_config=None, console=console, mode="fail")
    seq_url, par_url = pg_databases.create("seq"), pg_databases.create("par")
    assert commands.load(target=seq_url, workers=1, **common).writer == "postgresql-copy"
    assert commands.load(target=par_url, workers=2, **common).writer == "postgresql-parallel-copy"
    assert snapshot(par_url) == snapshot(seq_url)
    # a folder's values are checked against an existing target's columns, as without --workers
    with psycopg.connect(par_url, autocommit=True) as conn:
        conn.execute("ALTER TABLE line_note DROP COLUMN body")
    before = snapshot(par_url)
    common["mode"] = "replace"
    with pytest.raises(LoadError, match="the sample folder: target table 'line_note' has no column 'body'"):
        commands.load(target=par_url, workers=2, **common)
    assert snapshot(par_url) == before and shadows(par_url) == []


REPROS = ROOT / "tests" / "fixtures" / "repros" / "pg"


@pytest.mark.parametrize("name, schema_name", [
    ("01_generated_and_identity", None), ("03_exclude_constraint", None), ("06_like_check", None),
    ("09_non_public_schema", "sales")])
def test_postgres_clones_match_sequential(pg_databases: Any, name: str, schema_name: str | None) -> None:
    """Identity and generated columns, a GiST EXCLUDE, a CHECK with a LIKE pattern, a non-public schema."""
    source = pg_databases.create("src", sql_file=REPROS / f"{name}.sql")
    schema, chunks = _chinook_chunks(source, schema_name)
    seq_url, par_url = pg_databases.create("seq"), pg_databases.create("par")
    seq = load(chunks=chunks, schema=schema, target_url=seq_url)
    par = load_parallel(chunks=chunks, schema=schema, target_url=par_url, jobs=2)
    assert par.rows == seq.rows and par.sequences_reset == seq.sequences_reset
    assert (par.orphans, par.duplicates, par.warnings) == (seq.orphans, seq.duplicates, seq.warnings)
    assert snapshot(par_url) == snapshot(seq_url)
    assert shadows(par_url) == []


def test_seed_with_workers_equals_seed_without(pg_databases: Any) -> None:
    """`dbsynth seed --workers 2`: same rows, triggers re-created after the load (they did not fire)."""
    from rich.console import Console

    from dbsynth import commands
    from tests.e2e.test_triggers_pg import SOURCE
    source = pg_databases.create("src", sql=SOURCE)
    console = Console(file=open(os.devnull, "w"))
    out = {}
    for workers in (1, 2):
        url = pg_databases.create(f"w{workers}")
        out[workers] = commands.seed(source=source, target=url, mode="fail", keep_triggers=False, alembic_config=None,
                                     config_path=None, schema=None, model_dir=None, console=console, seed=3,
                                     workers=workers)["summary"], snapshot(url)
    (seq, seq_snap), (par, par_snap) = out[1], out[2]
    assert par.writer == "postgresql-parallel-copy" and par.triggers == seq.triggers
    assert "2 re-created after the load" in par.triggers
    assert par_snap == seq_snap


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state in ("Z", "X")


BOOKS = """
CREATE TABLE author (id serial PRIMARY KEY, name text NOT NULL, born date);
CREATE TABLE book (id serial PRIMARY KEY, author_id int NOT NULL REFERENCES author, title text NOT NULL,
                   pages int CHECK (pages > 0));
INSERT INTO author (name, born) SELECT 'a' || g, date '1950-01-01' + g FROM generate_series(1, 200) g;
INSERT INTO book (author_id, title, pages) SELECT 1 + g % 200, 't' || g, 50 + g % 400 FROM generate_series(1, 600) g;
"""


@pytest.mark.parametrize("victim", ["worker", "coordinator"])
def test_sigkill_during_dbsynth_seed_leaves_the_target(pg_databases: Any, victim: str) -> None:
    """`dbsynth seed --workers 2` killed once the shadow schema holds rows (polled on the server)."""
    source = pg_databases.create("src", sql=BOOKS)
    url = pg_databases.create("dst", sql="CREATE TABLE keep_me (x int); INSERT INTO keep_me VALUES (42);")
    before = snapshot(url)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "dbsynth.cli", "seed", source, url, "--workers", "2",
                             "--scale", "40"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    with psycopg.connect(url, autocommit=True) as conn:
        while True:  # the window lasts from the first COPY until the commit (seconds: sampling goes on)
            assert proc.poll() is None, "the seed ended before rows reached the shadow schema"
            size = conn.execute(
                "SELECT coalesce(sum(pg_relation_size(c.oid)), 0) FROM pg_class c JOIN pg_namespace n "
                "ON n.oid = c.relnamespace WHERE starts_with(n.nspname, %s) AND c.relkind = 'r' "
                "AND c.relname <> '_dbsynth_columns'", (SHADOW_PREFIX,)).fetchone()[0]
            if size:
                break
            time.sleep(0.02)
    os.kill(proc.pid, signal.SIGSTOP)  # frozen where the rows are: what follows is deterministic
    workers = [int(p) for p in Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()]
    assert len(workers) == 2
    if victim == "worker":
        os.kill(workers[0], signal.SIGKILL)
        os.kill(proc.pid, signal.SIGCONT)
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 1
        text = " ".join((out + err).split())
        assert f"load worker 0 (pid {workers[0]}) was killed by signal SIGKILL" in text and "Traceback" not in text
        assert shadows(url) == [] and snapshot(url) == before
    else:
        proc.kill()
        proc.communicate(timeout=30)
        deadline = time.monotonic() + 30
        while not all(_gone(pid) for pid in workers):
            assert time.monotonic() < deadline, "a load worker outlived its coordinator"
            time.sleep(0.05)
        assert snapshot(url) == before
        left = shadows(url)
        assert len(left) == 1
        # the next load into that database, sequential here, drops it and says so
        summary = load(chunks=shop_chunks(), schema=shop_schema(), target_url=url)
        assert f"removed shadow schema {left[0]!r} left behind by an interrupted parallel load" in summary.warnings
        assert shadows(url) == [] and remove_stale_shadows(url) == []


@pytest.mark.parametrize("filled", [False, True], ids=["new-target", "filled-target"])
def test_duplicate_key_fails_at_build_naming_table_and_constraint(pg_databases: Any, filled: bool) -> None:
    url = pg_databases.create("dup")
    if filled:
        load(chunks=shifted(shop_chunks(), 100), schema=shop_schema(), target_url=url)
    before = snapshot(url)
    with pytest.raises(LoadError) as info:
        load_parallel(chunks=shop_chunks(dup_pk=True), schema=shop_schema(), target_url=url, mode="replace",
                      jobs=2)
    text = str(info.value)
    assert "\n" not in text and "'Order Line'" in text and "Order Line_pkey" in text and "rolled back" in text
    assert snapshot(url) == before
    assert shadows(url) == []


def test_orphan_fails_fk_validation_naming_table_and_constraint(pg_databases: Any) -> None:
    url = pg_databases.create("orphan")
    chunks = shop_chunks()
    chunks[5] = TableChunk("line_note", chunks[5].frame.assign(line_no=[1, 7]))  # (1, 7) is no Order Line
    with pytest.raises(LoadError) as info:
        load_parallel(chunks=chunks, schema=shop_schema(), target_url=url, jobs=2)
    text = str(info.value)
    assert "\n" not in text and "'line_note'" in text and "line_note_order_id_line_no_fkey" in text, text
    assert shadows(url) == [] and snapshot(url)[1] == {}


def test_a_failed_worker_copy_names_the_table(pg_databases: Any) -> None:
    url = pg_databases.create("bad")
    chunks = shop_chunks()
    chunks[1] = TableChunk("staff", chunks[1].frame.assign(mood=["happy", "cross", "sad", "sad"]))
    with pytest.raises(LoadError) as info:
        load_parallel(chunks=chunks, schema=shop_schema(), target_url=url, jobs=2)
    assert "'staff'" in str(info.value) and "\n" not in str(info.value)
    assert shadows(url) == [] and snapshot(url)[1] == {}


def test_other_targets_load_sequentially(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    assert begin_parallel_load(shop_schema("sqlite"), url, "fail") is None
    summary = load_parallel(chunks=shop_chunks(), schema=shop_schema("sqlite"), target_url=url, jobs=2)
    assert summary.rows == EXPECTED_ROWS and summary.writer != "postgresql-parallel-copy"
    assert remove_stale_shadows(url) == []


def test_begin_then_abort_leaves_nothing(pg_databases: Any) -> None:
    url = pg_databases.create("abort")
    parallel = begin_parallel_load(shop_schema(), url, "fail", jobs=2)
    assert parallel is not None and parallel.sink_spec.kind == "pg-shadow"
    assert shadows(url) == [parallel.shadow]
    from dbsynth.load.sink import open_sink
    sink = open_sink(parallel.sink_spec)
    assert sink.write(shop_chunks()[0]) == 2
    sink.close()
    parallel.abort()
    assert shadows(url) == [] and snapshot(url)[1] == {}
    assert not re.search(r"\bstore\b", snapshot(url)[0])


def test_seed_of_several_batches_writes_from_the_batch_workers(pg_databases: Any, tmp_path: Path) -> None:
    """Several batches and --workers 2: the sampling workers COPY into the shadow (no rows through the
    coordinator); the target equals the one-process seed, and no shadow schema is left."""
    from rich.console import Console

    from dbsynth import commands
    source = pg_databases.create("src", sql=BOOKS)
    config = tmp_path / "dbsynth.toml"
    config.write_text("batch_rows = 300\n")
    console = Console(file=open(os.devnull, "w"))
    out = {}
    for workers in (1, 2):
        url = pg_databases.create(f"b{workers}")
        summary = commands.seed(source=source, target=url, mode="fail", keep_triggers=False, alembic_config=None,
                                config_path=str(config), schema=None, model_dir=None, console=console, seed=5,
                                workers=workers)["summary"]
        out[workers] = summary, snapshot(url)
        assert shadows(url) == []
    (seq, seq_snap), (par, par_snap) = out[1], out[2]
    assert seq.writer != par.writer == "postgresql-parallel-copy"
    assert par.rows == seq.rows and sum(par.rows.values()) >= 700
    assert par_snap == seq_snap
