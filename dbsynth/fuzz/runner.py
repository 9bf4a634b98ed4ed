"""Seed each fuzz schema SQLite → SQLite and PostgreSQL → PostgreSQL and check the target.

`dbsynth seed` runs in-process through the real CLI (typer's CliRunner), so
its exit code is the one a user would see; `--debug` lets an unexpected
exception keep its traceback, which names where it came from. A failure is
recorded with its seed, dialect, category, one-line reason, the code location
and the DDL, so `python -m benchmarks fuzz --seed S --schemas 1` reproduces it.
"""
from __future__ import annotations

import shutil
import tempfile
import time
import traceback
import uuid
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from dbsynth.fuzz.build import SourceError, create_pg, create_sqlite, ddl, pg_create_database, pg_drop_database
from dbsynth.fuzz.check import Problem, check_target, pg_query, sqlite_query
from dbsynth.fuzz.generate import FuzzSchema, Options, generate
from dbsynth.fuzz.minimise import minimise, without

ROOT = Path(__file__).resolve().parents[2]
DIALECTS = ("sqlite", "postgresql")


@dataclass
class Outcome:
    seed: int
    dialect: str
    ok: bool
    seconds: float
    exit_code: int | None = None
    category: str = ""
    reason: str = ""
    location: str = ""
    problems: list[str] = field(default_factory=list)
    drops: dict[str, dict[str, int]] = field(default_factory=dict)
    features: list[str] = field(default_factory=list)
    tables: int = 0
    rows: int = 0
    output_tail: str = ""
    ddl: list[str] = field(default_factory=list)

    def line(self) -> str:
        where = f" at {self.location}" if self.location else ""
        return f"seed {self.seed} [{self.dialect}] {self.category}: {self.reason}{where}"

    def to_json(self, *, with_ddl: bool) -> dict[str, Any]:
        data = asdict(self)
        if not with_ddl:
            data.pop("ddl")
        return data


@dataclass
class SeedRun:
    exit_code: int
    exception: BaseException | None
    exc_info: Any
    output: str
    drops: dict[str, dict[str, int]]


class FuzzTimeout(Exception):
    """A seed ran past the fuzzer's per-run limit (a hang, or a pathological slowdown)."""


SEED_TIMEOUT_S = 60


def _alarm(_signum: int, _frame: Any) -> None:
    raise FuzzTimeout(f"dbsynth seed ran past {SEED_TIMEOUT_S}s")


def seed_cli(source: str, target: str, seed: int, *, timeout_s: int = SEED_TIMEOUT_S) -> SeedRun:
    """`dbsynth --debug seed SOURCE TARGET --seed N` in-process, with the validator's drops per table.

    In the main thread SIGALRM ends a run past `timeout_s`; the traceback then says where it hung.
    """
    import signal
    import threading
    timed = threading.current_thread() is threading.main_thread()
    if timed:
        old = signal.signal(signal.SIGALRM, _alarm)
        signal.alarm(timeout_s)
    try:
        return _seed_cli(source, target, seed)
    finally:
        if timed:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, old)


def _seed_cli(source: str, target: str, seed: int) -> SeedRun:
    from typer.testing import CliRunner

    from dbsynth import pipeline
    from dbsynth.cli import app
    validators: list[Any] = []
    real = pipeline.validated_chunks

    def spy(*args: Any, **kwargs: Any) -> Any:
        chunks, validator = real(*args, **kwargs)
        validators.append(validator)
        return chunks, validator

    pipeline.validated_chunks = spy
    try:
        result = CliRunner().invoke(app, ["--debug", "seed", source, target, "--seed", str(seed)])
    finally:
        pipeline.validated_chunks = real
    exc = result.exception if not isinstance(result.exception, SystemExit) else None
    return SeedRun(result.exit_code, exc, result.exc_info, result.output, _drops(validators))


