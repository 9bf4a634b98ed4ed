"""Detection: can a classifier tell real rows from synthetic ones?

A gradient-boosting classifier (scikit-learn's HistGradientBoosting, NaN-aware,
native categoricals) is cross-validated on an equal number of real and
synthetic rows of each table, on the scored columns, and again on parent
tables enriched with child aggregates (children count, mean of numeric child
columns, distinct categories of categorical child columns), which is where a
wrong parent–child dependency shows. AUC 0.5 is ideal; `score` is SDMetrics'
1 − (2·max(AUC, 0.5) − 1).

TSTR vs TRTR (`--target TABLE.COLUMN`): a model trained on synthetic rows and
one trained on a real training split are both tested on the real holdout.
"""
from __future__ import annotations

from typing import Any, Mapping

import numpy as np
import pandas as pd

from dbsynth.errors import ConfigError
from dbsynth.report.metrics import as_numeric, detection_score
from dbsynth.report.quality import CONTINUOUS, Kinds, _num, relationships, synthetic_column
from dbsynth.schema.model import Schema

Frames = Mapping[str, pd.DataFrame]
MAX_ROWS = 2_000  # per side; fixed-seed subsample
MIN_ROWS = 20
MAX_CATEGORIES = 60
FOLDS = 3


def features(real: pd.DataFrame, frames: list[pd.DataFrame], kinds: Mapping[str, str]) -> tuple[list[pd.DataFrame], list[bool]]:
    """Numbers (dates as ns) stay numbers; categories become codes of the real data's top categories."""
    out: list[dict[str, np.ndarray]] = [{} for _ in frames]
    categorical: list[bool] = []
    for col, kind in kinds.items():
        if kind in CONTINUOUS:
            for i, f in enumerate(frames):
                out[i][col] = as_numeric(f[col]).to_numpy(dtype=float)
            categorical.append(False)
            continue
        top = list(_as_text(real[col]).value_counts().index[:MAX_CATEGORIES])
        codes = {v: i for i, v in enumerate(top)}
        for i, f in enumerate(frames):
            # unseen categories share one extra code; NULL stays NaN (a missing value to the trees)
            text = _as_text(f[col])
            out[i][col] = np.where(f[col].isna().to_numpy(), np.nan, text.map(codes).fillna(len(top)).to_numpy(float))
        categorical.append(True)
    return [pd.DataFrame(d, index=range(len(f))) for d, f in zip(out, frames)], categorical


