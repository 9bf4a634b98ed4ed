"""Command bodies behind the CLI: plain functions, testable without typer."""
from __future__ import annotations

import time
from contextlib import closing
from typing import TYPE_CHECKING, Any

from rich.console import Console

from dbsynth import render
from dbsynth.schema.graph import build_plan

if TYPE_CHECKING:
    from dbsynth.config import Config
    from dbsynth.engines.base import FittedModel
    from dbsynth.load.loader import LoadSummary
    from dbsynth.schema.model import Schema


def reflect(url: str, *, schema: str | None = None, row_counts: bool = True) -> "Schema":
    """Reflect `url` through its read-only connector."""
    from connectors.base import open_connector
    with closing(open_connector(url, read_only=True)) as conn:
        return conn.reflect(schema=schema, row_counts=row_counts)


def inspect(*, url: str, schema: str | None, fmt: str, profile: bool, config_path: str | None,
            console: Console) -> None:
    reflected = reflect(url, schema=schema)
    plan = build_plan(reflected)
    if fmt == "json":
        console.out(render.to_json(reflected, plan), highlight=False)
    elif fmt == "mermaid":
        console.out(render.to_mermaid(reflected), highlight=False)
    elif fmt == "dot":
        console.out(render.to_dot(reflected, plan), highlight=False)
    else:
        render.print_text(reflected, plan, console)
    if profile:
        _print_profiles(url, reflected, config_path, console)


def _print_profiles(url: str, schema: "Schema", config_path: str | None, console: Console) -> None:
    from rich.table import Table as RichTable

    from dbsynth.config import load_config
    from dbsynth.pipeline import profile_source
    config = load_config(config_path)
    profiles = profile_source(url, schema, config)
    _print_copied(console, {n: p.reference for n, p in profiles.items() if p.reference})
    for name, prof in profiles.items():
        table = RichTable(title=f"{name} ({prof.rows} rows)" + (", copied verbatim" if prof.reference else ""))
        for col in ("column", "semantic type", "nulls", "distinct", "why"):
            table.add_column(col)
        for c in prof.columns:
            kind = c.semantic.value + (f":{c.pii_kind.value}" if c.pii_kind else "")
            table.add_row(c.name, kind, f"{c.null_rate:.0%}", str(c.distinct), c.reason)
        console.print(table)
    from dbsynth.pipeline import read_frames
    frames = read_frames(url, schema, tables=[t.name for t in schema.data_tables], max_rows=config.max_fit_rows)
    _print_relations(schema, frames, console)
    _print_sequences(schema, frames, profiles, console)
    _print_families(schema, frames, profiles, console)


def _print_relations(schema: "Schema", frames: dict[str, Any], console: Console) -> None:
    """Exact relations found in the source (kept in the output: dbsynth/relations)."""
    from dbsynth.relations.detect import find_relations
    found = find_relations(schema, frames)
    console.print(f"Exact relations (hold in every source row): {len(found) or 'none'}")
    for rel in found:
        console.print(f"  {rel.text()}", highlight=False)


def _print_sequences(schema: "Schema", frames: dict, profiles: dict, console: Console) -> None:
    """Date/times kept in their family's order and spacing, or following another (relational/sequences.py)."""
    from dbsynth.relational.sequence_scan import scan_sequences
    lines = [line for name, found in scan_sequences(schema, frames, profiles).items() for line in found.texts(name)]
    console.print(f"Sequences (date/times kept in order per family, or after another): {len(lines) or 'none'}")
    for line in lines:
        console.print(f"  {line}", highlight=False)


def _print_families(schema: "Schema", frames: dict[str, Any], profiles: dict[str, Any], console: Console) -> None:
    """Family classes (relational/families.py): per parent table, the latent tiers of its families."""
    from dbsynth.relational.cardinality import choose_context
    from dbsynth.relational.families import find_classes, table_vectors
    from dbsynth.schema.graph import build_plan
    plan, names = build_plan(schema), {t.name for t in schema.data_tables}
    context = {t: choose_context(table=schema.table(t), schema=schema, plan=plan, frames=frames, eligible=names,
                                 override=None) for t in plan.order if t in names}
    lines = []
    for name in plan.order:
        vectors = table_vectors(table=schema.table(name), schema=schema, frames=frames, profiles=profiles,
                                context=context) if name in names else None
        found = None if vectors is None else find_classes(*vectors, seed=0)
        if found is not None:
            lines.append(f"  {name}: {found.count} classes of {', '.join(map(str, found.sizes))} rows "
                         f"(by BIC; from {', '.join(found.features)})")
    console.print(f"Family classes (hidden parent column the children follow): {len(lines) or 'none'}")
    for line in lines:
        console.print(line, highlight=False)


