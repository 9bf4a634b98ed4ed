"""The coordinator's side: plan the batches, hand them to an executor, merge what comes back.

The stream yields the batches' valid chunks in plan order (batch 0's tables
first, then batch 1's…) for the single-transaction loader; with a sink the
workers write the rows themselves and the stream yields nothing. Either way
the validation summaries of all batches are merged here, so the loss checks
(`pipeline.loss_lines`, --allow-drops) see the whole run.
"""
from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING, Any, Iterator, Mapping

if TYPE_CHECKING:
    from dbsynth.config import Config
    from dbsynth.engines.base import FittedModel, SampleOptions
    from dbsynth.load.sink import SinkSpec
    from dbsynth.pipeline import StageTimer
    from dbsynth.frames import TableChunk
    from dbsynth.validate.runner import ValidationSummary


def supports(model: Any) -> bool:
    """Models drawn by the relational Sampler run in independent batches."""
    return hasattr(model, "tables") and hasattr(model, "schema") and callable(getattr(model, "sample", None)) \
        and hasattr(model, "plan")


class Merged:
    """The validator stand-in the pipeline returns: the summary of every batch so far."""

    def __init__(self) -> None:
        from dbsynth.validate.runner import ValidationSummary
        self._summary = ValidationSummary()
        self.results: list[Any] = []  # per batch: rows, seconds, CPU seconds (benchmarks, progress)

    def summary(self) -> "ValidationSummary":
        return self._summary

    @property
    def warnings(self) -> list[str]:
        return list(self._summary.warnings)

    def add(self, part: "ValidationSummary") -> None:
        merge_summary(self._summary, part)


def merge_summary(into: "ValidationSummary", part: "ValidationSummary") -> None:
    for table, kinds in part.counts.items():
        for kind, counts in kinds.items():
            for what, n in counts.items():
                into.bump(table, kind, what, n)
    for table, n in part.rows_in.items():
        into.rows_in[table] = into.rows_in.get(table, 0) + n
    for table, n in part.rows_valid.items():
        into.rows_valid[table] = into.rows_valid.get(table, 0) + n
    seen = {tuple(sorted(u.items())) for u in into.unchecked}
    into.unchecked += [u for u in part.unchecked if tuple(sorted(u.items())) not in seen]
    into.warnings += [w for w in part.warnings if w not in into.warnings]
    into.deferred += part.deferred
    for key, detail in part.details.items():
        into.details.setdefault(key, detail)


def plan_batches(model: "FittedModel", options: "SampleOptions") -> int:
    """How many batches a run with `options` has (seed decides from it whether a parallel load pays);
    the coordinator's sampler is kept for `batched_chunks`, so the plan is drawn once."""
    from dbsynth.sample.sampler import Sampler
    sampler = Sampler(model=model, options=options)  # type: ignore[arg-type]
    model._planner = sampler  # type: ignore[attr-defined]
    return sampler.plan().batches


def batched_chunks(model: "FittedModel", *, config: "Config", options: "SampleOptions", timer: "StageTimer",
                   allow_drops: bool, existing: Mapping[str, Any] | None,
                   sink: "SinkSpec | None" = None) -> tuple[Iterator["TableChunk"], Merged]:
    """Sample + validate every batch on the configured executor; valid chunks in plan order."""
    import copy

    from dbsynth.execute.executors import get_executor
    from dbsynth.execute.worker import BatchJob
    from dbsynth.sample.sampler import Sampler

    t0 = time.perf_counter()
    sampler = getattr(model, "_planner", None)  # planned already (plan_batches): the same plan, drawn once
    if sampler is None or sampler.o != options:
        sampler = Sampler(model=model, options=options)  # type: ignore[arg-type]
    model._planner = None  # type: ignore[attr-defined]  # never shipped to the workers
    plan = sampler.plan()
    model._state = sampler  # type: ignore[attr-defined]  # planned rows (pipeline.planned_rows)
    timer.add("sample", t0)
    shipped = copy.copy(model)
    shipped._state = None  # type: ignore[attr-defined]  # workers draw their own
    job = BatchJob(model=shipped, options=options, allow_drops=allow_drops, existing=dict(existing or {}),
                   sink=sink, token=uuid.uuid4().hex,
                   edge_cases=_edge_share(config))
    merged = Merged()
    workers = config.workers
    if config.executor == "local":  # one process per batch at most: a one-batch run stays in this process
        from dbsynth.execute.executors import default_workers
        workers = min(workers or default_workers(), plan.batches)
    executor = get_executor(config.executor, workers=workers, address=config.ray_address)

    def stream() -> Iterator["TableChunk"]:
        from dbsynth.execute.worker import BatchFailed
        try:
            results = executor.map(job, range(plan.batches))
            while True:
                t0 = time.perf_counter()
                result = next(results, None)
                if result is None:
                    break
                _charge(timer, result.seconds, time.perf_counter() - t0)
                merged.add(result.summary)
                merged.results.append(result)
                for table, n in result.present.items():
                    _present[table] = _present.get(table, 0) + n
                chunks, result.chunks = result.chunks, []
                yield from chunks
        except BatchFailed as exc:
            raise _reraise(exc, plan.batches) from None
        finally:
            executor.close()
        _finish(model, merged, _present, allow_drops)

    _present: dict[str, int] = {}
    return stream(), merged


def _edge_share(config: "Config") -> float:
    from dbsynth.execute.edge_cases import check_share
    return check_share(getattr(config, "edge_cases", 0.0))


def _charge(timer: "StageTimer", seconds: Mapping[str, float], waited: float) -> None:
    """The coordinator's wait for a batch, split between sample and validate as the worker spent it."""
    work = seconds.get("sample", 0.0) + seconds.get("validate", 0.0)
    share = seconds.get("sample", 0.0) / work if work > 0 else 1.0
    timer.seconds["sample"] += waited * share
    timer.seconds["validate"] += waited * (1 - share)


def _reraise(exc: Any, batches: int) -> Exception:
    """The worker's error, one line, naming the batch; its own class where dbsynth raised it on purpose."""
    from dbsynth import errors
    where = f"batch {exc.batch + 1} of {batches}"
    if exc.deliberate:
        cls = getattr(errors, exc.kind, errors.DbsynthError)
        err = cls(f"{exc.message} ({where}); nothing was written", hint=exc.hint)
        return err
    return errors.DbsynthError(f"{where} failed in a worker: {exc.kind}: {exc.message}; nothing was written",
                               hint="re-run with --workers 1 --debug for the traceback")


def _finish(model: Any, merged: Merged, present: Mapping[str, int], allow_drops: bool) -> None:
    from dbsynth.pipeline import check_losses
    check_losses(model, merged.summary(), present, allow_drops)
