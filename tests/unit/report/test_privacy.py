"""Privacy: exact copies, DCR vs holdout, NNDR, PII leaks."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dbsynth.profile.detect import profile_schema
from dbsynth.report import privacy as p
from dbsynth.report import quality as q
from dbsynth.report.runner import Side


def test_match_share_counts_only_unique_real_rows() -> None:
    real = pd.DataFrame({"a": [1, 2, 3, 3], "b": ["x", "y", "z", "z"]})
    cand = pd.DataFrame({"a": [1.0, 3.0, 4.0, 2.0], "b": ["x", "z", "w", "q"]})
    assert p.match_share(real, cand, ["a", "b"]) == pytest.approx(0.25)  # (3, z) is common, not a leak


def test_copied_database_is_flagged(chinook: Side) -> None:
    profiles = profile_schema(schema=chinook.schema, frames=chinook.frames)
    kinds = q.column_kinds(chinook.schema, profiles)
    copy = p.privacy(chinook.schema, chinook.frames, chinook.frames, kinds, profiles)
    assert copy["exact_match_rate"] > 0.5 > copy["exact_match_baseline"]
    assert copy["dcr"]["synthetic_zero_share"] > copy["dcr"]["holdout_zero_share"]
    assert copy["pii"]["leaked_values"] > 100  # every e-mail, name and phone number is a source value
    leaked = {(c["table"], c["column"]) for c in copy["pii"]["columns"] if c["leaked_rate"] == 1.0}
    assert ("Customer", "Email") in leaked


def test_dcr_of_noise_is_not_below_holdout() -> None:
    rng = np.random.default_rng(0)
    real = pd.DataFrame({"x": rng.normal(size=800), "c": rng.choice(list("abc"), 800)})
    fresh = pd.DataFrame({"x": rng.normal(size=800), "c": rng.choice(list("abc"), 800)})
    got = p.table_distances(real, fresh, {"x": "numerical", "c": "categorical"}, seed=0)
    assert got is not None
    ratio = np.median(got["synthetic"]) / np.median(got["holdout"])
    assert 0.6 < ratio < 1.6  # fresh draws from the same law sit as far away as the holdout
    copied = p.table_distances(real, real.copy(), {"x": "numerical", "c": "categorical"}, seed=0)
    assert np.median(copied["synthetic"]) < np.median(copied["holdout"])
    assert 0 <= np.median(copied["nndr_synthetic"]) <= 1
