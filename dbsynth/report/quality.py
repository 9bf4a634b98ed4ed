"""Fidelity properties, SDMetrics' multi-table QualityReport definitions.

Column shapes, column-pair trends, cardinality (children per parent) and
inter-table trends (parent column × child column on the join); the overall
score is the mean of the four property scores. Which columns are scored, and
how, comes from dbsynth's own profile of the real data: keys, PII, free text
and opaque values are not scored (a private generator fakes them).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np
import pandas as pd

from dbsynth.profile.types import SemanticType, TableProfile
from dbsynth.report import metrics as m
from dbsynth.schema.model import ForeignKey, Schema, Table

Frames = Mapping[str, pd.DataFrame]
Kinds = dict[str, dict[str, str]]  # table -> column -> numerical | datetime | categorical
CONTINUOUS = ("numerical", "datetime")
_KIND = {SemanticType.NUMERIC: "numerical", SemanticType.DATE: "datetime", SemanticType.DATETIME: "datetime",
         SemanticType.CATEGORICAL: "categorical", SemanticType.BOOLEAN: "categorical",
         SemanticType.CONSTANT: "categorical"}
# SDMetrics' QualityReport scores a pair only where the real data shows a trend (utils.DEFAULT_REAL_*_THRESHOLD)
REAL_CORRELATION_THRESHOLD = 0.5
REAL_ASSOCIATION_THRESHOLD = 0.3
MAX_PAIR_ROWS = 50_000  # pair trends on a fixed-seed subsample beyond this (SDMetrics scores every row)


@dataclass
class Quality:
    """Property scores plus the per-column / per-pair / per-relationship details behind them."""

    scores: dict[str, float]
    columns: list[dict[str, Any]] = field(default_factory=list)
    column_pairs: list[dict[str, Any]] = field(default_factory=list)
    cardinality: list[dict[str, Any]] = field(default_factory=list)
    intertable: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {**{k: _num(v) for k, v in self.scores.items()}, "tables": self.per_table(),
                "columns": self.columns, "column_pairs": self.column_pairs,
                "cardinality_details": self.cardinality, "intertable_details": self.intertable}

    def per_table(self) -> dict[str, dict[str, float | None]]:
        tables = sorted({c["table"] for c in self.columns} | {p["table"] for p in self.column_pairs})
        return {t: {"column_shapes": _num(m.nanmean(c["score"] for c in self.columns if c["table"] == t)),
                    "column_pair_trends": _num(_trend_mean([p for p in self.column_pairs if p["table"] == t]))}
                for t in tables}


def _num(value: float | None) -> float | None:
    """JSON-safe float: NaN becomes null, the rest rounded to 6 places."""
    if value is None or not np.isfinite(value):
        return None
    return round(float(value), 6)


def column_kinds(schema: Schema, profiles: Mapping[str, TableProfile]) -> Kinds:
    """Scored columns per table and how each is scored; keys (PK/FK columns) never are."""
    out: Kinds = {}
    for table in schema.data_tables:
        keys = set(table.pk_columns) | {c for fk in table.foreign_keys for c in fk.columns}
        prof = profiles.get(table.name)
        cols = prof.columns if prof else ()
        out[table.name] = {c.name: _KIND[c.semantic] for c in cols if c.name not in keys and c.semantic in _KIND}
    return out


def align(real: pd.Series, synthetic: pd.Series) -> pd.Series:
    """The synthetic column in the real column's representation (a CSV/other-dialect round trip may differ)."""
    if pd.api.types.is_datetime64_any_dtype(real) and not pd.api.types.is_datetime64_any_dtype(synthetic):
        return pd.to_datetime(synthetic, errors="coerce", format="mixed")
    if pd.api.types.is_datetime64_any_dtype(real) and getattr(synthetic.dt, "tz", None) is not None:
        return synthetic.dt.tz_convert(None)
    if pd.api.types.is_numeric_dtype(real) and not pd.api.types.is_numeric_dtype(synthetic):
        return pd.to_numeric(synthetic, errors="coerce")
    return synthetic


