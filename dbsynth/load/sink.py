"""Where a worker writes its batches while a parallel load is in progress.

The contract between the executors (dbsynth/execute: which process samples a
batch) and the parallel loader (dbsynth/load/parallel.py: how rows reach the
target atomically). The coordinator begins a parallel load and gets a
picklable `SinkSpec`; every worker opens its own `BatchSink` from it, writes
its validated chunks and closes it; the coordinator then commits (or aborts)
the load as a whole. A target that cannot take writers in parallel (SQLite)
gives no spec: the workers hand their chunks back to the coordinator, which
loads them as before.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Protocol

if TYPE_CHECKING:
    from dbsynth.frames import TableChunk


@dataclass(frozen=True)
class SinkSpec:
    """Everything a worker process needs to join a load in progress (picklable, no open handles).

    `url` carries the target's credentials: never print or log it (connectors.base.mask_url).
    """

    kind: str  # which sink implementation opens it (a key of SINKS)
    url: str
    params: dict[str, Any] = field(default_factory=dict)


class BatchSink(Protocol):
    """One worker's writer into a load in progress."""

    def write(self, chunk: "TableChunk") -> int:
        """Write the chunk's rows; returns how many were written."""
        ...

    def close(self) -> None:
        """Make this worker's rows durable for the coordinator's commit (they stay invisible until then)."""
        ...


SINKS: dict[str, Callable[[SinkSpec], BatchSink]] = {}


def register_sink(kind: str) -> Callable[[Callable[[SinkSpec], BatchSink]], Callable[[SinkSpec], BatchSink]]:
    def deco(factory: Callable[[SinkSpec], BatchSink]) -> Callable[[SinkSpec], BatchSink]:
        SINKS[kind] = factory
        return factory
    return deco


def open_sink(spec: SinkSpec) -> BatchSink:
    """The sink for `spec`, in the calling (worker) process."""
    if spec.kind not in SINKS:
        import importlib
        importlib.import_module("dbsynth.load.parallel")  # registers the built-in sinks
    return SINKS[spec.kind](spec)
