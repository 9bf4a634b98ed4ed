"""One transactional load of synthetic chunks into a target database.

Everything (schema creation, clearing, rows, cycle back-fill, FK re-adds,
trigger toggles, sequence resets, verification) happens in ONE transaction:
any error, or the process dying, leaves the target exactly as it was.
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Literal

import sqlalchemy as sa

from connectors.base import (Capabilities, capabilities_for, dialect_of, mask_url, missing_driver, target_engine_hook,
                             writer_class)
from connectors.generic_writer import Writer, WriterContext
from dbsynth import interrupts
from dbsynth.errors import ConfigError, DbsynthError, Interrupted, LoadError
from dbsynth.load.ddl import add_foreign_key_sql, create_schema, create_triggers, fk_name, use_target_schema
from dbsynth.load.drift import drift_lines, existing_tables
from dbsynth.schema.graph import LoadPlan, build_plan
from dbsynth.schema.model import LogicalType, Schema

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy.engine import Connection, Engine

    from dbsynth.frames import TableChunk

Mode = Literal["append", "replace", "fail"]


@dataclass
class LoadSummary:
    """What a load did; `to_dict()` is the JSON the CLI prints."""

    target: str
    mode: str
    writer: str = ""
    schema_action: str = ""  # created | existing | alembic
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    triggers: str = ""
    views_created: list[str] = field(default_factory=list)
    views_skipped: list[str] = field(default_factory=list)
    drift: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    orphans: dict[str, int] = field(default_factory=dict)  # "table.fk" -> rows
    duplicates: dict[str, int] = field(default_factory=dict)  # "table(cols)" -> duplicated keys
    sequences_reset: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Stage:
    """Where the load is, so a driver error can name the table and constraint."""

    table: str | None = None
    constraint: str | None = None


def target_capabilities(url: str) -> Capabilities:
    return capabilities_for(url)


def open_target(url: str) -> "Engine":
    """Engine whose transactions really are transactions (also for SQLite DDL): the one the
    target's connector opens for loads (Capabilities.target_engine), else a plain one."""
    hook = target_engine_hook(capabilities_for(url))
    try:
        return hook(url) if hook is not None else sa.create_engine(url)
    except ImportError as exc:
        raise missing_driver(url, exc) from None
    except (ValueError, sa.exc.ArgumentError) as exc:
        raise ConfigError(f"cannot parse the target URL {mask_url(url)!r}: {mask_url(str(exc))}") from None


def _writer(caps: Capabilities, ctx: WriterContext) -> Writer:
    """The writer the target's connector declares (connectors own their writers)."""
    writer: Writer = writer_class(caps)(ctx)
    return writer


def _is_db_error(exc: BaseException) -> bool:
    module = type(exc).__module__
    return isinstance(exc, sa.exc.SQLAlchemyError) or module.startswith(("psycopg", "sqlite3", "pymysql"))


def _hint(message: str) -> str:
    low = message.lower()
    if "unique" in low or "duplicate" in low:
        return "the rows repeat a key: re-sample, or use --mode replace if the target already holds rows"
    violated = any(w in low for w in ("violat", "constraint failed", "is not present"))
    if "foreign key" in low and violated:
        return ("a foreign key points at a missing row: the rows do not match this target's tables; "
                "re-sample with `dbsynth sample` from a model of this schema, or use --mode replace")
    if violated or "not-null" in low or "null value" in low:
        return ("a row breaks a column rule of the target: compare the target with the source "
                "(`dbsynth inspect TARGET`) and re-sample with `dbsynth sample`")
    return "the load was rolled back and the target is unchanged; fix the cause and re-run"


def translate_error(exc: BaseException, stage: _Stage) -> LoadError:
    """A driver exception as a LoadError naming the table and constraint (no traceback text)."""
    orig = getattr(exc, "orig", None) or exc
    diag = getattr(orig, "diag", None)
    table = getattr(diag, "table_name", None) or stage.table
    constraint = getattr(diag, "constraint_name", None) or stage.constraint
    text = str(orig).strip()
    first = text.splitlines()[0] if text else type(orig).__name__
    where = f"table {table!r}" if table else "the target"
    msg = f"loading {where} failed" + (f" on constraint {constraint!r}" if constraint else "")
    err = LoadError(mask_url(f"{msg}: {first}; rolled back"), hint=_hint(first))
    err.table, err.constraint = table, constraint  # type: ignore[attr-defined]
    return err


