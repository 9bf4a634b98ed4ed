"""Edge-case coverage: how much of the source's corners the synthetic data reaches.

Read off the two databases alone (no model): the share of the source's
categories present, the nullable columns that hold a NULL, the text columns
with a value at their declared maximum length, the numeric and date columns
whose source minimum and maximum appear, and the FKs with a parent that has
no child and one with as many children as the source's busiest parent.
`dbsynth seed --edge-cases SHARE` (dbsynth/execute/edge_cases.py) aims at
every one of them; without it the figures show what plain sampling reaches.

Some goals cannot be met, and those columns are listed as exempt, with the
reason, instead of counted missing: a text column whose CHECK allows fewer
characters than its declared length (an IN list, a length bound), and a
column of a table with fewer rows than its source categories plus a NULL plus
a longest value (nine employees cannot show nine extensions and a NULL).
Lookup tables copied verbatim are left out whole (`skipped_tables`).
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

from dbsynth.schema.model import Column, LogicalType, Schema, Table
from dbsynth.transform.rules import longest_allowed

MAX_LISTED = 20  # misses listed per kind in the JSON; the counts cover all of them
TEXT_TYPES = (LogicalType.TEXT,)


def coverage(schema: Schema, real: Mapping[str, pd.DataFrame], synthetic: Mapping[str, pd.DataFrame],
             kinds: Mapping[str, Mapping[str, str]], *, reference: Iterable[str] = ()) -> dict[str, Any]:
    """The coverage section of the report (see the module docstring).

    `reference`: lookup tables the fit copies (their rows are the source's own; a
    regenerated phone number aside): nothing to cover there.
    """
    skip = set(reference)
    cats: dict[str, Any] = {"source": 0, "present": 0, "missing": [], "exempt": []}
    nulls: dict[str, Any] = {"columns": 0, "with_null": 0, "without": [], "exempt": []}
    lengths: dict[str, Any] = {"columns": 0, "hit": 0, "missed": [], "exempt": []}
    bounds = {"values": 0, "hit": 0, "missed": []}
    parents = {"fks": 0, "zero_children": 0, "most_children": 0, "missed": []}
    for table in schema.data_tables:
        rf, sf = real.get(table.name), synthetic.get(table.name)
        if rf is None or sf is None or not len(rf) or not len(sf) or table.name in skip or _copied(rf, sf):
            continue  # a lookup table copied verbatim is the source's own: nothing to cover
        keys = set(table.pk_columns) | {c for fk in table.foreign_keys for c in fk.columns}
        for col in table.columns:
            if col.generated or col.name not in rf.columns or col.name not in sf.columns:
                continue
            kind = kinds.get(table.name, {}).get(col.name)
            length = col.length if col.length and col.logical_type in TEXT_TYPES and col.name not in keys else None
            crowded = _crowded(table, col, rf[col.name], sf[col.name], kind, length)
            if kind == "categorical":
                _categories(table, col, rf[col.name], sf[col.name], cats, crowded)
            if col.nullable and col.name not in table.pk_columns:
                _goal(nulls, f"{table.name}.{col.name}", sf[col.name].isna().any(), crowded,
                      total="columns", hit="with_null", missed="without")
            if length:
                allowed = longest_allowed(table, col.name, int(length), schema.dialect)
                limit = f"a CHECK allows at most {allowed} characters" if allowed < length else None
                _goal(lengths, f"{table.name}.{col.name} ({length})", _longest(sf[col.name]) >= length,
                      limit or crowded, total="columns", hit="hit", missed="missed")
            if kind in ("numerical", "datetime"):
                _bounds(table, col, rf[col.name], sf[col.name], bounds)
        for fk in table.foreign_keys:
            _parents(schema, table, fk, real, synthetic, parents)
    return {"categories": _share(cats, "source", "present", "missing"),
            "nullable": _share(nulls, "columns", "with_null", "without"),
            "max_length": _share(lengths, "columns", "hit", "missed"),
            "boundaries": _share(bounds, "values", "hit", "missed"),
            "parents": {**parents, "missed": parents["missed"][:MAX_LISTED]},
            "skipped_tables": sorted(skip & {t.name for t in schema.data_tables})}


def reference_of(schema: Schema, profiles: Mapping[str, Any], listed: Iterable[Mapping[str, Any]]) -> set[str]:
    """The lookup tables: listed by the report (recorded or identical) or detected as the fit detects them."""
    from dbsynth.profile.reference import copied_tables, mark_reference
    out = {r["table"] for r in listed if r.get("recorded") or r.get("identical")}
    try:
        out |= set(copied_tables(mark_reference(schema, dict(profiles), forced=frozenset(), disabled=frozenset())))
    except Exception:  # detection is a hint here; the listed tables still count
        pass
    return out


def summary_line(cov: Mapping[str, Any]) -> str:
    """One line for the console: the five shares."""
    parts = [("categories present", cov["categories"]["share"]), ("nullable columns with NULLs", cov["nullable"]["share"]),
             ("max-length texts", cov["max_length"]["share"]), ("min/max values", cov["boundaries"]["share"])]
    p = cov["parents"]
    text = ", ".join(f"{name} {share:.0%}" for name, share in parts if share is not None)
    exempt = sum(cov[k].get("exempt_count", 0) for k in ("categories", "nullable", "max_length"))
    if exempt:
        text += f" ({exempt} exempt: cannot be met, see the report)"
    if p["fks"]:
        text += f", FKs with a childless parent {p['zero_children']}/{p['fks']}, with the busiest {p['most_children']}/{p['fks']}"
    return f"edge-case coverage: {text}"


def html_section(cov: Mapping[str, Any] | None) -> str:
    """The HTML page's coverage table (dbsynth/report/html.py draws the rest)."""
    from dbsynth.report.html import Cell, _e, _table
    if not cov:
        return ""

    def cls(share: Any) -> str:
        return "" if share is None else ("good" if share >= 1 else "warn")

    rows = [("source categories present", cov["categories"]["present"], cov["categories"]["source"],
             Cell(cov["categories"]["share"], cls(cov["categories"]["share"])), cov["categories"]["missing"]),
            ("nullable columns with a NULL", cov["nullable"]["with_null"], cov["nullable"]["columns"],
             Cell(cov["nullable"]["share"], cls(cov["nullable"]["share"])), cov["nullable"]["without"]),
            ("texts at their declared maximum length", cov["max_length"]["hit"], cov["max_length"]["columns"],
             Cell(cov["max_length"]["share"], cls(cov["max_length"]["share"])), cov["max_length"]["missed"]),
            ("source min / max values present", cov["boundaries"]["hit"], cov["boundaries"]["values"],
             Cell(cov["boundaries"]["share"], cls(cov["boundaries"]["share"])), cov["boundaries"]["missed"])]
    p = cov["parents"]
    rows.append(("FKs with a parent without children", p["zero_children"], p["fks"], "", []))
    rows.append(("FKs with a parent as busy as the source's busiest", p["most_children"], p["fks"], "", p["missed"]))
    exempt = [cov[k].get("exempt", []) for k in ("categories", "nullable", "max_length")] + [[]] * 3
    body = [(Cell(name, text=True), hit, total, share, _listed(missed), _listed(why))
            for (name, hit, total, share, missed), why in zip(rows, exempt)]
    note = ("<p>How much of the source's corners the synthetic data reaches (<code>dbsynth seed --edge-cases "
            "SHARE</code> aims at all of them); a goal that cannot be met is exempt, not missed. "
            "Lookup tables copied from the source are left out"
            + (f": {_e(', '.join(cov.get('skipped_tables') or []))}" if cov.get("skipped_tables") else "") + ".</p>")
    return "<h2>Edge-case coverage</h2>" + note + _table(
        ["what", "hit", "of", "share", "missed (first ones)", "exempt: cannot be met (why)"], body)


