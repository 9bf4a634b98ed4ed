"""The Python API: the CLI's commands as functions returning typed results.

    import dbsynth
    info = dbsynth.inspect("sqlite:///app.db")                 # InspectResult
    fitted = dbsynth.fit("sqlite:///app.db", out="model/")     # FitResult
    rows = dbsynth.sample(fitted, out="rows/")                 # SampleResult (out=None: frames in memory)
    done = dbsynth.load("rows/", "sqlite:///staging.db")       # LoadResult
    done = dbsynth.seed("sqlite:///app.db", "sqlite:///staging.db", seed=7)  # SeedResult
    rep = dbsynth.report("sqlite:///app.db", "sqlite:///staging.db")         # ReportResult
    part = dbsynth.subset("sqlite:///app.db", "sqlite:///qa.db", where=["Customer: Country = 'Germany'"],
                          mask_key="k")                                      # SubsetResult

Each function runs the same code as its command, with the same safety rules
(the source is only read, a target that is the source is refused, a failed
load rolls back) and raises a `dbsynth.errors.DbsynthError` where the command
prints `error: …`. Nothing is printed. `config` is a TOML path or a `Config`;
keyword options (seed, scale, engine…) win over it, as CLI flags do.
"""
from __future__ import annotations

import io
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

from dbsynth.load.loader import LoadSummary as LoadResult  # what a load did: rows, drift, checks
from dbsynth.subset.run import SubsetResult  # what a subset did: rows, reference tables, masked columns, key

if TYPE_CHECKING:
    import pandas as pd
    from rich.console import Console

    from dbsynth.config import Config
    from dbsynth.engines.base import FittedModel
    from dbsynth.profile.types import TableProfile
    from dbsynth.report.runner import Report
    from dbsynth.schema.graph import LoadPlan
    from dbsynth.schema.model import Schema

__all__ = ["inspect", "fit", "sample", "load", "seed", "report", "subset",
           "InspectResult", "FitResult", "SampleResult", "LoadResult", "SeedResult", "ReportResult", "SubsetResult"]

PathLike = Union[str, Path]
ConfigLike = Union[PathLike, "Config", None]


@dataclass(frozen=True)
class InspectResult:
    """A reflected database: its schema, the load plan and (with profile=True) each column's semantic type."""

    schema: "Schema"
    plan: "LoadPlan"
    profiles: dict[str, "TableProfile"] | None = None

    @property
    def tables(self) -> list[str]:
        """Data tables, parents first (the load order)."""
        return list(self.plan.order)

    @property
    def cycles(self) -> list[tuple[str, ...]]:
        return list(self.plan.cycles)

    def to_json(self) -> str:
        """The document `dbsynth inspect --format json` prints."""
        from dbsynth import render
        return render.to_json(self.schema, self.plan)


@dataclass
class FitResult:
    """A fitted model (in memory, and saved under `path` when `out` was given)."""

    model: "FittedModel"
    schema: "Schema"
    source: str
    path: Path | None = None
    seconds: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


@dataclass
class SampleResult:
    """Validated synthetic rows: written under `path`, or kept in `tables` when no folder was given."""

    rows: dict[str, int]
    validation: dict[str, Any]
    lost: list[str]
    seconds: dict[str, float]
    path: Path | None = None
    tables: dict[str, "pd.DataFrame"] | None = None


@dataclass
class SeedResult:
    """fit → sample → validate → load in one go."""

    rows: dict[str, int]
    seconds: dict[str, float]
    total_seconds: float
    warnings: list[str]
    load: LoadResult
    report: "ReportResult | None" = None


@dataclass
class ReportResult:
    """Validity, fidelity and privacy of a synthetic database; `failures` is what fails the CI gate."""

    report: "Report"
    failures: list[str]
    written: list[str] = field(default_factory=list)

    @property
    def overall(self) -> float | None:
        return self.report.overall

    @property
    def violations(self) -> int:
        return self.report.violations

    @property
    def passed(self) -> bool:
        return not self.failures

    def to_dict(self) -> dict[str, Any]:
        return self.report.to_dict()


