"""Parallel loads into PostgreSQL that stay all-or-nothing (issue 12, item 4).

Batches are COPYed by several connections at once into a *shadow schema*,
`dbsynth_shadow_<run id>`, which no application reads; the target's own tables
are only touched by one final transaction. Per mode:

* **new target** (its tables do not exist; `fail`, `replace` or `append`): the
  shadow schema gets the full schema (ENUM/DOMAIN types, sequences, tables with
  defaults, identity and generated columns) but no keys, indexes, CHECKs or FKs.
  Workers COPY into it; then, as `pg_restore --jobs` does, primary keys, UNIQUE
  constraints, indexes, EXCLUDE constraints and CHECKs are built table by table
  on `jobs` connections, cycle references are re-pointed, the FKs are added
  `NOT VALID` and then validated on `jobs` connections (one child table each:
  VALIDATE does not block FKs to the same parent), and orphan / duplicate counts
  are taken as the sequential loader does. One transaction then moves the types, sequences
  and tables into the target schema (`ALTER … SET SCHEMA`, a catalog change:
  indexes, constraints and owned sequences move with their table; defaults and
  FKs refer to objects by OID, so nothing is re-pointed), creates the views and
  the source's triggers (after the rows: they never fire), restarts the
  sequences past the loaded keys and drops the then empty shadow schema
  (`DROP SCHEMA … RESTRICT`: anything left in it fails the load instead of being
  dropped with it).
* **existing tables** (`replace`, `append`, and `fail` on empty tables): the
  shadow tables are staging tables with the target tables' column types. The
  final transaction is the sequential loader's own (same mode handling, TRUNCATE
  for `replace`, trigger toggles, cycle handling, sequence resets, verification)
  with its rows coming from `INSERT INTO target … SELECT … FROM shadow` in plan
  order instead of from the client, so the target's own objects (grants, views,
  FKs from other tables, triggers, sequence names) stay exactly as they are.

Crash safety: each run holds a session advisory lock named after its shadow
schema for its lifetime. A coordinator killed at any point releases it with its
connection (its workers die with it: PR_SET_PDEATHSIG); the next load against
that database (parallel or sequential) finds a shadow schema whose lock it can
take, drops it and says so in its summary. A worker killed mid-load loses its
uncommitted COPY; the coordinator sees it gone, drops the shadow schema and fails
with one line. `abort()` drops the shadow schema too.

SQLite and MySQL targets get no parallel load (`begin_parallel_load` returns
None): SQLite has a single writer per database file, and MySQL's DDL commits
implicitly, so neither can build a table set aside and swap it in within one
transaction; they load sequentially, as before.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import queue
import signal
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

from connectors.base import connect_timeout, dialect_of, mask_url
from connectors.generic_writer import native_rows, writable
from connectors.pg_writer import PgWriter, _json_as_text
from connectors.postgresql import psycopg_url
from dbsynth import interrupts
from dbsynth.errors import ConfigError, DbsynthError, Interrupted, LoadError
from dbsynth.load.sink import SinkSpec, open_sink, register_sink
from dbsynth.schema.graph import LoadPlan, build_plan

if TYPE_CHECKING:
    import pandas as pd
    import psycopg
    from sqlalchemy.engine import Connection, Engine

    from dbsynth.load.ddl import LaterStep
    from dbsynth.load.loader import LoadSummary, Mode
    from dbsynth.sample.types import TableChunk
    from dbsynth.schema.model import ForeignKey, Schema, Table

log = logging.getLogger("dbsynth.load.parallel")  # -v: the phases of a parallel load and their seconds

SHADOW_PREFIX = "dbsynth_shadow_"
_COLUMNS = "_dbsynth_columns"  # in the shadow schema: the columns each worker wrote, per table
_SLICE_ROWS = 100_000
_LOCK = "SELECT pg_advisory_lock(hashtextextended(%(name)s, 0))"
_TRY_LOCK = "SELECT pg_try_advisory_lock(hashtextextended(%(name)s, 0))"
_UNLOCK = "SELECT pg_advisory_unlock(hashtextextended(%(name)s, 0))"


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def libpq_url(url: str) -> str:
    """The target URL as libpq takes it (no SQLAlchemy driver suffix)."""
    from sqlalchemy.engine import make_url
    return make_url(psycopg_url(url)).set(drivername="postgresql").render_as_string(hide_password=False)


def _connect(url: str, *, autocommit: bool, name: str) -> "psycopg.Connection[Any]":
    import psycopg
    try:
        return psycopg.connect(libpq_url(url), autocommit=autocommit, application_name=name,
                               connect_timeout=connect_timeout())
    except psycopg.Error as exc:
        raise LoadError(mask_url(f"cannot connect to {url}: {str(exc).strip().splitlines()[0]}"),
                        hint="check that the target server still answers") from None


# --- stale shadow schemas ----------------------------------------------------------------

def remove_stale_shadows(target_url: str) -> list[str]:
    """Drop the shadow schemas of killed runs against this database; one summary line each.

    A shadow schema whose advisory lock is free belongs to no live run (a live coordinator
    holds its lock until it commits or aborts). Best effort: a schema still locked by a
    straggler is left for a later run.
    """
    import psycopg
    if dialect_of(target_url) != "postgresql":
        return []
    try:
        with _connect(target_url, autocommit=True, name="dbsynth") as conn:
            return _remove_stale(conn)
    except (psycopg.Error, LoadError) as exc:  # best effort: the load itself says what is wrong with the target
        return [f"shadow schemas of interrupted parallel loads not looked for: {str(exc).strip().splitlines()[0]}"]


def _remove_stale(conn: "psycopg.Connection[Any]") -> list[str]:
    import psycopg
    names = [r[0] for r in conn.execute(
        "SELECT nspname FROM pg_namespace WHERE starts_with(nspname, %(p)s) ORDER BY 1",
        {"p": SHADOW_PREFIX}).fetchall()]
    lines = []
    for name in names:
        if not conn.execute(_TRY_LOCK, {"name": name}).fetchone()[0]:  # type: ignore[index]
            continue  # a live run's
        try:
            conn.execute("SET lock_timeout = '10s'")
            conn.execute(f"DROP SCHEMA IF EXISTS {_q(name)} CASCADE")
            lines.append(f"removed shadow schema {name!r} left behind by an interrupted parallel load")
        except psycopg.Error as exc:
            lines.append(f"shadow schema {name!r} of an interrupted load not removed yet: "
                         f"{str(exc).strip().splitlines()[0]}")
        finally:
            conn.execute("RESET lock_timeout")
            conn.execute(_UNLOCK, {"name": name})
    return lines


# --- coordinator side ---------------------------------------------------------------------

@dataclass
class ParallelLoad:
    """A parallel load in progress: workers write through `sink_spec`; then `commit()` or `abort()`."""

    sink_spec: SinkSpec
    target_url: str
    schema: "Schema"
    plan: LoadPlan
    mode: str
    kind: str  # "swap" (new target) or "stage" (existing tables)
    shadow: str
    target_namespace: str
    summary: "LoadSummary"
    engine: "Engine"
    conn: "Connection"  # holds the advisory lock for the whole load
    jobs: int = 2
    keep_triggers: bool = False
    strict: bool = False
    later: list["LaterStep"] = field(default_factory=list)
    pending_fks: list[tuple[str, "ForeignKey"]] = field(default_factory=list)
    target_columns: dict[str, dict[str, tuple[bool, bool, str]]] = field(default_factory=dict)  # check_values
    started: float = field(default_factory=time.perf_counter)
    done: bool = False

    def checked(self, chunk: "TableChunk") -> "TableChunk":
        """A sample folder's chunk checked against the existing target table's columns (loader.load's
        `check_values`): a value the target would refuse is named with its table and column."""
        if chunk.table not in self.target_columns:
            return chunk
        from types import SimpleNamespace

        from dbsynth.load.loader import _check_target_values
        from dbsynth.sample.types import TableChunk
        frame = _check_target_values(chunk.table, chunk.frame, SimpleNamespace(target_columns=self.target_columns))
        return chunk if frame is chunk.frame else TableChunk(chunk.table, frame, chunk.batch)

    def commit(self) -> "LoadSummary":
        """Build, check and swap the shadow tables in (one transaction on the target); drops the shadow."""
        if self.done:
            raise LoadError("this parallel load is already committed or aborted")
        try:
            with interrupts.guarded():
                columns = self._written_columns()
                if self.kind == "swap":
                    self._commit_swap(columns)
                else:
                    self._commit_stage(columns)
        except KeyboardInterrupt:
            self.abort()
            interrupts.reset()
            raise Interrupted("interrupted: the load was rolled back and the target is unchanged") from None
        except BaseException as exc:
            self.abort()
            if not isinstance(exc, DbsynthError) and _is_db_error(exc):
                from dbsynth.load.loader import _Stage, translate_error
                raise translate_error(exc, _Stage()) from None
            raise
        self._release()
        self.summary.seconds = round(time.perf_counter() - self.started, 3)
        self.summary.warnings = list(dict.fromkeys(self.summary.warnings))
        return self.summary

    def fill(self, work: Callable[[], Any]) -> Any:
        """Run `work` (the rows reaching the shadow); a Ctrl-C or any failure drops the shadow first."""
        try:
            with interrupts.guarded():
                return work()
        except KeyboardInterrupt:
            self.abort()
            interrupts.reset()
            raise Interrupted("interrupted: the load was rolled back and the target is unchanged") from None
        except BaseException:
            self.abort()
            raise

    def abort(self) -> None:
        """Drop the shadow schema (the target is untouched); safe to call twice."""
        if self.done:
            return
        try:
            with _connect(self.target_url, autocommit=True, name="dbsynth") as raw:
                raw.execute("SET lock_timeout = '30s'")
                raw.execute(f"DROP SCHEMA IF EXISTS {_q(self.shadow)} CASCADE")
        except Exception:  # noqa: BLE001 - the next run removes a shadow schema left here
            pass
        self._release()

    def _release(self) -> None:
        self.done = True
        try:
            self.conn.close()  # ends the session: the advisory lock goes with it
        finally:
            self.engine.dispose()

    def _written_columns(self) -> dict[str, list[str]]:
        """Per table the columns the workers wrote (one set), and `rows` from their counts."""
        sql = f"SELECT tbl, cols, sum(n_rows) FROM {_q(self.shadow)}.{_COLUMNS} GROUP BY tbl, cols"
        with self.conn.begin():
            rows = self.conn.exec_driver_sql(sql).fetchall()
        out: dict[str, list[str]] = {}
        for table, cols, n in rows:
            if table in out:
                raise LoadError(f"table {table!r}: workers wrote different column sets; rolled back",
                                hint="every batch of a table must carry the same columns")
            out[table] = list(cols)
            self.summary.rows[table] = int(n)
        self.summary.rows = {t: self.summary.rows[t] for t in self.plan.order if t in self.summary.rows}
        return out

    # -- existing tables: the sequential loader's transaction, rows from the shadow tables --

    def _commit_stage(self, columns: dict[str, list[str]]) -> None:
        import pandas as pd

        from dbsynth.load.loader import _Job, _run, _Stage, target_capabilities
        from dbsynth.sample.types import TableChunk
        caps = target_capabilities(self.target_url)
        stage = _Stage()
        job = _Job(self.schema, self.plan, caps, self.mode, self.keep_triggers, None, None, self.summary, stage,
                   strict=self.strict)
        job.writer_factory = lambda ctx: ShadowWriter(ctx, shadow=self.shadow, columns=columns)
        markers = [TableChunk(t, pd.DataFrame(columns=columns[t])) for t in self.plan.order if t in columns]
        self.summary.rows = {}  # counted again by the INSERTs
        try:
            with self.conn.begin():
                _run(self.conn, job, markers)
                self.conn.exec_driver_sql(f"DROP SCHEMA {_q(self.shadow)} CASCADE")  # staging tables only
                interrupts.hold()  # from here a Ctrl-C waits for the commit, which is atomic
                interrupts.check()
        except Exception as exc:
            if _is_db_error(exc):
                from dbsynth.load.loader import translate_error
                raise translate_error(exc, stage) from None
            raise

    # -- new target: build in the shadow (pg_restore order), then move in ------------------

    def _commit_swap(self, columns: dict[str, list[str]]) -> None:
        from dbsynth.load.ddl import add_foreign_key_sql
        search = f"SET search_path TO {_q(self.shadow)}, {_q(self.target_namespace)}, public"
        groups: dict[str, list[tuple[str, str, str, bool]]] = {}
        for step in self.later:
            groups.setdefault(step.table, []).append((step.name, step.kind, step.sql, step.optional))
        t0 = time.perf_counter()
        skipped: set[tuple[str, str]] = set()
        self.summary.warnings += _run_steps(self.target_url, search, list(groups.items()), self.jobs, skipped)
        log.debug("parallel load: keys, indexes and CHECKs built in %.2fs", time.perf_counter() - t0)
        interrupts.check()  # a Ctrl-C during the builds: abort before the next phase
        self._repoint_cycles(search)
        # FKs: added NOT VALID on one connection (a catalog change), then validated on `jobs`
        # connections, one child table each: VALIDATE takes SHARE UPDATE EXCLUSIVE on the child and
        # ROW SHARE on the parent, so FKs to one parent validate side by side (a plain ADD takes
        # SHARE ROW EXCLUSIVE on both tables, which would run them one after the other)
        with self.conn.begin():
            added = [(t, fk_name_of(t, fk), add_foreign_key_sql(self.conn, t, fk) + " NOT VALID")
                     for t, fk in self.pending_fks]
        self.summary.warnings += _run_steps(self.target_url, search,
                                            [(t, [(n, "foreign key", sql, False)]) for t, n, sql in added], 1)
        validate: dict[str, list[tuple[str, str, str, bool]]] = {}
        for t, n, _ in added:
            validate.setdefault(t, []).append((n, "foreign key", f"ALTER TABLE {_q(t)} VALIDATE CONSTRAINT {_q(n)}",
                                               False))
        self.summary.warnings += _run_steps(self.target_url, search, list(validate.items()), self.jobs)
        interrupts.check()
        t1 = time.perf_counter()
        log.debug("parallel load: foreign keys added and validated in %.2fs", t1 - t0)
        self._verify(search, skipped)
        t2 = time.perf_counter()
        log.debug("parallel load: orphans and duplicates counted in %.2fs", t2 - t1)
        self._swap()
        log.debug("parallel load: swapped into the target in %.2fs", time.perf_counter() - t2)

    def _repoint_cycles(self, search: str) -> None:
        from dbsynth.load.loader import _Job, _repoint_cycles, _Stage, target_capabilities
        job = _Job(self.schema, self.plan, target_capabilities(self.target_url), self.mode, self.keep_triggers,
                   None, None, self.summary, _Stage())
        with self.conn.begin():
            self.conn.exec_driver_sql(search.replace("SET ", "SET LOCAL ", 1))
            _repoint_cycles(self.conn, job)

    def _verify(self, search: str, skipped: set[tuple[str, str]]) -> None:
        """loader._verify's orphan and duplicate counts, on the shadow tables. A count that a constraint
        PostgreSQL has just built and validated guarantees to be 0 (an FK added here, a key or unique
        index) is not queried again: it is 0."""
        from dbsynth.load.ddl import fk_name
        from dbsynth.load.loader import _duplicates, _orphans
        fks = {(t, fk_name(t, fk)) for t, fk in self.pending_fks}
        kept = {(s.table, tuple(s.unique)) for s in self.later if s.unique and (s.table, s.name) not in skipped}
        summary = self.summary
        with self.conn.begin():
            self.conn.exec_driver_sql(search.replace("SET ", "SET LOCAL ", 1))
            for name in self.plan.order:
                table = self.schema.table(name)
                for fk in table.foreign_keys:
                    if self.schema.has_table(fk.referred_table):
                        key = fk_name(name, fk)
                        summary.orphans[f"{name}.{key}"] = 0 if (name, key) in fks else _orphans(self.conn, name, fk)
                for cols in table.unique_column_sets():
                    summary.duplicates[f"{name}({', '.join(cols)})"] = (
                        0 if (name, tuple(cols)) in kept else _duplicates(self.conn, name, cols))

    def _swap(self) -> None:
        """One transaction: move the shadow's objects into the target schema, views, triggers, sequences."""
        from dbsynth.load.ddl import create_views, use_target_schema
        from dbsynth.load.drift import existing_tables
        conn = self.conn
        with conn.begin():
            use_target_schema(conn, self.schema)
            present, _ = existing_tables(conn, schema=self.schema)
            if present:
                raise LoadError(f"target table {present[0]!r} was created by someone else during the load; "
                                "rolled back", hint="re-run the load against the target as it is now")
            conn.exec_driver_sql(f"DROP TABLE {_q(self.shadow)}.{_COLUMNS}")
            for kind, name in conn.exec_driver_sql(_SHADOW_OBJECTS, {"ns": self.shadow}).fetchall():
                conn.exec_driver_sql(f"ALTER {kind} {_q(self.shadow)}.{_q(name)} "
                                     f"SET SCHEMA {_q(self.target_namespace)}")
            views = create_views(conn, schema=self.schema, target_dialect="postgresql")
            self.summary.views_created, self.summary.views_skipped = views.views_created, views.views_skipped
            self.summary.warnings += views.warnings
            self._triggers(conn)
            writer = PgWriter(_writer_context(conn, self.schema, self.plan))
            writer._reset_sequences()
            self.summary.sequences_reset = writer.sequences_reset
            conn.exec_driver_sql(f"DROP SCHEMA {_q(self.shadow)} RESTRICT")
            interrupts.hold()  # from here a Ctrl-C waits for the commit, which is atomic
            interrupts.check()

    def _triggers(self, conn: "Connection") -> None:
        from dbsynth.load.loader import recreate_triggers
        self.summary.triggers = recreate_triggers(conn, self.schema, strict=self.strict) or (
            "kept" if self.keep_triggers else "disabled during load, re-enabled before commit")


