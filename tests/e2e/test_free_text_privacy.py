"""No value of a source column profiled as free text or personal data reaches the target verbatim (Northwind).

Northwind's 9 employees carry long notes about each person's education; a small table's text is
otherwise dealt out as categories, so these are the values most at risk.
"""
from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from dbsynth import pipeline
from dbsynth.config import Config
from dbsynth.profile.detect import SHARED_LOCATION_PII
from dbsynth.profile.types import SemanticType
from tests.conftest import ROOT, dataset_path


def _read(path: Path, table: str) -> pd.DataFrame:
    with sqlite3.connect(path) as con:
        return pd.read_sql(f'SELECT * FROM "{table}"', con)


def test_free_text_and_personal_values_are_never_copied(tmp_path: Path) -> None:
    src = dataset_path("northwind", "northwind.sqlite")
    out = tmp_path / "out.sqlite"
    run = subprocess.run([sys.executable, "-m", "dbsynth.cli", "seed", f"sqlite:///{src}", f"sqlite:///{out}",
                          "--seed", "0"], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    url = f"sqlite:///{src}"
    from connectors.base import open_connector
    conn = open_connector(url)
    schema = conn.reflect()
    conn.close()
    profiles = pipeline.profile_source(url, schema, Config())
    checked = []
    for table, prof in profiles.items():
        if prof.reference:  # lookup tables are copied on purpose (their contact PII is regenerated)
            continue
        real, syn = _read(src, table), _read(out, table)
        for col in prof.columns:
            if col.semantic not in (SemanticType.TEXT, SemanticType.PII) or real[col.name].dtype != object:
                continue
            if col.pii_kind in SHARED_LOCATION_PII:  # cities and states are drawn from the source's, per country
                continue
            texts = lambda s: {v.strip().casefold() for v in s.dropna() if isinstance(v, str) and len(v.strip()) > 3}
            leaked = texts(real[col.name]) & texts(syn[col.name])
            assert not leaked, f"{table}.{col.name}: {sorted(leaked)[:2]}"
            checked.append(f"{table}.{col.name}")
    assert "Employees.Notes" in checked and "Customers.ContactName" in checked
    assert "Employees.PhotoPath" in checked  # `…/davolio.bmp`: the real surnames, never copied
