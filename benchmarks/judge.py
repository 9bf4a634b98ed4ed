"""An independent quality judge: SDMetrics' multi-table QualityReport.

The judge must not be ours, so metadata comes from SDV's own
`Metadata.detect_from_dataframes` on the real data; only primary keys and
single-column foreign keys are taken from the reflected schema. Two kinds of
text column are left unscored because a private generator must fake them
rather than reproduce them: mostly-unique text (more than half the values
distinct: titles, descriptions) and contact columns (names containing
address, phone, fax, email, street, postal, zip).

Also computes the privacy check of issue 3: the share of synthetic rows whose
non-key columns equal a real row that is unique in its table, against the
same share for fresh real data (one random half of the rows vs the other).

Needs the `sdv` extra (BUSL-licensed; benchmarks only).

    python -m benchmarks.judge REAL_URL SYNTHETIC_URL [--json out.json]
"""
from __future__ import annotations

import argparse
import json
import re
import warnings
from contextlib import closing
from typing import Any

import numpy as np
import pandas as pd

from connectors.base import open_connector
from dbsynth.schema.model import Schema

CONTACT = re.compile(r"address|phone|fax|email|street|postal|zip", re.IGNORECASE)


def read_all(url: str) -> tuple[Schema, dict[str, pd.DataFrame]]:
    with closing(open_connector(url, read_only=True)) as conn:
        schema = conn.reflect()
        frames = {}
        for t in schema.data_tables:
            parts = list(conn.read_table(t))
            frames[t.name] = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=t.column_names)
    return schema, frames


def _key_columns(schema: Schema, table: str) -> set[str]:
    t = schema.table(table)
    return set(t.pk_columns) | {c for fk in t.foreign_keys for c in fk.columns}


def unscored_columns(schema: Schema, real: dict[str, pd.DataFrame]) -> dict[str, list[str]]:
    """Mostly-unique text and contact columns, per table (never keys); binary columns cannot be scored."""
    out: dict[str, list[str]] = {}
    for name, frame in real.items():
        keys = _key_columns(schema, name)
        drop = []
        for col in frame.columns:
            if col in keys:
                continue
            values = frame[col].dropna()
            is_text = values.map(lambda v: isinstance(v, str)).all() and len(values) > 0
            is_binary = values.map(lambda v: isinstance(v, (bytes, bytearray, memoryview))).any()
            if is_binary or CONTACT.search(col) or (is_text and values.nunique() > 0.5 * len(values)):
                drop.append(col)
        out[name] = drop
    return out


def _normalise(frame: pd.DataFrame, like: pd.DataFrame) -> pd.DataFrame:
    """Give the synthetic frame the real frame's dtypes where they differ only by representation."""
    out = frame.copy()
    for col in like.columns:
        if col not in out:
            continue
        if pd.api.types.is_datetime64_any_dtype(like[col]) and not pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = pd.to_datetime(out[col], errors="coerce")
        elif pd.api.types.is_numeric_dtype(like[col]) and not pd.api.types.is_numeric_dtype(out[col]):
            out[col] = pd.to_numeric(out[col], errors="coerce")
    return out


def build_metadata(schema: Schema, real: dict[str, pd.DataFrame]) -> dict[str, Any]:
    from sdv.metadata import Metadata
    md = Metadata.detect_from_dataframes(real).to_dict()
    md["relationships"] = []
    for name, tmeta in md["tables"].items():
        tmeta.pop("primary_key", None)
        pk = schema.table(name).pk_columns
        if len(pk) == 1:
            tmeta["primary_key"] = pk[0]
            tmeta["columns"][pk[0]] = {"sdtype": "id"}
    for t in schema.data_tables:
        for fk in t.foreign_keys:
            if len(fk.columns) == 1 and t.name in md["tables"]:
                md["tables"][t.name]["columns"][fk.columns[0]] = {"sdtype": "id"}  # a key, never a measure
            parent = schema.table(fk.referred_table)
            # SDMetrics' inter-table trends cannot join a table with itself: self-references are left out.
            if (len(fk.columns) == 1 and parent.pk_columns == fk.referred_columns and fk.referred_table in real
                    and fk.referred_table != t.name):
                md["tables"][t.name]["columns"][fk.columns[0]] = {"sdtype": "id"}
                md["relationships"].append({"parent_table_name": fk.referred_table, "child_table_name": t.name,
                                            "parent_primary_key": fk.referred_columns[0],
                                            "child_foreign_key": fk.columns[0]})
    return md