# Types and free-standing sequences of the shadow schema (tables carry their indexes,
# constraints and owned sequences with them), types first: tables use them.
_SHADOW_OBJECTS = """
SELECT CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, t.typname
FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE n.nspname = %(ns)s AND t.typtype IN ('e', 'd')
UNION ALL
SELECT CASE c.relkind WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END, c.relname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %(ns)s AND c.relkind IN ('r', 'p', 'S')
  AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
           AND d.objid = c.oid AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')))
"""


def fk_name_of(table: str, fk: "ForeignKey") -> str:
    from dbsynth.load.ddl import fk_name
    return fk_name(table, fk)


def _writer_context(conn: "Connection", schema: "Schema", plan: LoadPlan, *, keep_triggers: bool = True) -> Any:
    from connectors.generic_writer import WriterContext
    return WriterContext(conn=conn, schema=schema, plan=plan, keep_triggers=keep_triggers, fks_pending=False)


def _is_db_error(exc: BaseException) -> bool:
    from dbsynth.load.loader import _is_db_error as loader_is_db_error
    return loader_is_db_error(exc)


def _run_steps(url: str, search: str, groups: list[tuple[str, list[tuple[str, str, str, bool]]]],
               jobs: int, skipped: set[tuple[str, str]] | None = None) -> list[str]:
    """Run each table's statements in order, tables spread over `jobs` connections (pg_restore --jobs).

    A statement that fails on the rows (SQLSTATE class 23) fails the load naming its table and
    constraint; an optional one (CHECK, EXCLUDE) that fails for another reason is skipped with a
    warning, as the sequential loader does (and put in `skipped` as (table, name)). Returns the warnings.
    """
    skipped = skipped if skipped is not None else set()
    todo: "queue.SimpleQueue[tuple[str, list[tuple[str, str, str, bool]]]]" = queue.SimpleQueue()
    for item in groups:
        todo.put(item)
    warnings: list[str] = []
    failed: list[BaseException] = []
    conns: list["psycopg.Connection[Any]"] = []

    def fail(exc: BaseException, mine: "psycopg.Connection[Any]") -> None:
        failed.append(exc)
        for other in list(conns):  # the load is lost: stop the other builds now, not when they finish
            if other is not mine:
                try:
                    other.cancel()
                except Exception:  # noqa: BLE001 - best effort; it ends at its next statement anyway
                    pass

    def work() -> None:
        with _connect(url, autocommit=True, name="dbsynth-build") as conn:
            conns.append(conn)
            conn.execute(search)
            conn.execute("SET maintenance_work_mem = '128MB'")
            while not failed:
                try:
                    table, steps = todo.get_nowait()
                except queue.Empty:
                    return
                for name, kind, sql, optional in steps:
                    if failed:
                        return
                    try:
                        if not _run_step(conn, table, name, kind, sql, optional, warnings):
                            skipped.add((table, name))
                    except BaseException as exc:  # noqa: BLE001 - handed to the coordinator thread
                        fail(exc, conn)
                        return

    with ThreadPoolExecutor(max_workers=max(1, min(jobs, len(groups) or 1))) as pool:
        for f in [pool.submit(work) for _ in range(max(1, min(jobs, len(groups) or 1)))]:
            exc = f.exception()
            if exc is not None and not failed:
                failed.append(exc)
    if failed:
        raise failed[0]
    return warnings


