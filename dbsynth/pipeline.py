"""The stages wired together: reflect → plan → profile → fit → sample → validate → load.

Each function takes and returns typed artefacts so the CLI, the tests and the
benchmarks drive the same code.
"""
from __future__ import annotations

import time
from collections import defaultdict
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Mapping

from dbsynth.config import Config
from dbsynth.schema.graph import build_plan

if TYPE_CHECKING:
    import pandas as pd

    from dbsynth.engines.base import FittedModel
    from dbsynth.load.sink import SinkSpec
    from dbsynth.relational.options import SampleOptions
    from dbsynth.profile.types import TableProfile
    from dbsynth.frames import TableChunk
    from dbsynth.schema.model import Schema
    from dbsynth.validate.runner import Validator

Progress = Callable[[str], None]


@dataclass
class StageTimer:
    """Seconds per stage; streaming stages accumulate across chunks."""

    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))

    def add(self, stage: str, started: float) -> None:
        self.seconds[stage] += time.perf_counter() - started

    def timed(self, stage: str, items: Iterable[Any]) -> Iterator[Any]:
        it = iter(items)
        while True:
            t0 = time.perf_counter()
            try:
                item = next(it)
            except StopIteration:
                self.add(stage, t0)
                return
            self.add(stage, t0)
            yield item


FAMILY_FACTOR = 5  # a child read whole-family may exceed max_rows this many times over


def read_frames(url: str, schema: "Schema", *, tables: Iterable[str], max_rows: int | None,
                seed: int = 0) -> dict[str, "pd.DataFrame"]:
    """Read the source tables (read-only): whole, or a coherent sample of the big ones.

    A table over `max_rows` whose parent was sampled keeps the rows of the kept
    parents (whole families, so children-per-parent stays true); any other big
    table keeps a seeded random share of its rows. Parents first, so families
    can follow them down the FK graph. (Reading tables in parallel threads was
    built and set aside: with a random stream per table, TPC-H SF1 fitted on
    other rows and ended short of its plan — to be explained first.)
    """
    import numpy as np

    from connectors.base import open_connector
    wanted = set(tables)
    plan_order = build_plan(schema).order
    order = [t for t in plan_order if t in wanted] + sorted(wanted - set(plan_order))
    frames: dict[str, "pd.DataFrame"] = {}
    sampled: set[str] = set()
    rng = np.random.default_rng(seed)
    with closing(open_connector(url, read_only=True)) as conn:
        for name in order:
            table = schema.table(name)
            total = table.row_count
            if max_rows is None or total is None or total <= max_rows:
                frames[name] = _concat(list(conn.read_table(table)), table.column_names)
                continue
            fk = _family_fk(table, sampled, schema)
            keep = _family_filter(fk, frames) if fk is not None else _share_filter(max_rows / total, rng)
            limit = max_rows * (FAMILY_FACTOR if fk is not None else 1)
            where_in = _family_keys(fk, frames) if fk is not None else None
            frames[name] = _read_filtered(conn, table, keep, limit, where_in)
            sampled.add(name)
    return frames


def _family_fk(table: Any, sampled: set[str], schema: "Schema") -> Any:
    """The FK to the biggest sampled parent: its kept rows decide which children are read."""
    fks = [fk for fk in table.foreign_keys if fk.referred_table in sampled and fk.referred_table != table.name]
    return max(fks, key=lambda fk: schema.table(fk.referred_table).row_count or 0, default=None)


def _family_filter(fk: Any, frames: Mapping[str, "pd.DataFrame"]) -> Callable[["pd.DataFrame"], Any]:
    import pandas as pd

    # keys compared as text: the parent and child columns may come back as different dtypes
    parent = pd.MultiIndex.from_frame(frames[fk.referred_table][list(fk.referred_columns)].astype(str))
    cols = list(fk.columns)
    return lambda chunk: pd.MultiIndex.from_frame(chunk[cols].astype(str)).isin(parent)


def _family_keys(fk: Any, frames: Mapping[str, "pd.DataFrame"]) -> tuple[str, list[Any]] | None:
    """The kept parents' keys, for the database to select the families (single-column integer or text keys).

    The rows still pass the in-memory filter after, so a key the database
    compares differently only costs the shortcut, never a wrong row.
    """
    if len(fk.columns) != 1:
        return None
    values = frames[fk.referred_table][fk.referred_columns[0]].dropna().unique().tolist()
    if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return fk.columns[0], sorted(values)
    if values and all(isinstance(v, str) for v in values):
        return fk.columns[0], sorted(values)
    return None


def _share_filter(share: float, rng: Any) -> Callable[["pd.DataFrame"], Any]:
    return lambda chunk: rng.random(len(chunk)) < share


