"""Move rows repeating a multi-column UNIQUE that holds an FK to another parent row.

A UNIQUE over (batch_id, team_batch_id) of two foreign keys repeats now and
then when each FK is drawn by its own quota; the sampler used to drop the
repeat, and a dropped parent row takes its whole family with it (fuzz seed
3641: one vendor row lost, ten plan rows with it). Pointing the repeating
row's free FK at another existing parent (weighted by the parents' remaining
quotas, as the first draw was) keeps the row, the FK and the UNIQUE.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from dbsynth.frames import KeySet

CANDIDATES = 256  # parent rows tried per repeating row (all of them in a smaller pool)
MAX_ROWS = 2_000  # repeating rows moved at most per chunk; beyond, dropped as before


@dataclass
class FkChoice:
    """One FK the repeats may move along: its columns, the parents' values in the child's
    types (one array a column, one entry a parent row) and the parents' remaining quotas."""

    columns: list[str]
    values: list[np.ndarray]
    quotas: np.ndarray


def repoint_repeats(frame: pd.DataFrame, cols: list[str], choices: list[FkChoice], *, seen: "KeySet",
                    rng: np.random.Generator) -> np.ndarray:
    """Give rows repeating `cols` (within the frame, or keys in `seen`) another parent of one of
    `choices`, so the key is new. Returns the rows no parent could free (every pair taken): the
    caller keeps them for the validator to name, rather than dropping them unsaid."""
    from dbsynth.sample.values import repeats

    stuck = np.zeros(len(frame), dtype=bool)
    choices = [c for c in choices if len(c.quotas) and set(c.columns) <= set(cols)]
    if not choices or not len(frame):
        return stuck
    dup, keys = repeats(frame, cols, seen)
    taken = set(frame.loc[~dup & keys.valid, cols].itertuples(index=False, name=None))
    for i in np.flatnonzero(dup)[:MAX_ROWS]:
        row = tuple(frame.loc[i, cols])
        key = next((k for k in (_free_key(row, cols, c, taken, seen, rng) for c in choices) if k is not None), None)
        if key is None:
            stuck[i] = True
            continue
        for c, v in zip(cols, key):
            frame.at[i, c] = v
        taken.add(key)
    return stuck


def _free_key(row: tuple[Any, ...], cols: list[str], choice: FkChoice, taken: set[Any], seen: "KeySet",
              rng: np.random.Generator) -> tuple[Any, ...] | None:
    """The key `row` gets with the first parent (in a quota-weighted random order) that makes it new."""
    from dbsynth.frames import Keys

    w = np.clip(choice.quotas, 0, None) + 1e-3
    order = np.argsort(-(np.log(w) + rng.gumbel(size=len(w))), kind="stable")[:CANDIDATES]
    cand = pd.DataFrame({c: pd.Series([row[k]] * len(order), dtype=object) for k, c in enumerate(cols)})
    for c, values in zip(choice.columns, choice.values):
        cand[c] = pd.Series(values[order], dtype=object)
    keys = Keys(cand, cols)
    fresh = keys.valid.copy()
    if len(seen) and len(keys):
        fresh[keys.valid] &= ~seen.contains(keys)
    for j, key in zip(np.flatnonzero(fresh), cand[fresh][cols].itertuples(index=False, name=None)):
        if key not in taken:
            choice.quotas[order[j]] -= 1.0
            return key
    return None