def _run_step(conn: "psycopg.Connection[Any]", table: str, name: str, kind: str, sql: str, optional: bool,
              warnings: list[str]) -> bool:
    """Run one build statement; False when an optional one was skipped (with a warning)."""
    import psycopg
    from dbsynth.load.loader import _Stage, translate_error
    for attempt in range(4):
        try:
            conn.execute(sql)
            return True
        except psycopg.errors.DeadlockDetected:
            if attempt == 3:
                raise
            time.sleep(0.2 * (attempt + 1))  # two FKs between the same tables: the other one finished
        except psycopg.Error as exc:
            state = getattr(exc, "sqlstate", "") or ""
            if optional and not state.startswith("23"):
                warnings.append(f"{table}: {kind} {name!r} skipped ({str(exc).strip().splitlines()[0]})")
                return False
            raise translate_error(exc, _Stage(table=table, constraint=name or None)) from None


@dataclass
class ShadowWriter(PgWriter):
    """The sequential loader's PostgreSQL writer, its rows coming from the shadow (staging) tables."""

    shadow: str = ""
    columns: dict[str, list[str]] = field(default_factory=dict)
    name: str = "postgresql-parallel-copy"

    def write(self, table: "Table", frame: "pd.DataFrame") -> int:
        cols = self.columns.get(table.name)
        if not cols:
            return 0
        source = f"{_q(self.shadow)}.{_q(table.name)}"
        edges = self._backfill.get(table.name, [])
        fk_cols = [c for e in edges for c in e.columns if c in cols]
        if fk_cols:  # real cycle FK values aside in a temp table, NULL for now (PgWriter._stage_backfill)
            keep = list(table.pk_columns) + fk_cols
            temp = self._staged.get(table.name)
            names = ", ".join(self._q(c) for c in keep)
            if temp is None:
                temp = f"_dbsynth_backfill_{len(self._staged)}"
                self._exec(f"CREATE TEMP TABLE {temp} ON COMMIT DROP AS SELECT {names} FROM {self._q(table.name)} "
                           "LIMIT 0")
                self._staged[table.name] = temp
            self._exec(f"INSERT INTO {temp} ({names}) SELECT {names} FROM {source}")
        select = ", ".join("NULL" if c in fk_cols else self._q(c) for c in cols)
        with self._raw.cursor() as cur:
            # OVERRIDING SYSTEM VALUE: the rows carry their keys, as COPY writes them into identity columns
            cur.execute(f"INSERT INTO {self._q(table.name)} ({', '.join(self._q(c) for c in cols)}) "
                        f"OVERRIDING SYSTEM VALUE SELECT {select} FROM {source}")
            return int(cur.rowcount)