def quality(schema: Schema, real: dict[str, pd.DataFrame], synth: dict[str, pd.DataFrame]) -> dict[str, Any]:
    """SDMetrics multi-table QualityReport under the judge's rules."""
    from sdmetrics.reports.multi_table import QualityReport
    drop = unscored_columns(schema, real)
    real_s = {t: f.drop(columns=drop[t]) for t, f in real.items()}
    syn_s = {t: _normalise(synth[t].drop(columns=[c for c in drop[t] if c in synth[t]]), real_s[t])
             for t in real_s}
    metadata = build_metadata(schema, real_s)
    for name, tmeta in metadata["tables"].items():
        for col in list(tmeta["columns"]):
            if col not in real_s[name].columns:
                del tmeta["columns"][col]
    report = QualityReport()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report.generate(real_s, syn_s, metadata, verbose=False)
    props = report.get_properties()
    return {"overall": float(report.get_score()),
            "properties": {r["Property"]: float(r["Score"]) for _, r in props.iterrows()},
            "unscored_columns": drop,
            "empty_synthetic_tables": [t for t, f in synth.items() if len(f) == 0 and len(real.get(t, [])) > 0]}


def _row_keys(frame: pd.DataFrame, cols: list[str]) -> pd.Series:
    if not cols:
        return pd.Series([], dtype=str)
    return frame[cols].map(repr).agg("\x1f".join, axis=1)  # repr: bytes columns too


def exact_match(schema: Schema, real: dict[str, pd.DataFrame], synth: dict[str, pd.DataFrame],
                *, seed: int = 0) -> dict[str, dict[str, float]]:
    """Per table: share of synthetic rows equal (non-key columns) to a unique real row, vs real-half baseline."""
    rng = np.random.default_rng(seed)
    out: dict[str, dict[str, float]] = {}
    for name, frame in real.items():
        cols = [c for c in frame.columns if c not in _key_columns(schema, name)]
        if not cols or len(frame) < 4 or name not in synth or len(synth[name]) == 0:
            continue
        syn = _normalise(synth[name], frame)
        mask = rng.permutation(len(frame)) < len(frame) // 2
        out[name] = {"synthetic": _match_share(frame, syn, cols), "real_half": _match_share(frame[mask], frame[~mask], cols)}
    return out


def _match_share(reference: pd.DataFrame, candidate: pd.DataFrame, cols: list[str]) -> float:
    ref_keys = _row_keys(reference, cols)
    counts = ref_keys.value_counts()
    unique = set(counts[counts == 1].index)
    cand = _row_keys(candidate, cols)
    return float(cand.isin(unique).mean()) if len(cand) else 0.0


def judge(real_url: str, synthetic_url: str) -> dict[str, Any]:
    schema, real = read_all(real_url)
    _, synth = read_all(synthetic_url)
    return {"quality": quality(schema, real, synth), "exact_match": exact_match(schema, real, synth)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("real")
    parser.add_argument("synthetic")
    parser.add_argument("--json")
    args = parser.parse_args()
    result = judge(args.real, args.synthetic)
    text = json.dumps(result, indent=2, default=str)
    if args.json:
        with open(args.json, "w") as fh:
            fh.write(text)
    print(text)


if __name__ == "__main__":
    main()