def _tz_naive(series: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(series) and getattr(series.dt, "tz", None) is not None:
        return series.dt.tz_convert(None)
    return series


def synthetic_column(real: Frames, synthetic: Frames, table: str, column: str) -> pd.Series:
    """The synthetic column aligned to the real one; all NULL when the synthetic table lacks it."""
    frame = synthetic.get(table)
    if frame is None or column not in frame.columns:
        n = 0 if frame is None else len(frame)
        return pd.Series([None] * n, dtype=object)
    return align(_tz_naive(real[table][column]), frame[column])


# ------------------------------------------------------------------ column shapes
def column_shapes(real: Frames, synthetic: Frames, kinds: Kinds) -> list[dict[str, Any]]:
    """One row per scored column: the SDMetrics score and the papers' statistics."""
    rows = []
    for table, cols in kinds.items():
        for column, kind in cols.items():
            r = _tz_naive(real[table][column])
            s = synthetic_column(real, synthetic, table, column)
            rows.append({"table": table, "column": column, "kind": kind, **column_statistics(r, s, kind)})
    return rows


def column_statistics(real: pd.Series, synthetic: pd.Series, kind: str) -> dict[str, Any]:
    """Shape score (KS or TV complement) plus KS D / χ² p / JS divergence / Wasserstein."""
    if kind in CONTINUOUS:
        return {"metric": "KSComplement", "score": _num(m.ks_complement(real, synthetic)),
                "ks_statistic": _num(m.ks_statistic(real, synthetic)),
                "js_divergence": _num(m.js_divergence_numeric(real, synthetic)),
                "wasserstein": _num(m.wasserstein(real, synthetic)), "chi2_pvalue": None}
    return {"metric": "TVComplement", "score": _num(m.tv_complement(real, synthetic)), "ks_statistic": None,
            "js_divergence": _num(m.js_divergence_categorical(real, synthetic)), "wasserstein": None,
            "chi2_pvalue": _num(m.chi2_pvalue(real, synthetic))}


# ------------------------------------------------------------------ column pair trends
def pair_trends(real: pd.DataFrame, synthetic: pd.DataFrame, kinds: Mapping[str, str],
                pairs: list[tuple[str, str]] | None = None, *, seed: int = 0) -> list[dict[str, Any]]:
    """SDMetrics ColumnPairTrends: correlation similarity for two continuous columns, else contingency
    similarity with continuous columns in 10 equal-width bins."""
    real, synthetic = _subsample(real, seed), _subsample(synthetic, seed)
    binned = {c: (m.discretize_own(real[c]), m.discretize_own(synthetic[c])) for c, k in kinds.items()
              if k in CONTINUOUS}
    rows = []
    for a, b in pairs if pairs is not None else itertools.combinations(list(kinds), 2):
        rows.append({"column_1": a, "column_2": b, **_pair_score(real, synthetic, kinds, binned, a, b)})
    return rows


def _subsample(frame: pd.DataFrame, seed: int) -> pd.DataFrame:
    return frame.sample(MAX_PAIR_ROWS, random_state=seed) if len(frame) > MAX_PAIR_ROWS else frame


def _pair_score(real: pd.DataFrame, synthetic: pd.DataFrame, kinds: Mapping[str, str],
                binned: Mapping[str, tuple[np.ndarray, np.ndarray]], a: str, b: str) -> dict[str, Any]:
    cont_a, cont_b = kinds[a] in CONTINUOUS, kinds[b] in CONTINUOUS
    if cont_a and cont_b:
        score, rr, sr = m.correlation_similarity(real[[a, b]], synthetic[[a, b]])
        return {"metric": "CorrelationSimilarity", "score": _num(score), "real_correlation": _num(rr),
                "synthetic_correlation": _num(sr), "real_association": None,
                "meets_threshold": bool(np.isfinite(rr) and abs(rr) > REAL_CORRELATION_THRESHOLD)}

    def side(i: int, frame: pd.DataFrame) -> pd.DataFrame:
        cols = {c: (binned[c][i] if kinds[c] in CONTINUOUS else frame[c].to_numpy()) for c in (a, b)}
        return pd.DataFrame(cols, columns=[a, b]) if a != b else pd.DataFrame({a: cols[a]})

    real_pair = side(0, real)
    score, assoc = m.contingency_similarity(real_pair, side(1, synthetic)), m.cramers_v(real_pair)
    return {"metric": "ContingencySimilarity", "score": _num(score), "real_correlation": None,
            "synthetic_correlation": None, "real_association": _num(assoc),
            "meets_threshold": bool(np.isfinite(assoc) and assoc > REAL_ASSOCIATION_THRESHOLD)}


def table_pair_trends(real: Frames, synthetic: Frames, kinds: Kinds, *, seed: int = 0) -> list[dict[str, Any]]:
    out = []
    for table, cols in kinds.items():
        if len(cols) < 2:
            continue
        r = pd.DataFrame({c: _tz_naive(real[table][c]) for c in cols})
        s = pd.DataFrame({c: synthetic_column(real, synthetic, table, c) for c in cols})
        out += [{"table": table, **row} for row in pair_trends(r, s, cols, seed=seed)]
    return out


# ------------------------------------------------------------------ relationships
def relationships(schema: Schema, real: Frames) -> list[tuple[Table, ForeignKey, tuple[str, ...]]]:
    """(child, fk, referred columns) for every FK whose both ends have real data."""
    out = []
    for table in schema.data_tables:
        for fk in table.foreign_keys:
            if table.name not in real or fk.referred_table not in real:
                continue
            ref = fk.referred_columns or schema.table(fk.referred_table).pk_columns
            if ref and all(c in real[fk.referred_table] for c in ref) and all(c in real[table.name] for c in fk.columns):
                out.append((table, fk, tuple(ref)))
    return out


def _keys(frames: Frames, table: str, cols: tuple[str, ...]) -> pd.DataFrame:
    frame = frames.get(table)
    if frame is None or not all(c in frame.columns for c in cols):
        return pd.DataFrame({c: pd.Series(dtype="float64") for c in cols})
    return frame[list(cols)]


def cardinality(schema: Schema, real: Frames, synthetic: Frames) -> list[dict[str, Any]]:
    """Children-per-parent shape similarity per FK, with the histograms' means for the summary."""
    rows = []
    for child, fk, ref in relationships(schema, real):
        rc = m.children_per_parent(_keys(real, fk.referred_table, ref), _keys(real, child.name, fk.columns))
        sc = m.children_per_parent(_keys(synthetic, fk.referred_table, ref), _keys(synthetic, child.name, fk.columns))
        rows.append({"parent": fk.referred_table, "child": child.name, "columns": list(fk.columns),
                     "metric": "CardinalityShapeSimilarity", "score": _num(m.cardinality_shape_similarity(rc, sc)),
                     "real_mean_children": _num(float(rc.mean()) if len(rc) else float("nan")),
                     "synthetic_mean_children": _num(float(sc.mean()) if len(sc) else float("nan"))})
    return rows


def children_counts(schema: Schema, frames: Frames, child: Table, fk: ForeignKey) -> np.ndarray:
    ref = fk.referred_columns or schema.table(fk.referred_table).pk_columns
    return m.children_per_parent(_keys(frames, fk.referred_table, tuple(ref)), _keys(frames, child.name, fk.columns))


def intertable_trends(schema: Schema, real: Frames, synthetic: Frames, kinds: Kinds,
                      *, seed: int = 0) -> list[dict[str, Any]]:
    """Pair trends of (parent column, child column) on the child ⋈ parent join, per FK (self-joins skipped)."""
    rows = []
    for child, fk, ref in relationships(schema, real):
        parent = fk.referred_table
        pk, ck = kinds.get(parent, {}), kinds.get(child.name, {})
        if parent == child.name or not pk or not ck:
            continue
        r = _join(real, real, child.name, fk, ref, pk, ck)
        s = _join(synthetic, real, child.name, fk, ref, pk, ck)
        merged = {**{f"p.{c}": k for c, k in pk.items()}, **{f"c.{c}": k for c, k in ck.items()}}
        pairs = [(f"p.{a}", f"c.{b}") for a in pk for b in ck]
        for row in pair_trends(r, s, merged, pairs, seed=seed):
            rows.append({"parent": parent, "child": child.name, "columns": list(fk.columns),
                         **row, "column_1": row["column_1"][2:], "column_2": row["column_2"][2:]})
    return rows


def _join(frames: Frames, real: Frames, child: str, fk: ForeignKey, ref: tuple[str, ...],
          pcols: Mapping[str, str], ccols: Mapping[str, str]) -> pd.DataFrame:
    """child ⋈ parent (inner, as SDMetrics denormalises), scored columns prefixed c. / p."""
    left = _side(frames, real, child, tuple(fk.columns), ccols, "c.")
    right = _side(frames, real, fk.referred_table, ref, pcols, "p.")
    return left.merge(right, on=[f"k{i}" for i in range(len(ref))], how="inner")


def _side(frames: Frames, real: Frames, table: str, keys: tuple[str, ...], cols: Mapping[str, str],
          prefix: str) -> pd.DataFrame:
    base = frames.get(table)
    out = pd.DataFrame(index=range(0 if base is None else len(base)))
    key_frame = _keys(frames, table, keys).reset_index(drop=True)
    for i in range(len(keys)):
        s = key_frame.iloc[:, i]
        # join keys compare as float or as text, so Int64 vs float64 (or a CSV round trip) still match
        out[f"k{i}"] = m.as_numeric(s) if pd.api.types.is_numeric_dtype(s) or _all_numbers(s) else s.astype(str)
    for c in cols:
        s = _tz_naive(real[table][c]) if frames is real else synthetic_column(real, frames, table, c)
        out[prefix + c] = s.reset_index(drop=True)
    return out


def _all_numbers(s: pd.Series) -> bool:
    """Integer keys held as objects (a column with NULLs read back): joined as numbers like the other side."""
    present = s.dropna()
    return bool(len(present)) and all(isinstance(v, (int, float, np.number)) and not isinstance(v, bool)
                                      for v in present.head(1000))


# ------------------------------------------------------------------ all together
def _trend_mean(pairs: list[dict[str, Any]]) -> float:
    """Mean over the pairs with a real trend; pairs the real data shows unrelated do not count."""
    return m.nanmean(p["score"] for p in pairs if p["meets_threshold"])



def quality(schema: Schema, real: Frames, synthetic: Frames, kinds: Kinds, *, seed: int = 0) -> Quality:
    """The four properties and their overall mean (NaN properties left out, as SDMetrics does)."""
    cols = column_shapes(real, synthetic, kinds)
    pairs = table_pair_trends(real, synthetic, kinds, seed=seed)
    card = cardinality(schema, real, synthetic)
    inter = intertable_trends(schema, real, synthetic, kinds, seed=seed)
    scores = {"column_shapes": m.nanmean(c["score"] for c in cols),
              "column_pair_trends": _trend_mean(pairs),
              "cardinality": m.nanmean(c["score"] for c in card),
              "intertable_trends": _trend_mean(inter)}
    return Quality(scores={"overall": m.nanmean(scores.values()), **scores}, columns=cols, column_pairs=pairs,
                   cardinality=card, intertable=inter)