def begin_parallel_load(schema: "Schema", target_url: str, mode: "Mode" = "fail", *, jobs: int = 2,
                        keep_triggers: bool = False, strict: bool = False, alembic_config: Path | None = None,
                        check_values: bool = False) -> ParallelLoad | None:
    """Start a parallel load into `target_url`: the shadow schema, ready for the workers' sinks.

    None where the target cannot take one (not PostgreSQL, or an alembic migration that must run
    inside the load's own transaction): the caller loads sequentially with `loader.load`.
    """
    from dbsynth.load.loader import LoadSummary, _Stage, open_target, target_capabilities, translate_error
    if mode not in ("append", "replace", "fail"):
        raise ConfigError(f"unknown load mode {mode!r}", hint="use --mode fail, replace or append")
    if dialect_of(target_url) != "postgresql" or alembic_config is not None:
        return None  # see the module docstring: no shadow-and-swap there
    from dbsynth.load.preflight import check_target
    check_target(target_url)
    caps = target_capabilities(target_url)
    plan = build_plan(schema, capabilities=caps, target_dialect="postgresql")
    summary = LoadSummary(target=mask_url(target_url), mode=mode, writer="postgresql-parallel-copy")
    summary.warnings += remove_stale_shadows(target_url)
    shadow = f"{SHADOW_PREFIX}{uuid.uuid4().hex[:12]}"
    engine = open_target(target_url)
    try:
        conn = engine.connect()
    except Exception as exc:
        engine.dispose()
        if _is_db_error(exc):
            raise translate_error(exc, _Stage()) from None
        raise
    load = ParallelLoad(sink_spec=SinkSpec("pg-shadow", target_url, {"shadow": shadow, "schema": schema}),
                        target_url=target_url, schema=schema, plan=plan, mode=mode, kind="swap", shadow=shadow,
                        target_namespace="public", summary=summary, engine=engine, conn=conn, jobs=max(1, jobs),
                        keep_triggers=keep_triggers, strict=strict)
    try:
        conn.exec_driver_sql(_LOCK, {"name": shadow})
        conn.commit()
        with conn.begin():
            _prepare_shadow(conn, load, check_values=check_values)
    except BaseException as exc:
        load.abort()
        if isinstance(exc, DbsynthError) or not _is_db_error(exc):
            raise
        raise translate_error(exc, _Stage()) from None
    return load


