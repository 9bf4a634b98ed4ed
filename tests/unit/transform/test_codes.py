"""Short codes come from the code space the column holds, not from suffixed fake words."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dbsynth.errors import ConfigError
from dbsynth.transform.codes import draw_codes, is_code_column, learn_codes


def _two_letter(n: int) -> pd.Series:
    return pd.Series([chr(65 + i // 26) + chr(65 + i % 26) for i in range(n)])


def test_code_columns_are_short_letters_and_digits() -> None:
    assert is_code_column(["AB", "C1", "ZZZ"])
    assert is_code_column(["A-B", "x.1"]) and not is_code_column(["--"])
    assert not is_code_column(["Eastern", "Western"]) and not is_code_column(["hello world"]) and not is_code_column(["much-too-long"]) and not is_code_column([])


def test_unique_codes_from_the_observed_alphabet() -> None:
    spec = learn_codes(_two_letter(120), max_length=2)
    assert spec["alphabets"]["2"][0] == "ABCDE"  # first letters seen: A..E
    codes = draw_codes(spec, n=120, rng=np.random.default_rng(1), unique=True)
    assert len(set(codes)) == 120
    assert all(len(c) == 2 and c[0] in "ABCDE" and c[1].isupper() for c in codes)


def test_space_widens_when_the_observed_one_is_too_small() -> None:
    spec = learn_codes(_two_letter(120), max_length=2)
    codes = draw_codes(spec, n=600, rng=np.random.default_rng(2), unique=True)  # 5 x 26 < 600
    assert len(set(codes)) == 600 and all(len(c) == 2 and c.isupper() for c in codes)


def test_seen_codes_are_not_repeated_across_batches() -> None:
    spec = learn_codes(_two_letter(100), max_length=2)
    seen: set = set()
    for b in range(3):
        codes = draw_codes(spec, n=100, rng=np.random.default_rng(b), unique=True, seen=seen)
        assert not seen & set(codes)
        seen.update(codes)
    assert len(seen) == 300


def test_repeated_codes_keep_their_distinct_share() -> None:
    values = pd.Series([f"{i % 36:X}" for i in range(1100)] * 2)  # each code twice
    spec = learn_codes(values, max_length=2)
    codes = draw_codes(spec, n=2200, rng=np.random.default_rng(3), unique=False)
    assert len(codes) == 2200 and len(set(codes)) == round(2200 * spec["distinct_share"])


def test_impossible_request_names_the_column() -> None:
    spec = learn_codes(pd.Series(["A", "B"]), max_length=1)
    with pytest.raises(ConfigError, match="country.code"):
        draw_codes(spec, n=500, rng=np.random.default_rng(0), unique=True, column="country.code")


def test_a_nearly_full_space_is_walked_to_the_end() -> None:
    spec = learn_codes(pd.Series([f"{i:02d}" for i in range(100)]), max_length=2)  # digits only: 100 codes
    seen = set(draw_codes(spec, n=95, rng=np.random.default_rng(4), unique=True))
    rest = draw_codes(spec, n=5, rng=np.random.default_rng(5), unique=True, seen=seen)
    assert len(seen | set(rest)) == 100


def test_lengths_keep_the_source_shares_not_the_capacity() -> None:
    rng = np.random.default_rng(4)
    digits = lambda k: "".join(str(d) for d in rng.integers(0, 10, size=k))
    source = pd.Series([f"X{digits(3)}" for _ in range(300)] + [f"X{digits(5)}" for _ in range(700)])
    spec = learn_codes(source, max_length=6)
    codes = draw_codes(spec, n=500, rng=np.random.default_rng(0), unique=True)
    short = np.mean([len(c) == 4 for c in codes])  # by capacity it would be about 1%
    assert 0.22 < short < 0.38


def test_spent_letters_widen_to_digits_and_lower_case() -> None:
    # fuzz seed 3539: a CHAR(2) key of two upper-case letters (676 codes) needs 697 rows
    spec = learn_codes(_two_letter(600), max_length=2)
    codes = draw_codes(spec, n=697, rng=np.random.default_rng(6), unique=True)
    assert len(set(codes)) == 697 and all(len(c) == 2 and c.isalnum() for c in codes)
