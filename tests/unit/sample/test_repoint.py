"""Rows repeating a UNIQUE that holds an FK move to another parent row (fuzz seed 3641)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from dbsynth.frames import Keys, KeySet
from dbsynth.sample.repoint import FkChoice, repoint_repeats

BATCHES = np.arange(1, 23, dtype=object)  # the parent's key values, as the pool holds them


def _frame() -> pd.DataFrame:
    """(batch_id, team_batch_id): rows 0 and 1, and 2 and 3, repeat a pair."""
    return pd.DataFrame({"batch_id": pd.Series([10, 10, 4, 4, 7], dtype=object),
                         "team_batch_id": pd.Series([9, 9, 18, 18, 9], dtype=object),
                         "note": ["a", "b", "c", "d", "e"]})


def _choice() -> FkChoice:
    return FkChoice(columns=["batch_id"], values=[BATCHES.copy()], quotas=np.ones(len(BATCHES)))


def test_repeats_get_another_existing_parent() -> None:
    frame = _frame()
    choice = _choice()
    stuck = repoint_repeats(frame, ["batch_id", "team_batch_id"], [choice], seen=KeySet(),
                            rng=np.random.default_rng(0))
    assert not stuck.any()
    pairs = list(frame[["batch_id", "team_batch_id"]].itertuples(index=False, name=None))
    assert len(set(pairs)) == 5  # no row lost, no pair repeated
    assert set(frame["batch_id"]) <= set(BATCHES)  # every FK still finds its parent
    assert frame["team_batch_id"].tolist() == [9, 9, 18, 18, 9]  # the other FK is untouched
    assert frame.loc[[0, 2, 4], "batch_id"].tolist() == [10, 4, 7]  # first rows keep their parent
    assert choice.quotas.sum() == len(BATCHES) - 2  # the new parents' quotas are spent


def test_keys_of_earlier_chunks_are_avoided() -> None:
    seen = KeySet()
    seen.add(Keys(pd.DataFrame({"batch_id": [10], "team_batch_id": [9]}), ["batch_id", "team_batch_id"]))
    frame = _frame().iloc[[0, 4]].reset_index(drop=True)  # (10, 9) is new here but taken before
    repoint_repeats(frame, ["batch_id", "team_batch_id"], [_choice()], seen=seen, rng=np.random.default_rng(1))
    assert frame.loc[0, "batch_id"] not in (10, 7)
    assert frame.loc[1, "batch_id"] == 7


def test_rows_no_parent_can_free_are_returned_not_dropped() -> None:
    """Two parents, three rows of one team: the third pair cannot exist; the row is named as stuck."""
    frame = pd.DataFrame({"batch_id": pd.Series([1, 1, 1], dtype=object),
                          "team_batch_id": pd.Series([5, 5, 5], dtype=object)})
    choice = FkChoice(columns=["batch_id"], values=[np.array([1, 2], dtype=object)], quotas=np.ones(2))
    stuck = repoint_repeats(frame, ["batch_id", "team_batch_id"], [choice], seen=KeySet(),
                            rng=np.random.default_rng(2))
    assert stuck.tolist() == [False, False, True]
    assert sorted(frame["batch_id"].iloc[:2]) == [1, 2]
