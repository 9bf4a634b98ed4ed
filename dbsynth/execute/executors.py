"""Where batches run: in this process, in a local process pool, or as Ray tasks.

Every executor returns the batches' results in batch order (the loader takes
batch 0's tables first), keeping at most a few batches in flight per worker
so memory stays bounded by batches, not by the whole output.
"""
from __future__ import annotations

import os
import pickle
from collections import deque
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Protocol

from dbsynth.errors import ConfigError

if TYPE_CHECKING:
    from dbsynth.execute.worker import BatchJob, BatchResult

AHEAD = 2  # batches in flight per worker: one running, one waiting


class Executor(Protocol):
    name: str
    workers: int

    def map(self, job: "BatchJob", batches: Iterable[int]) -> Iterator["BatchResult"]:
        """Run `batches` of `job`; results in the order of `batches`."""
        ...

    def close(self) -> None: ...


def default_workers() -> int:
    return max(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1), 1)


def get_executor(kind: str = "local", *, workers: int | None = None, address: str | None = None) -> Executor:
    if kind == "local":
        n = default_workers() if workers is None else workers
        return InProcess() if n <= 1 else LocalPool(n)
    if kind == "ray":
        return RayExecutor(address=address, workers=workers)
    raise ConfigError(f"unknown executor {kind!r}", hint="use --executor local or --executor ray")


class InProcess:
    """`--workers 1`: batch after batch in this process (the same code the workers run)."""

    name = "local"
    workers = 1

    def map(self, job: "BatchJob", batches: Iterable[int]) -> Iterator["BatchResult"]:
        from dbsynth.execute.worker import run_batch
        for b in batches:
            yield run_batch(job, b)

    def close(self) -> None:
        pass


_JOB: Any = None  # the job a pool worker process serves (sent once, at start)


def _init_worker(payload: bytes) -> None:
    global _JOB
    _JOB = pickle.loads(payload)


def _pool_batch(b: int) -> "BatchResult":
    from dbsynth.execute.worker import run_batch
    return run_batch(_JOB, b)


class LocalPool:
    """`--workers N`: a pool of N fresh (spawned) processes; the model is sent to each once."""

    name = "local"

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: Any = None

    def map(self, job: "BatchJob", batches: Iterable[int]) -> Iterator["BatchResult"]:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        todo = list(batches)
        # spawn, not fork: the coordinator may hold threads (progress display) and open connections
        self._pool = ProcessPoolExecutor(max_workers=min(self.workers, max(len(todo), 1)),
                                         mp_context=multiprocessing.get_context("spawn"),
                                         initializer=_init_worker, initargs=(pickle.dumps(job),))
        yield from _ordered(lambda b: self._pool.submit(_pool_batch, b), _pool_result, todo, self.workers * AHEAD)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def _pool_result(future: Any) -> "BatchResult":
    from concurrent.futures.process import BrokenProcessPool

    from dbsynth.errors import DbsynthError
    try:
        return future.result()
    except BrokenProcessPool:
        raise DbsynthError("a worker process died (killed, or out of memory) while sampling; nothing was written",
                           hint="set batch_rows lower in the config, or run fewer --workers") from None


class RayExecutor:
    """`--executor ray`: one Ray task per batch, on the cluster at `address` (or a local Ray)."""

    name = "ray"

    def __init__(self, *, address: str | None, workers: int | None) -> None:
        try:
            import ray
        except ImportError:
            raise ConfigError("the ray executor needs Ray, which is not installed",
                              hint="pip install 'dbsynth[ray]'") from None
        self._ray = ray
        self._started = False
        if not ray.is_initialized():
            ray.init(address=address, include_dashboard=False, log_to_driver=False, ignore_reinit_error=True)
            self._started = True  # ours to shut down again
        cpus = int(ray.cluster_resources().get("CPU", 1))
        self.workers = workers or max(cpus, 1)

    def map(self, job: "BatchJob", batches: Iterable[int]) -> Iterator["BatchResult"]:
        ray = self._ray
        task = ray.remote(num_cpus=1, max_retries=0)(_ray_batch)
        ref = ray.put(job)  # stored once in the object store, not once per task
        yield from _ordered(lambda b: task.remote(ref, b), lambda r: _ray_get(ray, r), list(batches),
                            self.workers * AHEAD)

    def close(self) -> None:
        if self._started:
            self._ray.shutdown()
            self._started = False


def _ray_batch(job: "BatchJob", b: int) -> "BatchResult":
    from dbsynth.execute.worker import run_batch
    return run_batch(job, b)


def _ray_get(ray: Any, ref: Any) -> "BatchResult":
    from dbsynth.execute.worker import BatchFailed
    try:
        return ray.get(ref)
    except ray.exceptions.RayTaskError as exc:
        cause = getattr(exc, "cause", None)
        if isinstance(cause, BatchFailed):
            raise cause from None
        raise


def _ordered(submit: Any, result: Any, todo: list[int], window: int) -> Iterator["BatchResult"]:
    """Results in `todo` order with at most `window` batches submitted and not yet taken."""
    pending: deque[tuple[int, Any]] = deque()
    it = iter(todo)
    for b in it:
        pending.append((b, submit(b)))
        if len(pending) >= window:
            break
    while pending:
        _, handle = pending.popleft()
        out = result(handle)
        nxt = next(it, None)
        if nxt is not None:
            pending.append((nxt, submit(nxt)))
        yield out