def _read_filtered(conn: Any, table: Any, keep: Callable[["pd.DataFrame"], Any], limit: int,
                   where_in: tuple[str, list[Any]] | None = None, row_mask: Any = None) -> "pd.DataFrame":
    parts: list["pd.DataFrame"] = []
    got = 0
    masked = {"row_mask": row_mask} if row_mask is not None else {}  # the connector drops the rows unparsed
    for chunk in conn.read_table(table, where_in=where_in, **masked):
        part = chunk[keep(chunk)]
        parts.append(part)
        got += len(part)
        if got >= limit:
            break
    # numbered 0..n-1 however many chunks were kept (the COPY reader drops rows before they get labels)
    return _concat(parts, table.column_names).reset_index(drop=True)


def _concat(parts: list["pd.DataFrame"], columns: tuple[str, ...]) -> "pd.DataFrame":
    import pandas as pd
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]


def profile_frames(schema: "Schema", frames: Mapping[str, "pd.DataFrame"], config: Config) -> dict[str, "TableProfile"]:
    from dbsynth.profile.detect import profile_schema
    from dbsynth.profile.reference import mark_reference
    profiles = profile_schema(schema=schema, frames=frames, overrides=config.column_overrides())
    # an explicit `rows = N` asks for generated rows: the table is not copied unless `copy = true` says so
    sized = frozenset(config.row_counts()) - config.copy_tables()
    return mark_reference(schema, profiles, forced=config.copy_tables(), disabled=config.no_copy_tables() | sized)


def profile_source(url: str, schema: "Schema", config: Config) -> dict[str, "TableProfile"]:
    names = [t.name for t in schema.data_tables]
    frames = read_frames(url, schema, tables=names, max_rows=config.max_fit_rows)
    return profile_frames(schema, frames, config)


@dataclass
class FitResult:
    model: "FittedModel"
    schema: "Schema"
    seconds: dict[str, float]
    warnings: list[str] = field(default_factory=list)


WIDE_TABLE_COLUMNS = 100


def source_warnings(schema: "Schema", frames: Mapping[str, "pd.DataFrame"]) -> list[str]:
    """What is odd about the source data, and what dbsynth does about it."""
    out: list[str] = []
    for table in schema.data_tables:
        frame = frames.get(table.name)
        if frame is None:
            continue
        if not table.pk_columns:
            out.append(f"{table.name}: no primary key; rows are generated without one")
        if len(table.columns) > WIDE_TABLE_COLUMNS:
            out.append(f"{table.name}: {len(table.columns)} columns; modelled all the same (fitting takes longer)")
        empty = [c for c in frame.columns if len(frame) and frame[c].isna().all()]
        if empty:
            out.append(f"{table.name}: column(s) {', '.join(empty)} are NULL in every row; they stay NULL")
        out += _orphan_warnings(schema, table, frame, frames)
    return out


def _orphan_warnings(schema: "Schema", table: Any, frame: "pd.DataFrame",
                     frames: Mapping[str, "pd.DataFrame"]) -> list[str]:
    out = []
    for fk in table.foreign_keys:
        parent = frames.get(fk.referred_table)
        if parent is None or not len(frame) or not all(c in frame for c in fk.columns):
            continue
        if len(parent) < (schema.table(fk.referred_table).row_count or 0):  # a sample: misses are expected
            continue
        missing = _missing_keys(frame[list(fk.columns)].dropna(), parent[list(fk.referred_columns)])
        if missing:
            out.append(f"{table.name}: {missing} row(s) of the source point at missing {fk.referred_table} rows "
                       f"via ({', '.join(fk.columns)}) (orphans); synthetic rows always reference existing rows")
    return out


def _missing_keys(child: "pd.DataFrame", parent: "pd.DataFrame") -> int:
    """Child key rows (complete ones) with no parent row holding the same key, compared as text."""
    import pandas as pd
    if not len(child):
        return 0
    as_text = lambda f: pd.MultiIndex.from_frame(f.astype(str).set_axis(range(f.shape[1]), axis=1))  # noqa: E731
    return int((~as_text(child).isin(as_text(parent))).sum())


