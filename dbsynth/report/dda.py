"""DDA: discriminative detection with aggregation, per parent table (issue 14's target).

SyntheRela's `AggregationDetection` (C2ST-Agg), reimplemented so the core needs no
XGBoost: each parent row is joined with aggregates of its children, per FK
pointing at it (self-references left out):

* `count`: the number of child rows (0 for a parent without children);
* `mean(col)`: the mean of each numeric child column (NULL without children);
* `distinct(col)`: the number of distinct values of each categorical child column (0 without).

Dates of the children are not aggregated (SyntheRela means numeric columns only).
The parent's own scored columns (keys never; PII and free text are not scored)
come along: numbers as they are, dates as year / month / day (and hour / minute /
second where any value has one), categories one-hot. Missing values take the
column mean and constant features are dropped, as SyntheRela does.

An equal number of real and synthetic rows (the smaller side, seeded sample,
at most MAX_ROWS) is classified real-vs-synthetic with 5-fold stratified CV;
the figure is the out-of-fold accuracy (0.5 = indistinguishable, 1 = always
told apart) with its standard error. The classifier is XGBoost with its
defaults when installed (`pip install "dbsynth[dda]"`, SyntheRela's choice),
else scikit-learn's HistGradientBoosting with XGBoost's rounds (100), learning rate
(0.3), depth (6) and L2 (1), at most 15 leaves a tree. A table without children gets
the same classifier on its own columns (`kind: single`), as issue 14's table
does for Sakila's rental and payment.
"""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import pandas as pd

from dbsynth.report.detection import _as_text, _join_key, single_thread
from dbsynth.report.metrics import as_numeric
from dbsynth.report.quality import Kinds, _num, relationships, synthetic_column
from dbsynth.schema.model import Schema

Frames = Mapping[str, pd.DataFrame]
FOLDS = 5
MIN_ROWS = 20  # per side
MAX_ROWS = 20_000  # per side; a seeded sample above it
MAX_CATEGORIES = 100  # one-hot columns per categorical column (the rest share one)
_DATE_PARTS = ("year", "month", "day", "hour", "minute", "second")


def dda(schema: Schema, real: Frames, synthetic: Frames, kinds: Kinds, *, seed: int = 0,
        tables: list[str] | None = None) -> dict[str, dict[str, Any]]:
    """Per table: {kind: aggregation | single, accuracy, se, rows, features, children, classifier}.

    `tables`: which tables (a table without children gets single-table detection); default every
    parent table."""
    children = _children(schema, real)
    out: dict[str, dict[str, Any]] = {}
    for table in tables or [t for t in kinds if t in children]:
        if table not in synthetic or table not in real:
            continue
        r, rk = aggregated(real, real, kinds, table, children.get(table, []))
        s, _ = aggregated(synthetic, real, kinds, table, children.get(table, []))
        result = classify(r, s, rk, seed=seed)
        if result is None:
            continue
        out[table] = {"kind": "aggregation" if children.get(table) else "single", **result,
                      "children": [f"{c}({','.join(cols)})" for c, cols, _ in children.get(table, [])]}
    return out


def _children(schema: Schema, real: Frames) -> dict[str, list[tuple[str, tuple[str, ...], tuple[str, ...]]]]:
    """parent -> [(child table, FK columns, referred columns)], self-references left out."""
    out: dict[str, list[tuple[str, tuple[str, ...], tuple[str, ...]]]] = {}
    for child, fk, ref in relationships(schema, real):
        if child.name != fk.referred_table:
            out.setdefault(fk.referred_table, []).append((child.name, tuple(fk.columns), tuple(ref)))
    return out


def aggregated(frames: Frames, real: Frames, kinds: Kinds, parent: str,
               children: list[tuple[str, tuple[str, ...], tuple[str, ...]]]) -> tuple[pd.DataFrame, dict[str, str]]:
    """The parent's scored columns plus, per child FK, its count, numeric means and distinct categories."""
    base = frames is real
    cols = dict(kinds.get(parent, {}))
    pframe = frames[parent]
    out = pd.DataFrame({c: (real[parent][c] if base else synthetic_column(real, frames, parent, c)).reset_index(drop=True)
                        for c in cols}, index=range(len(pframe)))
    for child, fk_cols, ref in children:
        if child not in frames or not all(c in pframe for c in ref) or not all(c in frames[child] for c in fk_cols):
            continue
        pkey = _join_key(pframe[list(ref)].reset_index(drop=True))
        ckey = _join_key(frames[child][list(fk_cols)].reset_index(drop=True)).to_numpy()
        tag = f"{child}({','.join(fk_cols)})"
        out[f"{tag}.count"] = pkey.map(pd.Series(ckey).value_counts()).fillna(0).to_numpy(float)
        cols[f"{tag}.count"] = "numerical"
        for col, kind in kinds.get(child, {}).items():
            if kind == "datetime":
                continue
            values = (real[child][col] if base else synthetic_column(real, frames, child, col)).reset_index(drop=True)
            if kind == "numerical":
                name, agg = f"{tag}.mean({col})", as_numeric(values).groupby(ckey).mean()
                out[name] = pkey.map(agg).to_numpy(float) if len(agg) else np.nan
            else:
                name = f"{tag}.distinct({col})"
                agg = _as_text(values).where(values.notna().to_numpy()).groupby(ckey).nunique()
                out[name] = pkey.map(agg).fillna(0).to_numpy(float) if len(agg) else 0.0
            cols[name] = "numerical"
    return out, cols