def _prepare_shadow(conn: "Connection", load: ParallelLoad, *, check_values: bool = False) -> None:
    from dbsynth.load.ddl import create_bare_schema, target_schema_name
    from dbsynth.load.drift import existing_tables
    from dbsynth.load.extensions import ensure_extensions
    schema, shadow = load.schema, _q(load.shadow)
    named = target_schema_name(conn, schema)  # a --schema other than public: created by the swap, not here
    if named:
        conn.exec_driver_sql(f"SET LOCAL search_path TO {_q(named)}, public")
    load.target_namespace = named or conn.exec_driver_sql("SELECT current_schema()").scalar_one()
    present, missing = existing_tables(conn, schema=schema)
    if present and missing:
        raise LoadError(f"target has some of the tables but not {missing[0]!r} ({len(missing)} missing)",
                        hint="point at an empty database, or create the missing tables first")
    if present and load.mode == "fail":
        for table in load.plan.order:
            if conn.exec_driver_sql(f"SELECT 1 FROM {_q(table)} LIMIT 1").first():
                raise LoadError(f"target table {table!r} already has rows",
                                hint="use --mode replace or --mode append")
    load.kind = "stage" if present else "swap"
    if present and check_values:
        from dbsynth.load.loader import _target_columns
        load.target_columns = _target_columns(conn, present)
    if load.kind == "swap":
        if schema.dialect == "postgresql":  # extensions live outside the shadow schema, so they outlast it
            load.summary.warnings += [f"created extension {e!r} in the target: column types need it"
                                      for e in ensure_extensions(conn, schema)]
            if any(x.method == "gist" for t in schema.data_tables for x in t.exclusions):
                with conn.begin_nested():
                    conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS btree_gist")
        load.summary.schema_action = "created"
    conn.exec_driver_sql(f"CREATE SCHEMA {shadow}")
    conn.exec_driver_sql(f"CREATE TABLE {shadow}.{_COLUMNS} (tbl text NOT NULL, cols text[] NOT NULL, "
                         "n_rows bigint NOT NULL)")
    if load.kind == "stage":
        for table in load.plan.order:  # column types of the target's own tables; no NOT NULL, no keys
            conn.exec_driver_sql(f"CREATE TABLE {shadow}.{_q(table)} AS SELECT * FROM "
                                 f"{_q(load.target_namespace)}.{_q(table)} WITH NO DATA")
        return
    conn.exec_driver_sql(f"SET LOCAL search_path TO {shadow}, {_q(load.target_namespace)}, public")
    result = create_bare_schema(conn, schema=schema)
    load.later, load.pending_fks = result.later, result.pending_fks
    load.summary.warnings += result.warnings