def fit(source_url: str, *, config: Config, schema_name: str | None = None,
        progress: Progress | None = None, timer: StageTimer | None = None,
        on_schema: Callable[["Schema"], None] | None = None) -> FitResult:
    """Reflect, read, profile and fit the configured engine on the source.

    `on_schema` sees the reflected schema before any row is read (seed checks
    the target against it there: `--mode fail` refuses early).
    """
    from connectors.base import open_connector
    from dbsynth.engines.base import FitOptions
    from dbsynth.engines.registry import get_engine
    from dbsynth.profile.reference import copied_tables
    timer = timer or StageTimer()
    t0 = time.perf_counter()
    engine = get_engine(config.engine)  # fail fast on a typo before reading anything
    with closing(open_connector(source_url, read_only=True)) as conn:
        schema = conn.reflect(schema=schema_name)
    if on_schema is not None:  # first: the command's own checks name its own flags
        on_schema(schema)
    _check_table_names(schema, config)
    plan = build_plan(schema)
    timer.add("reflect", t0)
    t0 = time.perf_counter()
    names = [t.name for t in schema.data_tables if t.name not in config.skip_tables()]
    frames = read_frames(source_url, schema, tables=names, max_rows=config.max_fit_rows, seed=config.seed)
    profiles = profile_frames(schema, frames, config)
    timer.add("read+profile", t0)
    t0 = time.perf_counter()
    options = FitOptions(seed=config.seed, locale=config.locale, context_fks=config.context_fks(),
                         copy_tables=config.copy_tables() | copied_tables(profiles), skip_tables=config.skip_tables(),
                         max_fit_rows=config.max_fit_rows, device=config.device,
                         max_training_time=config.max_training_time)
    model = engine.fit(schema=schema, plan=plan, frames=frames, profiles=profiles, options=options,
                       progress=progress)
    if isinstance(getattr(model, "meta", None), dict):  # which tables were copied verbatim, and why (summary)
        model.meta["reference"] = {t: p.reference for t, p in profiles.items() if p.reference and t in options.copy_tables}
    timer.add("fit", t0)
    warnings = list(schema.warnings) + source_warnings(schema, frames) + list(getattr(model, "warnings", []))
    return FitResult(model=model, schema=schema, seconds=dict(timer.seconds), warnings=warnings)


def _check_table_names(schema: "Schema", config: Config) -> None:
    from dbsynth.errors import ConfigError
    import difflib
    names = [t.name for t in schema.data_tables]
    for name in config.tables:
        if name not in names:
            close = difflib.get_close_matches(name, names, n=1)
            raise ConfigError(f"config names table {name!r}, which the source does not have",
                              hint=f"did you mean {close[0]!r}?" if close else "run `dbsynth inspect SOURCE` for the table names")


def sample_options(config: Config, key_offsets: Mapping[str, int] | None = None,
                   given: Any = None) -> "SampleOptions":
    """`given`: append --only's target rows (sample/given.py GivenRows); None draws every table."""
    from dbsynth.relational.options import SampleOptions
    return SampleOptions(seed=config.seed, scale=config.scale, row_counts=config.row_counts(),
                         batch_rows=config.batch_rows, key_offsets=dict(key_offsets or {}), given=given)


def validated_chunks(model: "FittedModel", *, config: Config, key_offsets: Mapping[str, int] | None = None,
                     timer: StageTimer | None = None, allow_drops: bool = True,
                     existing: Mapping[str, Any] | None = None, sink: "SinkSpec | None" = None,
                     given: Any = None) -> tuple[Iterator["TableChunk"], "Validator"]:
    """Sample and validate as one stream; invalid rows are repaired or dropped, never yielded.

    With `allow_drops=False` the stream ends in a ConstraintError (so a load
    consuming it rolls back) when a table lost more than DROP_SHARE of its
    rows to the validator or ended short of its planned count.
    `existing` ({(table, columns): values}) seeds the validator with keys
    already in an append target, so new rows never collide with them.
    With `sink` (a parallel load in progress) the workers write the valid
    rows themselves and the stream yields none. With `given` (append --only)
    only its tables are drawn, attached to its target rows (sample/given.py).
    """
    from dbsynth.engines.base import SampleOptions
    from dbsynth.relational.reference import already_present
    from dbsynth.frames import TableChunk
    from dbsynth.execute.edge_cases import edge_cases
    from dbsynth.validate.runner import Validator
    timer = timer or StageTimer()
    options = sample_options(config, key_offsets, given)
    from dbsynth.execute.run import batched_chunks, supports
    if supports(model):  # independent batches on the configured executor (dbsynth/execute)
        return batched_chunks(model, config=config, options=options, timer=timer, allow_drops=allow_drops,
                              existing=existing, sink=sink)
    if given is not None:
        from dbsynth.errors import ConfigError
        raise ConfigError(f"--only needs an engine drawn by the relational sampler, not {type(model).__name__}")
    # without --allow-drops a parent row that cannot be repaired is an error: dropping it orphans its children
    validator = Validator(model.schema, build_plan(model.schema), strict_parents=not allow_drops)
    for (table, cols), values in (existing or {}).items():
        validator.seed_keys(table, tuple(cols), values)

    present: dict[str, int] = {}  # copied rows the append target already holds, per table
    edges = edge_cases(model, config)  # --edge-cases: a share of rows made to cover the corners; None without

    def stream() -> Iterator[TableChunk]:
        for i, chunk in enumerate(timer.timed("sample", model.sample(options=options))):
            t0 = time.perf_counter()
            if getattr(getattr(model, "tables", {}).get(chunk.table), "copy_rows", None) is not None and existing:
                # a lookup table already copied into the append target is not copied again
                frame = already_present(chunk.table, chunk.frame, model.schema.table(chunk.table).pk_columns, existing)
                present[chunk.table] = present.get(chunk.table, 0) + len(chunk.frame) - len(frame)
                chunk = TableChunk(table=chunk.table, frame=frame, batch=chunk.batch)
            chunk = edges.apply(chunk) if edges else chunk
            result = validator.repair(chunk, resample=_resampler(model, chunk.table, config.seed * 1_000_003 + i))
            if edges:
                edges.observe(chunk.table, result.valid)
            timer.add("validate", t0)
            yield TableChunk(table=chunk.table, frame=result.valid, batch=chunk.batch)
        t0 = time.perf_counter()
        validator.finish()
        timer.add("validate", t0)
        check_losses(model, validator.summary(), present, allow_drops)

    return stream(), validator


