"""The sample output folder: chunks as parquet or csv files plus manifest.json.

Layout: `out_dir/<table>/part-00000.<fmt>` per chunk, in load order, and a
manifest recording the format, the order of the chunks, row counts, each
column's pandas dtype and the schema, so `read_chunks` gives back the same
frames (dates, decimals, booleans and NULL vs empty string included).
"""
from __future__ import annotations

import datetime as dt
import decimal
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Literal

from dbsynth.errors import ConfigError, LoadError
from dbsynth.frames import TableChunk
from dbsynth.schema.model import Column, LogicalType, Schema
from dbsynth.schema.serde import schema_from_dict, to_dict

if TYPE_CHECKING:
    import pandas as pd

MANIFEST = "manifest.json"
_CSV_NULL = "\\N"  # distinguishes NULL from the empty string
_HINT = "point at a folder written by `dbsynth sample --out DIR`"


def _dir_name(table: str) -> str:
    return re.sub(r"[^\w.-]+", "_", table) or "_"


def write_chunks(chunks: Iterable[TableChunk], out_dir: Path, *, fmt: Literal["parquet", "csv"],
                 schema: Schema, source: dict[str, Any] | None = None) -> dict[str, int]:
    """Write every chunk under `out_dir` plus manifest.json; returns rows per table."""
    if fmt not in ("parquet", "csv"):
        raise ConfigError(f"unknown output format {fmt!r}", hint="use parquet or csv")
    out_dir = Path(out_dir)
    if out_dir.exists() and any(out_dir.iterdir()):
        raise ConfigError(f"output folder {str(out_dir)!r} is not empty", hint="choose a new or empty folder")
    rows: dict[str, int] = {}
    entries: list[dict[str, Any]] = []
    dtypes: dict[str, dict[str, str]] = {}
    for chunk in chunks:
        rel = f"{_dir_name(chunk.table)}/part-{sum(e['table'] == chunk.table for e in entries):05d}.{fmt}"
        path = out_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        frame = conform_frame(chunk.frame, schema.table(chunk.table), where="sample", check=False) \
            if schema.has_table(chunk.table) else chunk.frame
        chunk = TableChunk(table=chunk.table, frame=frame, batch=chunk.batch)
        _write_frame(chunk.frame, path, fmt=fmt)
        entries.append({"table": chunk.table, "batch": chunk.batch, "file": rel, "rows": len(chunk.frame)})
        rows[chunk.table] = rows.get(chunk.table, 0) + len(chunk.frame)
        dtypes.setdefault(chunk.table, {str(c): str(t) for c, t in chunk.frame.dtypes.items()})
    out_dir.mkdir(parents=True, exist_ok=True)
    manifest = {"version": 1, "format": fmt, "order": list(dict.fromkeys(e["table"] for e in entries)),
                "rows": rows, "chunks": entries, "dtypes": dtypes, "schema": to_dict(schema)}
    if source:
        manifest["source"] = source  # the model's source, so `dbsynth load` never writes into it
    (out_dir / MANIFEST).write_text(json.dumps(manifest, indent=2))
    return rows


def _write_frame(frame: "pd.DataFrame", path: Path, *, fmt: str) -> None:
    import pandas as pd

    if fmt == "parquet":
        frame.to_parquet(path, index=False)
        return
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object:  # not Series.map: it re-infers [None, 1] as floats and writes "1.0"
            out[col] = pd.Series([_csv_cell(v) for v in out[col].tolist()], index=out.index, dtype=object)
    out.to_csv(path, index=False, na_rep=_CSV_NULL)


