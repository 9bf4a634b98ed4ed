"""An engine is the relational core plus one table generator (dbsynth/relational/generator.py).

`RelationalEngine(kind)` fits the core once with `kind` drawing each table's own
columns; the fitted model samples through the shared streaming sampler. This module
is where the core meets the sampler, so neither imports the other.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

import pandas as pd

from dbsynth.frames import TableChunk
from dbsynth.profile.types import TableProfile
from dbsynth.relational.fit import fit_tables
from dbsynth.relational.generator import GeneratorKind
from dbsynth.relational.model import RelationalModel
from dbsynth.relational.options import FitOptions, SampleOptions
from dbsynth.sample.sampler import Sampler
from dbsynth.schema.graph import LoadPlan
from dbsynth.schema.model import Schema


class FittedRelationalModel(RelationalModel):
    """A fitted model that samples (the shared sampler) and repairs rows."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._state: Sampler | None = None  # last sampler (its keys), for resample()

    def sample(self, *, options: SampleOptions) -> Iterator[TableChunk]:
        sampler = Sampler(model=self, options=options)
        self._state = sampler
        yield from sampler.run()

    def resample(self, *, table: str, n: int, seed: int) -> pd.DataFrame:
        sampler = self._state or Sampler(model=self, options=SampleOptions(seed=seed))
        return sampler.resample(table=table, n=n, seed=seed)

    @classmethod
    def load(cls, directory: Path, kind: GeneratorKind) -> "FittedRelationalModel":
        model = super().load(directory, kind)
        assert isinstance(model, FittedRelationalModel)
        return model


class RelationalEngine:
    """The engine named after its table generator (`--engine copula`, `--engine neural`, a plug-in)."""

    def __init__(self, kind: GeneratorKind) -> None:
        self.kind = kind
        self.name = kind.name

    def fit(self, *, schema: Schema, plan: LoadPlan, frames: Mapping[str, pd.DataFrame],
            profiles: Mapping[str, TableProfile], options: FitOptions,
            progress: Callable[[str], None] | None = None) -> FittedRelationalModel:
        tables, meta = fit_tables(schema=schema, plan=plan, frames=frames, profiles=profiles, options=options,
                                  kind=self.kind, progress=progress)
        return FittedRelationalModel(schema=schema, plan=plan, tables=tables, options=options, meta=meta,
                                     engine=self.kind.name)
