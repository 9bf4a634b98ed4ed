"""Composite unique keys over a dense grid of few-valued columns (a room booked once a day)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from dbsynth.sample import values
from dbsynth.sample.values import spread_keys
from dbsynth.validate.checks import Keys, KeySet

ROOMS, DAYS = list(range(10)), list(range(30))


def _draw(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """Independent draws of each column: the copula's way, which repeats keys often."""
    return pd.DataFrame({"room": rng.choice(ROOMS, n).astype(object), "day": rng.choice(DAYS, n).astype(object),
                         "note": [f"n{i}" for i in range(n)]})


def test_fully_packed_grid_is_filled_without_loss() -> None:
    rng = np.random.default_rng(1)
    frame = _draw(300, rng)
    assert frame[["room", "day"]].duplicated().sum() > 50  # the draw alone repeats many keys
    stuck = spread_keys(frame, ["room", "day"], domains={"room": ROOMS, "day": DAYS}, seen=KeySet(), rng=rng)
    assert not stuck.any()
    assert len(frame) == 300
    assert set(frame[["room", "day"]].itertuples(index=False, name=None)) == {(r, d) for r in ROOMS for d in DAYS}


def test_keys_of_earlier_chunks_stay_taken() -> None:
    rng = np.random.default_rng(2)
    seen = KeySet()
    got: list[tuple] = []
    for _ in range(3):  # three chunks of 100 fill the grid between them
        frame = _draw(100, rng)
        stuck = spread_keys(frame, ["room", "day"], domains={"room": ROOMS, "day": DAYS}, seen=seen, rng=rng)
        assert not stuck.any()
        keys = list(frame[["room", "day"]].itertuples(index=False, name=None))
        assert len(set(keys)) == 100
        seen.add(Keys(frame, ["room", "day"]))
        got += keys
    assert len(set(got)) == 300


def test_repeats_move_one_column_when_they_can() -> None:
    """A free neighbour (same room, another day) is preferred: the other columns keep their values."""
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"room": [1, 1, 1], "day": [5, 5, 5]}, dtype=object)
    spread_keys(frame, ["room", "day"], domains={"room": ROOMS, "day": DAYS}, seen=KeySet(), rng=rng)
    assert len(set(frame.itertuples(index=False, name=None))) == 3
    moved = frame.iloc[1:]
    assert ((moved["room"] == 1) | (moved["day"] == 5)).all()


def test_grid_smaller_than_the_rows_reports_the_rest() -> None:
    rng = np.random.default_rng(4)
    frame = pd.DataFrame({"room": rng.choice([0, 1], 7), "day": rng.choice([0, 1, 2], 7)}, dtype=object)
    stuck = spread_keys(frame, ["room", "day"], domains={"room": [0, 1], "day": [0, 1, 2]}, seen=KeySet(), rng=rng)
    assert stuck.sum() == 1  # 6 combinations for 7 rows
    assert len(set(frame[~stuck].itertuples(index=False, name=None))) == 6


def test_a_column_fixed_to_one_value_keeps_it() -> None:
    rng = np.random.default_rng(5)
    frame = pd.DataFrame({"site": ["a"] * 20, "room": rng.choice(range(20), 20)}, dtype=object)
    stuck = spread_keys(frame, ["site", "room"], domains={"site": None, "room": list(range(20))},
                        seen=KeySet(), rng=rng)
    assert not stuck.any()
    assert (frame["site"] == "a").all() and frame["room"].nunique() == 20


def test_each_parent_gets_its_own_grid() -> None:
    """UNIQUE (order_id, slot) with order_id from the parent: only slot moves, within each order."""
    rng = np.random.default_rng(6)
    parents = np.repeat([10, 20, 30], 5)
    frame = pd.DataFrame({"order_id": parents, "slot": rng.choice(range(5), 15)}, dtype=object)
    stuck = spread_keys(frame, ["order_id", "slot"], domains={"order_id": None, "slot": list(range(5))},
                        seen=KeySet(), rng=rng)
    assert not stuck.any()
    assert frame["order_id"].tolist() == parents.tolist()
    assert frame.groupby("order_id")["slot"].nunique().tolist() == [5, 5, 5]


def test_common_values_are_taken_first(monkeypatch) -> None:
    """A free cell is drawn by how common its values are: the frequent room before the unseen one."""
    monkeypatch.setattr(values, "NEAR_MAX", 0)  # straight to the weighted pool
    got = []
    for seed in range(200):
        rng = np.random.default_rng(seed)
        frame = pd.DataFrame({"room": [0] * 8 + [1] * 2 + [0], "day": list(range(10)) + [0]}, dtype=object)
        spread_keys(frame, ["room", "day"], domains={"room": [0, 1, 2], "day": list(range(10))},
                    seen=KeySet(), rng=rng)
        got.append(frame.loc[10, "room"])
    assert got.count(0) > got.count(2) > 0


def test_unseen_enum_labels_open_only_when_the_observed_grid_is_full() -> None:
    from dbsynth.sample.values import widened_domain
    from dbsynth.schema.model import Column, LogicalType

    shift = Column("shift", LogicalType.TEXT, "shift_kind", enum_values=("early", "late", "night"))
    assert widened_domain(shift, ["late", "early"]) == ["late", "early", "night"]
    assert widened_domain(Column("day", LogicalType.INTEGER, "integer"), [1, 2]) == [1, 2]
    rng = np.random.default_rng(8)
    frame = pd.DataFrame({"room": [0, 0, 1, 1, 0], "shift": ["early", "late", "early", "late", "early"]}, dtype=object)
    domains = {"room": [0, 1], "shift": ["early", "late"]}
    stuck = spread_keys(frame, ["room", "shift"], domains=domains, seen=KeySet(), rng=rng)
    assert stuck.tolist() == [False] * 4 + [True]
    wide = {"room": [0, 1], "shift": widened_domain(shift, domains["shift"])}
    assert not spread_keys(frame, ["room", "shift"], domains=wide, seen=KeySet(), rng=rng).any()
    assert frame.loc[4, "shift"] == "night" and frame.iloc[:4]["shift"].isin(["early", "late"]).all()
