"""Format fidelity and category vocabulary: the judge's definitions on hand-built frames."""
from __future__ import annotations

import sqlite3
import string
from pathlib import Path

import pandas as pd
import pytest

from dbsynth.report import formats as f


def test_shape_keeps_case_runs_digit_lengths_and_punctuation() -> None:
    assert f.shape("(503) 555-9831") == "(999) 999-9999"
    assert f.shape("Maria Anders") == "Aa Aa"
    assert f.shape("T5K 2N1") == "A9A 9A9"
    assert f.shape("10 boxes x 20 bags") == "99 a a 99 a"
    assert f.shape("ABC-1234") == "A-9999"
    assert f.shape("1234567890123") == "99999999+"  # long digit runs are capped
    assert f.shape("a  b\tc") == "a a a"  # one space per whitespace run


def test_format_is_one_minus_total_variation_of_shapes() -> None:
    real = pd.Series(["(503) 555-9831"] * 6 + ["555-9831"] * 4, dtype=object)
    syn = pd.Series(["(503) 111-2222"] * 3 + ["+1-755-263-2914x3819"] * 7, dtype=object)
    got = f.column_formats(real, syn, "Phone")
    # real: 60% / 40%; synthetic: 30% of the first shape, 70% unseen -> TV = (0.3 + 0.4 + 0.7) / 2
    assert got["format"] == pytest.approx(1 - 0.7)
    assert "vocab" not in got  # a contact column is never a category
    assert got["real_shapes"][0] == ["(999) 999-9999", 0.6]


def test_vocab_is_the_share_of_synthetic_values_that_are_real_categories() -> None:
    real = pd.Series(["Rock", "Jazz", "Rock", "Blues", "Jazz", "Rock"], dtype=object)
    syn = pd.Series(["Rock", "Governme", "Jazz", "Baby n"], dtype=object)
    got = f.column_formats(real, syn, "Genre")
    assert got["vocab"] == 0.5 and got["unknown_examples"] == ["Governme", "Baby n"]
    assert got["format"] == 0.75  # one real shape ("Aa"); "Baby n" ("Aa a") is the one synthetic value off it


def test_columns_the_judge_leaves_out() -> None:
    unique = pd.Series([f"v{i} x" for i in range(10)], dtype=object)
    assert f.column_formats(unique.head(4), unique, "c") is None  # fewer than 5 real values
    assert f.column_formats(pd.Series(range(10)), unique, "c") is None  # not text
    mixed = pd.Series([1, "a", "b", "c", "d", "e"], dtype=object)
    assert f.column_formats(mixed, unique, "c") is None  # not all text in the first 50 values
    # mostly unique free text with many shapes: neither a format column nor a category
    free = pd.Series([f"word{p}word" for p in string.punctuation], dtype=object)  # 32 shapes: top 20 cover 62%
    assert f.column_formats(free, free, "Notes") is None


def _db(path: Path, phones: list[str]) -> str:
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE country (code TEXT PRIMARY KEY)")
        con.execute("CREATE TABLE city (name TEXT PRIMARY KEY, code TEXT REFERENCES country(code), phone TEXT)")
        con.executemany("INSERT INTO country VALUES (?)", [("AA",), ("BB",), ("CC",)])
        con.executemany("INSERT INTO city VALUES (?, ?, ?)",
                        [(f"c{i}", "ABC"[i % 3] * 2, phones[i % 2]) for i in range(6)])
    return f"sqlite:///{path}"


def test_summaries_and_key_exclusion(tmp_path: Path) -> None:
    from dbsynth.report.runner import load_side
    real = load_side(_db(tmp_path / "r.sqlite", ["555-1234", "555-9876"]))
    syn = load_side(_db(tmp_path / "s.sqlite", ["555-1234", "5551234"]))
    assert f.key_columns(real.schema) == {("country", "code"), ("city", "name"), ("city", "code")}
    out = f.formats(real.schema, f.stored_reader(real.frames, real.url), f.stored_reader(syn.frames, syn.url))
    assert [(c["table"], c["column"]) for c in out["columns"]] == [("city", "phone")]  # keys are not scored
    assert out["format_mean"] == out["format_min"] == 0.5 and out["vocab_min"] is None


def test_sqlite_values_are_read_as_stored(tmp_path: Path) -> None:
    db = tmp_path / "d.sqlite"
    with sqlite3.connect(db) as con:
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, d DATETIME)")
        con.executemany("INSERT INTO t (d) VALUES (?)", [("1996-07-04 00:00:00.000",)] * 3)
    parsed = {"t": pd.DataFrame({"id": [1, 2, 3], "d": pd.to_datetime(["1996-07-04"] * 3)})}
    read = f.stored_reader(parsed, f"sqlite:///{db}")
    assert read("t")["d"].tolist() == ["1996-07-04 00:00:00.000"] * 3  # the stored text, not the parsed date
    assert read("missing") is None
    assert f.stored_reader(parsed, "postgresql://u@h/db")("t") is parsed["t"]
