"""Keys valid for both column types: an INTEGER FK referring to a text key."""
from __future__ import annotations

import numpy as np
import pandas as pd

from dbsynth.sample.keys import as_column_type, learn_pattern, numeric_text_pattern, pattern_keys
from dbsynth.schema.model import Column, LogicalType, Table
from dbsynth.validate.checks import Keys, KeySet, check_foreign_key


def test_numeric_text_keys_read_the_same_as_numbers() -> None:
    pattern = numeric_text_pattern(learn_pattern(["301", "302", "303", "304"]))
    keys = pattern_keys(pattern=pattern, n=300, rng=np.random.default_rng(0), seen=set())
    assert len(set(keys)) == 300
    assert all(k.isdigit() and k[0] != "0" and str(int(k)) == k for k in keys)


def test_values_take_the_child_column_type() -> None:
    vals = np.array(["301", "042", None, "x"], dtype=object)
    assert as_column_type(vals, LogicalType.INTEGER).tolist() == [301, "042", None, "x"]
    assert as_column_type(np.array([5, None], dtype=object), LogicalType.TEXT).tolist() == ["5", None]


def test_validator_matches_an_integer_fk_to_a_text_key() -> None:
    parents = KeySet()
    parents.add(Keys(pd.DataFrame({"course_id": ["301", "302"]}), ("course_id",)))
    child = Table(name="reg", columns=(Column(name="course_id", logical_type=LogicalType.INTEGER,
                                              type_sql="INTEGER"),))
    res = check_foreign_key(child, pd.DataFrame({"course_id": [301, 302, 303, None]}), columns=("course_id",),
                            referred_table="courses", referred_columns=("course_id",), parent_keys=parents)
    assert res.mask.tolist() == [False, False, True, False]


def test_dates_in_keys_stay_dates_with_the_source_step() -> None:
    from dbsynth.sample.keys import time_keys, time_steps

    text = pd.Series(["2021-03-01", "2021-03-02", "2021-03-04", "2021-03-05"])
    spec = time_steps(text, unit="date")
    assert spec is not None and spec["step"] == 86400.0 and spec["fmt"] == "%Y-%m-%d"
    assert time_keys(spec, np.arange(3)).tolist() == ["2021-03-01", "2021-03-02", "2021-03-03"]
    assert time_steps(pd.Series(["a1", "b2", "c3"]), unit="date") is None