# --- worker side --------------------------------------------------------------------------

class ShadowSink:
    """One worker's COPY connection into the shadow schema; `close()` commits its rows there."""

    def __init__(self, spec: SinkSpec) -> None:
        self.shadow: str = spec.params["shadow"]
        self.schema: "Schema" = spec.params["schema"]
        self.conn = _connect(spec.url, autocommit=False, name="dbsynth-worker")
        self.rows: dict[str, tuple[list[str], int]] = {}  # table -> (columns written, rows)

    def write(self, chunk: "TableChunk") -> int:
        import psycopg

        from dbsynth.load.loader import _Stage, translate_error
        if not self.schema.has_table(chunk.table) or chunk.table not in {t.name for t in self.schema.data_tables}:
            raise LoadError(f"chunk for table {chunk.table!r} which is not a data table of the schema",
                            hint="sample and load with the same schema")
        table = self.schema.table(chunk.table)
        unknown = [c for c in chunk.frame.columns if c not in table.column_names]
        if unknown:
            raise LoadError(f"table {table.name!r} has no column {unknown[0]!r}",
                            hint="sample and load with the same schema")
        frame = writable(table, chunk.frame)
        cols = [str(c) for c in frame.columns]
        arrays = frozenset(c.name for c in table.columns if c.logical_type.value == "array")
        frame = _json_as_text(frame, arrays)
        if self.rows.get(table.name, (cols, 0))[0] != cols:
            raise LoadError(f"table {table.name!r}: batches with different columns; rolled back",
                            hint="every batch of a table must carry the same columns")
        try:
            statement = f"COPY {_q(self.shadow)}.{_q(table.name)} ({', '.join(_q(c) for c in cols)}) FROM STDIN"
            with self.conn.cursor() as cur, cur.copy(statement) as copy:
                for start in range(0, len(frame), _SLICE_ROWS):
                    for row in native_rows(frame.iloc[start:start + _SLICE_ROWS], numpy_ok=True):
                        copy.write_row(row)
        except psycopg.Error as exc:
            raise translate_error(exc, _Stage(table=table.name)) from None
        self.rows[table.name] = (cols, self.rows.get(table.name, (cols, 0))[1] + len(frame))
        return len(frame)

    def close(self) -> None:
        try:  # what this worker wrote, committed with its rows: the coordinator counts no table
            with self.conn.cursor() as cur:
                cur.executemany(f"INSERT INTO {_q(self.shadow)}.{_COLUMNS} VALUES (%s, %s, %s)",
                                [(t, cols, n) for t, (cols, n) in self.rows.items()])
            self.conn.commit()
        finally:
            self.conn.close()