def _drops(validators: list[Any]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for v in validators:
        try:
            counts = v.summary().counts
        except Exception:  # noqa: BLE001 - a validator that failed mid-stream: no drop detail
            continue
        for table, kinds in counts.items():
            for kind, c in kinds.items():
                if c.get("dropped"):
                    out.setdefault(table, {})[kind] = out.get(table, {}).get(kind, 0) + int(c["dropped"])
    return out


def location(exc_info: Any) -> str:
    """The deepest frame in dbsynth/ or connectors/ (the fuzzer's own frames skipped)."""
    if not exc_info or exc_info[2] is None:
        return ""
    best = ""
    for frame in traceback.extract_tb(exc_info[2]):
        path = Path(frame.filename)
        try:
            rel = path.resolve().relative_to(ROOT)
        except ValueError:
            continue
        if rel.parts[0] in ("dbsynth", "connectors") and "fuzz" not in rel.parts and rel.name != "cli.py":
            best = f"{rel}:{frame.lineno} {frame.name}"
    return best


def crash_category(exc: BaseException) -> str:
    from dbsynth.errors import DbsynthError
    if isinstance(exc, FuzzTimeout):
        return "timeout"
    if isinstance(exc, DbsynthError):
        return f"error:{type(exc).__name__}"
    return f"crash:{type(exc).__name__}"


@dataclass
class Env:
    workdir: Path
    pg_admin_url: str | None = None
    timeout_s: int = SEED_TIMEOUT_S  # per `dbsynth seed` run


def run_one(schema: FuzzSchema, dialect: str, env: Env) -> Outcome:
    t0 = time.perf_counter()
    out = Outcome(seed=schema.seed, dialect=dialect, ok=False, seconds=0.0, features=sorted(schema.features),
                  tables=len(schema.tables), rows=sum(schema.counts().values()))
    try:
        if dialect == "sqlite":
            _run_sqlite(schema, env, out)
        else:
            _run_pg(schema, env, out)
    except SourceError as exc:
        out.category, out.reason = "fuzzer:source", str(exc)
    out.seconds = round(time.perf_counter() - t0, 2)
    if not out.ok:
        out.ddl = ddl(schema, dialect)
    return out


def _run_sqlite(schema: FuzzSchema, env: Env, out: Outcome) -> None:
    src, dst = env.workdir / f"src-{schema.seed}.sqlite", env.workdir / f"dst-{schema.seed}.sqlite"
    for p in (src, dst):
        p.unlink(missing_ok=True)
    create_sqlite(schema, src)
    try:
        _seed_and_check(schema, "sqlite", f"sqlite:///{src}", f"sqlite:///{dst}", out,
                        lambda: sqlite_query(str(dst)) if dst.exists() else None, lambda: sqlite_query(str(src)),
                        env.timeout_s)
    finally:
        for p in (src, dst):
            p.unlink(missing_ok=True)


def _run_pg(schema: FuzzSchema, env: Env, out: Outcome) -> None:
    assert env.pg_admin_url, "PostgreSQL runs need a server"
    tag = uuid.uuid4().hex[:8]
    names = (f"fz_src_{schema.seed}_{tag}", f"fz_dst_{schema.seed}_{tag}")
    try:
        src, dst = (pg_create_database(env.pg_admin_url, n) for n in names)
        create_pg(schema, src)
        _seed_and_check(schema, "postgresql", src, dst, out, lambda: pg_query(dst), lambda: pg_query(src),
                        env.timeout_s)
    finally:
        for n in names:
            pg_drop_database(env.pg_admin_url, n)


def _seed_and_check(schema: FuzzSchema, dialect: str, src: str, dst: str, out: Outcome,
                    open_target: Callable[[], Any], open_source: Callable[[], Any],
                    timeout_s: int = SEED_TIMEOUT_S) -> None:
    run = seed_cli(src, dst, schema.seed, timeout_s=timeout_s)
    code, exc, exc_info, output = run.exit_code, run.exception, run.exc_info, run.output
    out.exit_code = code
    out.drops = run.drops
    out.output_tail = "\n".join(output.strip().splitlines()[-15:])
    if exc is not None:
        out.category = crash_category(exc)
        out.reason = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:300]
        out.location = location(exc_info)
        return
    if code != 0:
        out.category = "exit_code"
        out.reason = f"exit {code}: {_last_error(output)}"
        return
    opened = open_target()
    if opened is None:
        out.category, out.reason = "target_missing", "exit 0 but no target database file"
        return
    query, close = opened
    squery, sclose = open_source()
    try:
        problems = check_target(schema, dialect, query, squery, run.drops)
    except Exception as exc:  # noqa: BLE001 - the checker's own bug must not end a long run
        out.category, out.reason = "fuzzer:check", f"{type(exc).__name__}: {exc}"[:300]
        out.location = traceback.format_exc().strip().splitlines()[-3].strip()
        return
    finally:
        close()
        sclose()
    out.problems = [p.line() for p in problems]
    if problems:
        first = _worst(problems)
        out.category, out.reason = first.category, first.detail[:300]
        return
    out.ok = True