def _csv_cell(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return value.hex()
    if isinstance(value, (dict, list)):
        return json.dumps(value, default=str)  # date[] / timestamp[] elements as ISO text
    return value


def _manifest(out_dir: Path) -> dict[str, Any]:
    path = Path(out_dir) / MANIFEST
    if not path.is_file():
        raise ConfigError(f"{str(out_dir)!r} has no {MANIFEST}", hint=_HINT)
    try:
        data = json.loads(path.read_text())
        _ = data["format"], data["chunks"], data["schema"], data["dtypes"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"{path} is not a dbsynth manifest ({exc})", hint=_HINT) from None
    if data["format"] not in ("parquet", "csv"):
        raise ConfigError(f"{path}: unknown format {data['format']!r}", hint=_HINT)
    return data


def folder_source(out_dir: Path) -> dict[str, Any] | None:
    """The source database a sample folder was learnt from, when its manifest says."""
    source = _manifest(Path(out_dir)).get("source")
    return source if isinstance(source, dict) else None


def read_chunks(out_dir: Path) -> tuple[Schema, Iterator[TableChunk]]:
    """The schema and the chunks of a sample folder, lazily, in load order."""
    manifest = _manifest(Path(out_dir))
    schema = schema_from_dict(manifest["schema"])
    for entry in manifest["chunks"]:
        if not (Path(out_dir) / entry["file"]).is_file():
            raise ConfigError(f"{out_dir}: chunk file {entry['file']!r} is missing", hint=_HINT)
    return schema, _iter_chunks(Path(out_dir), manifest, schema)


def _iter_chunks(out_dir: Path, manifest: dict[str, Any], schema: Schema) -> Iterator[TableChunk]:
    for entry in manifest["chunks"]:
        table = entry["table"]
        frame = _read_frame(out_dir / entry["file"], fmt=manifest["format"],
                            dtypes=manifest["dtypes"].get(table, {}), schema=schema, table=table)
        if schema.has_table(table):  # every value checked against the column it goes into
            frame = conform_frame(frame, schema.table(table), where=str(out_dir / entry["file"]))
        yield TableChunk(table=table, frame=frame, batch=int(entry.get("batch", 0)))


def conform_frame(frame: "pd.DataFrame", table: Table, *, where: str, check: bool = True) -> "pd.DataFrame":
    """`frame` with each column's values in its logical type, or a LoadError naming the table and column.

    A nullable integer column often arrives as floats (1.0 beside NaN, from
    parquet or pandas); PostgreSQL refuses "1.0" for a bigint, so whole floats
    become ints here and anything else is named before a row is written.
    `check` also refuses NULL in a NOT NULL column (loading a folder).
    """
    out = frame
    for col in table.columns:
        if col.name not in frame.columns:
            continue
        series = frame[col.name]
        if col.logical_type == LogicalType.INTEGER and series.dtype.kind not in "iu":
            fixed = integers(series, table=table.name, column=col.name, type_sql=col.type_sql, where=where)
            if out is frame:
                out = frame.copy()
            out[col.name] = fixed
        if check and not col.nullable and not col.autoincrement and series.isna().any():
            raise LoadError(f"{where}: table {table.name!r} column {col.name!r} is NOT NULL but "
                            f"{int(series.isna().sum())} row(s) hold NULL",
                            hint="re-sample the folder from a model of this schema (`dbsynth sample`)")
    return out


def integers(series: "pd.Series", *, table: str, column: str, type_sql: str, where: str) -> "pd.Series":
    """Whole numbers as Python ints (None for NULL), or a LoadError naming the table, column and value."""
    import pandas as pd

    values: list[Any] = []
    for v in series.tolist():
        if v is None or (not isinstance(v, str) and pd.isna(v)):
            values.append(None)
            continue
        try:
            number = decimal.Decimal(str(v).strip()) if not isinstance(v, bool) else decimal.Decimal(int(v))
            if number != number.to_integral_value():
                raise ValueError
            values.append(int(number))
        except (ValueError, ArithmeticError):
            raise LoadError(f"{where}: table {table!r} column {column!r} is {type_sql or 'an integer'} "
                            f"but holds {v!r}",
                            hint="re-sample the folder from a model of this schema (`dbsynth sample`)") from None
    return pd.Series(values, index=series.index, dtype=object, name=series.name)


def _read_frame(path: Path, *, fmt: str, dtypes: dict[str, str], schema: Schema, table: str) -> "pd.DataFrame":
    import pandas as pd

    try:
        if fmt == "parquet":
            frame = pd.read_parquet(path)
        else:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[_CSV_NULL])
    except Exception as exc:  # pyarrow / parser errors: a damaged folder
        raise ConfigError(f"cannot read {path}: {type(exc).__name__}", hint=_HINT) from None
    cols = {c.name: c for c in schema.table(table).columns} if schema.has_table(table) else {}
    for name, dtype in dtypes.items():
        # CSV cells are all text: restore every column; parquet only where the dtype drifted.
        if name in frame.columns and (fmt == "csv" or str(frame[name].dtype) != dtype):
            frame[name] = _restore(frame[name], dtype, cols.get(name))
    for name, col in cols.items():  # arrays: parquet gives numpy arrays, csv JSON text
        if col.logical_type == LogicalType.ARRAY and name in frame.columns:
            frame[name] = frame[name].map(_as_list, na_action="ignore").astype(object)
    return frame


def _as_list(value: Any) -> Any:
    if isinstance(value, str):
        return json.loads(value)
    return value.tolist() if hasattr(value, "tolist") else value


def _restore(series: "pd.Series", dtype: str, col: Column | None) -> "pd.Series":
    import pandas as pd

    if dtype.startswith("datetime64") or dtype.startswith("timedelta64"):
        conv = pd.to_datetime(series, format="ISO8601") if dtype.startswith("datetime64") else pd.to_timedelta(series)
        return conv.astype(dtype)
    if dtype in ("bool", "boolean"):
        return series.map({"True": True, "False": False, True: True, False: False}).astype(dtype)
    if dtype == "str":
        return series.astype(object).where(series.notna(), None).astype("str")
    if dtype == "object":
        parse = _OBJECT_PARSERS.get(col.logical_type if col else LogicalType.TEXT)
        values = [None if pd.isna(v) else (parse(v) if parse and isinstance(v, str) else v) for v in series]
        return pd.Series(values, index=series.index, dtype=object, name=series.name)
    return series.astype(dtype)


_OBJECT_PARSERS: dict[LogicalType, Any] = {
    LogicalType.DATE: dt.date.fromisoformat,
    LogicalType.TIME: dt.time.fromisoformat,
    LogicalType.DECIMAL: decimal.Decimal,
    LogicalType.BINARY: bytes.fromhex,
    LogicalType.JSON: json.loads,
}
