"""Sample output folder: write/read round trip and bad-folder errors."""
from __future__ import annotations

import datetime as dt
import decimal
import json
from pathlib import Path

import pandas as pd
import pytest

from dbsynth.errors import ConfigError
from dbsynth.load import read_chunks, write_chunks
from dbsynth.sample.types import TableChunk
from dbsynth.schema.model import Column, LogicalType, PrimaryKey, Schema, Table

LT = LogicalType
COLS = {"id": LT.INTEGER, "maybe": LT.INTEGER, "score": LT.FLOAT, "ok": LT.BOOLEAN, "name": LT.TEXT,
        "born": LT.DATE, "price": LT.DECIMAL, "seen": LT.DATETIME, "seen_tz": LT.DATETIME}


def _schema() -> Schema:
    cols = tuple(Column(name=n, logical_type=t, type_sql=t.value) for n, t in COLS.items())
    return Schema(dialect="postgresql", tables=(Table("my table", cols, primary_key=PrimaryKey(("id",))),))


def _frame(offset: int) -> pd.DataFrame:
    return pd.DataFrame({
        "id": [1 + offset, 2 + offset, 3 + offset],
        "maybe": pd.array([1, None, 3], dtype="Int64"),
        "score": [0.1, float("nan"), 1e-300],
        "ok": [True, False, True],
        "name": pd.Series(["a,\"b\"", "", None], dtype="str"),
        "born": [dt.date(2020, 1, 2), None, dt.date(1999, 12, 31)],
        "price": [decimal.Decimal("1.10"), decimal.Decimal("-0.01"), None],
        "seen": pd.to_datetime(["2024-01-01 10:00:00.123456", None, "1970-01-01 00:00:00.000001"]),
        "seen_tz": pd.to_datetime(["2024-01-01 10:00", "2024-06-01 00:00", None]).tz_localize("UTC"),
    })


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_round_trip_is_exact(tmp_path: Path, fmt: str) -> None:
    chunks = [TableChunk("my table", _frame(0), 0), TableChunk("my table", _frame(3), 1)]
    rows = write_chunks(chunks, tmp_path / "out", fmt=fmt, schema=_schema())  # type: ignore[arg-type]
    assert rows == {"my table": 6}
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["order"] == ["my table"] and manifest["format"] == fmt
    assert (tmp_path / "out" / "my_table" / f"part-00001.{fmt}").is_file()
    schema, it = read_chunks(tmp_path / "out")
    back = list(it)
    assert schema == _schema()
    assert [c.batch for c in back] == [0, 1]
    for orig, got in zip(chunks, back):
        pd.testing.assert_frame_equal(got.frame, orig.frame)
        assert got.frame["name"].isna().tolist() == [False, False, True]  # "" stays "", NULL stays NULL


def test_bad_folders_raise_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="manifest.json") as err:
        read_chunks(tmp_path)
    assert err.value.hint
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(ConfigError, match="not a dbsynth manifest"):
        read_chunks(tmp_path)
    out = tmp_path / "o"
    write_chunks([TableChunk("my table", _frame(0))], out, fmt="csv", schema=_schema())
    (out / "my_table" / "part-00000.csv").unlink()
    with pytest.raises(ConfigError, match="missing"):
        read_chunks(out)
    with pytest.raises(ConfigError, match="not empty"):
        write_chunks([], out, fmt="csv", schema=_schema())