def load(*, chunks: Iterable["TableChunk"], schema: Schema, target_url: str, mode: Mode = "fail",
         keep_triggers: bool = False, alembic_config: Path | None = None,
         progress: Callable[[str, int], None] | None = None, check_values: bool = False,
         strict: bool = False) -> LoadSummary:
    """Load `chunks` (in plan order) into `target_url` in one all-or-nothing transaction.

    strict: a source trigger that cannot be re-created fails the load (rolled back).
    `check_values` (rows from a folder) checks each chunk against the target's
    own columns before writing it: a value the target would refuse is named
    with its table and column.

    Ctrl-C before the commit rolls back (an `Interrupted` error); a SQLite file
    this load created is removed again when the load fails.
    """
    if mode not in ("append", "replace", "fail"):
        raise ConfigError(f"unknown load mode {mode!r}", hint="use --mode fail, replace or append")
    caps = target_capabilities(target_url)
    plan = build_plan(schema, capabilities=caps, target_dialect=dialect_of(target_url))
    summary = LoadSummary(target=mask_url(target_url), mode=mode)
    started = time.perf_counter()
    new_file = _new_sqlite_file(target_url)
    if dialect_of(target_url) != "sqlite":
        from dbsynth.load.preflight import check_target
        check_target(target_url)  # one line for a wrong password or a silent server, not a "rolled back"
    if dialect_of(target_url) == "postgresql":  # what a killed parallel load left behind (load/parallel.py)
        from dbsynth.load.parallel import remove_stale_shadows
        summary.warnings += remove_stale_shadows(target_url)
    engine = open_target(target_url)
    stage = _Stage()
    try:
        with interrupts.guarded(), engine.connect() as conn:
            trans = conn.begin()
            try:
                _run(conn, _Job(schema, plan, caps, mode, keep_triggers, alembic_config, progress, summary,
                                stage, check_values, strict=strict), _watch(chunks))
                interrupts.hold()  # from here a Ctrl-C waits for the commit, which is atomic
                interrupts.check()  # one raised where Python swallowed it (a GC callback) is still seen here
            except BaseException:
                _rollback(trans)
                undo = getattr(writer_class(caps), "drop_created", None)
                if not caps.transactional_ddl and undo is not None and summary.schema_action == "created":
                    undo(conn, schema)  # DDL a ROLLBACK cannot undo (MySQL): the writer drops what was created
                _after_load(conn)
                raise
            trans.commit()
            _after_load(conn)
    except KeyboardInterrupt:
        _remove_new_file(new_file)
        interrupts.reset()  # handled here: a later load in this process starts clean
        raise Interrupted("interrupted: the load was rolled back and the target is unchanged") from None
    except DbsynthError:
        _remove_new_file(new_file)
        raise
    except Exception as exc:
        _remove_new_file(new_file)
        if _is_db_error(exc):
            raise translate_error(exc, stage) from None
        raise
    finally:
        engine.dispose()
    summary.seconds = round(time.perf_counter() - started, 3)
    summary.warnings = list(dict.fromkeys(summary.warnings))
    return summary


def _after_load(conn: "Connection") -> None:
    """What a writer left for after the COMMIT / ROLLBACK (MySQL: put back the triggers it set aside)."""
    for fn in conn.info.pop("dbsynth_after_load", []):  # callables a writer registered (connectors/mysql_triggers.py)
        fn()


def _rollback(trans: Any) -> None:
    try:
        trans.rollback()
    except Exception:  # a cancelled query can leave the connection unusable: closing it rolls back too
        pass


def _watch(chunks: Iterable["TableChunk"]) -> Iterator["TableChunk"]:
    """`chunks`, stopping at the first chunk boundary after a Ctrl-C."""
    for chunk in chunks:
        interrupts.check()
        yield chunk
    interrupts.check()


def _new_sqlite_file(url: str) -> Path | None:
    """The SQLite target file when this load is about to create it (to remove it if the load fails)."""
    if dialect_of(url) != "sqlite":
        return None
    from dbsynth.load.preflight import sqlite_path
    path = sqlite_path(url)
    return path if path is not None and not path.exists() else None


def _remove_new_file(path: Path | None) -> None:
    """No 0-byte (or rolled-back, empty) SQLite file is left behind by a failed load."""
    if path is None:
        return
    for p in (path, Path(f"{path}-journal"), Path(f"{path}-wal"), Path(f"{path}-shm")):
        try:
            p.unlink()
        except OSError:
            pass


