"""What the fit recorded about reference tables and exact relations, checked against the synthetic data.

Read defensively (nothing here is required, every key may be absent):

* `reference_tables` or `reference` (top level of a model's or a sample
  folder's manifest.json): a list of table names, a list of `{"table", "why"}`,
  or a `{table: why}` mapping — tables copied verbatim from the source.
* `relations` (same places): a list of relation dicts as
  `dbsynth.relations.Relation.to_dict()` writes them (`kind` "aggregate" or
  "row", `table`, `column`, `op`, `inputs`, `child`, `fk`, `referred`,
  `decimals`), or plain strings.
* `TableProfile.reference` (the report's own profile of the real data), when
  the profile sets it.

The report then measures each fact on the data: whether a reference table is
identical to the source (every row, any order), and the share of rows where a
relation holds, in the real and in the synthetic data. Tables identical to the
source that nothing recorded are listed too (a verbatim copy is worth knowing).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

from dbsynth.report.metrics import as_numeric
from dbsynth.report.quality import synthetic_column

Frames = Mapping[str, pd.DataFrame]
MANIFEST = "manifest.json"
MAX_IDENTICAL_ROWS = 200_000  # bigger tables are not compared row by row
_ROW_OPS = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
            "mul_one_minus": lambda a, b: a * (1 - b)}
_ROW_TEXT = {"add": "{a} + {b}", "sub": "{a} - {b}", "mul": "{a} * {b}", "mul_one_minus": "{a} * (1 - {b})"}


def read_manifest(folder: str | Path | None) -> dict[str, Any]:
    """A folder's manifest.json as a dict; {} when there is none or it does not parse."""
    if folder is None:
        return {}
    path = Path(folder) / MANIFEST
    try:
        doc = json.loads(path.read_text()) if path.is_file() else {}
    except (OSError, ValueError):
        return {}
    return doc if isinstance(doc, dict) else {}