def _listed(items: list[str]) -> Any:
    from dbsynth.report.html import Cell
    return Cell("; ".join(items[:8]) + (" …" if len(items) > 8 else ""), text=True)


COPY_CHECK_ROWS = 20_000  # tables up to this size are compared whole to tell a verbatim copy


def _copied(real: pd.DataFrame, syn: pd.DataFrame) -> bool:
    """The synthetic table holds exactly the real table's rows (a reference table copied verbatim)."""
    if len(real) != len(syn) or len(real) > COPY_CHECK_ROWS or list(real.columns) != list(syn.columns):
        return False
    rows = lambda f: sorted(map(tuple, f.map(_key).to_numpy().tolist()))  # noqa: E731
    return rows(real) == rows(syn)


def _share(part: dict[str, Any], total: str, hit: str, missed: str) -> dict[str, Any]:
    exempt = part.get("exempt", [])
    return {**part, "share": round(part[hit] / part[total], 6) if part[total] else None,
            missed: part[missed][:MAX_LISTED], f"{missed}_count": len(part[missed]),
            "exempt": exempt[:MAX_LISTED], "exempt_count": len(exempt)}


def _goal(out: dict[str, Any], label: str, met: bool, exempt: str | None, *, total: str, hit: str,
          missed: str) -> None:
    """Count one column's goal; an unmet goal that cannot be met is listed as exempt, with why."""
    if not met and exempt:
        out["exempt"].append(f"{label}: {exempt}")
        return
    out[total] += 1
    if met:
        out[hit] += 1
    else:
        out[missed].append(label)


def _crowded(table: Table, col: Column, real: pd.Series, syn: pd.Series, kind: str | None,
             length: int | None) -> str | None:
    """Why the table has too few rows for all of the column's goals at once (its source categories,
    a NULL, a value at the declared length no category has), or None when they all fit."""
    cats = {_key(v) for v in real.dropna().unique()} if kind == "categorical" else set()
    goals = [f"{len(cats)} source categories"] if cats else []
    if col.nullable and col.name not in table.pk_columns:
        goals.append("a NULL")
    if length and not any(len(c) >= length for c in cats):
        goals.append(f"a value of {length} characters")
    need = len(cats) + len(goals) - (1 if cats else 0)
    if len(syn) >= need or not goals:
        return None
    listed = f"{', '.join(goals[:-1])} and {goals[-1]}" if len(goals) > 1 else goals[0]
    return f"{len(syn)} rows cannot hold {listed}"


