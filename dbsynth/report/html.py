"""A self-contained HTML page for a Report: inline CSS and inline SVG, no script, no network.

`plot_data` turns the frames into small histograms / matrices once (so the
Report carries no raw rows); `render` draws them: real vs synthetic
distribution per scored column, children-per-parent histograms per FK,
correlation heat maps per table and detection AUC bars.
"""
from __future__ import annotations

import html
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from dbsynth.report.metrics import as_numeric

REAL, SYN = "#1f77b4", "#ff7f0e"
BINS = 20
TOP = 12
MAX_HEAT_COLUMNS = 15
MAX_CHILDREN_BIN = 20


# ------------------------------------------------------------------ plot data
def plot_data(schema: Any, real: Mapping[str, pd.DataFrame], synthetic: Mapping[str, pd.DataFrame],
              kinds: Mapping[str, Mapping[str, str]], qual: Any, data: Mapping[str, Any]) -> dict[str, Any]:
    """Histograms, category shares, children-per-parent and correlation matrices (no raw rows)."""
    from dbsynth.report.quality import CONTINUOUS, children_counts, relationships, synthetic_column
    columns = []
    for table, cols in kinds.items():
        for col, kind in cols.items():
            r, s = real[table][col], synthetic_column(real, synthetic, table, col)
            entry = _histogram(r, s) if kind in CONTINUOUS else _categories(r, s)
            columns.append({"table": table, "column": col, "kind": kind, **entry})
    fks = []
    for child, fk, _ in relationships(schema, real):
        rc = children_counts(schema, real, child, fk)
        sc = children_counts(schema, synthetic, child, fk) if child.name in synthetic else np.zeros(0)
        fks.append({"parent": fk.referred_table, "child": child.name, "columns": list(fk.columns),
                    **_children(rc, sc)})
    heat = {}
    for table, cols in kinds.items():
        cont = [c for c, k in cols.items() if k in CONTINUOUS][:MAX_HEAT_COLUMNS]
        if len(cont) >= 2:
            heat[table] = {"columns": cont, "real": _corr(real[table], cont),
                           "synthetic": _corr(pd.DataFrame({c: synthetic_column(real, synthetic, table, c)
                                                            for c in cont}), cont)}
    return {"columns": columns, "cardinality": fks, "heatmaps": heat}


def _histogram(real: pd.Series, syn: pd.Series) -> dict[str, Any]:
    r, s = as_numeric(real).dropna().to_numpy(), as_numeric(syn).dropna().to_numpy()
    if not len(r):
        return {"labels": [], "real": [], "synthetic": []}
    edges = np.histogram_bin_edges(r, bins=BINS)
    s = np.clip(s, edges[0], edges[-1])  # out-of-range synthetic values land in the outer bins
    shares = [np.histogram(x, edges)[0] / max(len(x), 1) for x in (r, s)]
    labels = [_short_number(edges[0], real), _short_number(edges[-1], real)]
    return {"labels": labels, "real": shares[0].round(5).tolist(), "synthetic": shares[1].round(5).tolist()}


def _short_number(value: float, like: pd.Series) -> str:
    if pd.api.types.is_datetime64_any_dtype(like):
        return str(pd.Timestamp(int(value)).date())
    return f"{value:.4g}"


def _categories(real: pd.Series, syn: pd.Series) -> dict[str, Any]:
    def shares(s: pd.Series) -> pd.Series:
        s = s.astype("float64") if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s) else s
        return s.astype(object).where(s.notna(), "NULL").astype(str).value_counts(normalize=True)
    rs, ss = shares(real), shares(syn)
    top = list(rs.index[:TOP])
    out_r = [float(rs.get(k, 0.0)) for k in top] + [float(rs.drop(top).sum())]
    out_s = [float(ss.get(k, 0.0)) for k in top] + [float(ss.drop([k for k in top if k in ss.index]).sum())]
    return {"labels": [str(k)[:18] for k in top] + ["other"], "real": [round(v, 5) for v in out_r],
            "synthetic": [round(v, 5) for v in out_s]}


