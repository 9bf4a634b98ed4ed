"""Family classes: a hidden per-parent class learned from the parent and its children's aggregates."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dbsynth.engines.registry import load_model
from dbsynth.profile.detect import profile_schema
from dbsynth.relational.families import FAMILY_COLUMN, ChildFamily, family_vectors, find_classes
from dbsynth.schema.model import Column, ForeignKey, LogicalType, PrimaryKey, Schema, Table
from tests.unit.engines.test_traits import _collect, _fit

INT, FLOAT, TEXT = LogicalType.INTEGER, LogicalType.FLOAT, LogicalType.TEXT
VIDEO_SHARE = 0.3


def _col(name: str, lt: LogicalType = INT) -> Column:
    return Column(name=name, logical_type=lt, type_sql=lt.value, nullable=False)


def _albums(seed: int = 0, n: int = 200) -> tuple[Schema, dict[str, pd.DataFrame]]:
    """album 1—n track: an album is audio (price 0.99, small files) or video (1.99, big files), never both."""
    rng = np.random.default_rng(seed)
    video = rng.uniform(size=n) < VIDEO_SHARE
    counts = np.where(video, rng.integers(2, 8, n), rng.integers(5, 16, n))
    pid = np.repeat(np.arange(n), counts)
    is_video = video[pid]
    track = pd.DataFrame({"id": np.arange(1, len(pid) + 1), "album_id": pid + 1,
                          "price": np.where(is_video, "1.99", "0.99"),
                          "bytes": np.where(is_video, rng.normal(300, 30, len(pid)),
                                            rng.normal(8, 1, len(pid))).round(1)})
    album = pd.DataFrame({"id": np.arange(1, n + 1), "label": rng.choice(["A", "B", "C"], n)})
    tables = (
        Table("album", (_col("id"), _col("label", TEXT)), primary_key=PrimaryKey(("id",))),
        Table("track", (_col("id"), _col("album_id"), _col("price", TEXT), _col("bytes", FLOAT)),
              primary_key=PrimaryKey(("id",)), foreign_keys=(ForeignKey(("album_id",), "album", ("id",)),)),
    )
    return Schema(dialect="sqlite", tables=tables), {"album": album, "track": track}


@pytest.fixture(scope="module")
def albums():
    schema, frames = _albums()
    return schema, frames, _fit(schema, frames)


def _tiers(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    track = frames["track"].assign(price=frames["track"].price.astype(str),
                                   bytes=pd.to_numeric(frames["track"].bytes))
    return track.groupby("album_id").agg(prices=("price", "nunique"), video=("price", lambda p: (p == "1.99").mean()),
                                         size=("bytes", "mean"))


def test_two_clear_tiers_are_two_classes() -> None:
    _, frames = _albums()
    pidx = frames["track"].album_id.to_numpy() - 1
    child = ChildFamily(table="track", pidx=pidx, numeric={"bytes": frames["track"].bytes},
                        categorical={"price": frames["track"].price})
    x, names = family_vectors({}, [child], len(frames["album"]))
    found = find_classes(x, names, seed=0, max_classes=4)
    assert found is not None and found.count == 2 and len(found.bic) >= 2
    video = (frames["track"].groupby("album_id").price.first() == "1.99").to_numpy()
    # the classes are the tiers: each class holds one tier only
    assert {tuple(np.unique(video[found.labels == c])) for c in range(2)} == {(False,), (True,)}
    assert "track.mean(bytes)" in names and "track.share(price=0)" in names


def test_one_population_is_no_class() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(300, 3))
    names = ["a", "kid.count", "kid.mean(b)"]
    assert find_classes(x, names, seed=0) is None
    assert find_classes(x[:10], names, seed=0) is None  # too few families to tell
    tiers = np.r_[rng.normal(-3, 1, 150), rng.normal(3, 1, 150)][:, None]
    assert find_classes(tiers, ["kid.mean(b)"], seed=0) is not None
    # two tiers of parent columns or child counts alone are no family structure: those are modelled already
    assert find_classes(np.hstack([tiers, tiers]), ["a", "kid.count"], seed=0) is None


def test_the_class_is_a_hidden_parent_column_the_children_follow(albums) -> None:
    _, _, model = albums
    album, track = model.tables["album"].model, model.tables["track"].model
    assert album.family is not None and album.family["classes"] == 2 and sum(album.family["sizes"]) == 200
    assert FAMILY_COLUMN in [t.column for t in album.transforms]
    assert track.family_link is not None and track.family_link["feature"] == album.slices()[FAMILY_COLUMN].start


def test_synthetic_families_keep_the_tier_split(albums) -> None:
    _, frames, model = albums
    out = _collect(model, seed=4)
    assert FAMILY_COLUMN not in out["album"].columns  # hidden: never written out
    real, syn = _tiers(frames), _tiers(out)
    # without classes every album mixes prices (about half of them do); with them, almost none
    assert (syn.prices == 1).mean() >= 0.9
    assert abs((syn.video > 0.5).mean() - (real.video > 0.5).mean()) <= 0.1
    # a video album's files are video-sized: the tier holds for the numbers too
    audio = syn[syn.video == 0]["size"]
    assert audio.median() < 50


def test_saved_model_draws_the_same_families(albums, tmp_path: Path) -> None:
    _, _, model = albums
    model.save(tmp_path / "m")
    again = load_model(tmp_path / "m")
    first, second = _collect(model, seed=2), _collect(again, seed=2)
    pd.testing.assert_frame_equal(first["track"], second["track"])


def test_inspect_profile_lists_the_classes() -> None:
    from rich.console import Console

    from dbsynth.commands import _print_families
    schema, frames = _albums()
    console = Console(record=True, width=200)
    _print_families(schema, frames, profile_schema(schema=schema, frames=frames), console)
    text = console.export_text()
    assert "Family classes (hidden parent column the children follow): 1" in text
    assert "album: 2 classes of" in text and "track.mean(bytes)" in text