_SEVERITY = ("fk_violation", "check_violation", "not_null_violation", "unique_violation", "integrity", "table_missing",
             "column_missing", "table_empty", "rows_short", "rows_over", "not_valid", "invalid_index",
             "constraint_missing", "default_missing", "sequence_behind", "null_filled", "type_changed", "type_drift",
             "length_exceeded")


def _worst(problems: list[Problem]) -> Problem:
    """The most telling problem: violations first; of lost rows, a table's own loss before an FK cascade."""
    def rank(p: Problem) -> tuple[int, int]:
        base, _, cause = p.category.partition(":")
        sev = _SEVERITY.index(base) if base in _SEVERITY else len(_SEVERITY)
        return sev, int(cause == "foreign_key")
    losses = [p for p in problems if p.category.startswith(("table_empty", "rows_short"))]
    own = [p for p in losses if not p.category.endswith(":foreign_key")]
    hard = [p for p in problems if p.category.split(":")[0] in _SEVERITY[:7]]
    return min(hard or own or problems, key=rank)


def _last_error(output: str) -> str:
    lines = [ln for ln in output.splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.lower().startswith("error")]
    return (errors or lines or [""])[-1][:300]


@contextmanager
def environment(dialects: tuple[str, ...], *, pg_admin_url: str | None = None,
                workdir: Path | None = None, timeout_s: int = SEED_TIMEOUT_S) -> Iterator[Env]:
    """A work folder, and a PostgreSQL server when one is needed and none is given."""
    stop: Callable[[], None] = lambda: None
    if "postgresql" in dialects and not pg_admin_url:
        from dbsynth.testing import start_cluster
        pg_admin_url, stop = start_cluster(prefix="dbsynth-fuzz-pg-", options="-c max_connections=40")
    own = workdir is None
    work = Path(tempfile.mkdtemp(prefix="dbsynth-fuzz-")) if own else workdir
    work.mkdir(parents=True, exist_ok=True)
    try:
        yield Env(workdir=work, pg_admin_url=pg_admin_url, timeout_s=timeout_s)
    finally:
        stop()
        if own:
            shutil.rmtree(work, ignore_errors=True)


def iterate(seeds: list[int], dialects: tuple[str, ...], *, pg_admin_url: str | None = None,
            options: Options | None = None, workdir: Path | None = None,
            drop: tuple[str, ...] = (), env: Env | None = None,
            timeout_s: int = SEED_TIMEOUT_S) -> Iterator[Outcome]:
    """Outcomes one by one; `drop` (tables / table.column) shrinks each schema first (see minimise)."""
    if env is None:
        with environment(dialects, pg_admin_url=pg_admin_url, workdir=workdir, timeout_s=timeout_s) as own:
            yield from iterate(seeds, dialects, options=options, drop=drop, env=own)
        return
    for seed in seeds:
        schema = generate(seed, options)
        if drop:
            schema = without(schema, drop)
        for dialect in dialects:
            yield run_one(schema, dialect, env)


def shrink(outcome: Outcome, env: Env, options: Options | None = None, *, budget: int = 40) -> list[str]:
    """Drop items that keep `outcome`'s failure (same category and code location)."""
    def same(schema: FuzzSchema) -> bool:
        again = run_one(schema, outcome.dialect, env)
        return not again.ok and again.category == outcome.category and again.location == outcome.location
    return minimise(generate(outcome.seed, options), same, budget=budget)


def summarise(outcomes: list[Outcome]) -> dict[str, Any]:
    """Failures by category (with the smallest schema showing each), per dialect."""
    cats: dict[str, dict[str, Any]] = {}
    for o in outcomes:
        if o.ok:
            continue
        key = f"{o.dialect} {o.category}" + (f" @ {o.location}" if o.location else "")
        entry = cats.setdefault(key, {"count": 0, "seeds": [], "example": None})
        entry["count"] += 1
        entry["seeds"].append(o.seed)
        if entry["example"] is None or (o.tables, o.rows) < (entry["example"]["tables"], entry["example"]["rows"]):
            entry["example"] = {"seed": o.seed, "tables": o.tables, "rows": o.rows, "reason": o.reason}
    per = {d: {"tried": sum(o.dialect == d for o in outcomes), "failed": sum(o.dialect == d and not o.ok
                                                                          for o in outcomes)}
           for d in sorted({o.dialect for o in outcomes})}
    return {"dialects": per, "categories": dict(sorted(cats.items(), key=lambda kv: -kv[1]["count"]))}
