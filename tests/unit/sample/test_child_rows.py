"""`rows` on a table that is a child through its context FK scales its children-per-parent counts."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

import dbsynth
from dbsynth.errors import ConfigError
from tests.conftest import ROOT

CHINOOK = f"sqlite:///{ROOT / 'examples' / 'chinook' / 'chinook.sqlite'}"


def _toml(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


@pytest.fixture(scope="module")
def chinook() -> dbsynth.FitResult:
    return dbsynth.fit(CHINOOK, seed=0)


def test_rows_on_a_child_table_are_reached(chinook: dbsynth.FitResult, tmp_path: Path) -> None:
    # the README's own example: Customer is drawn per Employee (SupportRepId), so `rows` scales its counts
    assert chinook.model.tables["Customer"].context.referred_table == "Employee"
    config = _toml(tmp_path / "c.toml", '[tables.Customer]\nrows = 500\ncontext = "SupportRepId"\n')
    out = dbsynth.sample(chinook, config=config, seed=1)
    base = dbsynth.sample(chinook, seed=1)
    assert out.rows["Customer"] == 500 and base.rows["Customer"] == 59
    assert out.rows["Employee"] == base.rows["Employee"] == 8  # the parent keeps its rows
    # the customers' own children follow them: invoices per customer stay what they were
    per_customer = out.rows["Invoice"] / out.rows["Customer"]
    assert per_customer == pytest.approx(base.rows["Invoice"] / base.rows["Customer"], rel=0.15)
    frames = out.tables
    assert frames["Customer"]["SupportRepId"].dropna().isin(frames["Employee"]["EmployeeId"]).all()
    assert frames["Invoice"]["CustomerId"].isin(frames["Customer"]["CustomerId"]).all()
    assert out.lost == []


def test_rows_below_the_learned_count_and_zero(chinook: dbsynth.FitResult, tmp_path: Path) -> None:
    fewer = dbsynth.sample(chinook, config=_toml(tmp_path / "a.toml", "[tables.Invoice]\nrows = 100\n"))
    assert fewer.rows["Invoice"] == 100 and fewer.rows["Customer"] == 59
    none = dbsynth.sample(chinook, config=_toml(tmp_path / "b.toml", "[tables.Invoice]\nrows = 0\n"))
    assert none.rows.get("Invoice", 0) == 0 and none.rows.get("InvoiceLine", 0) == 0


def test_unreachable_rows_on_a_one_to_one_child_is_an_error(tmp_path: Path) -> None:
    src = tmp_path / "src.sqlite"
    with sqlite3.connect(src) as con:
        con.executescript("""
            CREATE TABLE account (id INTEGER PRIMARY KEY, name TEXT);
            CREATE TABLE profile (id INTEGER PRIMARY KEY, account_id INTEGER NOT NULL UNIQUE REFERENCES account(id),
                                  bio TEXT);
        """)
        con.executemany("INSERT INTO account VALUES (?, ?)", [(i, f"a{i}") for i in range(1, 31)])
        con.executemany("INSERT INTO profile VALUES (?, ?, ?)", [(i, i, f"b{i % 3}") for i in range(1, 21)])
    fitted = dbsynth.fit(f"sqlite:///{src}")
    ok = dbsynth.sample(fitted, config=_toml(tmp_path / "ok.toml", "[tables.profile]\nrows = 30\n"))
    assert ok.rows["profile"] == 30 and ok.tables["profile"]["account_id"].is_unique
    with pytest.raises(ConfigError, match=r"\[tables.profile\] rows = 31.*at most one row per account"):
        dbsynth.sample(fitted, config=_toml(tmp_path / "bad.toml", "[tables.profile]\nrows = 31\n"))
