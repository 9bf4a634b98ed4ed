"""Privacy: exact copies, distance to closest record (DCR), NNDR and PII leaks.

* Exact match: share of synthetic rows whose non-key columns equal a real row
  that is *unique* in its table (a common combination is not a leak), next to
  the same share for fresh real data (one random half against the other).
* DCR: Gower-style distance (range-scaled |Δ| for numbers and dates, 0/1 for
  categories, averaged over the scored columns) from each synthetic row to its
  nearest row of a real training half, against the real holdout half's DCR to
  the same training half. Synthetic DCRs well below the holdout's mean copying.
* NNDR: nearest / second-nearest distance ratio (near 0 = sits on one real row).
* PII: values of the real PII columns (found by `dbsynth.profile`) that show up
  verbatim in the synthetic column.
Big tables are subsampled with a fixed seed.
"""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import pandas as pd

from dbsynth.profile.types import PiiKind, SemanticType, TableProfile
from dbsynth.report.metrics import as_numeric
from dbsynth.report.quality import CONTINUOUS, Kinds, _num, synthetic_column
from dbsynth.schema.model import Schema

Frames = Mapping[str, pd.DataFrame]
MAX_QUERY_ROWS = 2_000
MAX_REFERENCE_ROWS = 10_000
TOP_CATEGORIES = 50
# Faker's cities and countries are real places: a match there is not a leak of a person.
_NOT_IDENTIFYING = {PiiKind.CITY, PiiKind.STATE, PiiKind.COUNTRY, PiiKind.POSTCODE}


# ------------------------------------------------------------------ exact matches
def _key_columns(schema: Schema, table: str) -> set[str]:
    t = schema.table(table)
    return set(t.pk_columns) | {c for fk in t.foreign_keys for c in fk.columns} | {
        c.name for c in t.columns if c.autoincrement}


def _row_keys(frame: pd.DataFrame, cols: list[str]) -> pd.Series:
    norm = frame[cols].copy()
    for c in cols:
        if pd.api.types.is_numeric_dtype(norm[c]) and not pd.api.types.is_bool_dtype(norm[c]):
            norm[c] = norm[c].astype("float64")  # Int64 1 and float 1.0 are the same value
    return norm.astype(object).where(norm.notna(), None).map(repr).agg("\x1f".join, axis=1)


def match_share(reference: pd.DataFrame, candidate: pd.DataFrame, cols: list[str]) -> float:
    """Share of candidate rows equal (on `cols`) to a row that occurs once in `reference`."""
    if not len(candidate) or not len(reference):
        return float("nan")
    counts = _row_keys(reference, cols).value_counts()
    unique = set(counts[counts == 1].index)
    return float(_row_keys(candidate, cols).isin(unique).mean())


def exact_matches(schema: Schema, real: Frames, synthetic: Frames, *, seed: int = 0) -> dict[str, Any]:
    tables: dict[str, dict[str, Any]] = {}
    rng = np.random.default_rng(seed)
    for name, frame in real.items():
        syn = synthetic.get(name)
        cols = [c for c in frame.columns if c not in _key_columns(schema, name)]
        if syn is None or not len(syn) or not cols or len(frame) < 4:
            continue
        syn = pd.DataFrame({c: synthetic_column(real, synthetic, name, c).reset_index(drop=True) for c in cols})
        half = rng.permutation(len(frame)) < len(frame) // 2
        tables[name] = {"synthetic": _num(match_share(frame, syn, cols)), "rows": len(syn),
                        "baseline": _num(match_share(frame[half], frame[~half], cols))}
    return {"exact_match_rate": _weighted(tables, "synthetic"), "exact_match_baseline": _weighted(tables, "baseline"),
            "exact_match": tables}


def _weighted(tables: Mapping[str, Mapping[str, Any]], key: str) -> float | None:
    pairs = [(t[key], t["rows"]) for t in tables.values() if t[key] is not None]
    total = sum(n for _, n in pairs)
    return _num(sum(v * n for v, n in pairs) / total) if total else None


# ------------------------------------------------------------------ DCR / NNDR
def encode(real: pd.DataFrame, others: list[pd.DataFrame], kinds: Mapping[str, str]) -> list[np.ndarray]:
    """Gower-style features: L1 distance / column count is the mean per-column mismatch."""
    blocks: list[list[np.ndarray]] = [[] for _ in others]
    for col, kind in kinds.items():
        if kind in CONTINUOUS:
            r = as_numeric(real[col])
            lo, hi = (float(r.min()), float(r.max())) if r.notna().any() else (0.0, 1.0)
            span = (hi - lo) or 1.0
            for i, frame in enumerate(others):
                x = ((as_numeric(frame[col]) - lo) / span).fillna(-1.0)  # NULL vs value: distance ≥ 1
                blocks[i].append(x.to_numpy(dtype=float)[:, None])
        else:
            top = _categories(real[col]).value_counts().index[:TOP_CATEGORIES]
            for i, frame in enumerate(others):
                cats = _categories(frame[col])
                onehot = np.stack([(cats == v).to_numpy() for v in top] + [(~cats.isin(top)).to_numpy()], axis=1)
                blocks[i].append(onehot.astype(float) * 0.5)  # a mismatch flips two cells: 0.5 + 0.5 = 1
    n = max(len(kinds), 1)
    return [np.hstack(b) / n if b else np.zeros((len(f), 0)) for b, f in zip(blocks, others)]


