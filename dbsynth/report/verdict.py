"""The report's verdict: each headline figure graded against a documented threshold.

A figure is `good` (meets the bar), `warn` (between the bar and the fail line)
or `bad` (past the fail line). The verdict is FAIL when any check is bad,
PASS WITH WARNINGS when any is warn, else PASS; the first bad (else warn)
check, in the order of `CHECKS`, is what to look at first. The same grades
colour the HTML page, so a detection AUC of 0.96 is red, not a neutral number.

The bars (README, "dbsynth report"):

| figure                                   | good      | bad (fails) |
|------------------------------------------|-----------|-------------|
| constraint violations, rows lost         | 0         | > 0         |
| PII values leaked (identifying kinds)    | 0         | > 0         |
| exact-match rate above its baseline      | ≤ 0.02    | > 0.05      |
| DCR ratio (synthetic / holdout median)   | ≥ 0.8     | < 0.5       |
| detection AUC, worst table               | ≤ 0.75    | > 0.90      |
| DDA accuracy, worst parent table         | ≤ 0.70    | > 0.90      |
| fidelity, dbsynth's columns (overall)    | ≥ 0.85    | < 0.70      |
| format fidelity, mean / worst column     | ≥ 0.90 / ≥ 0.70 | < 0.75 / < 0.50 |
| category vocabulary, worst column        | ≥ 0.99    | < 0.90      |
| kept relation, share of synthetic rows   | ≥ 0.99    | < 0.90      |
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

# metric -> (higher_is_better, good bar, fail line)
THRESHOLDS: dict[str, tuple[bool, float, float]] = {
    "violations": (False, 0, 0), "rows_lost": (False, 0, 0), "pii_leaked": (False, 0, 0),
    "exact_match_excess": (False, 0.02, 0.05), "dcr_ratio": (True, 0.8, 0.5),
    "auc": (False, 0.75, 0.90), "dda": (False, 0.70, 0.90), "fidelity": (True, 0.85, 0.70), "score": (True, 0.85, 0.70),
    "format_mean": (True, 0.90, 0.75), "format": (True, 0.70, 0.50), "format_min": (True, 0.70, 0.50),
    "vocab": (True, 0.99, 0.90), "vocab_min": (True, 0.99, 0.90), "relation": (True, 0.99, 0.90),
}


def grade(metric: str, value: Any) -> str:
    """'good' | 'warn' | 'bad' for a figure; '' when there is no bar or no value."""
    if metric not in THRESHOLDS or value is None or isinstance(value, bool):
        return ""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return ""
    higher, good, bad = THRESHOLDS[metric]
    if higher:
        return "good" if v >= good else ("bad" if v < bad else "warn")
    return "good" if v <= good else ("bad" if v > bad else "warn")


def bar_text(metric: str) -> str:
    """The bar in words, e.g. '≥ 0.90 (fails below 0.75)'."""
    higher, good, bad = THRESHOLDS[metric]
    if good == bad:
        return f"{_n(good)} (fails {'below' if higher else 'above'} it)"
    return f"{'≥' if higher else '≤'} {_n(good)} (fails {'below' if higher else 'above'} {_n(bad)})"


def _n(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:.2f}"


@dataclass
class Check:
    name: str
    metric: str
    value: Any
    where: str  # which section of the report explains it
    detail: str = ""

    @property
    def status(self) -> str:
        return grade(self.metric, self.value)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.value, "status": self.status or "n/a", "bar": bar_text(self.metric),
                "where": self.where, "detail": self.detail}


def checks(doc: Mapping[str, Any]) -> list[Check]:
    """The headline checks, most serious first (that order picks what to look at first)."""
    v, p, q = doc["validity"], doc["privacy"], doc["quality"]
    out = [Check("constraint violations", "violations", v["total"], "Validity"),
           Check("tables with rows lost", "rows_lost", len(v.get("shrunken_tables", [])), "Validity",
                 ", ".join(s["table"] for s in v.get("shrunken_tables", []))),
           Check("PII values leaked", "pii_leaked", p["pii"]["leaked_values"], "Privacy",
                 ", ".join(f"{c['table']}.{c['column']}" for c in p["pii"]["columns"]
                           if c["identifying"] and c["leaked_values"]))]
    rate, base = p.get("exact_match_rate"), p.get("exact_match_baseline")
    excess = {t: (e["synthetic"] or 0.0) - (e["baseline"] or 0.0) for t, e in p.get("exact_match", {}).items()}
    worst = max(excess, key=excess.get, default=None)
    out.append(Check("exact-match rate above fresh real data", "exact_match_excess",
                     None if rate is None else round(rate - (base or 0.0), 6), "Privacy",
                     f"worst table {worst}" if worst and excess[worst] > 0 else ""))
    out.append(Check("DCR ratio", "dcr_ratio", p["dcr"].get("ratio"), "Privacy"))
    det = {}  # the table's own columns, and the parent with its child aggregates (a wrong parent-child link)
    for t, d in doc.get("detection", {}).items():
        if d.get("auc") is not None:
            det[f"table {t}"] = d["auc"]
        if (d.get("with_children") or {}).get("auc") is not None:
            det[f"table {t} with child aggregates"] = d["with_children"]["auc"]
    top = max(det, key=det.get) if det else None
    out.append(Check("detection AUC, worst table", "auc", det.get(top) if top else None, "Detection", top or ""))
    dda = doc.get("dda_summary") or {}
    out.append(Check("DDA accuracy, worst parent table", "dda", dda.get("max_accuracy"),
                     "Detection with aggregation (DDA)", dda.get("worst_table") or ""))
    fmt = doc.get("formats") or {}
    for key, name, metric in (("format_min", "format fidelity, worst column", "format_min"),
                              ("format_mean", "format fidelity, mean", "format_mean"),
                              ("vocab_min", "category vocabulary, worst column", "vocab_min")):
        field = "format" if key.startswith("format") else "vocab"
        cols = [c for c in fmt.get("columns", []) if c.get(field) is not None]
        low = min(cols, key=lambda c: c[field], default=None)
        detail = f"{low['table']}.{low['column']}" if low and key != "format_mean" else ""
        out.append(Check(name, metric, fmt.get(key), "Formats and categories", detail))
    out.append(Check("fidelity (dbsynth's columns)", "fidelity", q.get("overall"), "Column shapes"))
    rels = [r for r in doc.get("relations", []) if r.get("synthetic_share") is not None]
    if rels:
        low_rel = min(rels, key=lambda r: r["synthetic_share"])
        out.append(Check("kept relations, worst", "relation", low_rel["synthetic_share"],
                         "Reference tables and relations", low_rel["text"]))
    return out


def verdict(doc: Mapping[str, Any]) -> dict[str, Any]:
    """{"status": PASS | PASS WITH WARNINGS | FAIL, "look_first": str | None, "checks": [...]}."""
    items = checks(doc)
    bad = [c for c in items if c.status == "bad"]
    warn = [c for c in items if c.status == "warn"]
    status = "FAIL" if bad else ("PASS WITH WARNINGS" if warn else "PASS")
    first = (bad or warn or [None])[0]
    look = None
    if first is not None:
        shown = f"{first.value:.3f}" if isinstance(first.value, float) else str(first.value)
        look = f"{first.name}: {shown}" + (f" ({first.detail})" if first.detail else "") + \
               f", bar {bar_text(first.metric)}; see {first.where}"
    return {"status": status, "look_first": look, "checks": [c.to_dict() for c in items]}
