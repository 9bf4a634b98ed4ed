"""Recorded reference tables and relations: read defensively, checked on the data."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dbsynth.report import facts

INVOICE_TOTAL = {"kind": "aggregate", "table": "inv", "column": "total", "op": "sum", "inputs": ["price", "qty"],
                 "child": "line", "fk": ["inv_id"], "referred": ["id"], "decimals": 2}
NET = {"kind": "row", "table": "inv", "column": "net", "op": "sub", "inputs": ["total", "tax"], "decimals": 2}


def _frames(total_off: float = 0.0) -> dict[str, pd.DataFrame]:
    line = pd.DataFrame({"inv_id": [1, 1, 2, 2, 2], "price": [0.99, 1.99, 0.99, 0.99, 2.5],
                         "qty": [1, 2, 1, 3, 1]})
    totals = np.array([0.99 + 3.98, 0.99 + 2.97 + 2.5, 0.0])
    inv = pd.DataFrame({"id": pd.array([1, 2, 3], dtype="Int64"), "total": totals + [0.0, total_off, 0.0],
                        "tax": [0.5, 0.5, 0.0]})
    inv["net"] = (inv["total"] - inv["tax"]).round(2)
    return {"inv": inv, "line": line}


def test_relations_are_measured_on_each_side() -> None:
    real, broken = _frames(), _frames(total_off=1.0)
    got = facts.relations({"relations": [INVOICE_TOTAL, NET, "Order.Total = sum(lines)"]}, real, broken)
    assert got[0]["text"] == "inv.total = sum(line.price * line.qty)"
    assert got[0]["real_share"] == 1.0  # invoice 3 has no lines: its sum is 0
    assert got[0]["synthetic_share"] == pytest.approx(2 / 3)
    assert got[1]["text"] == "inv.net = total - tax" and got[1]["real_share"] == 1.0
    assert got[2] == {"text": "Order.Total = sum(lines)", "kind": None, "real_share": None, "synthetic_share": None}
    missing = dict(INVOICE_TOTAL, child="nope")
    assert facts.holds_share(missing, real) is None  # a relation on tables that are not there: not measurable


def test_recorded_accepts_every_documented_shape(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text(json.dumps({"reference_tables": ["genre"], "relations": [NET]}))
    docs = [facts.read_manifest(tmp_path), {"reference_tables": [{"table": "media", "why": "lookup"}]},
            {"reference_tables": {"region": "copy = true"}, "relations": [NET]}, facts.read_manifest(tmp_path / "no"),
            {"reference": {"status": "lookup table: 4 rows"}}]  # the copula model's meta key
    got = facts.recorded(docs)
    assert got["reference_tables"] == {"genre": "", "media": "lookup", "region": "copy = true",
                                       "status": "lookup table: 4 rows"}
    assert got["relations"] == [NET]  # the same relation twice is listed once
    (tmp_path / "manifest.json").write_text("{not json")
    assert facts.read_manifest(tmp_path) == {} and facts.recorded([{}]) == {"reference_tables": {}, "relations": []}


def test_reference_tables_are_checked_and_verbatim_copies_found() -> None:
    genre = pd.DataFrame({"id": pd.array([1, 2, 3], dtype="Int64"), "name": ["Rock", "Jazz", None],
                          "icon": [b"\xff\xd8", None, b"\x89PNG"]})  # binary cells compare too
    real = {"genre": genre, "media": genre.copy(), "track": pd.DataFrame({"id": [1, 2]})}
    syn = {"genre": genre.iloc[::-1].assign(id=lambda d: d["id"].astype("float64")),  # any order, any number type
           "media": genre.assign(name=["Rock", "Jazz", "Blues"]), "track": pd.DataFrame({"id": [5, 6]})}
    got = {r["table"]: r for r in facts.reference_tables({"reference_tables": {"media": "lookup"}}, real, syn)}
    assert got["genre"]["identical"] and not got["genre"]["recorded"]  # an unrecorded verbatim copy is listed
    assert got["media"]["recorded"] and got["media"]["identical"] is False  # recorded, but the rows differ
    assert "track" not in got