def _key(value: Any) -> str:
    """Values compared as text, numbers without a trailing .0 (an integer read back as a float)."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, (bool, np.bool_)):
        return str(int(value))
    return str(value)


def _categories(table: Table, col: Column, real: pd.Series, syn: pd.Series, out: dict[str, Any],
                crowded: str | None) -> None:
    source = {_key(v) for v in real.dropna().unique()}
    present = {_key(v) for v in syn.dropna().unique()}
    missing = sorted(source - present)
    if missing and crowded:  # the NULL and the longest value took the rows these would need
        n = len(missing)
        out["exempt"].append(f"{table.name}.{col.name}: {n} {'category' if n == 1 else 'categories'} ({crowded})")
        source -= set(missing)
        missing = []
    out["source"] += len(source)
    out["present"] += len(source) - len(missing)
    out["missing"] += [f"{table.name}.{col.name} = {v!r}" for v in missing]


def _longest(values: pd.Series) -> int:
    texts = values.dropna()
    return int(texts.map(lambda v: len(str(v))).max()) if len(texts) else 0


def _bounds(table: Table, col: Column, real: pd.Series, syn: pd.Series, out: dict[str, Any]) -> None:
    r, s = _numbers(real), _numbers(syn)
    r, s = r[~np.isnan(r)], s[~np.isnan(s)]
    if not len(r):
        return
    for label, want in (("min", r.min()), ("max", r.max())):
        out["values"] += 1
        # a float column read back from another dialect may differ in the last digit
        if len(s) and np.isclose(s, want, rtol=1e-9, atol=1e-9).any():
            out["hit"] += 1
        else:
            out["missed"].append(f"{table.name}.{col.name} {label}")


def _numbers(values: pd.Series) -> np.ndarray:
    if pd.api.types.is_datetime64_any_dtype(values):
        v = values.dt.tz_convert(None) if getattr(values.dt, "tz", None) is not None else values
        return ((v - pd.Timestamp(0)) / pd.Timedelta(seconds=1)).to_numpy(dtype=float, na_value=np.nan)
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return values.to_numpy(dtype=float, na_value=np.nan)
    nums = pd.to_numeric(values, errors="coerce")
    if nums.notna().sum() >= values.notna().sum() * 0.99 and values.notna().any():
        return nums.to_numpy(dtype=float, na_value=np.nan)
    try:
        stamps = pd.to_datetime(values.map(lambda v: None if v is None else str(v)), errors="coerce",
                                format="mixed", utc=True).dt.tz_convert(None)
    except (ValueError, TypeError):
        return np.full(len(values), np.nan)
    return ((stamps - pd.Timestamp(0)) / pd.Timedelta(seconds=1)).to_numpy(dtype=float, na_value=np.nan)


def _parents(schema: Schema, table: Table, fk: Any, real: Mapping[str, pd.DataFrame],
             synthetic: Mapping[str, pd.DataFrame], out: dict[str, Any]) -> None:
    """Does some parent have no child, and does one have as many as the source's busiest?"""
    if fk.referred_table == table.name or not schema.has_table(fk.referred_table):
        return
    ref = tuple(fk.referred_columns) or schema.table(fk.referred_table).pk_columns
    rp, sp = real.get(fk.referred_table), synthetic.get(fk.referred_table)
    if rp is None or sp is None or not len(sp) or not all(c in sp.columns for c in ref):
        return
    src_most = _most_children(real[table.name], fk.columns)
    syn_counts = _children(synthetic[table.name], fk.columns)
    parent_keys = sp[list(ref)].dropna().astype(str).apply(tuple, axis=1) if len(ref) > 1 else \
        sp[ref[0]].dropna().map(_key)
    out["fks"] += 1
    label = f"{table.name}({', '.join(fk.columns)}) -> {fk.referred_table}"
    if (~parent_keys.isin(set(syn_counts.index))).any():
        out["zero_children"] += 1
    else:
        out["missed"].append(f"{label}: no parent without children")
    if src_most and len(syn_counts) and syn_counts.max() >= src_most:
        out["most_children"] += 1
    elif src_most:
        out["missed"].append(f"{label}: busiest parent {int(syn_counts.max()) if len(syn_counts) else 0} "
                             f"children, the source's {src_most}")


def _children(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.Series:
    if not all(c in frame.columns for c in columns):
        return pd.Series(dtype=int)
    keys = frame[list(columns)].dropna()
    keyed = keys.astype(str).apply(tuple, axis=1) if len(columns) > 1 else keys[columns[0]].map(_key)
    return keyed.value_counts()


def _most_children(frame: pd.DataFrame, columns: tuple[str, ...]) -> int:
    counts = _children(frame, columns)
    return int(counts.max()) if len(counts) else 0