# --- fit / sample / load / seed / demo -------------------------------------------------

def _config(config_path: "str | Config | None", **cli: object) -> "Config":
    from dbsynth.config import Config, load_config
    if isinstance(config_path, Config):  # the Python API passes a Config object as it is
        return config_path.with_overrides(**cli)
    return load_config(config_path).with_overrides(**cli)


def fit(*, source: str, out: str, config_path: str | None, schema: str | None, console: Console,
        **cli: object) -> None:
    """Learn a model from `source` and save it to the `out` directory."""
    from pathlib import Path

    from dbsynth import pipeline
    from dbsynth.progress import stage_progress
    config = _config(config_path, **cli)
    with stage_progress(console) as progress:
        result = pipeline.fit(source, config=config, schema_name=schema, progress=progress.note)
        pipeline.save_model(result.model, Path(out), source_url=source)
    _print_warnings(console, result.warnings)
    _print_engine(console, result.model)
    _print_copied(console, getattr(result.model, "meta", {}).get("reference", {}))
    console.print(f"model saved to [bold]{out}[/bold] "
                  f"({len(result.schema.data_tables)} tables, fit {result.seconds.get('fit', 0):.1f}s)")


def _load_model(model_dir: str) -> "FittedModel":
    """The saved model, or one ModelError line for a missing, truncated or corrupt directory."""
    from pathlib import Path

    from dbsynth.engines.registry import load_model
    from dbsynth.errors import DbsynthError, ModelError
    try:
        return load_model(Path(model_dir))
    except DbsynthError:
        raise
    except Exception as exc:  # a damaged file any reader may trip on differently
        first = (str(exc).splitlines() or [""])[0]
        raise ModelError(f"model in {model_dir} is corrupt ({type(exc).__name__}: {first})",
                         hint="re-run `dbsynth fit` to write it again") from None


def sample(*, model_dir: str, out: str, fmt: str, config_path: str | None, console: Console,
           allow_drops: bool = False, **cli: object) -> None:
    """Sample + validate from a saved model into a parquet/csv folder (removed again if this fails)."""
    import shutil
    from pathlib import Path

    from dbsynth import pipeline
    from dbsynth.load.files import write_chunks
    from dbsynth.progress import stage_progress
    from dbsynth.summary import print_summary
    started = time.perf_counter()
    config = _config(config_path, **cli)
    model = _load_model(model_dir)
    timer = pipeline.StageTimer()
    out_path = Path(out)
    fresh = not out_path.exists() or (out_path.is_dir() and not any(out_path.iterdir()))
    try:
        with stage_progress(console) as progress:
            chunks, validator = pipeline.validated_chunks(model, config=config, timer=timer,
                                                          allow_drops=allow_drops)
            counts = write_chunks(progress.count_rows(chunks), out_path, fmt=fmt, schema=model.schema,
                                  source=pipeline.model_source(Path(model_dir)))
    except BaseException:
        if fresh:  # a half-written folder would load as if it were whole
            shutil.rmtree(out_path, ignore_errors=True)
        raise
    print_summary(console, rows=counts, seconds=dict(timer.seconds), validation=validator.summary(),
                  total=time.perf_counter() - started)
    console.print(f"synthetic rows written to [bold]{out}[/bold]")


def load(*, folder: str, target: str, mode: str, keep_triggers: bool, alembic_config: str | None,
         console: Console, strict: bool = False, workers: int | None = None) -> "LoadSummary":
    """Load a sample folder into `target` in one transaction."""
    from pathlib import Path

    from dbsynth.load import preflight
    from dbsynth.load.files import folder_source, read_chunks
    from dbsynth.load.parallel import load_parallel
    from dbsynth.progress import stage_progress
    from dbsynth.summary import print_load_summary
    schema, chunks = read_chunks(Path(folder))
    source = preflight.identity_url(folder_source(Path(folder)))
    if source:  # the folder remembers the database it was learnt from: never load into it
        preflight.check_not_source(source, target)
    with stage_progress(console) as progress:
        # workers > 1 on PostgreSQL: parallel COPY through a shadow schema (load/parallel.py), else load()
        summary = load_parallel(chunks=progress.count_rows(chunks), schema=schema, target_url=target, mode=mode,
                                jobs=workers or 1, keep_triggers=keep_triggers, strict=strict, check_values=True,
                            alembic_config=Path(alembic_config) if alembic_config else None)
    print_load_summary(console, summary)
    return summary