@dataclass
class _Job:
    schema: Schema
    plan: LoadPlan
    caps: Capabilities
    mode: str
    keep_triggers: bool
    alembic_config: Path | None
    progress: Callable[[str, int], None] | None
    summary: LoadSummary
    stage: _Stage
    check_values: bool = False
    target_columns: dict[str, dict[str, tuple[bool, bool, str]]] = field(default_factory=dict)
    strict: bool = False
    writer_factory: Callable[[WriterContext], Writer] | None = None  # parallel.py: rows from the shadow tables


def _run(conn: "Connection", job: _Job, chunks: Iterable["TableChunk"]) -> None:
    use_target_schema(conn, job.schema)  # a non-public source schema is recreated and filled as such
    pending = _prepare_target(conn, job)
    ctx = WriterContext(conn=conn, schema=job.schema, plan=job.plan, keep_triggers=job.keep_triggers,
                        fks_pending=bool(pending))
    writer = job.writer_factory(ctx) if job.writer_factory else _writer(job.caps, ctx)
    job.summary.writer = writer.name
    writer.prepare()
    if job.summary.schema_action != "created":
        _apply_mode(conn, job)
    _write_all(writer, job, chunks)
    job.stage.table = None
    _repoint_cycles(conn, job)
    writer.finish()
    for table, fk in pending:
        job.stage.table, job.stage.constraint = table, fk_name(table, fk)
        conn.exec_driver_sql(add_foreign_key_sql(conn, table, fk))
    job.stage.table = job.stage.constraint = None
    job.summary.triggers, job.summary.sequences_reset = writer.triggers, writer.sequences_reset
    job.summary.warnings += writer.warnings
    if job.summary.schema_action == "created":
        job.summary.triggers = recreate_triggers(conn, job.schema, strict=job.strict) or job.summary.triggers
    _verify(conn, job)


def recreate_triggers(conn: "Connection", schema: Schema, *, strict: bool) -> str | None:
    """Re-create the source's triggers after the rows (they did not fire); the summary line, None when
    there were none. With `strict` a trigger that cannot be re-created fails the load (rolled back)."""
    created, skipped = create_triggers(conn, schema=schema, source_dialect=schema.dialect)
    if skipped and strict:
        raise LoadError(f"{len(skipped)} source trigger(s) not re-created: {', '.join(skipped)}; rolled back",
                        hint="create the trigger functions in the target first, or run without --strict")
    if not (created or skipped):
        return None
    return f"{len(created)} re-created after the load (did not fire)" + (
        f"; skipped: {', '.join(skipped)}" if skipped else "")


def _repoint_cycles(conn: "Connection", job: _Job) -> None:
    """Cycle FKs whose parent row the validator replaced point at an existing row (load/cycles.py)."""
    from dbsynth.load.cycles import edge_repoint

    for edge in job.plan.deferred:
        job.stage.table = edge.table
        line = edge_repoint(conn, job.schema, edge)
        if line:
            job.summary.warnings.append(line)
    job.stage.table = None


def _prepare_target(conn: "Connection", job: _Job) -> list[tuple[str, Any]]:
    """Run alembic / reuse / create the target schema; returns FKs to add after the data."""
    if job.alembic_config is not None:
        _alembic_upgrade(conn, job.alembic_config)
        job.summary.schema_action = "alembic"
    present, missing = existing_tables(conn, schema=job.schema)
    if present and missing:
        raise LoadError(f"target has some of the tables but not {missing[0]!r} ({len(missing)} missing)",
                        hint="point at an empty database, or create the missing tables first")
    if present:
        job.summary.schema_action = job.summary.schema_action or "existing"
        if job.check_values:
            job.target_columns = _target_columns(conn, present)
        job.summary.drift = drift_lines(conn, schema=job.schema, target_dialect=conn.dialect.name)
        return []
    result = create_schema(conn, schema=job.schema, target_dialect=conn.dialect.name,
                           fks_after_data=job.caps.alter_constraints)
    job.summary.schema_action = "created"
    job.summary.views_created, job.summary.views_skipped = result.views_created, result.views_skipped
    job.summary.warnings += result.warnings
    return result.pending_fks


def _alembic_upgrade(conn: "Connection", config: Path) -> None:
    if not Path(config).is_file():
        raise ConfigError(f"alembic config {str(config)!r} not found", hint="pass the path of alembic.ini")
    from alembic import command
    from alembic.config import Config

    cfg = Config(str(config))
    cfg.set_main_option("sqlalchemy.url", conn.engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    # env.py files following alembic's "sharing a connection" recipe join our transaction.
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, "head")


def _q(conn: "Connection", name: str) -> str:
    return conn.dialect.identifier_preparer.quote_identifier(name)


