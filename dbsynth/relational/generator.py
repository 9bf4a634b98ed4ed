"""The table-generator protocol: the only part of an engine that is not the relational core.

The core (dbsynth/relational/fit.py) decides everything relational once, for every
engine: context parents, key specs, children-per-parent counts, in-degree quotas,
attribute matching, family traits, self-reference forests, copied columns. It then
hands each table to a generator with the table's column layout (`TableModel`: the
transforms that turn columns into normal scores) and asks it to learn the joint
distribution of the table's own scores and child counts given the context parent's
scores. At sampling time the generator draws `n` rows given the parent rows'
scores/values and the columns the core fixed (family traits); the core fills keys,
faked PII, copied columns and exact relations around the draw.

A generator is found by name: the built-ins (`copula`, `neural`), generators other
packages declare under the `dbsynth.generators` entry-point group, and any passed to
`dbsynth.engines.registry.register` (see that module). Adding one touches only its
own module plus one registration.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping, Protocol

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from dbsynth.relational.options import FitOptions
    from dbsynth.relational.table import TableModel
    from dbsynth.schema.model import Table

ENTRY_POINT_GROUP = "dbsynth.generators"

# values of the modelled columns, own scores (model.own_width columns: the children's context and
# the matching features), raw child counts (one column per model.counts entry)
Draw = tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]


@dataclass
class FitData:
    """One table as the core prepared it for its generator."""

    table: "Table"
    frame: "pd.DataFrame"  # the source rows read for fitting
    model: "TableModel"  # column layout and relational facts (read; a generator adds nothing to it)
    own: np.ndarray  # own normal scores, one row per frame row
    counts: np.ndarray  # child-count scores per row, one column per model.counts entry
    parent: np.ndarray | None  # the context parent's own scores per row (None: a root table)
    rows: np.ndarray  # the rows to fit on (a subsample of big tables)
    seed: int


@dataclass
class TableFiles:
    """Where one table's state is saved: extra keys of its JSON entry, extra arrays, its own files."""

    directory: Path
    stem: str
    doc: dict[str, Any] = field(default_factory=dict)
    arrays: dict[str, np.ndarray] = field(default_factory=dict)

    def path(self, suffix: str) -> Path:
        """A file of the generator's own next to the table's (e.g. '.pt' for network weights)."""
        return self.directory / "tables" / f"{self.stem}{suffix}"


class TableGenerator(Protocol):
    """Learns and draws one table's modelled columns given its context parent."""

    def fit(self, data: FitData) -> None: ...

    def sample(self, model: "TableModel", *, n: int, parent_scores: np.ndarray | None, rng: np.random.Generator,
               parent_values: dict[str, np.ndarray] | None = None,
               fixed: dict[str, np.ndarray] | None = None) -> Draw:
        """`n` rows. parent_scores: the context parent row's own scores per row (None: no parent row,
        e.g. repair draws); parent_values: its values of the columns in model.inherit; fixed: category
        codes of own columns decided by the core (family traits; -1 where open). Use `rng` only."""
        ...

    def save(self, files: TableFiles) -> None: ...


class GeneratorKind(Protocol):
    """A registered generator: makes one per table, loads saved ones, may train all at the end."""

    name: str

    def new(self, options: "FitOptions") -> TableGenerator: ...

    def load(self, files: TableFiles) -> TableGenerator: ...

    def finish(self, generators: Mapping[str, TableGenerator], *, options: "FitOptions",
               progress: Callable[[str], None]) -> dict[str, Any]:
        """Called once after every table's fit (joint training, shared time budgets); returns
        metadata for the manifest ({} when there is none)."""
        ...
