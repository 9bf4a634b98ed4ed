"""One batch, sampled and validated where it runs (any process: local pool worker, Ray task, in-process).

A worker draws batch b with its own Sampler (the resident tables drawn once
per process), validates it with a Validator that has first seen the resident
tables' chunks exactly as batch 0 validates them (same repairs, same keys),
then either writes the valid chunks through the load's sink or hands them
back to the coordinator.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterator, Mapping

if TYPE_CHECKING:
    import pandas as pd

    from dbsynth.relational.options import SampleOptions
    from dbsynth.load.sink import SinkSpec
    from dbsynth.sample.sampler import Sampler
    from dbsynth.frames import TableChunk
    from dbsynth.validate.runner import ValidationSummary, Validator


@dataclass
class BatchJob:
    """Everything a worker needs (picklable): the model is sent once per worker process."""

    model: Any
    options: "SampleOptions"
    allow_drops: bool = True
    existing: Mapping[tuple[str, tuple[str, ...]], Any] = field(default_factory=dict)
    sink: "SinkSpec | None" = None
    token: str = ""  # names this run in the per-process cache
    edge_cases: float = 0.0  # --edge-cases: the share of each batch's rows made to cover the corners


@dataclass
class BatchResult:
    batch: int
    chunks: list["TableChunk"]  # empty when the rows went to the sink
    rows: dict[str, int]
    summary: "ValidationSummary"
    present: dict[str, int]  # copied rows an append target already held, per table
    seconds: dict[str, float]
    cpu_seconds: float


class BatchFailed(Exception):
    """A batch raised in a worker: what the coordinator re-raises (picklable, one line)."""

    def __init__(self, batch: int, kind: str, message: str, hint: str | None, deliberate: bool) -> None:
        super().__init__(batch, kind, message, hint, deliberate)
        self.batch, self.kind, self.message, self.hint, self.deliberate = batch, kind, message, hint, deliberate


_CACHE: dict[str, "Sampler"] = {}  # token -> sampler with its resident tables drawn (one run per process)


def sampler_for(job: BatchJob) -> "Sampler":
    from dbsynth.sample.sampler import Sampler

    if job.token not in _CACHE:
        _CACHE.clear()  # one run at a time per process: an older run's tables are not kept
        _CACHE[job.token] = Sampler(model=job.model, options=job.options)
    return _CACHE[job.token]


def run_batch(job: BatchJob, b: int) -> BatchResult:
    """Sample, validate and write (or return) batch b; a failure comes back as BatchFailed."""
    from dbsynth.errors import DbsynthError
    try:
        return _run(job, b)
    except DbsynthError as exc:
        raise BatchFailed(b, type(exc).__name__, exc.message, exc.hint, True) from None
    except Exception as exc:  # a bug: still one line at the coordinator
        text = (str(exc).splitlines() or [""])[0]
        raise BatchFailed(b, type(exc).__name__, text, None, False) from None


def _run(job: BatchJob, b: int) -> BatchResult:
    cpu0 = time.process_time()
    seconds = {"sample": 0.0, "validate": 0.0, "write": 0.0}
    sampler = sampler_for(job)
    validator = new_validator(job, sampler)
    present: dict[str, int] = {}
    if b > 0:  # the resident rows as batch 0 validates them: their repairs and keys, not their counts
        sampler.begin(0)
        for chunk in sampler.resident_chunks():
            check_chunk(validator, sampler, job, chunk, 0, {}, {})
        from dbsynth.validate.runner import ValidationSummary
        validator._summary = ValidationSummary()  # batch 0 counts these rows, once
    sink = _open_sink(job)
    edges = _edges(job, b)
    out: list["TableChunk"] = []
    rows: dict[str, int] = {}
    seen: dict[str, int] = {}
    stream = sampler.run_batch(b)
    while True:
        t0 = time.perf_counter()
        chunk = next(stream, None)
        seconds["sample"] += time.perf_counter() - t0
        if chunk is None:
            break
        t0 = time.perf_counter()
        valid = check_chunk(validator, sampler, job, chunk, b, seen, present, edges)
        seconds["validate"] += time.perf_counter() - t0
        rows[valid.table] = rows.get(valid.table, 0) + len(valid.frame)
        t0 = time.perf_counter()
        if sink is not None:
            sink.write(valid)
        else:
            out.append(valid)
        seconds["write"] += time.perf_counter() - t0
    t0 = time.perf_counter()
    validator.finish()  # this batch's cycle FKs point at rows of this batch or resident ones
    seconds["validate"] += time.perf_counter() - t0
    if sink is not None:
        t0 = time.perf_counter()
        sink.close()
        seconds["write"] += time.perf_counter() - t0
    return BatchResult(batch=b, chunks=out, rows=rows, summary=validator.summary(), present=present,
                       seconds=seconds, cpu_seconds=time.process_time() - cpu0)


def _open_sink(job: BatchJob) -> Any:
    if job.sink is None:
        return None
    from dbsynth.load.sink import open_sink
    return open_sink(job.sink)


def new_validator(job: BatchJob, sampler: "Sampler") -> "Validator":
    from dbsynth.schema.graph import build_plan
    from dbsynth.validate.runner import Validator

    schema = job.model.schema
    # without --allow-drops a parent row that cannot be repaired is an error: dropping it orphans its children
    validator = Validator(schema, build_plan(schema), strict_parents=not job.allow_drops)
    for (table, cols), values in (job.existing or {}).items():
        validator.seed_keys(table, tuple(cols), values)
    return validator


def _edges(job: BatchJob, b: int) -> Any:
    """Batch b's edge-case editor (execute/edge_cases.py), None without --edge-cases; batch 0 keeps the
    run's seed, so a one-batch run edits as the single stream did."""
    if not job.edge_cases:
        return None
    from dbsynth.execute.edge_cases import EdgeCases
    seed = job.options.seed if b == 0 else job.options.seed * 1_000_003 + b
    return EdgeCases(job.model, share=job.edge_cases, seed=seed)


