"""Shared data: the bundled Chinook database and an in-memory 'synthetic' copy with known damage."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dbsynth.report.runner import Side, load_side

CHINOOK = Path(__file__).resolve().parents[3] / "examples" / "chinook" / "chinook.sqlite"


@pytest.fixture(scope="session")
def chinook() -> Side:
    if not CHINOOK.exists():
        pytest.skip("examples/chinook/chinook.sqlite is missing")
    return load_side(f"sqlite:///{CHINOOK}")


def bootstrap(side: Side, *, seed: int, tables: tuple[str, ...] = ("Track", "Invoice", "InvoiceLine")) -> Side:
    """Rows of some tables drawn with replacement (keys renumbered where they are the PK): shapes and
    children-per-parent move a little, FKs stay valid."""
    rng = np.random.default_rng(seed)
    frames = dict(side.frames)
    for name in tables:
        frame = frames[name]
        pick = frame.iloc[rng.integers(0, len(frame), len(frame))].reset_index(drop=True)
        pk = side.schema.table(name).pk_columns
        if len(pk) == 1 and pd.api.types.is_integer_dtype(pick[pk[0]]):
            old = pick[pk[0]]
            pick[pk[0]] = pd.array(np.arange(1, len(pick) + 1), dtype="Int64")
            frames = _renumber_children(side, frames, name, pk[0], old)
        frames[name] = pick
    return Side(label="bootstrap", schema=side.schema, frames=frames)


def _renumber_children(side: Side, frames: dict[str, pd.DataFrame], parent: str, pk: str,
                       old: pd.Series) -> dict[str, pd.DataFrame]:
    """Children of a renumbered parent point at one of the new ids that stands for their old parent."""
    new_of_old = pd.Series(np.arange(1, len(old) + 1), index=old.to_numpy()).groupby(level=0).first()
    for table in side.schema.data_tables:
        for fk in table.foreign_keys:
            if fk.referred_table == parent and table.name in frames and fk.columns == (fk.columns[0],):
                child = frames[table.name].copy()
                mapped = child[fk.columns[0]].map(new_of_old)
                child[fk.columns[0]] = pd.array(mapped.where(mapped.notna(), None), dtype="Int64")
                frames[table.name] = child
    return frames