def encode(real: pd.DataFrame, syn: pd.DataFrame, kinds: Mapping[str, str]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Both sides as one numeric matrix each (SyntheRela's encoding), NaN filled with the column mean."""
    both = pd.concat([real, syn], ignore_index=True)
    parts: dict[str, np.ndarray] = {}
    for col, kind in kinds.items():
        values = both[col]
        if kind == "numerical":
            parts[col] = as_numeric(values).to_numpy(float)
        elif kind == "datetime":
            when = pd.to_datetime(values, errors="coerce", format="mixed") \
                if not pd.api.types.is_datetime64_any_dtype(values) else values
            if getattr(when.dt, "tz", None) is not None:
                when = when.dt.tz_convert(None)
            for part in _DATE_PARTS:
                series = getattr(when.dt, part).astype("float64")
                if part in ("year", "month", "day") or series.fillna(0).to_numpy().any():
                    parts[f"{col}.{part}"] = series.to_numpy(float)
        else:
            text = _as_text(values).where(values.notna().to_numpy(), "\x00null")
            top = list(text.value_counts().index[:MAX_CATEGORIES])
            for i, cat in enumerate(top):
                parts[f"{col}={i}"] = (text == cat).to_numpy(float)
            if text.nunique() > len(top):
                parts[f"{col}=other"] = (~text.isin(top)).to_numpy(float)
    x = pd.DataFrame(parts, index=range(len(both)))
    x = x.replace([np.inf, -np.inf], np.nan)
    x = x.fillna(x.mean())
    x = x.loc[:, x.nunique(dropna=True) > 1]  # constant (or all-NULL) features tell nothing
    matrix = x.to_numpy(float)
    return matrix[:len(real)], matrix[len(real):], list(x.columns)


def classifier(seed: int) -> Any:
    """XGBoost with its defaults when installed (SyntheRela), else HistGradientBoosting of similar capacity."""
    try:
        from xgboost import XGBClassifier
        return XGBClassifier(random_state=seed, n_jobs=1)
    except ImportError:
        from sklearn.ensemble import HistGradientBoostingClassifier
        # XGBoost's rounds, learning rate, depth and L2; at most 15 leaves halves the time (HistGradientBoosting
        # splits node by node in Python) and still agrees with SyntheRela's XGBoost within 0.015 on the datasets
        return HistGradientBoostingClassifier(max_iter=100, learning_rate=0.3, max_depth=6, max_leaf_nodes=15,
                                              min_samples_leaf=5, l2_regularization=1.0, early_stopping=False,
                                              random_state=seed)


def classify(real: pd.DataFrame, syn: pd.DataFrame, kinds: Mapping[str, str], *, seed: int = 0) -> dict[str, Any] | None:
    """5-fold CV accuracy of real-vs-synthetic on balanced rows; None when too few rows."""
    from sklearn.model_selection import StratifiedKFold

    n = min(len(real), len(syn), MAX_ROWS)
    if n < MIN_ROWS:
        return None
    rng = np.random.default_rng(seed)
    r = real.iloc[np.sort(rng.choice(len(real), n, replace=False))].reset_index(drop=True)
    s = syn.iloc[np.sort(rng.choice(len(syn), n, replace=False))].reset_index(drop=True)
    xr, xs, names = encode(r, s, kinds)
    x, y = np.vstack([xr, xs]), np.r_[np.ones(n), np.zeros(n)]
    if not names:  # nothing varies: no classifier can do better than chance
        correct = np.full(2 * n, 0.5)
    else:
        correct = np.empty(2 * n)
        folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=seed)
        with single_thread():
            for train, test in folds.split(x, y):
                model = classifier(seed).fit(x[train], y[train])
                correct[test] = model.predict(x[test]) == y[test]
    clf = classifier(seed)
    return {"accuracy": _num(float(correct.mean())), "se": _num(float(correct.std() / np.sqrt(len(correct)))),
            "rows": int(n), "features": len(names), "classifier": type(clf).__name__}
