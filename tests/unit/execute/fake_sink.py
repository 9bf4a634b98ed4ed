"""A sink for tests: each worker pickles its chunks into a folder (registered on import, in every process).

`SinkSpec.params["marker"]` holds a `Marker`, so unpickling the spec in a
spawned worker imports this module and registers the sink there too.
"""
from __future__ import annotations

import os
import pickle
import uuid
from pathlib import Path
from typing import Any

from dbsynth.load.sink import SinkSpec, register_sink
from dbsynth.sample.types import TableChunk

KIND = "test-pickle-dir"


class Marker:
    """Importing the class to unpickle it registers the sink."""


@register_sink(KIND)
class PickleDirSink:
    def __init__(self, spec: SinkSpec) -> None:
        self.folder = Path(spec.url)
        self.fail_on = spec.params.get("fail_on_table")
        self.part = self.folder / f"part-{os.getpid()}-{uuid.uuid4().hex}.tmp"
        self.chunks: list[TableChunk] = []

    def write(self, chunk: TableChunk) -> int:
        if chunk.table == self.fail_on:
            raise OSError(f"disk full while writing {chunk.table}")
        self.chunks.append(chunk)
        return len(chunk.frame)

    def close(self) -> None:
        self.part.write_bytes(pickle.dumps(self.chunks))
        self.part.rename(self.part.with_suffix(".pkl"))  # complete parts only


def spec(folder: Path, **params: Any) -> SinkSpec:
    return SinkSpec(kind=KIND, url=str(folder), params={"marker": Marker(), **params})


def read(folder: Path) -> list[TableChunk]:
    out: list[TableChunk] = []
    for part in sorted(folder.glob("*.pkl")):
        out += pickle.loads(part.read_bytes())
    return out
