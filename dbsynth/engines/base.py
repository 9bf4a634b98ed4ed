"""Engine protocols; the options the pipeline passes to them are the relational core's (relational/options.py)."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator, Mapping, Protocol

from dbsynth.relational.options import FitOptions, SampleOptions  # noqa: F401  (defined with the core)

if TYPE_CHECKING:
    import pandas as pd

    from dbsynth.profile.types import TableProfile
    from dbsynth.frames import TableChunk
    from dbsynth.schema.graph import LoadPlan
    from dbsynth.schema.model import Schema


class FittedModel(Protocol):
    engine: str
    schema: "Schema"

    def save(self, directory: Path) -> None: ...

    def sample(self, *, options: SampleOptions) -> Iterator["TableChunk"]: ...

    def resample(self, *, table: str, n: int, seed: int) -> "pd.DataFrame": ...


class Engine(Protocol):
    name: str

    def fit(self, *, schema: "Schema", plan: "LoadPlan", frames: Mapping[str, "pd.DataFrame"],
            profiles: Mapping[str, "TableProfile"], options: FitOptions,
            progress: Callable[[str], None] | None = None) -> FittedModel: ...

