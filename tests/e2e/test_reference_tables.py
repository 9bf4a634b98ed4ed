"""Reference (lookup) tables are copied verbatim, do not scale, and keep no PII; `copy = false` turns it off."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import ROOT, dataset_path
from tests.e2e.test_seed import dbsynth, fk_violations, ok

CHINOOK = ROOT / "examples" / "chinook" / "chinook.sqlite"


def _read(path: Path, sql: str) -> pd.DataFrame:
    with sqlite3.connect(path) as con:
        return pd.read_sql(sql, con)


@pytest.fixture(scope="module")
def chinook_scale2(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    dst = tmp_path_factory.mktemp("ref") / "out.sqlite"
    out = ok(dbsynth("seed", f"sqlite:///{CHINOOK}", f"sqlite:///{dst}", "--seed", "0", "--scale", "2"))
    return dst, out.stdout


@pytest.mark.parametrize("table", ["Genre", "MediaType", "Playlist"])
def test_lookup_tables_copied_verbatim_and_not_scaled(chinook_scale2: tuple[Path, str], table: str) -> None:
    dst, _ = chinook_scale2
    real = _read(CHINOOK, f'SELECT * FROM "{table}" ORDER BY 1')
    synthetic = _read(dst, f'SELECT * FROM "{table}" ORDER BY 1')
    pd.testing.assert_frame_equal(real, synthetic)  # 25 genres stay the 25 genres at --scale 2


def test_children_follow_copied_parents(chinook_scale2: tuple[Path, str]) -> None:
    dst, stdout = chinook_scale2
    assert fk_violations(dst) == []
    assert "Copied verbatim" in stdout and "Genre" in stdout
    # tracks per media type keep the source's shares (scaled) and the media type's price
    real = _read(CHINOOK, "SELECT MediaTypeId, COUNT(*) n, AVG(UnitPrice) p FROM Track GROUP BY 1").set_index("MediaTypeId")
    syn = _read(dst, "SELECT MediaTypeId, COUNT(*) n, AVG(UnitPrice) p FROM Track GROUP BY 1").set_index("MediaTypeId")
    share = lambda s: s / s.sum()  # noqa: E731
    assert (share(syn["n"]) - share(real["n"])).abs().max() < 0.01
    video = 3  # "Protected MPEG-4 video file": the 1.99 tracks
    assert syn.loc[video, "p"] > 1.5 and syn.loc[1, "p"] < 1.2


def test_copy_false_turns_it_off(tmp_path: Path) -> None:
    cfg = tmp_path / "dbsynth.toml"
    cfg.write_text("[tables.Genre]\ncopy = false\n")
    dst = tmp_path / "out.sqlite"
    out = ok(dbsynth("seed", f"sqlite:///{CHINOOK}", f"sqlite:///{dst}", "--seed", "0", "--scale", "2",
                     "--config", str(cfg)))
    assert fk_violations(dst) == []
    genres = _read(dst, "SELECT * FROM Genre")
    assert len(genres) == 50  # generated, so it scales
    assert "MediaType" in out.stdout  # the other lookup tables are still copied


def test_small_table_text_is_categories_and_birth_dates_are_not_copied(chinook_scale2: tuple[Path, str]) -> None:
    dst, _ = chinook_scale2
    real = _read(CHINOOK, "SELECT * FROM Employee")
    syn = _read(dst, "SELECT * FROM Employee")
    assert set(syn["Title"]) <= set(real["Title"])  # "Sales Support Agent", never lorem ipsum
    assert not set(syn["BirthDate"]) & set(real["BirthDate"])  # a quasi-identifier: never reproduced
    for col in ("FirstName", "LastName", "Email", "Phone", "Address"):
        assert not set(syn[col].dropna()) & set(real[col].dropna()), col


@pytest.mark.datasets
def test_pii_of_a_copied_table_is_regenerated(tmp_path: Path) -> None:
    src = dataset_path("northwind", "northwind.sqlite")
    dst = tmp_path / "out.sqlite"
    ok(dbsynth("seed", f"sqlite:///{src}", f"sqlite:///{dst}", "--seed", "0"))
    real = _read(src, "SELECT * FROM Shippers ORDER BY ShipperID")
    syn = _read(dst, "SELECT * FROM Shippers ORDER BY ShipperID")
    assert list(syn["CompanyName"]) == list(real["CompanyName"])  # the lookup row is copied …
    assert not set(syn["Phone"]) & set(real["Phone"])  # … its phone number is not
    assert len(_read(dst, "SELECT * FROM Territories")) == len(_read(src, "SELECT * FROM Territories"))


def test_append_copies_lookup_tables_once(tmp_path: Path) -> None:
    dst = tmp_path / "out.sqlite"
    ok(dbsynth("seed", f"sqlite:///{CHINOOK}", f"sqlite:///{dst}", "--seed", "0"))
    ok(dbsynth("seed", f"sqlite:///{CHINOOK}", f"sqlite:///{dst}", "--seed", "0", "--mode", "append"))
    assert fk_violations(dst) == []
    assert len(_read(dst, "SELECT * FROM Genre")) == 25  # the second seed's tracks point at the same genres
    assert len(_read(dst, "SELECT * FROM Track")) == 2 * len(_read(CHINOOK, "SELECT * FROM Track"))


def test_tiny_table_rows_dealt_out_hold_no_dirty_numbers(tmp_path: Path) -> None:
    """Fuzz seed 1702 (minimised): a 5-row table whose NUMERIC column holds only a 'T' (SQLite) and
    NULLs deals out whole source rows; the dirty value becomes NULL, no row is dropped for its type."""
    src, dst = tmp_path / "src.sqlite", tmp_path / "dst.sqlite"
    with sqlite3.connect(src) as con:
        con.execute('CREATE TABLE team (uid TEXT NOT NULL PRIMARY KEY, amount NUMERIC(9,4))')
        con.executemany("INSERT INTO team VALUES (?, ?)", [("a", "T"), ("b", None), ("c", None), ("d", None), ("e", None)])
    ok(dbsynth("seed", f"sqlite:///{src}", f"sqlite:///{dst}", "--seed", "1"))
    with sqlite3.connect(dst) as con:
        rows = con.execute("SELECT amount FROM team").fetchall()
    assert len(rows) == 5 and all(a is None or isinstance(a, (int, float)) for (a,) in rows)


def test_copied_lookup_table_with_a_blank_date_loads(tmp_path: Path) -> None:
    """Fuzz seed 2008: a lookup table copied verbatim holds '' in a DATE NOT NULL column (SQLite);
    the copy writes the column's commonest date there (with a warning) instead of failing."""
    src, dst = tmp_path / "src.sqlite", tmp_path / "dst.sqlite"
    with sqlite3.connect(src) as con:
        con.execute('CREATE TABLE zone (id INTEGER PRIMARY KEY, code CHAR(2), opened DATE NOT NULL)')
        con.execute('CREATE TABLE site (id INTEGER PRIMARY KEY, zone_id INTEGER NOT NULL REFERENCES zone (id), '
                    'size INTEGER)')
        con.executemany("INSERT INTO zone VALUES (?, ?, ?)",
                        [(i, f"Z{i}", "" if i in (3, 7) else f"2020-01-{i:02d}") for i in range(1, 11)])
        con.executemany("INSERT INTO site VALUES (?, ?, ?)", [(i, 1 + i % 10, i * 3) for i in range(1, 61)])
    out = ok(dbsynth("seed", f"sqlite:///{src}", f"sqlite:///{dst}", "--seed", "2"))
    with sqlite3.connect(dst) as con:
        dates = [r[0] for r in con.execute("SELECT opened FROM zone")]
    assert len(dates) == 10 and all(d for d in dates)
    assert "not dates" in " ".join(out.stdout.split()) + " ".join(out.stderr.split())
    assert fk_violations(dst) == []
