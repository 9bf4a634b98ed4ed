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
    from dbsynth.profile.types import TableProfile
    from dbsynth.sample.types import TableChunk
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


def read_frames(url: str, schema: "Schema", *, tables: Iterable[str], max_rows: int | None) -> dict[str, "pd.DataFrame"]:
    """Read the source tables (read-only), whole or up to `max_rows` each."""
    import pandas as pd

    from connectors.base import open_connector
    frames: dict[str, pd.DataFrame] = {}
    with closing(open_connector(url, read_only=True)) as conn:
        for name in tables:
            parts: list[pd.DataFrame] = []
            got = 0
            for chunk in conn.read_table(schema.table(name)):
                parts.append(chunk)
                got += len(chunk)
                if max_rows is not None and got >= max_rows:
                    break
            frames[name] = _concat(parts, schema.table(name).column_names)
    return frames


def _concat(parts: list["pd.DataFrame"], columns: tuple[str, ...]) -> "pd.DataFrame":
    import pandas as pd
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]


def profile_frames(schema: "Schema", frames: Mapping[str, "pd.DataFrame"], config: Config) -> dict[str, "TableProfile"]:
    from dbsynth.profile.detect import profile_schema
    return profile_schema(schema=schema, frames=frames, overrides=config.column_overrides())


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
        out += _orphan_warnings(table, frame, frames)
    return out


def _orphan_warnings(table: Any, frame: "pd.DataFrame", frames: Mapping[str, "pd.DataFrame"]) -> list[str]:
    out = []
    for fk in table.foreign_keys:
        parent = frames.get(fk.referred_table)
        if parent is None or not len(frame) or not all(c in frame for c in fk.columns):
            continue
        child_keys = frame[list(fk.columns)].dropna()
        parent_keys = set(map(tuple, parent[list(fk.referred_columns)].astype(str).to_numpy().tolist()))
        missing = sum(tuple(k) not in parent_keys for k in child_keys.astype(str).to_numpy().tolist())
        if missing:
            out.append(f"{table.name}: {missing} row(s) of the source point at missing {fk.referred_table} rows "
                       f"via ({', '.join(fk.columns)}) (orphans); synthetic rows always reference existing rows")
    return out


def fit(source_url: str, *, config: Config, schema_name: str | None = None,
        progress: Progress | None = None, timer: StageTimer | None = None) -> FitResult:
    """Reflect, read, profile and fit the configured engine on the source."""
    from connectors.base import open_connector
    from dbsynth.engines.base import FitOptions
    from dbsynth.engines.registry import get_engine
    timer = timer or StageTimer()
    t0 = time.perf_counter()
    engine = get_engine(config.engine)  # fail fast on a typo before reading anything
    with closing(open_connector(source_url, read_only=True)) as conn:
        schema = conn.reflect(schema=schema_name)
    _check_table_names(schema, config)
    plan = build_plan(schema)
    timer.add("reflect", t0)
    t0 = time.perf_counter()
    names = [t.name for t in schema.data_tables if t.name not in config.skip_tables()]
    frames = read_frames(source_url, schema, tables=names, max_rows=config.max_fit_rows)
    profiles = profile_frames(schema, frames, config)
    timer.add("read+profile", t0)
    t0 = time.perf_counter()
    options = FitOptions(seed=config.seed, locale=config.locale, context_fks=config.context_fks(),
                         copy_tables=config.copy_tables(), skip_tables=config.skip_tables(),
                         max_fit_rows=config.max_fit_rows, device=config.device,
                         max_training_time=config.max_training_time)
    model = engine.fit(schema=schema, plan=plan, frames=frames, profiles=profiles, options=options,
                       progress=progress)
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


def validated_chunks(model: "FittedModel", *, config: Config, key_offsets: Mapping[str, int] | None = None,
                     timer: StageTimer | None = None) -> tuple[Iterator["TableChunk"], "Validator"]:
    """Sample and validate as one stream; invalid rows are repaired or dropped, never yielded."""
    from dbsynth.engines.base import SampleOptions
    from dbsynth.sample.types import TableChunk
    from dbsynth.validate.runner import Validator
    timer = timer or StageTimer()
    options = SampleOptions(seed=config.seed, scale=config.scale, row_counts=config.row_counts(),
                            batch_rows=config.batch_rows, key_offsets=dict(key_offsets or {}))
    validator = Validator(model.schema, build_plan(model.schema))

    def stream() -> Iterator[TableChunk]:
        for i, chunk in enumerate(timer.timed("sample", model.sample(options=options))):
            t0 = time.perf_counter()
            result = validator.repair(chunk, resample=_resampler(model, chunk.table, config.seed * 1_000_003 + i))
            timer.add("validate", t0)
            yield TableChunk(table=chunk.table, frame=result.valid, batch=chunk.batch)
        t0 = time.perf_counter()
        validator.finish()
        timer.add("validate", t0)

    return stream(), validator


def _resampler(model: "FittedModel", table: str, base_seed: int) -> Callable[[int], "pd.DataFrame"]:
    """Fresh rows for repair; the seed moves on each attempt so retries differ."""
    attempt = iter(range(1, 1_000_000))
    return lambda n: model.resample(table=table, n=n, seed=base_seed * 101 + next(attempt))


def save_model(model: "FittedModel", directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    model.save(directory)