def seed(*, source: str, target: str, mode: str, keep_triggers: bool, alembic_config: str | None,
         config_path: str | None, schema: str | None, model_dir: str | None, console: Console,
         report_prefix: str | None = None, allow_drops: bool = False, strict: bool = False,
         workers: int | None = None, only: "str | list[str] | None" = None, rows: list[str] | None = None,
         **cli: object) -> dict:
    """fit → sample → validate → load, streaming the rows straight into the target.

    Before the source is read: the target is not the source, it answers, and
    (`--mode fail`) its tables are empty. `only` (append): draw just these
    tables, attached to the target's rows (load/attach.py); `rows`: TABLE=N.
    """
    from dataclasses import replace
    from pathlib import Path

    from dbsynth import pipeline
    from dbsynth.load import preflight
    from dbsynth.load.attach import Attach
    from dbsynth.load.loader import append_state
    from dbsynth.load.parallel import load_parallel
    from dbsynth.progress import stage_progress
    from dbsynth.summary import print_load_summary, print_summary
    started = time.perf_counter()
    attach = Attach.parse(only, rows, mode=mode)
    config = attach.with_rows(_config(config_path, **cli))
    preflight.check_not_source(source, target)
    preflight.check_target(target, source=source)
    fail_check = (lambda s: preflight.check_mode_fail(target, s)) if mode == "fail" else None
    on_schema = attach.checks(target, then=fail_check)  # --only/--rows names first, then --mode fail's
    timer = pipeline.StageTimer()
    with stage_progress(console) as progress:
        result = pipeline.fit(source, config=config, schema_name=schema, progress=progress.note, timer=timer,
                              on_schema=on_schema)
        if model_dir:
            pipeline.save_model(result.model, Path(model_dir), source_url=source)
        offsets: dict[str, int] = {}
        existing: dict = {}
        if mode == "append":
            state = append_state(target_url=target, schema=result.schema)
            offsets, existing = state.offsets, state.keys
            # the same seed on a target that already holds rows would clone the rows appended before
            config = replace(config, seed=state.seed_for(config.seed))
        config = replace(config, workers=workers if workers is not None else config.workers)
        given = attach.read_given(target, result.model) if attach.only else None  # the rows to attach to
        alembic = Path(alembic_config) if alembic_config else None
        parallel = _parallel_load(result, config, offsets, target=target, mode=mode, keep_triggers=keep_triggers,
                                  strict=strict, alembic_config=alembic, given=given)
        chunks, validator = pipeline.validated_chunks(result.model, config=config, key_offsets=offsets, timer=timer,
                                                      allow_drops=allow_drops, existing=existing,
                                                      sink=parallel.sink_spec if parallel else None, given=given)
        t0 = time.perf_counter()
        if parallel is not None:  # the workers COPY their batches into the shadow schema themselves
            summary = _finish_parallel(parallel, progress.count_rows(chunks))
        else:
            # one batch: an explicit --workers N > 1 still COPYs through N load processes (PostgreSQL)
            summary = load_parallel(chunks=progress.count_rows(chunks), schema=result.schema, target_url=target,
                                    mode=mode, jobs=workers or 1, keep_triggers=keep_triggers, strict=strict,
                                    alembic_config=alembic)
        total = time.perf_counter() - t0
    _print_warnings(console, result.warnings)
    _print_engine(console, result.model)
    if not attach.only:  # --only copies no lookup table
        _print_copied(console, getattr(result.model, "meta", {}).get("reference", {}))
    seconds = dict(timer.seconds)
    seconds["load"] = max(total - seconds.get("sample", 0) - seconds.get("validate", 0), 0.0)
    wall = time.perf_counter() - started
    print_summary(console, rows=summary.rows, seconds=seconds, validation=validator.summary(), total=wall)
    print_load_summary(console, summary, seconds=seconds["load"])
    if report_prefix:
        report(real=source, synthetic=target, json_path=f"{report_prefix}.json", html_path=f"{report_prefix}.html",
               min_quality=None, target=None, console=console, model=getattr(result.model, "meta", None))
    return {"rows": summary.rows, "seconds": seconds, "total_seconds": wall, "summary": summary,
            "warnings": list(dict.fromkeys(result.warnings))}


def _parallel_load(result: Any, config: Any, offsets: dict, *, target: str, mode: str, keep_triggers: bool,
                   strict: bool, alembic_config: Any, given: Any = None) -> Any:
    """A parallel load (dbsynth/load/parallel.py) when it pays: several workers, a run of several batches
    and a target that takes one (PostgreSQL); else None and the rows go through the one-transaction loader."""
    from dbsynth import pipeline
    from dbsynth.execute.executors import default_workers
    from dbsynth.execute.run import plan_batches, supports
    from dbsynth.load.parallel import begin_parallel_load
    jobs = config.workers or default_workers()
    if jobs < 2 or not supports(result.model):
        return None
    if plan_batches(result.model, pipeline.sample_options(config, offsets, given)) < 2:
        return None
    return begin_parallel_load(result.schema, target, mode, jobs=jobs, keep_triggers=keep_triggers, strict=strict,
                               alembic_config=alembic_config)