def _quiet() -> "Console":
    from rich.console import Console
    return Console(file=io.StringIO(), quiet=True)


def _config(config: ConfigLike, **overrides: Any) -> "Config":
    from dbsynth.config import Config, load_config
    base = config if isinstance(config, Config) else load_config(str(config) if config is not None else None)
    return base.with_overrides(**overrides)


def inspect(url: str, *, schema: str | None = None, profile: bool = False,
            config: ConfigLike = None) -> InspectResult:
    """Reflect `url` (read only): tables, keys, FKs, cycles and the load plan, like `dbsynth inspect`."""
    from dbsynth.commands import reflect
    from dbsynth.schema.graph import build_plan
    reflected = reflect(url, schema=schema)
    profiles = None
    if profile:
        from dbsynth.pipeline import profile_source
        profiles = profile_source(url, reflected, _config(config))
    return InspectResult(schema=reflected, plan=build_plan(reflected), profiles=profiles)


def fit(source: str, *, out: PathLike | None = None, config: ConfigLike = None, schema: str | None = None,
        engine: str | None = None, seed: int | None = None, device: str | None = None,
        max_training_time: float | None = None) -> FitResult:
    """Learn a model of `source` (read only), like `dbsynth fit`; saved to `out` when given."""
    from dbsynth import pipeline
    cfg = _config(config, engine=engine, seed=seed, device=device, max_training_time=max_training_time)
    result = pipeline.fit(source, config=cfg, schema_name=schema)
    path = None
    if out is not None:
        path = Path(out)
        pipeline.save_model(result.model, path, source_url=source)
    return FitResult(model=result.model, schema=result.schema, source=source, path=path,
                     seconds=dict(result.seconds), warnings=list(dict.fromkeys(result.warnings)))


def sample(model: FitResult | PathLike, *, out: PathLike | None = None, fmt: str = "parquet",
           config: ConfigLike = None, scale: float | None = None, seed: int | None = None,
           allow_drops: bool = False, edge_cases: float | None = None) -> SampleResult:
    """Sample and validate rows from a FitResult or a saved model directory, like `dbsynth sample`.

    With `out` the rows go to a parquet/csv folder (removed again if sampling
    fails); without it they come back as one DataFrame per table.
    """
    import shutil

    from dbsynth import pipeline
    from dbsynth.commands import _load_model
    from dbsynth.load.preflight import source_identity
    cfg = _config(config, scale=scale, seed=seed, edge_cases=edge_cases)
    if isinstance(model, FitResult):
        fitted, source = model.model, source_identity(model.source)
    else:
        fitted, source = _load_model(str(model)), pipeline.model_source(Path(model))
    started = time.perf_counter()
    timer = pipeline.StageTimer()
    chunks, validator = pipeline.validated_chunks(fitted, config=cfg, timer=timer, allow_drops=allow_drops)
    tables = path = None
    if out is None:
        tables = _collect(chunks, fitted.schema)
        rows = {name: len(frame) for name, frame in tables.items()}
    else:
        from dbsynth.load.files import write_chunks
        path = Path(out)
        fresh = not path.exists() or (path.is_dir() and not any(path.iterdir()))
        try:
            rows = write_chunks(chunks, path, fmt=fmt, schema=fitted.schema, source=source)
        except BaseException:
            if fresh:  # a half-written folder would load as if it were whole
                shutil.rmtree(path, ignore_errors=True)
            raise
    summary = validator.summary()
    seconds = dict(timer.seconds)
    seconds["total"] = time.perf_counter() - started
    return SampleResult(rows=dict(rows), validation=summary.to_dict(),
                        lost=pipeline.loss_lines(summary, getattr(summary, "planned", {})),
                        seconds=seconds, path=path, tables=tables)


def _collect(chunks: Any, schema: "Schema") -> dict[str, "pd.DataFrame"]:
    import pandas as pd
    parts: dict[str, list[pd.DataFrame]] = {}
    for chunk in chunks:
        parts.setdefault(chunk.table, []).append(chunk.frame)
    return {name: pd.concat(frames, ignore_index=True) for name, frames in parts.items()}