def _apply_mode(conn: "Connection", job: _Job) -> None:
    order = list(job.plan.order)
    if job.mode == "fail":
        for table in order:
            if conn.exec_driver_sql(f"SELECT 1 FROM {_q(conn, table)} LIMIT 1").first():
                raise LoadError(f"target table {table!r} already has rows",
                                hint="use --mode replace or --mode append")
    elif job.mode == "replace":
        if job.caps.copy:  # PostgreSQL: one TRUNCATE of all tables is FK-safe, cycles included
            conn.exec_driver_sql("TRUNCATE " + ", ".join(_q(conn, t) for t in order))
            return
        for table in reversed(order):
            job.stage.table = table
            conn.exec_driver_sql(f"DELETE FROM {_q(conn, table)}")
        job.stage.table = None


def _write_all(writer: Writer, job: _Job, chunks: Iterable["TableChunk"]) -> None:
    for chunk in chunks:
        if chunk.table not in job.plan.order:
            raise LoadError(f"chunk for table {chunk.table!r} which is not a data table of the schema",
                            hint="sample and load with the same schema")
        table = job.schema.table(chunk.table)
        unknown = [c for c in chunk.frame.columns if c not in table.column_names]
        if unknown:
            raise LoadError(f"table {table.name!r} has no column {unknown[0]!r}",
                            hint="sample and load with the same schema")
        job.stage.table = table.name
        frame = _check_target_values(table.name, chunk.frame, job) if job.check_values else chunk.frame
        n = writer.write(table, frame)
        job.summary.rows[table.name] = job.summary.rows.get(table.name, 0) + n
        if job.progress:
            job.progress(table.name, n)


def _target_columns(conn: "Connection", tables: list[str]) -> dict[str, dict[str, tuple[bool, bool, str]]]:
    """Per existing target table: column -> (integer type, may be left NULL, type as text)."""
    inspector = sa.inspect(conn)
    out: dict[str, dict[str, tuple[bool, bool, str]]] = {}
    for name in tables:
        out[name] = {}
        for c in inspector.get_columns(name):
            integer = isinstance(c["type"], sa.Integer)
            may_be_null = bool(c.get("nullable", True)) or c.get("autoincrement") is True
            out[name][c["name"]] = (integer, may_be_null, str(c["type"]))
    return out


def _check_target_values(table: str, frame: "pd.DataFrame", job: _Job) -> "pd.DataFrame":
    """A folder's chunk against the existing target table's columns (names, integers, NOT NULL)."""
    from dbsynth.load.files import integers
    columns = job.target_columns.get(table)
    if not columns:
        return frame
    where = "the sample folder"
    out = frame
    for name in frame.columns:
        if name not in columns:
            raise LoadError(f"{where}: target table {table!r} has no column {name!r}",
                            hint="load into a target with the source's schema, or an empty database")
        integer, may_be_null, type_text = columns[name]
        if integer and frame[name].dtype.kind not in "iu":
            if out is frame:
                out = frame.copy()
            out[name] = integers(frame[name], table=table, column=name, type_sql=type_text, where=where)
        if not may_be_null and frame[name].isna().any():
            raise LoadError(f"{where}: target column {table}.{name} is NOT NULL but "
                            f"{int(frame[name].isna().sum())} row(s) hold NULL",
                            hint="load into a target with the source's schema, or an empty database")
    return out


def _verify(conn: "Connection", job: _Job) -> None:
    """Orphan FK rows and duplicate keys per loaded table, before commit."""
    for name in job.plan.order:
        table = job.schema.table(name)
        for fk in table.foreign_keys:
            if job.schema.has_table(fk.referred_table):
                job.summary.orphans[f"{name}.{fk_name(name, fk)}"] = _orphans(conn, name, fk)
        for cols in table.unique_column_sets():
            job.summary.duplicates[f"{name}({', '.join(cols)})"] = _duplicates(conn, name, cols)
    bad = {k: v for k, v in job.summary.orphans.items() if v}
    if bad and job.caps.defer_foreign_keys_pragma:  # the deferred check would fail the commit
        key, count = next(iter(bad.items()))
        raise LoadError(f"{count} row(s) of {key} point at missing parent rows; rolled back",
                        hint="the target's foreign keys differ from the sampled schema; "
                             "check them with `dbsynth inspect TARGET`")