def _finish_parallel(parallel: Any, chunks: Any) -> Any:
    """Run the batches (their workers write through the sink), then commit; any failure drops the shadow."""
    # with a sink the stream yields nothing; it ends when every batch is written
    parallel.fill(lambda: sum(1 for _ in chunks))
    return parallel.commit()


def subset(*, source: str, target: str, where: list[str], percent: float | None, mask: bool,
           mask_key: str | None, mode: str, config_path: "str | Config | None", schema: str | None,
           keep_triggers: bool, alembic_config: str | None, console: Console, err_console: Console | None = None,
           strict: bool = False, remap_keys: bool = False, **cli: object) -> object:
    """A referentially complete, masked slice of real rows (dbsynth/subset); the mask key is printed once."""
    from dbsynth.subset import subset as run_subset
    from dbsynth.subset.report import print_subset
    config = _config(config_path, **cli)
    result = run_subset(source=source, target=target, where=where, percent=percent, mask=mask, mask_key=mask_key,
                        mode=mode, config=config, schema_name=schema, keep_triggers=keep_triggers, strict=strict,
                        alembic_config=alembic_config, remap_keys=remap_keys)
    print_subset(console, err_console or Console(stderr=True), result)
    return result


def report(*, real: str, synthetic: str, json_path: str | None, html_path: str | None,
           min_quality: float | None, target: str | None, console: Console, model: object = None,
           subset: bool = False) -> int:
    """Quality / privacy / validity report; returns 1 when the CI gate fails, else 0.

    `model`: a model directory or manifest whose reference tables and kept relations the report lists.
    """
    from dbsynth.progress import stage_progress
    from dbsynth.report.runner import build_report, print_summary, write_outputs
    with stage_progress(console) as progress:
        result = build_report(real=real, synthetic=synthetic, target=target, progress=progress.note, model=model,  # type: ignore[arg-type]
                              subset=subset)
    print_summary(console, result)
    for path in write_outputs(result, json_path=json_path, html_path=html_path):
        console.print(f"wrote [bold]{path}[/bold]")
    failures = result.failures(min_quality=min_quality)
    for line in failures:
        console.print(f"[red]FAIL[/red]: {line}", highlight=False)
    return 1 if failures else 0


def demo(*, out: str | None, console: Console) -> None:
    """Seed a synthetic copy of the bundled Chinook SQLite database into a new file."""
    from pathlib import Path

    from dbsynth.errors import ConfigError
    src = Path(__file__).resolve().parent.parent / "examples" / "chinook" / "chinook.sqlite"
    if not src.exists():
        raise ConfigError(f"the demo database {src} is missing",
                          hint="run the demo from a clone of the dbsynth repository (examples/ holds it)")
    target = Path(out or "demo-output/chinook-synthetic.sqlite").resolve()
    from dbsynth.load.preflight import check_not_source
    check_not_source(f"sqlite:///{src}", f"sqlite:///{target}")  # before the old output is removed
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        target.unlink()
    seed(source=f"sqlite:///{src}", target=f"sqlite:///{target}", mode="fail", keep_triggers=False,
         alembic_config=None, config_path=None, schema=None, model_dir=None, console=console, seed=0)
    console.print(f"\n[bold green]Synthetic Chinook written to {target}[/bold green]")
    console.print(f"Try: dbsynth inspect sqlite:///{target}")


def _print_warnings(console: Console, warnings: list[str]) -> None:
    for line in dict.fromkeys(warnings):  # de-duplicated, in order
        console.print(f"[yellow]warning[/yellow]: {line}", highlight=False)


def _print_copied(console: Console, reference: dict[str, str]) -> None:
    """Tables copied verbatim (lookup tables, copy = true): named, never silent."""
    if reference:
        console.print("Copied verbatim (reference data, not scaled; `copy = false` in [tables.X] turns it off): "
                      + ", ".join(sorted(reference)), highlight=False, markup=False)


def _print_engine(console: Console, model: object) -> None:
    neural = getattr(model, "meta", {}).get("neural")
    if neural:
        console.print(f"neural engine trained on {neural['device']} in {neural['train_seconds']:.1f}s",
                      highlight=False)
