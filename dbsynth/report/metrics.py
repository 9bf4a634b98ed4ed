"""Pure fidelity metrics on columns and column pairs.

Where SDMetrics defines a score the definition here matches it (KSComplement,
TVComplement, CorrelationSimilarity, ContingencySimilarity with 10 equal-width
bins for continuous columns, CardinalityShapeSimilarity); the papers' raw
statistics (KS D, χ² p-value, Jensen–Shannon, Wasserstein) sit beside them.
Every function takes plain Series/arrays and returns a float (NaN when the
score cannot be computed, e.g. an empty column).
"""
from __future__ import annotations

import sys
import warnings
from collections import Counter
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from scipy.spatial.distance import jensenshannon

_DECIMALS = sys.float_info.dig - 1  # SDMetrics rounds to this before the KS test
NUM_BINS = 10


def as_numeric(series: pd.Series) -> pd.Series:
    """Numbers as float; datetimes as int64 nanoseconds (as SDMetrics does); NaN for the rest."""
    if pd.api.types.is_datetime64_any_dtype(series):
        if getattr(series.dt, "tz", None) is not None:  # timestamptz: compare instants in UTC
            series = series.dt.tz_convert("UTC").dt.tz_localize(None)
        ns = series.astype("datetime64[ns]")
        out = pd.Series(ns.to_numpy().astype("int64").astype("float64"), index=series.index)
        return out.where(series.notna())
    if pd.api.types.is_bool_dtype(series):
        return series.astype("float64")
    return pd.to_numeric(series, errors="coerce").astype("float64")


def ks_statistic(real: pd.Series, synthetic: pd.Series) -> float:
    """Two-sample Kolmogorov–Smirnov D (0 = same distribution) over non-null values."""
    r = as_numeric(real).dropna().round(_DECIMALS)
    s = as_numeric(synthetic).dropna().round(_DECIMALS)
    if not len(r) or not len(s):
        return float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # "exact calculation unsuccessful": D is exact anyway
        return float(stats.ks_2samp(r.to_numpy(), s.to_numpy()).statistic)


def ks_complement(real: pd.Series, synthetic: pd.Series) -> float:
    """SDMetrics KSComplement: 1 − KS D for numerical and datetime columns."""
    return 1.0 - ks_statistic(real, synthetic)


def _hashable(series: pd.Series) -> list[Any]:
    values = series.dropna().tolist()
    return [v.item() if isinstance(v, np.generic) else v for v in values]


def frequencies(real: pd.Series, synthetic: pd.Series) -> tuple[np.ndarray, np.ndarray, list[Any]]:
    """Relative frequencies over the real categories plus synthetic-only ones (SDMetrics get_frequencies)."""
    rc, sc = Counter(_hashable(real)), Counter(_hashable(synthetic))
    for value in sc:
        if value not in rc:
            rc[value] += 1e-6  # SDMetrics' regularisation: unseen categories still count against the score
    keys = list(rc)
    rt, st = sum(rc.values()), sum(sc.values())
    f_real = np.array([rc[k] / rt for k in keys]) if rt else np.zeros(len(keys))
    f_syn = np.array([sc[k] / st for k in keys]) if st else np.zeros(len(keys))
    return f_real, f_syn, keys


def tv_complement(real: pd.Series, synthetic: pd.Series) -> float:
    """SDMetrics TVComplement: 1 − total variation distance of category frequencies."""
    if real.dropna().empty or synthetic.dropna().empty:
        return float("nan")
    f_real, f_syn, _ = frequencies(real, synthetic)
    return float(1.0 - 0.5 * np.abs(f_syn - f_real).sum())


def chi2_pvalue(real: pd.Series, synthetic: pd.Series) -> float:
    """χ² test of homogeneity on the category counts (high p = indistinguishable)."""
    rc, sc = Counter(_hashable(real)), Counter(_hashable(synthetic))
    keys = sorted(set(rc) | set(sc), key=repr)
    if len(keys) < 2 or not rc or not sc:
        return float("nan")
    table = np.array([[rc[k] for k in keys], [sc[k] for k in keys]], dtype=float)
    return float(stats.chi2_contingency(table, correction=False).pvalue)


def js_divergence_categorical(real: pd.Series, synthetic: pd.Series) -> float:
    """Jensen–Shannon divergence (base 2, 0..1) of category frequencies."""
    if real.dropna().empty or synthetic.dropna().empty:
        return float("nan")
    f_real, f_syn, _ = frequencies(real, synthetic)
    return float(jensenshannon(f_real, f_syn, base=2) ** 2)


def js_divergence_numeric(real: pd.Series, synthetic: pd.Series, *, bins: int = 20) -> float:
    """Jensen–Shannon divergence (base 2, 0..1) of histograms on the real data's bin edges."""
    r, s = as_numeric(real).dropna().to_numpy(), as_numeric(synthetic).dropna().to_numpy()
    if not len(r) or not len(s):
        return float("nan")
    edges = np.histogram_bin_edges(r, bins=bins)
    edges[0], edges[-1] = -np.inf, np.inf
    hr, hs = np.histogram(r, edges)[0], np.histogram(s, edges)[0]
    return float(jensenshannon(hr / hr.sum(), hs / hs.sum(), base=2) ** 2)


def wasserstein(real: pd.Series, synthetic: pd.Series) -> float:
    """Earth mover's distance in units of the real column's standard deviation (scale-free)."""
    r, s = as_numeric(real).dropna().to_numpy(), as_numeric(synthetic).dropna().to_numpy()
    if not len(r) or not len(s):
        return float("nan")
    scale = float(np.std(r)) or 1.0
    return float(stats.wasserstein_distance(r / scale, s / scale))