def check_losses(model: "FittedModel", summary: Any, present: Mapping[str, int], allow_drops: bool) -> None:
    """Record the planned rows in `summary`; a table lost beyond tolerance is a ConstraintError
    (so the load consuming the stream rolls back) unless --allow-drops."""
    summary.planned = {t: n - present.get(t, 0) for t, n in planned_rows(model).items()}
    losses = loss_lines(summary, summary.planned)
    if losses and not allow_drops:
        from dbsynth.errors import ConstraintError
        more = f" (and {len(losses) - 1} more table(s))" if len(losses) > 1 else ""
        raise ConstraintError(f"{losses[0]}{more}; nothing was written",
                              hint="re-run with --allow-drops to accept fewer rows")


DROP_SHARE = 0.01  # more than this share of a table dropped is an error unless --allow-drops
SHORT_SHARE = 0.05  # ending more than this (plus sampling noise) below the plan is one too


def planned_rows(model: "FittedModel") -> dict[str, float]:
    """Rows the sampler planned per table (after a sample run), empty when the engine does not say."""
    state = getattr(model, "_state", None)
    planned = dict(getattr(state, "expected", None) or {})
    drawn = set(getattr(state, "order", None) or getattr(model, "tables", {}))
    drawn -= set(getattr(state, "given_tables", ()))  # append --only: the tables read from the target
    for name, tp in getattr(model, "tables", {}).items():
        if getattr(tp, "copy_rows", None) is not None and name in drawn:
            planned[name] = float(len(tp.copy_rows))
    return planned


def loss_lines(summary: Any, planned: Mapping[str, float]) -> list[str]:
    """One line per table that lost rows beyond tolerance, naming the constraints and counts."""
    out: list[str] = []
    tables = sorted(set(summary.rows_in) | set(planned))
    for table in tables:
        rows_in = summary.rows_in.get(table, 0)
        valid = summary.rows_valid.get(table, 0)
        kinds = {k: c["dropped"] for k, c in summary.counts.get(table, {}).items() if c["dropped"]}
        dropped = rows_in - valid
        want = planned.get(table)
        short = want is not None and valid < want * (1 - SHORT_SHARE) - 3 * want ** 0.5 - 1
        if dropped > DROP_SHARE * max(rows_in, 1) and kinds:
            why = ", ".join(f"{n:,} by {k.replace('_', ' ')}" + _rule(summary, table, k) for k, n in kinds.items())
            out.append(f"table {table!r}: {dropped:,} of {rows_in:,} rows ({dropped / max(rows_in, 1):.1%}) "
                       f"dropped: {why}")
        elif short:
            out.append(f"table {table!r}: {valid:,} rows, fewer than the {want:,.0f} planned")
    return out


def _rule(summary: Any, table: str, kind: str) -> str:
    """The constraint behind a kind of drop, when the validator named it."""
    details = getattr(summary, "details", {}).get((table, kind))
    return f" ({details})" if details else ""


def _resampler(model: "FittedModel", table: str, base_seed: int) -> Callable[[int], "pd.DataFrame"]:
    """Fresh rows for repair; the seed moves on each attempt so retries differ."""
    attempt = iter(range(1, 1_000_000))
    return lambda n: model.resample(table=table, n=n, seed=base_seed * 101 + next(attempt))


SOURCE_FILE = "source.json"  # beside the model: which database it was learnt from (no password)


def save_model(model: "FittedModel", directory: Path, *, source_url: str | None = None) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    model.save(directory)
    if source_url:
        import json

        from dbsynth.load.preflight import source_identity
        (directory / SOURCE_FILE).write_text(json.dumps(source_identity(source_url)))


def model_source(directory: Path) -> dict[str, Any] | None:
    """The source a saved model remembers (None for older models or an unreadable file)."""
    import json
    try:
        data = json.loads((Path(directory) / SOURCE_FILE).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
