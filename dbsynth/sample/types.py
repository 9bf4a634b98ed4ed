"""Artefacts handed from the sampler to the validator and the loader."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class TableChunk:
    """Synthetic rows for one table, complete (every FK value filled).

    The sampler yields chunks so that every FK value refers to a row in the
    same or an earlier chunk, except the edges the LoadPlan defers
    (cycles), whose targets may come later; the loader handles those.
    """

    table: str
    frame: "pd.DataFrame"
    batch: int = 0