def _children(rc: np.ndarray, sc: np.ndarray) -> dict[str, Any]:
    top = int(min(max(rc.max() if len(rc) else 0, sc.max() if len(sc) else 0), MAX_CHILDREN_BIN))
    def shares(x: np.ndarray) -> list[float]:
        counts = np.bincount(np.minimum(x.astype(int), top), minlength=top + 1) if len(x) else np.zeros(top + 1)
        return (counts / max(len(x), 1)).round(5).tolist()
    labels = [str(i) for i in range(top)] + [f"{top}+" if top == MAX_CHILDREN_BIN else str(top)]
    return {"labels": labels, "real": shares(rc), "synthetic": shares(sc)}


def _corr(frame: pd.DataFrame, cols: Sequence[str]) -> list[list[float | None]]:
    num = pd.DataFrame({c: as_numeric(frame[c]).reset_index(drop=True) for c in cols})
    mat = num.corr().to_numpy()
    return [[None if not np.isfinite(v) else round(float(v), 4) for v in row] for row in mat]


# ------------------------------------------------------------------ SVG pieces
def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def bar_chart(labels: Sequence[str], real: Sequence[float], syn: Sequence[float], *, title: str,
              width: int = 300, height: int = 150) -> str:
    """Paired bars (real blue, synthetic orange) per bin or category."""
    n = max(len(real), 1)
    top = max([*real, *syn, 1e-9])
    plot_h, slot = height - 40, (width - 20) / n
    bars = []
    for i, (a, b) in enumerate(zip(real, syn)):
        x = 10 + i * slot
        for j, (v, colour) in enumerate(((a, REAL), (b, SYN))):
            h = plot_h * v / top
            bars.append(f'<rect x="{x + j * slot / 2:.1f}" y="{20 + plot_h - h:.1f}" width="{max(slot / 2 - 0.5, 0.5):.1f}" '
                        f'height="{h:.1f}" fill="{colour}"><title>{_e(labels[i] if i < len(labels) else "")}: '
                        f'{"real" if j == 0 else "synthetic"} {v:.3f}</title></rect>')
    axis = _axis_labels(labels, n, width, height)
    return (f'<svg class="chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
            f'role="img" xmlns="http://www.w3.org/2000/svg"><text x="10" y="13" class="t">{_e(title)}</text>'
            f'<line x1="10" y1="{20 + plot_h}" x2="{width - 10}" y2="{20 + plot_h}" stroke="#999"/>'
            f'{"".join(bars)}{axis}</svg>')