@register_sink("pg-shadow")
def _open_shadow_sink(spec: SinkSpec) -> ShadowSink:
    return ShadowSink(spec)


# --- fan-out without an executor: chunks from this process to N worker processes -------------

def load_parallel(*, chunks: Iterable["TableChunk"], schema: "Schema", target_url: str, mode: "Mode" = "fail",
                  jobs: int = 2, keep_triggers: bool = False, alembic_config: Path | None = None,
                  strict: bool = False, check_values: bool = False,
                  progress: Callable[[str, int], None] | None = None) -> "LoadSummary":
    """`loader.load`, with the rows COPYed by `jobs` worker processes (PostgreSQL; else sequential).

    Chunks come from this process (the sampler) and are dealt round-robin to the workers;
    a worker that dies or fails fails the load with one line, and nothing reaches the target.
    """
    from dbsynth.load.loader import load
    parallel = None
    if jobs > 1:
        parallel = begin_parallel_load(schema, target_url, mode, jobs=jobs, keep_triggers=keep_triggers,
                                       strict=strict, alembic_config=alembic_config, check_values=check_values)
    if parallel is None:
        return load(chunks=chunks, schema=schema, target_url=target_url, mode=mode, keep_triggers=keep_triggers,
                    alembic_config=alembic_config, progress=progress, check_values=check_values, strict=strict)
    t0 = time.perf_counter()
    source = (parallel.checked(c) for c in chunks) if parallel.target_columns else chunks
    written = parallel.fill(lambda: _fan_out(parallel.sink_spec, source, jobs, progress))
    log.debug("parallel load: rows COPYed by %d workers in %.2fs", jobs, time.perf_counter() - t0)
    summary = parallel.commit()
    for table, n in written.items():  # tables that got chunks without rows are named too, as load() does
        summary.rows.setdefault(table, n)
    return summary


