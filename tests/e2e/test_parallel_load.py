"""Parallel PostgreSQL loads (dbsynth/load/parallel.py): same target as the sequential loader, and
all-or-nothing when a worker or the coordinator is SIGKILLed or a constraint fails at build time."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pandas as pd
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


def test_chinook_clone_matches_sequential_also_as_replace(pg_databases: Any) -> None:
    source = pg_databases.create("chinook", sql_file=ROOT / "examples" / "chinook" / "postgres.sql")
    schema, chunks = _chinook_chunks(source)
    seq_url, par_url = pg_databases.create("seq"), pg_databases.create("par")
    for mode in ("fail", "replace"):
        seq = load(chunks=chunks, schema=schema, target_url=seq_url, mode=mode)
        par = load_parallel(chunks=chunks, schema=schema, target_url=par_url, mode=mode, jobs=2)
        assert seq.writer == "postgresql-copy" and par.writer == "postgresql-parallel-copy"
        assert par.rows == seq.rows and sum(par.rows.values()) > 10_000
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


KILL_SCRIPT = textwrap.dedent("""
    import multiprocessing, sys
    from tests.connectors.test_writers import shop_chunks, shop_schema
    from dbsynth.errors import DbsynthError
    from dbsynth.load.parallel import load_parallel

    def paused():
        chunks = shop_chunks()
        yield from chunks[:4]
        workers = [p.pid for p in multiprocessing.active_children() if p.name.startswith("dbsynth-load")]
        print("READY", *workers, flush=True)
        sys.stdin.readline()  # the test kills a process, then lets the load go on
        yield from chunks[4:]

    try:
        load_parallel(chunks=paused(), schema=shop_schema(), target_url=sys.argv[1], mode="replace", jobs=2)
    except DbsynthError as exc:
        print("ERROR", exc, flush=True)
        sys.exit(1)
    print("LOADED", flush=True)
""")


def _start_paused_load(url: str) -> tuple[subprocess.Popen[str], list[int]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, url], cwd=ROOT, env=env, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline().split()
    assert line and line[0] == "READY", proc.stderr.read() if proc.stderr else ""
    deadline = time.monotonic() + 30  # rows COPYed (not yet committed) into the shadow tables
    while _shadow_bytes(url) == 0:
        assert time.monotonic() < deadline, "no rows reached the shadow schema"
        time.sleep(0.05)
    return proc, [int(p) for p in line[1:]]


def _shadow_bytes(url: str) -> int:
    with psycopg.connect(url) as conn:
        return int(conn.execute(
            "SELECT coalesce(sum(pg_relation_size(c.oid)), 0) FROM pg_class c JOIN pg_namespace n "
            "ON n.oid = c.relnamespace WHERE starts_with(n.nspname, %s) AND c.relkind = 'r' "
            "AND c.relname <> '_dbsynth_columns'", (SHADOW_PREFIX,)).fetchone()[0])


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state in ("Z", "X")


def _filled_target(pg_databases: Any) -> tuple[str, Any]:
    url = pg_databases.create("target")
    load(chunks=shop_chunks(), schema=shop_schema(), target_url=url)
    return url, snapshot(url)


def test_sigkill_of_a_worker_fails_the_load_in_one_line_and_leaves_the_target(pg_databases: Any) -> None:
    url, before = _filled_target(pg_databases)
    proc, workers = _start_paused_load(url)
    assert len(workers) == 2
    os.kill(workers[0], signal.SIGKILL)
    out, err = proc.communicate("go\n", timeout=60)
    assert proc.returncode == 1, err
    lines = [line for line in out.splitlines() if line.startswith("ERROR")]
    assert len(lines) == 1 and f"pid {workers[0]}" in lines[0] and "SIGKILL" in lines[0], out
    assert "Traceback" not in out + err
    assert snapshot(url) == before
    assert shadows(url) == []  # abort() dropped it


def test_sigkill_of_the_coordinator_leaves_the_target_and_the_next_run_cleans_up(pg_databases: Any) -> None:
    url, before = _filled_target(pg_databases)
    proc, workers = _start_paused_load(url)
    proc.kill()
    proc.communicate(timeout=30)
    deadline = time.monotonic() + 30
    while not all(_gone(pid) for pid in workers):  # PR_SET_PDEATHSIG: no orphan keeps a COPY open
        assert time.monotonic() < deadline, "a load worker outlived its coordinator"
        time.sleep(0.05)
    assert snapshot(url) == before
    left = shadows(url)
    assert len(left) == 1
    summary = load(chunks=shifted(shop_chunks(), 100), schema=shop_schema(), target_url=url, mode="replace")
    assert any(left[0] in w and "interrupted" in w for w in summary.warnings)
    assert shadows(url) == []


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