def discretize(real: pd.Series, synthetic: pd.Series, *, bins: int = NUM_BINS) -> tuple[np.ndarray, np.ndarray]:
    """SDMetrics discretize_column: equal-width bins of the real values, open-ended outer bins."""
    r, s = as_numeric(real), as_numeric(synthetic)
    edges = np.histogram_bin_edges(r.dropna().to_numpy(), bins=bins) if r.notna().any() else np.array([0.0, 1.0])
    edges[0], edges[-1] = -np.inf, np.inf
    # np.digitize puts NaN past the last edge: NaN stays a category of its own, as in SDMetrics
    return np.digitize(r.to_numpy(), edges), np.digitize(s.to_numpy(), edges)


def discretize_own(series: pd.Series, *, bins: int = NUM_BINS) -> np.ndarray:
    """Equal-width bins of the column's *own* range, as SDMetrics' ColumnPairTrends property bins each side
    (so a shifted synthetic range is not penalised by the binning; NULL shares the top bin's code)."""
    x = as_numeric(series).to_numpy(dtype=float)
    finite = x[np.isfinite(x)]
    if not len(finite):
        return np.full(len(x), bins + 1)
    return np.digitize(x, np.histogram_bin_edges(finite, bins=bins))


def correlation_similarity(real: pd.DataFrame, synthetic: pd.DataFrame) -> tuple[float, float, float]:
    """SDMetrics CorrelationSimilarity (Pearson): (score, real r, synthetic r) of two continuous columns."""
    a, b = real.columns[:2]
    r = pd.DataFrame({"a": as_numeric(real[a]), "b": as_numeric(real[b])}).dropna()
    s = pd.DataFrame({"a": as_numeric(synthetic[a]), "b": as_numeric(synthetic[b])}).dropna()
    if len(r) < 2 or len(s) < 2 or _constant(r) or _constant(s):
        return float("nan"), float("nan"), float("nan")
    rr = float(stats.pearsonr(r["a"], r["b"]).statistic)
    sr = float(stats.pearsonr(s["a"], s["b"]).statistic)
    return 1.0 - abs(rr - sr) / 2.0, rr, sr


def _constant(frame: pd.DataFrame) -> bool:
    return bool((frame.nunique() < 2).any())


def contingency_similarity(real: pd.DataFrame, synthetic: pd.DataFrame) -> float:
    """SDMetrics ContingencySimilarity: 1 − total variation of the joint frequency tables (NULL is a value)."""
    cols = list(real.columns[:2])
    if not len(real) or not len(synthetic):
        return float("nan")
    r = _normal_keys(real[cols]).groupby(cols, dropna=False).size() / len(real)
    s = _normal_keys(synthetic[cols]).groupby(cols, dropna=False).size() / len(synthetic)
    index = r.index.union(s.index, sort=False).drop_duplicates()
    diff = (r.reindex(index, fill_value=0) - s.reindex(index, fill_value=0)).abs().fillna(0)
    return float(1.0 - diff.sum() / 2.0)


def cramers_v(real: pd.DataFrame) -> float:
    """Cramér's V of the real pair (NULL a category), as SDMetrics' real-association filter computes it."""
    from scipy.stats.contingency import association
    cols = list(real.columns[:2])
    if len(cols) < 2 or not len(real):
        return float("nan")
    table = _normal_keys(real[cols]).groupby(cols, dropna=False).size().unstack(fill_value=0)
    if table.to_numpy().sum() == 0 or min(table.shape) < 2:
        return float("nan")
    return float(association(table.to_numpy(), method="cramer"))


def _normal_keys(frame: pd.DataFrame) -> pd.DataFrame:
    """Comparable group keys: numbers as float, so 1 (Int64) and 1.0 (float) are one category."""
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_numeric_dtype(out[col]) and not pd.api.types.is_bool_dtype(out[col]):
            out[col] = out[col].astype("float64")
    return out


def children_per_parent(parent_keys: pd.DataFrame, child_keys: pd.DataFrame) -> np.ndarray:
    """Children per parent row, zero for parents without children (SDMetrics get_cardinality_distribution)."""
    if parent_keys.empty:
        return np.zeros(0)
    counts = _key_series(child_keys).value_counts(dropna=False)
    return _key_series(parent_keys).map(counts).fillna(0).to_numpy(dtype=float)


def _key_series(keys: pd.DataFrame) -> pd.Series:
    """One hashable key per row: a float for one numeric column, a tuple for several."""
    norm = _normal_keys(keys)
    if norm.shape[1] == 1:
        return norm.iloc[:, 0].reset_index(drop=True)
    return pd.Series(list(zip(*(norm[c].tolist() for c in norm.columns))), dtype=object)


def cardinality_shape_similarity(real_counts: np.ndarray, synthetic_counts: np.ndarray) -> float:
    """SDMetrics CardinalityShapeSimilarity: 1 − KS D of the children-per-parent distributions."""
    if not len(real_counts) or not len(synthetic_counts):
        return float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return 1.0 - float(stats.ks_2samp(real_counts, synthetic_counts).statistic)


def detection_score(auc: float) -> float:
    """SDMetrics' detection normalisation: 1 when the classifier is at chance (AUC ≤ 0.5), 0 when perfect."""
    if np.isnan(auc):
        return float("nan")
    return 1.0 - (max(auc, 0.5) * 2.0 - 1.0)


def nanmean(values: Any) -> float:
    """Mean of the finite values; NaN when there are none (without numpy's warning)."""
    arr = np.asarray([v for v in values if v is not None], dtype=float)
    arr = arr[np.isfinite(arr)]
    return float(arr.mean()) if len(arr) else float("nan")