def _axis_labels(labels: Sequence[str], n: int, width: int, height: int) -> str:
    if not labels:
        return ""
    if len(labels) == 2 and n > 2:  # a histogram: range ends only
        return (f'<text x="10" y="{height - 6}" class="a">{_e(labels[0])}</text>'
                f'<text x="{width - 10}" y="{height - 6}" class="a" text-anchor="end">{_e(labels[1])}</text>')
    step = max(1, len(labels) // 6)
    slot = (width - 20) / n
    return "".join(f'<text x="{10 + i * slot + slot / 2:.1f}" y="{height - 6}" class="a" text-anchor="middle">'
                   f'{_e(lab[:8])}</text>' for i, lab in enumerate(labels) if i % step == 0)


def heatmap(matrix: Sequence[Sequence[float | None]], columns: Sequence[str], *, title: str, cell: int = 22) -> str:
    """Correlations −1 (blue) … 0 (white) … +1 (red); grey where undefined."""
    n = len(columns)
    left, top = 110, 24
    size_w, size_h = left + n * cell + 10, top + n * cell + 10
    cells = []
    for i, row in enumerate(matrix):
        for j, v in enumerate(row):
            cells.append(f'<rect x="{left + j * cell}" y="{top + i * cell}" width="{cell - 1}" height="{cell - 1}" '
                         f'fill="{_diverging(v)}"><title>{_e(columns[i])} × {_e(columns[j])}: '
                         f'{"n/a" if v is None else f"{v:.2f}"}</title></rect>')
    names = "".join(f'<text x="{left - 4}" y="{top + i * cell + cell * 0.7:.1f}" class="a" text-anchor="end">'
                    f'{_e(c[:16])}</text>' for i, c in enumerate(columns))
    return (f'<svg class="chart" width="{size_w}" height="{size_h}" viewBox="0 0 {size_w} {size_h}" role="img" '
            f'xmlns="http://www.w3.org/2000/svg"><text x="4" y="14" class="t">{_e(title)}</text>'
            f'{names}{"".join(cells)}</svg>')


def _diverging(v: float | None) -> str:
    if v is None:
        return "#cccccc"
    v = max(-1.0, min(1.0, v))
    fade = int(255 * (1 - abs(v)))
    return f"rgb(255,{fade},{fade})" if v >= 0 else f"rgb({fade},{fade},255)"


def auc_chart(detection: Mapping[str, Mapping[str, Any]], *, width: int = 640) -> str:
    """Horizontal AUC bars per table (plain and with child aggregates); the 0.5 line is ideal."""
    rows = [(t, d.get("auc"), (d.get("with_children") or {}).get("auc")) for t, d in detection.items()]
    height, left, span = 30 + 22 * len(rows), 150, width - 170
    parts = [f'<line x1="{left + span * 0.5}" y1="18" x2="{left + span * 0.5}" y2="{height - 4}" '
             f'stroke="#2ca02c" stroke-dasharray="4 3"/>']
    for i, (table, auc, wc) in enumerate(rows):
        y = 24 + 22 * i
        parts.append(f'<text x="{left - 6}" y="{y + 12}" class="a" text-anchor="end">{_e(table[:22])}</text>')
        for k, (v, colour) in enumerate(((auc, "#9467bd"), (wc, "#8c564b"))):
            if v is not None:
                parts.append(f'<rect x="{left}" y="{y + k * 9}" width="{span * v:.1f}" height="8" fill="{colour}">'
                             f'<title>{_e(table)} AUC {"with children " if k else ""}{v:.3f}</title></rect>')
    return (f'<svg class="chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
            f'xmlns="http://www.w3.org/2000/svg"><text x="4" y="13" class="t">Detection AUC '
            f'(purple: table, brown: with child aggregates; dashed line: 0.5 = indistinguishable)</text>'
            f'{"".join(parts)}</svg>')


# ------------------------------------------------------------------ page
_CSS = """body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;background:#fff}
h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ddd}
.cards{display:flex;flex-wrap:wrap;gap:12px}.card{border:1px solid #ddd;border-radius:6px;padding:8px 14px;min-width:120px}
.card b{display:block;font-size:20px}.bad{color:#c00}.good{color:#080}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}
th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}
.grid{display:flex;flex-wrap:wrap;gap:10px}.chart{border:1px solid #eee;background:#fff}
.t{font-size:12px;font-weight:600}.a{font-size:10px;fill:#555}.legend span{display:inline-block;width:12px;height:12px}"""


def _fmt(v: Any, digits: int = 3) -> str:
    if v is None:
        return "n/a"
    return f"{v:.{digits}f}" if isinstance(v, float) else _e(v)


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{_fmt(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _cards(doc: Mapping[str, Any]) -> str:
    q, p, v = doc["quality"], doc["privacy"], doc["validity"]
    items = [("overall quality", q["overall"]), ("column shapes", q["column_shapes"]),
             ("column pair trends", q["column_pair_trends"]), ("cardinality", q["cardinality"]),
             ("inter-table trends", q["intertable_trends"]), ("mean detection AUC", doc["detection_summary"]["mean_auc"]),
             ("exact-match rate", p["exact_match_rate"]), ("DCR ratio syn/holdout", p["dcr"]["ratio"])]
    cards = [f'<div class="card">{_e(k)}<b>{_fmt(val)}</b></div>' for k, val in items]
    cls = "good" if v["ok"] else "bad"
    cards.append(f'<div class="card">constraint violations<b class="{cls}">{v["total"]}</b></div>')
    return f'<div class="cards">{"".join(cards)}</div>'


def _validity(doc: Mapping[str, Any]) -> str:
    v = doc["validity"]
    out = _table(["kind", "rows violating"], list(v["violations"].items()))
    if v["details"]:
        out += _table(["table", "kind", "columns", "rows", "detail", "example"],
                      [(d["table"], d["kind"], ", ".join(d["columns"]), d["rows"], d["detail"], d["example"])
                       for d in v["details"]])
    if v["unchecked"]:
        out += _table(["table", "unchecked CHECK", "reason"], [(u["table"], u["constraint"], u["reason"])
                                                               for u in v["unchecked"]])
    return out


def _columns_section(doc: Mapping[str, Any], plots: Mapping[str, Any]) -> str:
    stats = {(c["table"], c["column"]): c for c in doc["quality"]["columns"]}
    out, tables = [], list(dict.fromkeys(c["table"] for c in plots["columns"]))
    for table in tables:
        charts = []
        for c in (c for c in plots["columns"] if c["table"] == table):
            score = stats.get((table, c["column"]), {}).get("score")
            charts.append(bar_chart(c["labels"], c["real"], c["synthetic"],
                                    title=f'{c["column"]} ({c["kind"]}, score {_fmt(score, 2)})'))
        heat = plots["heatmaps"].get(table)
        if heat:
            charts.append(heatmap(heat["real"], heat["columns"], title="correlation, real"))
            charts.append(heatmap(heat["synthetic"], heat["columns"], title="correlation, synthetic"))
        out.append(f'<h3>{_e(table)}</h3><div class="grid">{"".join(charts)}</div>')
    return "".join(out)


def render(report: Any) -> str:
    """The whole page as one string."""
    doc, plots = report.to_dict(), report.plots
    q, p = doc["quality"], doc["privacy"]
    legend = (f'<p class="legend"><span style="background:{REAL}"></span> real '
              f'<span style="background:{SYN}"></span> synthetic</p>')
    card_rows = [(c["child"] + "(" + ", ".join(c["columns"]) + ")", c["parent"], c["score"],
                  c["real_mean_children"], c["synthetic_mean_children"]) for c in q["cardinality_details"]]
    fk_charts = "".join(bar_chart(c["labels"], c["real"], c["synthetic"],
                                  title=f'{c["child"]}({", ".join(c["columns"])}) per {c["parent"]}')
                        for c in plots["cardinality"])
    det_rows = [(t, d.get("auc"), d.get("accuracy"), d.get("score"), (d.get("with_children") or {}).get("auc"))
                for t, d in doc["detection"].items()]
    privacy_rows = [(t, e["synthetic"], e["baseline"], (p["dcr"]["tables"].get(t) or {}).get("synthetic_median"),
                     (p["dcr"]["tables"].get(t) or {}).get("holdout_median")) for t, e in p["exact_match"].items()]
    pii_rows = [(c["table"] + "." + c["column"], c["kind"], c["leaked_values"], c["leaked_rate"])
                for c in p["pii"]["columns"]]
    body = [f"<h1>dbsynth report</h1><p>real: <code>{_e(doc['real'])}</code><br>synthetic: "
            f"<code>{_e(doc['synthetic'])}</code></p>", _cards(doc),
            "<h2>Validity</h2>", _validity(doc),
            "<h2>Column shapes and correlations</h2>", legend, _columns_section(doc, plots),
            "<h2>Children per parent</h2>", _table(["FK", "parent", "score", "real mean", "synthetic mean"], card_rows),
            f'<div class="grid">{fk_charts}</div>',
            "<h2>Detection</h2>", auc_chart(doc["detection"]),
            _table(["table", "AUC", "accuracy", "score", "AUC with children"], det_rows),
            "<h2>Privacy</h2>", _table(["table", "exact match", "baseline (real half)", "DCR median", "holdout DCR median"],
                                       privacy_rows),
            f"<p>NNDR median: synthetic {_fmt(p['nndr']['synthetic_median'])}, holdout {_fmt(p['nndr']['holdout_median'])}</p>",
            _table(["PII column", "kind", "leaked values", "leaked rate"], pii_rows)]
    if doc.get("tstr"):
        t = doc["tstr"]
        body += ["<h2>Machine-learning utility</h2>",
                 _table(["target", "metric", "TSTR", "TRTR"], [(f"{t['table']}.{t['column']}", t.get("metric"),
                                                               t.get("tstr"), t.get("trtr"))])]
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>dbsynth report</title>'
            f'<style>{_CSS}</style></head><body>{"".join(body)}</body></html>')