def _fan_out(spec: SinkSpec, chunks: Iterable["TableChunk"], jobs: int,
             progress: Callable[[str, int], None] | None) -> dict[str, int]:
    ctx = multiprocessing.get_context("fork")  # the workers inherit the imported modules: no start-up cost
    inboxes = [ctx.Queue(maxsize=2) for _ in range(jobs)]
    results = ctx.Queue()
    procs = [ctx.Process(target=_worker_main, args=(spec, inboxes[i], results, os.getpid(), i),
                         name=f"dbsynth-load-{i}", daemon=True) for i in range(jobs)]
    for p in procs:
        p.start()
    finished: set[int] = set()
    written: dict[str, int] = {}
    try:
        for n, chunk in enumerate(chunks):
            interrupts.check()
            _dispatch(inboxes, n % jobs, chunk, procs, results, finished)
            written[chunk.table] = written.get(chunk.table, 0) + len(chunk.frame)
            if progress:
                progress(chunk.table, len(chunk.frame))
        for i in range(jobs):
            _put(inboxes[i], None, procs, results, finished)
        while len(finished) < jobs:
            interrupts.check()
            _collect(results, procs, finished, timeout=0.5)
    except BaseException:
        for p in procs:
            if p.is_alive():
                p.kill()
        raise
    finally:
        for p in procs:
            p.join(timeout=10)
        for q in (*inboxes, results):
            q.cancel_join_thread()
            q.close()
    return written


def _dispatch(inboxes: list[Any], start: int, item: Any, procs: list[Any], results: Any, finished: set[int]) -> None:
    """`item` to the first worker (from `start` on) with room in its inbox: a slow one does not hold the rest."""
    while True:
        _collect(results, procs, finished, timeout=0)
        for j in range(len(inboxes)):
            try:
                inboxes[(start + j) % len(inboxes)].put_nowait(item)
                return
            except queue.Full:
                continue
        interrupts.check()
        time.sleep(0.005)


def _put(inbox: Any, item: Any, procs: list[Any], results: Any, finished: set[int]) -> None:
    while True:
        _collect(results, procs, finished, timeout=0)
        try:
            inbox.put(item, timeout=0.5)
            return
        except queue.Full:
            interrupts.check()


def _collect(results: Any, procs: list[Any], finished: set[int], *, timeout: float) -> None:
    """Read the workers' reports; a worker that failed or died fails the load."""
    _drain(results, finished, timeout)
    for i, p in enumerate(procs):
        if i in finished or p.exitcode is None:
            continue
        _drain(results, finished, 1.0)  # a worker that just finished: its report may still be in the pipe
        if i in finished:
            continue
        how = (f"was killed by signal {signal.Signals(-p.exitcode).name}" if p.exitcode < 0
               else f"exited with status {p.exitcode}")
        raise LoadError(f"load worker {i} (pid {p.pid}) {how} during the load; rolled back",
                        hint="the target is unchanged; re-run the command")


def _drain(results: Any, finished: set[int], timeout: float) -> None:
    while True:
        try:
            msg = results.get(timeout=timeout) if timeout else results.get_nowait()
        except queue.Empty:
            return
        kind, index, *rest = msg
        if kind == "error":
            message, hint = rest
            raise LoadError(f"load worker {index}: {message}", hint=hint or "the target is unchanged")
        finished.add(index)
        timeout = 0


def _die_with_parent() -> None:
    """Linux: this worker gets SIGKILL when the coordinator dies (no orphan holding a COPY open)."""
    try:
        import ctypes
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _worker_main(spec: SinkSpec, inbox: Any, results: Any, parent: int, index: int) -> None:
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the coordinator's: it aborts the load
    if os.getppid() != parent:
        os._exit(1)
    try:
        sink = open_sink(spec)
        while True:
            try:
                item = inbox.get(timeout=1.0)
            except queue.Empty:
                if os.getppid() != parent:
                    os._exit(1)
                continue
            if item is None:
                break
            sink.write(item)
        sink.close()
        results.put(("ok", index))
    except DbsynthError as exc:
        results.put(("error", index, str(exc), getattr(exc, "hint", None)))
    except Exception as exc:  # noqa: BLE001 - reported as one line by the coordinator
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        results.put(("error", index, mask_url(first), None))
    results.close()
    results.join_thread()