def recorded(docs: Iterable[Mapping[str, Any]], profiles: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """{"reference_tables": {table: why}, "relations": [dict | str]} merged from the documents."""
    tables: dict[str, str] = {}
    relations: list[Any] = []
    for doc in docs:
        for key in ("reference_tables", "reference"):  # the copula model's meta writes "reference"
            tables.update(_reference_entries(doc.get(key)))
        for rel in doc.get("relations") or []:
            if isinstance(rel, (dict, str)) and rel not in relations:
                relations.append(rel)
    for name, prof in (profiles or {}).items():
        why = getattr(prof, "reference", None)
        if why and name not in tables:
            tables[name] = str(why)
    return {"reference_tables": tables, "relations": relations}


def _reference_entries(value: Any) -> dict[str, str]:
    if isinstance(value, Mapping):
        return {str(k): str(v or "") for k, v in value.items()}
    out: dict[str, str] = {}
    for item in value or []:
        if isinstance(item, str):
            out[item] = ""
        elif isinstance(item, Mapping) and item.get("table"):
            out[str(item["table"])] = str(item.get("why") or item.get("reason") or "")
    return out


# ------------------------------------------------------------------ reference tables
def reference_tables(facts: Mapping[str, Any], real: Frames, synthetic: Frames) -> list[dict[str, Any]]:
    """Recorded reference tables plus unrecorded verbatim copies, each with `identical` measured."""
    recorded_tables: Mapping[str, str] = facts.get("reference_tables", {})
    out = []
    for name in real:
        listed = name in recorded_tables
        same = identical(real, synthetic, name)
        if listed or (same and len(real[name])):
            out.append({"table": name, "why": recorded_tables.get(name) or "not recorded by the fit",
                        "recorded": listed, "identical": same, "real_rows": len(real[name]),
                        "synthetic_rows": len(synthetic[name]) if name in synthetic else None})
    return out


def identical(real: Frames, synthetic: Frames, table: str) -> bool | None:
    """Whether the synthetic table holds exactly the source's rows (any order); None when too big to compare."""
    r, s = real.get(table), synthetic.get(table)
    if r is None or s is None or len(r) != len(s):
        return False
    if len(r) > MAX_IDENTICAL_ROWS:
        return None
    if not all(c in s.columns for c in r.columns):
        return False
    aligned = pd.DataFrame({c: synthetic_column(real, synthetic, table, c).reset_index(drop=True) for c in r.columns})
    return bool((_rows(r.reset_index(drop=True)) == _rows(aligned)).all())


def _text(value: Any) -> str:
    """A cell as text; bytes as hex (pandas' str() of bytes would try to decode them)."""
    if isinstance(value, memoryview):
        value = value.tobytes()
    return value.hex() if isinstance(value, (bytes, bytearray)) else str(value)


def _rows(frame: pd.DataFrame) -> pd.Series:
    """Sorted row fingerprints: numbers as float, everything else as text, NULL as one token."""
    parts = []
    for c in frame.columns:
        col = frame[c]
        if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
            col = col.astype("float64")
        parts.append(col.astype(object).where(col.notna(), "\x00").map(_text))
    if not parts:
        return pd.Series([], dtype=object)
    keys = parts[0].str.cat(parts[1:], sep="\x1f") if len(parts) > 1 else parts[0]
    return keys.sort_values(ignore_index=True)


# ------------------------------------------------------------------ relations
def relations(facts: Mapping[str, Any], real: Frames, synthetic: Frames) -> list[dict[str, Any]]:
    """Each recorded relation with the share of rows where it holds, real and synthetic."""
    out = []
    for rel in facts.get("relations", []):
        if isinstance(rel, str):
            out.append({"text": rel, "kind": None, "real_share": None, "synthetic_share": None})
            continue
        out.append({"text": relation_text(rel), "kind": rel.get("kind"),
                    "real_share": holds_share(rel, real), "synthetic_share": holds_share(rel, synthetic)})
    return out


def relation_text(rel: Mapping[str, Any]) -> str:
    if rel.get("text"):
        return str(rel["text"])
    try:  # the generator's own wording when installed (it also knows the "sequence" kind)
        from dbsynth.relations import Relation  # type: ignore[attr-defined]
        return str(Relation.from_dict(dict(rel)).text())
    except (ImportError, KeyError, TypeError, ValueError, AttributeError):
        pass
    inputs = list(rel.get("inputs") or [])
    head = f"{rel.get('table')}.{rel.get('column')} = "
    if rel.get("kind") == "aggregate":
        inner = " * ".join(f"{rel.get('child')}.{c}" for c in inputs) or "*"
        return head + f"{rel.get('op')}({inner})"
    if rel.get("op") in _ROW_TEXT and len(inputs) == 2:
        return head + _ROW_TEXT[rel["op"]].format(a=inputs[0], b=inputs[1])
    return head + f"{rel.get('op')}({', '.join(map(str, inputs))})"


def holds_share(rel: Mapping[str, Any], frames: Frames) -> float | None:
    """Share of the rows (with a value in the column) where the relation holds; None when not measurable.
    The generator's own checker (`dbsynth.relations.check.held_share`) decides when it is installed, so
    the report and the fit agree on what "holds" means; the fallback below covers row and aggregate kinds."""
    own = _package_share(rel, frames)
    if own is not _MISSING:
        return own
    try:
        expected, actual = (_aggregate if rel.get("kind") == "aggregate" else _row)(rel, frames)
    except (KeyError, TypeError, ValueError):
        return None
    mask = actual.notna().to_numpy()
    if not mask.any():
        return None
    a, e = actual.to_numpy(dtype=float)[mask], expected.to_numpy(dtype=float)[mask]
    decimals = rel.get("decimals")
    tol = 0.5 * 10.0 ** -int(decimals) if decimals is not None else 0.0
    ok = np.isclose(a, e, rtol=1e-9, atol=max(tol, 1e-9))
    return round(float(ok.mean()), 6)


_MISSING = object()


def _package_share(rel: Mapping[str, Any], frames: Frames) -> Any:
    try:
        from dbsynth.relations import Relation  # type: ignore[attr-defined]
        from dbsynth.relations.check import held_share  # type: ignore[import-not-found]
    except ImportError:
        return _MISSING
    try:
        share = held_share(Relation.from_dict(dict(rel)), frames)
    except (KeyError, TypeError, ValueError, AttributeError):
        return _MISSING
    return None if share is None else round(float(share), 6)


def _row(rel: Mapping[str, Any], frames: Frames) -> tuple[pd.Series, pd.Series]:
    frame = frames[rel["table"]]
    a, b = (as_numeric(frame[c]) for c in rel["inputs"])
    return _ROW_OPS[rel["op"]](a, b), as_numeric(frame[rel["column"]])


def _aggregate(rel: Mapping[str, Any], frames: Frames) -> tuple[pd.Series, pd.Series]:
    parent, child = frames[rel["table"]], frames[rel["child"]]
    fk, referred = list(rel["fk"]), list(rel["referred"])
    if not fk or len(fk) != len(referred):
        raise ValueError("relation without its key columns")
    value = pd.Series(1.0, index=child.index)
    for c in rel.get("inputs") or []:
        value = value * as_numeric(child[c])
    by = [_key(child[c]) for c in fk]
    grouped = value.groupby(by if len(by) > 1 else by[0]).agg(rel["op"])
    pkeys = pd.MultiIndex.from_arrays([_key(parent[c]) for c in referred]) if len(fk) > 1 \
        else pd.Index(_key(parent[referred[0]]))
    expected = pd.Series(grouped.reindex(pkeys).to_numpy(), index=parent.index)
    if rel["op"] in ("sum", "count"):
        expected = expected.fillna(0.0)  # a parent without children: the sum and count are 0
    return expected, as_numeric(parent[rel["column"]])


def _key(series: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return series.astype("float64")
    return series.astype(str)
