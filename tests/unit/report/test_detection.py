"""Detection AUC near 0.5 for same-law data, near 1 for an obvious difference; TSTR vs TRTR."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dbsynth.errors import ConfigError
from dbsynth.profile.detect import profile_schema
from dbsynth.report import detection as d
from dbsynth.report import quality as q
from dbsynth.report.runner import Side


def _frame(rng: np.random.Generator, n: int, shift: float = 0.0) -> pd.DataFrame:
    x = rng.normal(size=n)
    return pd.DataFrame({"x": x + shift, "y": 2 * x + rng.normal(size=n) * 0.1, "c": rng.choice(list("abc"), n)})


def test_auc_near_half_for_same_law_and_high_for_a_shift() -> None:
    rng = np.random.default_rng(0)
    kinds = {"x": "numerical", "y": "numerical", "c": "categorical"}
    same = d.detect(_frame(rng, 1000), _frame(rng, 1000), kinds)
    broken = _frame(rng, 1000)
    broken["y"] = broken["y"].sample(frac=1, random_state=1).to_numpy()  # marginals kept, dependence lost
    shifted = d.detect(_frame(rng, 1000), broken, kinds)
    assert same is not None and shifted is not None
    assert same["auc"] < 0.62 and same["score"] > 0.75
    assert shifted["auc"] > 0.85
    assert d.detect(_frame(rng, 5), _frame(rng, 5), kinds) is None  # too few rows


def test_detection_per_table_with_children(chinook: Side) -> None:
    kinds = q.column_kinds(chinook.schema, profile_schema(schema=chinook.schema, frames=chinook.frames))
    out = d.detection(chinook.schema, chinook.frames, chinook.frames, {"Invoice": kinds["Invoice"]})
    inv = out["Invoice"]
    assert inv["auc"] < 0.6 and inv["with_children"]["auc"] < 0.6
    assert inv["with_children"]["features"] > inv["features"]  # child aggregates were added


def test_tstr_and_target_errors(chinook: Side) -> None:
    kinds = q.column_kinds(chinook.schema, profile_schema(schema=chinook.schema, frames=chinook.frames))
    res = d.tstr(chinook.schema, chinook.frames, chinook.frames, kinds, "Track.UnitPrice")
    assert res["task"] == "classification" and res["tstr"] == pytest.approx(res["trtr"], abs=0.02)
    with pytest.raises(ConfigError, match="TABLE.COLUMN"):
        d.parse_target(chinook.schema, "Nope.X", kinds)
    with pytest.raises(ConfigError, match="key, PII"):
        d.parse_target(chinook.schema, "Track.TrackId", kinds)