def _orphans(conn: "Connection", table: str, fk: Any) -> int:
    q = lambda n: _q(conn, n)  # noqa: E731
    on = " AND ".join(f"c.{q(a)} = p.{q(b)}" for a, b in zip(fk.columns, fk.referred_columns))
    filled = " AND ".join(f"c.{q(a)} IS NOT NULL" for a in fk.columns)
    sql = (f"SELECT COUNT(*) FROM {q(table)} c LEFT JOIN {q(fk.referred_table)} p ON {on} "
           f"WHERE {filled} AND p.{q(fk.referred_columns[0])} IS NULL")
    return int(conn.exec_driver_sql(sql).scalar_one())


def _duplicates(conn: "Connection", table: str, cols: tuple[str, ...]) -> int:
    q = lambda n: _q(conn, n)  # noqa: E731
    names = ", ".join(q(c) for c in cols)
    filled = " AND ".join(f"{q(c)} IS NOT NULL" for c in cols)
    sql = f"SELECT COUNT(*) FROM (SELECT 1 FROM {q(table)} WHERE {filled} GROUP BY {names} HAVING COUNT(*) > 1) d"
    return int(conn.exec_driver_sql(sql).scalar_one())


def _read_present(target_url: str, schema: Schema, read: Callable[["Connection", str], Any]) -> dict[str, Any]:
    """`read(conn, table)` for each data table of `schema` present in the target (reads only)."""
    engine = open_target(target_url)
    out: dict[str, Any] = {}
    try:
        with engine.connect() as conn:
            present, _ = existing_tables(conn, schema=schema)
            for name in present:
                value = read(conn, name)
                if value is not None:
                    out[name] = value
            conn.rollback()
    except sa.exc.SQLAlchemyError as exc:
        raise translate_error(exc, _Stage()) from None
    finally:
        engine.dispose()
    return out


def key_offsets(*, target_url: str, schema: Schema) -> dict[str, int]:
    """max() of each single-column integer PK already in the target (0 when empty or absent)."""
    def top(conn: "Connection", name: str) -> int | None:
        pk = schema.table(name).pk_columns
        if len(pk) != 1 or schema.table(name).column(pk[0]).logical_type != LogicalType.INTEGER:
            return None
        value = conn.exec_driver_sql(f"SELECT MAX({_q(conn, pk[0])}) FROM {_q(conn, name)}").scalar()
        return int(value or 0)
    return _read_present(target_url, schema, top)


def target_rows(target_url: str, schema: Schema) -> dict[str, bool]:
    """For each data table of `schema` present in the target: does it hold a row? (reads only)"""
    return _read_present(target_url, schema, lambda conn, name: conn.exec_driver_sql(
        f"SELECT 1 FROM {_q(conn, name)} LIMIT 1").first() is not None)


@dataclass
class AppendState:
    """What an append target already holds: integer key maxima, unique keys, row counts."""

    offsets: dict[str, int] = field(default_factory=dict)
    keys: dict[tuple[str, tuple[str, ...]], Any] = field(default_factory=dict)  # -> DataFrame of key values
    counts: dict[str, int] = field(default_factory=dict)

    def seed_for(self, seed: int) -> int:
        """`seed` moved by the target's row counts: a second append differs from the first, reproducibly."""
        import hashlib
        if not any(self.counts.values()):
            return seed
        text = repr((seed, sorted(self.counts.items()))).encode()
        return int.from_bytes(hashlib.sha256(text).digest()[:4], "big")


def append_state(*, target_url: str, schema: Schema) -> AppendState:
    """Read the existing keys of the target's tables (append mode): new rows must not collide with them."""
    import pandas as pd
    if dialect_of(target_url) == "sqlite":
        from dbsynth.load.preflight import sqlite_path
        path = sqlite_path(target_url)
        if path is not None and not path.exists():
            return AppendState()
    state = AppendState(offsets=key_offsets(target_url=target_url, schema=schema))
    engine = open_target(target_url)
    try:
        with engine.connect() as conn:
            present, _ = existing_tables(conn, schema=schema)
            for name in present:
                table = schema.table(name)
                state.counts[name] = int(conn.exec_driver_sql(f"SELECT COUNT(*) FROM {_q(conn, name)}").scalar_one())
                if not state.counts[name]:
                    continue
                for cols in table.unique_column_sets():
                    names = ", ".join(_q(conn, c) for c in cols)
                    rows = conn.exec_driver_sql(f"SELECT {names} FROM {_q(conn, name)}").fetchall()
                    state.keys[(name, tuple(cols))] = pd.DataFrame([tuple(r) for r in rows], columns=list(cols))
            conn.rollback()
    except sa.exc.SQLAlchemyError as exc:
        raise translate_error(exc, _Stage()) from None
    finally:
        engine.dispose()
    return state