def _categories(series: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        series = series.astype("float64")
    return series.astype(object).where(series.notna(), "\x00null").astype(str).reset_index(drop=True)


def nearest(reference: np.ndarray, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distances to the nearest and second-nearest reference rows (L1)."""
    from sklearn.neighbors import NearestNeighbors
    k = min(2, len(reference))
    dist, _ = NearestNeighbors(n_neighbors=k, metric="manhattan").fit(reference).kneighbors(query)
    second = dist[:, 1] if k > 1 else np.full(len(query), np.nan)
    return dist[:, 0], second


def _sample(frame: pd.DataFrame, n: int, rng: np.random.Generator) -> pd.DataFrame:
    if len(frame) <= n:
        return frame.reset_index(drop=True)
    return frame.iloc[np.sort(rng.choice(len(frame), n, replace=False))].reset_index(drop=True)


def table_distances(real: pd.DataFrame, syn: pd.DataFrame, kinds: Mapping[str, str],
                    *, seed: int) -> dict[str, np.ndarray] | None:
    """DCR and NNDR of synthetic rows and of holdout rows, both against the real training half."""
    rng = np.random.default_rng(seed)
    if len(real) < 10 or not len(syn) or not kinds:
        return None
    half = rng.permutation(len(real)) < len(real) // 2
    train = _sample(real[half], MAX_REFERENCE_ROWS, rng)
    holdout = _sample(real[~half], MAX_QUERY_ROWS, rng)
    query = _sample(syn, MAX_QUERY_ROWS, rng)
    ref, hold, q = encode(real, [train, holdout, query], kinds)
    d_syn, d2_syn = nearest(ref, q)
    d_hold, d2_hold = nearest(ref, hold)
    return {"synthetic": d_syn, "holdout": d_hold, "nndr_synthetic": _ratio(d_syn, d2_syn),
            "nndr_holdout": _ratio(d_hold, d2_hold)}


def _ratio(d1: np.ndarray, d2: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(d2 > 0, d1 / d2, 1.0)  # two equidistant (or identical) neighbours: ratio 1


def distances(real: Frames, synthetic: Frames, kinds: Kinds, *, seed: int = 0) -> dict[str, Any]:
    tables, pooled = {}, {"synthetic": [], "holdout": [], "nndr_synthetic": [], "nndr_holdout": []}
    for name, cols in kinds.items():
        if name not in synthetic or not cols:
            continue
        syn = pd.DataFrame({c: synthetic_column(real, synthetic, name, c).reset_index(drop=True) for c in cols})
        got = table_distances(real[name][list(cols)].reset_index(drop=True), syn, cols, seed=seed)
        if got is None:
            continue
        tables[name] = _dcr_summary(got)
        if np.median(got["holdout"]) > 0:  # else real rows repeat on these columns: DCR says nothing there
            for key, values in got.items():
                pooled[key].append(values)
    whole = {k: np.concatenate(v) if v else np.zeros(0) for k, v in pooled.items()}
    skipped = sorted(t for t, d in tables.items() if not d["holdout_median"])
    return {"dcr": {**_dcr_summary(whole), "tables": tables, "uninformative_tables": skipped},
            "nndr": {"synthetic_median": _median(whole["nndr_synthetic"]),
                     "holdout_median": _median(whole["nndr_holdout"])}}


def _dcr_summary(d: Mapping[str, np.ndarray]) -> dict[str, Any]:
    syn, hold = _median(d["synthetic"]), _median(d["holdout"])
    return {"synthetic_median": syn, "holdout_median": hold,
            "ratio": _num(syn / hold) if syn is not None and hold else None,
            "synthetic_p05": _num(float(np.quantile(d["synthetic"], 0.05))) if len(d["synthetic"]) else None,
            "holdout_p05": _num(float(np.quantile(d["holdout"], 0.05))) if len(d["holdout"]) else None,
            "synthetic_zero_share": _num(float((d["synthetic"] == 0).mean())) if len(d["synthetic"]) else None,
            "holdout_zero_share": _num(float((d["holdout"] == 0).mean())) if len(d["holdout"]) else None}


def _median(values: np.ndarray) -> float | None:
    return _num(float(np.median(values))) if len(values) else None


# ------------------------------------------------------------------ PII
def pii_leaks(real: Frames, synthetic: Frames, profiles: Mapping[str, TableProfile]) -> dict[str, Any]:
    """Real values of PII columns found verbatim (case and outer spaces ignored) in the synthetic column."""
    columns = []
    for name, prof in profiles.items():
        syn = synthetic.get(name)
        for col in prof.columns:
            if col.semantic != SemanticType.PII or syn is None or col.name not in syn or name not in real:
                continue
            source = set(_text(real[name][col.name]))
            found = _text(syn[col.name])
            leaked = found.isin(source)
            columns.append({"table": name, "column": col.name, "kind": col.pii_kind.value if col.pii_kind else "pii",
                            "identifying": col.pii_kind not in _NOT_IDENTIFYING,
                            "leaked_values": int(found[leaked].nunique()),
                            "leaked_rate": _num(float(leaked.mean())) if len(found) else None})
    return {"leaked_values": sum(c["leaked_values"] for c in columns if c["identifying"]), "columns": columns}


def _text(series: pd.Series) -> pd.Series:
    values = series.dropna()
    return values.astype(str).str.strip().str.lower().loc[lambda s: s != ""]


def privacy(schema: Schema, real: Frames, synthetic: Frames, kinds: Kinds, profiles: Mapping[str, TableProfile],
            *, seed: int = 0) -> dict[str, Any]:
    return {**exact_matches(schema, real, synthetic, seed=seed), **distances(real, synthetic, kinds, seed=seed),
            "pii": pii_leaks(real, synthetic, profiles)}