def check_chunk(validator: "Validator", sampler: "Sampler", job: BatchJob, chunk: "TableChunk", b: int,
                seen: dict[str, int], present: dict[str, int], edges: Any = None) -> "TableChunk":
    """The chunk's valid rows (repaired where the validator can); repairs draw from batch b's own streams."""
    from dbsynth.frames import TableChunk

    tp = job.model.tables.get(chunk.table)
    if getattr(tp, "copy_rows", None) is not None and job.existing:
        # a lookup table already copied into the append target is not copied again
        from dbsynth.relational.reference import already_present
        frame = already_present(chunk.table, chunk.frame, job.model.schema.table(chunk.table).pk_columns,
                                job.existing)
        present[chunk.table] = present.get(chunk.table, 0) + len(chunk.frame) - len(frame)
        chunk = TableChunk(table=chunk.table, frame=frame, batch=chunk.batch)
    k = seen.get(chunk.table, 0)
    seen[chunk.table] = k + 1
    seed = repair_seed(job.options.seed, b, sampler.index.get(chunk.table, 0), k)
    chunk = edges.apply(chunk) if edges else chunk
    result = validator.repair(chunk, resample=_resampler(sampler, chunk.table, seed))
    if edges:
        edges.observe(chunk.table, result.valid)
    return TableChunk(table=chunk.table, frame=result.valid, batch=b)


def repair_seed(seed: int, b: int, table: int, k: int) -> int:
    """The repair stream of the k-th chunk of a table in batch b (the same wherever the batch runs)."""
    return ((seed * 1_000_003 + b) * 10_007 + table) * 1_009 + k


def _resampler(sampler: "Sampler", table: str, base_seed: int) -> Callable[[int], "pd.DataFrame"]:
    """Fresh rows for repair; the seed moves on each attempt so retries differ."""
    attempt: Iterator[int] = iter(range(1, 1_000_000))
    return lambda n: sampler.resample(table=table, n=n, seed=base_seed * 101 + next(attempt))
