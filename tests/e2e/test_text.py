"""Non-personal text end to end: learned formats and the word model through `dbsynth seed` (copula)
and the neural engine (which shares the value generators)."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dbsynth.transform.formats import shape
from tests.conftest import ROOT
from tests.e2e.test_seed import dbsynth, ok

CHINOOK = ROOT / "examples" / "chinook" / "chinook.sqlite"
_ADJ = ["Golden", "Smoked", "Sweet", "Spicy", "Fresh", "Dried", "Organic", "Classic", "Royal", "Wild"]
_NOUN = ["Coffee", "Tea", "Syrup", "Cheese", "Sauce", "Biscuits", "Chocolate", "Honey", "Salmon", "Noodles"]
_UNIT = ["bottles", "jars", "cans", "boxes", "bags", "pkgs."]


def _products(path: Path, n: int = 300) -> Path:
    """A product table whose text columns have formats (quantity, extension, sku, path) and prose (name)."""
    rng = np.random.default_rng(0)
    rows, names = [], set()
    while len(names) < n:
        k = int(rng.integers(1, 4))
        names.add(" ".join([str(rng.choice(_ADJ))] * (k > 1) + [str(w) for w in rng.choice(_NOUN, size=max(1, k - 1))]
                           + [f"No. {len(names)}"] * (k == 3)))
    for i, name in enumerate(sorted(names)):
        qty = (f"{rng.integers(1, 50)} boxes x {rng.integers(2, 30)} bags" if i % 3 == 0
               else f"{rng.choice([12, 24, 48])} - {rng.integers(100, 999)} ml {rng.choice(_UNIT)}")
        sku = f"{''.join(rng.choice(list('ABCDEFGH'), 3))}-{1000 + 7 * i}"
        rows.append((i + 1, name, qty, f"{rng.integers(1000, 9999)}", sku,
                     f"http://intranet/photos/{''.join(rng.choice(list('abcdefgh'), 6))}.bmp"))
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE product (id INTEGER PRIMARY KEY, name VARCHAR(60) NOT NULL, quantity VARCHAR(20), "
                "ext VARCHAR(4), sku VARCHAR(8) NOT NULL UNIQUE, photo VARCHAR(60))")
    con.executemany("INSERT INTO product VALUES (?, ?, ?, ?, ?, ?)", rows)
    con.commit()
    con.close()
    return path


def _frame(path: Path, sql: str) -> pd.DataFrame:
    with sqlite3.connect(path) as con:
        return pd.read_sql_query(sql, con)


def _fidelity(real: pd.Series, synth: pd.Series) -> float:
    r = real.dropna().map(shape).value_counts(normalize=True)
    s = synth.dropna().map(shape).value_counts(normalize=True)
    return 1 - 0.5 * r.subtract(s, fill_value=0).abs().sum()


def _check_products(src: Path, out: pd.DataFrame) -> None:
    real = _frame(src, "SELECT * FROM product")
    for col in ("quantity", "ext", "sku", "photo"):
        assert _fidelity(real[col], out[col]) >= 0.9, col
    assert out["sku"].is_unique and out["sku"].str.len().max() <= 8
    assert out["quantity"].str.len().max() <= 20
    assert out["quantity"].str.contains(" boxes x ").mean() > 0.2  # literal vocabulary kept
    source = set(real["name"].str.casefold())
    assert not set(out["name"].str.casefold()) & source  # free text: never a source value
    assert out["name"].str.len().max() <= 60
    vocab = {w for v in real["name"] for w in v.split()}
    assert out["name"].map(lambda v: all(w in vocab for w in v.split())).mean() > 0.8  # words, not cut ones


def test_seed_keeps_formats_and_invents_text(tmp_path: Path) -> None:
    src, dst = _products(tmp_path / "src.sqlite"), tmp_path / "out.sqlite"
    ok(dbsynth("seed", f"sqlite:///{src}", f"sqlite:///{dst}", "--seed", "0"))
    _check_products(src, _frame(dst, "SELECT * FROM product"))


def test_chinook_track_names_are_new(tmp_path: Path) -> None:
    dst = tmp_path / "out.sqlite"
    ok(dbsynth("seed", f"sqlite:///{CHINOOK}", f"sqlite:///{dst}", "--seed", "0"))
    real, synth = _frame(CHINOOK, "SELECT Name FROM Track"), _frame(dst, "SELECT Name FROM Track")
    assert len(synth) > 1000
    assert not set(synth["Name"].str.casefold()) & set(real["Name"].str.casefold())
    vocab = {w for v in real["Name"] for w in v.split()}
    assert synth["Name"].map(lambda v: all(w in vocab for w in v.split())).mean() > 0.9
    assert _fidelity(real["Name"], synth["Name"]) > 0.8


def test_neural_engine_shares_the_text_generators(tmp_path: Path) -> None:
    pytest.importorskip("torch")
    from tests.unit.engines.neural.test_neural import FAST, _collect, _fit_url

    src = _products(tmp_path / "src.sqlite", n=120)
    model = _fit_url(f"sqlite:///{src}", settings=FAST)
    fakes = {f["column"]: f for f in model.tables["product"].model.fakes}
    assert "words" in fakes["name"] and "format" in fakes["quantity"]
    _check_products(src, _collect(model)["product"])