def load(folder: PathLike, target: str, *, mode: str = "fail", keep_triggers: bool = False,
         alembic_config: PathLike | None = None, strict: bool = False) -> LoadResult:
    """Load a sample folder into `target` in one transaction, like `dbsynth load`."""
    from dbsynth import commands
    return commands.load(folder=str(folder), target=target, mode=mode, keep_triggers=keep_triggers,
                         alembic_config=str(alembic_config) if alembic_config else None, console=_quiet(),
                         strict=strict)


def seed(source: str, target: str, *, mode: str = "fail", scale: float | None = None, seed: int | None = None,
         engine: str | None = None, config: ConfigLike = None, schema: str | None = None,
         save_model: PathLike | None = None, keep_triggers: bool = False, alembic_config: PathLike | None = None,
         strict: bool = False, allow_drops: bool = False, device: str | None = None,
         max_training_time: float | None = None, report: str | None = None,
         edge_cases: float | None = None, only: str | list[str] | None = None,
         rows: dict[str, int] | None = None) -> SeedResult:
    """Fit, sample, validate and load in one go, like `dbsynth seed` (`report`: write PREFIX.json/.html too;
    `only` with mode="append": draw just these tables under the target's rows; `rows`: {table: count})."""
    from dbsynth import commands
    overrides: dict[str, Any] = dict(scale=scale, seed=seed, engine=engine, device=device,
                                     max_training_time=max_training_time, edge_cases=edge_cases)
    config_path = config if config is None or not isinstance(config, (str, Path)) else str(config)
    out = commands.seed(source=source, target=target, mode=mode, keep_triggers=keep_triggers,
                        alembic_config=str(alembic_config) if alembic_config else None, config_path=config_path,
                        schema=schema, model_dir=str(save_model) if save_model else None, console=_quiet(),
                        report_prefix=None, allow_drops=allow_drops, strict=strict, only=only,
                        rows=[f"{t}={n}" for t, n in (rows or {}).items()], **overrides)
    rep = globals()["report"](source, target, json=f"{report}.json", html=f"{report}.html") if report else None
    return SeedResult(rows=dict(out["rows"]), seconds=dict(out["seconds"]), total_seconds=out["total_seconds"],
                      warnings=list(out["warnings"]), load=out["summary"], report=rep)


def report(real: str, synthetic: str, *, json: PathLike | None = None, html: PathLike | None = None,
           min_quality: float | None = None, target: str | None = None, subset: bool = False) -> ReportResult:
    """Quality, privacy and validity of `synthetic` against `real` (URLs or sample folders), like `dbsynth report`."""
    from dbsynth.report.runner import build_report, write_outputs
    result = build_report(real=real, synthetic=synthetic, target=target, subset=subset)
    written = write_outputs(result, json_path=str(json) if json else None, html_path=str(html) if html else None)
    return ReportResult(report=result, failures=result.failures(min_quality=min_quality), written=list(written))


def subset(source: str, target: str, *, where: list[str] | tuple[str, ...] = (), percent: float | None = None,
           seed: int | None = None, mask: bool = True, mask_key: str | None = None, mode: str = "fail",
           config: ConfigLike = None, schema: str | None = None, keep_triggers: bool = False,
           alembic_config: PathLike | None = None, strict: bool = False, remap_keys: bool = False) -> SubsetResult:
    """A referentially complete, masked slice of real rows, like `dbsynth subset` (the key: `.mask_key`)."""
    from dbsynth.subset.run import subset as run_subset
    return run_subset(source=source, target=target, where=list(where), percent=percent, mask=mask,
                      mask_key=mask_key, mode=mode, config=_config(config, seed=seed), schema_name=schema,
                      keep_triggers=keep_triggers, strict=strict,
                      alembic_config=str(alembic_config) if alembic_config else None, remap_keys=remap_keys)