def _as_text(series: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        series = series.astype("float64")
    return series.astype(str).reset_index(drop=True)


def _balanced(real: pd.DataFrame, syn: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    n = min(len(real), len(syn), MAX_ROWS)
    rng = np.random.default_rng(seed)
    pick = lambda f: f.iloc[np.sort(rng.choice(len(f), n, replace=False))].reset_index(drop=True)  # noqa: E731
    return pick(real), pick(syn)


def detect(real: pd.DataFrame, syn: pd.DataFrame, kinds: Mapping[str, str], *, seed: int = 0) -> dict[str, Any] | None:
    """Cross-validated AUC and accuracy of real-vs-synthetic; None when too few rows or no features."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import StratifiedKFold, cross_validate
    if not kinds or min(len(real), len(syn)) < MIN_ROWS:
        return None
    r, s = _balanced(real, syn, seed)
    (xr, xs), cat = features(r, [r, s], kinds)
    x = pd.concat([xr, xs], ignore_index=True).to_numpy(dtype=float)
    y = np.r_[np.zeros(len(xr)), np.ones(len(xs))]
    clf = HistGradientBoostingClassifier(max_iter=60, max_leaf_nodes=15, learning_rate=0.1, early_stopping=False,
                                         categorical_features=np.array(cat, dtype=bool) if any(cat) else None,
                                         random_state=seed)
    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=seed)
    with single_thread():
        res = cross_validate(clf, x, y, cv=folds, scoring=("roc_auc", "accuracy"))
    auc = float(np.mean(res["test_roc_auc"]))
    return {"auc": _num(auc), "accuracy": _num(float(np.mean(res["test_accuracy"]))),
            "score": _num(detection_score(auc)), "rows": int(len(xr)), "features": len(kinds)}


def single_thread() -> Any:
    """One OpenMP thread: these fits are small, and on a busy machine OpenMP's spinning threads
    make HistGradientBoosting hundreds of times slower than one thread."""
    from threadpoolctl import threadpool_limits
    return threadpool_limits(limits=1, user_api="openmp")


def _table(real: Frames, synthetic: Frames, table: str, cols: Mapping[str, str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    r = real[table][list(cols)].reset_index(drop=True)
    s = pd.DataFrame({c: synthetic_column(real, synthetic, table, c).reset_index(drop=True) for c in cols})
    return r, s


def enriched(schema: Schema, frames: Frames, real: Frames, kinds: Kinds, parent: str) -> tuple[pd.DataFrame, dict[str, str]]:
    """The parent's scored columns plus, per child FK, the child count, numeric means and category counts."""
    base = frames is real
    cols = dict(kinds.get(parent, {}))
    out = (real[parent][list(cols)].reset_index(drop=True) if base
           else pd.DataFrame({c: synthetic_column(real, frames, parent, c).reset_index(drop=True) for c in cols}))
    pframe = frames.get(parent, pd.DataFrame())
    for child, fk, ref in relationships(schema, real):
        if fk.referred_table != parent or child.name == parent or child.name not in frames:
            continue
        if not all(c in pframe for c in ref) or not all(c in frames[child.name] for c in fk.columns):
            continue
        aggs = _child_aggregates(frames, real, child.name, fk.columns, kinds.get(child.name, {}))
        tag = f"{child.name}({','.join(fk.columns)})"
        pkey = _join_key(pframe[list(ref)])
        for name, series in aggs.items():
            out[f"{tag}.{name}"] = pkey.map(series).to_numpy() if len(series) else np.nan
            cols[f"{tag}.{name}"] = "numerical"
        out[f"{tag}.count"] = out[f"{tag}.count"].fillna(0)
    return out, cols


def _child_aggregates(frames: Frames, real: Frames, child: str, fk_cols: tuple[str, ...],
                      kinds: Mapping[str, str]) -> dict[str, pd.Series]:
    frame = frames[child]
    key = _join_key(frame[list(fk_cols)])
    aggs: dict[str, pd.Series] = {"count": key.value_counts()}
    for col, kind in kinds.items():
        values = real[child][col] if frames is real else synthetic_column(real, frames, child, col)
        values = values.reset_index(drop=True)
        grouped = (as_numeric(values) if kind in CONTINUOUS else _as_text(values).where(values.notna().to_numpy())
                   ).groupby(key.to_numpy())
        aggs[f"{'mean' if kind in CONTINUOUS else 'distinct'}({col})"] = grouped.mean() if kind in CONTINUOUS else grouped.nunique()
    return aggs


def _join_key(keys: pd.DataFrame) -> pd.Series:
    parts = [_as_text(keys[c]) for c in keys.columns]
    return parts[0] if len(parts) == 1 else pd.Series(["\x1f".join(t) for t in zip(*parts)])


def detection(schema: Schema, real: Frames, synthetic: Frames, kinds: Kinds, *, seed: int = 0,
              progress: Any = None) -> dict[str, dict[str, Any]]:
    """Per table: {auc, accuracy, score, rows, features, with_children: {…} | None}."""
    parents = {fk.referred_table for child, fk, _ in relationships(schema, real) if child.name != fk.referred_table}
    out: dict[str, dict[str, Any]] = {}
    for table, cols in kinds.items():
        if table not in synthetic:
            continue
        if progress:
            progress(f"detection: {table}")
        result = detect(*_table(real, synthetic, table, cols), cols, seed=seed) or {}
        if table in parents and table in synthetic:
            r, rk = enriched(schema, real, real, kinds, table)
            s, _ = enriched(schema, synthetic, real, kinds, table)
            result["with_children"] = detect(r, s, rk, seed=seed)
        if result:
            out[table] = result
    return out


# ------------------------------------------------------------------ TSTR / TRTR
def parse_target(schema: Schema, target: str, kinds: Kinds) -> tuple[str, str]:
    table, _, column = target.rpartition(".")
    if not table or not schema.has_table(table) or column not in schema.table(table).column_names:
        raise ConfigError(f"--target {target!r} is not TABLE.COLUMN of the real database",
                          hint="e.g. --target Track.UnitPrice; `dbsynth inspect REAL` lists the columns")
    if column not in kinds.get(table, {}):
        raise ConfigError(f"--target {target}: column is a key, PII or free text, not a modelled attribute",
                          hint="pick a numeric or categorical column")
    return table, column


def tstr(schema: Schema, real: Frames, synthetic: Frames, kinds: Kinds, target: str, *, seed: int = 0) -> dict[str, Any]:
    """Train on synthetic / test on real vs train on real / test on real (same real holdout, 30%)."""
    table, column = parse_target(schema, target, kinds)
    cols = kinds[table]
    r, s = _table(real, synthetic, table, cols)
    r, s = r[r[column].notna()].reset_index(drop=True), s[s[column].notna()].reset_index(drop=True)
    if len(r) < MIN_ROWS or len(s) < MIN_ROWS:
        return {"table": table, "column": column, "error": "too few rows with a value"}
    rng = np.random.default_rng(seed)
    test = rng.permutation(len(r)) < int(len(r) * 0.3)
    feats = {c: k for c, k in cols.items() if c != column}
    task = "regression" if cols[column] in CONTINUOUS else "classification"
    trtr = _fit_score(r[~test], r[test], r, feats, column, task, seed)
    tstr_ = _fit_score(s, r[test], r, feats, column, task, seed)
    return {"table": table, "column": column, "task": task, "metric": "r2" if task == "regression" else "accuracy",
            "tstr": _num(tstr_), "trtr": _num(trtr), "ratio": _num(tstr_ / trtr) if trtr else None}


def _fit_score(train: pd.DataFrame, test: pd.DataFrame, real: pd.DataFrame, feats: Mapping[str, str],
               column: str, task: str, seed: int) -> float:
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
    from sklearn.metrics import accuracy_score, r2_score
    if feats:
        (xtr, xte), cat = features(real, [train.reset_index(drop=True), test.reset_index(drop=True)], feats)
    else:
        xtr, xte, cat = pd.DataFrame(index=range(len(train))).assign(c=0.0), pd.DataFrame(index=range(len(test))).assign(c=0.0), [False]
    mask = np.array(cat, dtype=bool) if any(cat) else None
    with single_thread():
        if task == "regression":
            model = HistGradientBoostingRegressor(max_iter=50, categorical_features=mask, random_state=seed)
            model.fit(xtr.to_numpy(float), as_numeric(train[column]).to_numpy(float))
            return float(r2_score(as_numeric(test[column]).to_numpy(float), model.predict(xte.to_numpy(float))))
        model = HistGradientBoostingClassifier(max_iter=50, categorical_features=mask, random_state=seed)
        model.fit(xtr.to_numpy(float), _as_text(train[column]).to_numpy())
        return float(accuracy_score(_as_text(test[column]).to_numpy(), model.predict(xte.to_numpy(float))))
