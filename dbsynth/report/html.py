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
    return {"labels": [str(k)[:60] for k in top] + ["other"], "real": [round(v, 5) for v in out_r],
            "synthetic": [round(v, 5) for v in out_s]}


def _children(rc: np.ndarray, sc: np.ndarray) -> dict[str, Any]:
    """Shares of parents per children count: one bin per count up to MAX_CHILDREN_BIN counts, else equal-width
    integer ranges up to the real maximum (or the synthetic 99th percentile), and one overflow bin only
    for synthetic parents beyond that, so a wide range is spread over the bins instead of piling into the last."""
    hi = int(max(rc.max() if len(rc) else 0, np.percentile(sc, 99) if len(sc) else 0))
    width = max(1, int(np.ceil((hi + 1) / MAX_CHILDREN_BIN)))
    n_bins = int(np.ceil((hi + 1) / width))
    edges = np.arange(n_bins + 1) * width  # bin i holds counts in [edges[i], edges[i+1])
    over = bool(len(sc) and sc.max() >= edges[-1]) or bool(len(rc) and rc.max() >= edges[-1])
    def shares(x: np.ndarray) -> list[float]:
        idx = np.minimum(x.astype(int) // width, n_bins) if len(x) else np.zeros(0, dtype=int)
        counts = np.bincount(idx, minlength=n_bins + 1)[: n_bins + (1 if over else 0)]
        return (counts / max(len(x), 1)).round(5).tolist()
    labels = [str(int(e)) if width == 1 else f"{int(e)}–{int(e) + width - 1}" for e in edges[:-1]]
    if over:
        labels.append(f"≥{int(edges[-1])}")
    return {"labels": labels, "real": shares(rc), "synthetic": shares(sc), "bin_width": width}


def _corr(frame: pd.DataFrame, cols: Sequence[str]) -> list[list[float | None]]:
    num = pd.DataFrame({c: as_numeric(frame[c]).reset_index(drop=True) for c in cols})
    mat = num.corr().to_numpy()
    return [[None if not np.isfinite(v) else round(float(v), 4) for v in row] for row in mat]


# ------------------------------------------------------------------ SVG pieces
def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def bar_chart(labels: Sequence[str], real: Sequence[float], syn: Sequence[float], *, title: str,
              x_label: str = "", y_label: str = "share of rows", width: int = 320, height: int = 190) -> str:
    """Paired bars (real blue, synthetic orange) per bin or category, with both axes labelled.
    The title is an HTML caption above the chart, so it wraps instead of being cut at the chart's edge."""
    n = max(len(real), 1)
    top = max([*real, *syn, 1e-9])
    left, right, head, foot = 44, 8, 8, 58
    plot_w, plot_h = width - left - right, height - head - foot
    slot = plot_w / n
    bars = []
    for i, (a, b) in enumerate(zip(real, syn)):
        x = left + i * slot
        for j, (v, colour) in enumerate(((a, REAL), (b, SYN))):
            h = plot_h * v / top
            bars.append(f'<rect x="{x + j * slot / 2:.1f}" y="{head + plot_h - h:.1f}" width="{max(slot / 2 - 0.5, 0.5):.1f}" '
                        f'height="{h:.1f}" fill="{colour}"><title>{_e(labels[i] if i < len(labels) else "")}: '
                        f'{"real" if j == 0 else "synthetic"} {v:.1%}</title></rect>')
    base = head + plot_h
    y_axis = (f'<line x1="{left}" y1="{head}" x2="{left}" y2="{base}" stroke="#999"/>'
              f'<text x="{left - 3}" y="{base}" class="a" text-anchor="end">0%</text>'
              f'<text x="{left - 3}" y="{head + 8}" class="a" text-anchor="end">{top:.0%}</text>'
              f'<text transform="translate(10 {head + plot_h / 2:.0f}) rotate(-90)" class="a" '
              f'text-anchor="middle">{_e(y_label)}</text>')
    x_axis = (f'<line x1="{left}" y1="{base}" x2="{width - right}" y2="{base}" stroke="#999"/>'
              f'{_axis_labels(labels, n, left, slot, base)}'
              f'<text x="{left + plot_w / 2:.0f}" y="{height - 4}" class="a" text-anchor="middle">{_e(x_label)}</text>')
    svg = (f'<svg class="chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
           f'role="img" aria-label="{_e(title)}" xmlns="http://www.w3.org/2000/svg">'
           f'{y_axis}{"".join(bars)}{x_axis}</svg>')
    return f'<figure class="fig"><figcaption>{_e(title)}</figcaption>{svg}</figure>'


def _axis_labels(labels: Sequence[str], n: int, left: float, slot: float, base: float) -> str:
    """Histogram: the range ends under the outer bars. Categories / counts: slanted labels (long ones end
    in … with the whole label in a tooltip), thinned to at most about 12."""
    if not labels:
        return ""
    if len(labels) == 2 and n > 2:  # a histogram: range ends only
        return (f'<text x="{left}" y="{base + 12}" class="a">{_e(labels[0])}</text>'
                f'<text x="{left + n * slot:.1f}" y="{base + 12}" class="a" text-anchor="end">{_e(labels[1])}</text>')
    step = max(1, -(-len(labels) // 12))
    out = []
    for i, lab in enumerate(labels):
        if i % step:
            continue
        x, short = left + i * slot + slot / 2, lab if len(lab) <= 12 else lab[:11] + "…"
        out.append(f'<text transform="translate({x:.1f} {base + 10}) rotate(-35)" class="a" text-anchor="end">'
                   f'<title>{_e(lab)}</title>{_e(short)}</text>')
    return "".join(out)


def heatmap(matrix: Sequence[Sequence[float | None]], columns: Sequence[str], *, title: str, cell: int = 22) -> str:
    """Correlations −1 (blue) … 0 (white) … +1 (red); grey where undefined."""
    n = len(columns)
    left, top = 110, 6
    size_w, size_h = left + n * cell + 10, top + n * cell + 10
    cells = []
    for i, row in enumerate(matrix):
        for j, v in enumerate(row):
            cells.append(f'<rect x="{left + j * cell}" y="{top + i * cell}" width="{cell - 1}" height="{cell - 1}" '
                         f'fill="{_diverging(v)}"><title>{_e(columns[i])} × {_e(columns[j])}: '
                         f'{"n/a" if v is None else f"{v:.2f}"}</title></rect>')
    names = "".join(f'<text x="{left - 4}" y="{top + i * cell + cell * 0.7:.1f}" class="a" text-anchor="end">'
                    f'<title>{_e(c)}</title>{_e(c if len(c) <= 16 else c[:15] + "…")}</text>'
                    for i, c in enumerate(columns))
    svg = (f'<svg class="chart" width="{size_w}" height="{size_h}" viewBox="0 0 {size_w} {size_h}" role="img" '
           f'aria-label="{_e(title)}" xmlns="http://www.w3.org/2000/svg">{names}{"".join(cells)}</svg>')
    return f'<figure class="fig"><figcaption>{_e(title)} (blue −1 … white 0 … red +1)</figcaption>{svg}</figure>'


def _diverging(v: float | None) -> str:
    if v is None:
        return "#cccccc"
    v = max(-1.0, min(1.0, v))
    fade = int(255 * (1 - abs(v)))
    return f"rgb(255,{fade},{fade})" if v >= 0 else f"rgb({fade},{fade},255)"


GRADE_FILL = {"good": "#2ca02c", "warn": "#e6a700", "bad": "#d62728", "": "#9467bd"}


def auc_chart(detection: Mapping[str, Mapping[str, Any]], *, width: int = 640) -> str:
    """Horizontal AUC bars per table (solid: the table; pale: with child aggregates), coloured by grade,
    with the value printed; the axis runs from 0 to 1 and the dashed line at 0.5 is ideal."""
    from dbsynth.report.verdict import grade
    rows = [(t, d.get("auc"), (d.get("with_children") or {}).get("auc")) for t, d in detection.items()]
    height, left, span = 44 + 22 * len(rows), 150, width - 210
    base = 12 + 22 * len(rows)
    parts = [f'<line x1="{left + span * 0.5}" y1="6" x2="{left + span * 0.5}" y2="{base}" '
             f'stroke="#2ca02c" stroke-dasharray="4 3"/>',
             f'<line x1="{left}" y1="{base}" x2="{left + span}" y2="{base}" stroke="#999"/>']
    for tick in (0.0, 0.5, 0.75, 0.9, 1.0):
        parts.append(f'<text x="{left + span * tick:.1f}" y="{base + 12}" class="a" text-anchor="middle">{tick:g}</text>')
    parts.append(f'<text x="{left + span / 2:.0f}" y="{height - 4}" class="a" text-anchor="middle">'
                 f'detection AUC (0.5 = indistinguishable, 1 = always told apart)</text>')
    for i, (table, auc, wc) in enumerate(rows):
        y = 8 + 22 * i
        parts.append(f'<text x="{left - 6}" y="{y + 12}" class="a" text-anchor="end"><title>{_e(table)}</title>'
                     f'{_e(table if len(table) <= 22 else table[:21] + "…")}</text>')
        for k, v in enumerate((auc, wc)):
            if v is not None:
                parts.append(f'<rect x="{left}" y="{y + k * 9}" width="{span * v:.1f}" height="8" '
                             f'fill="{GRADE_FILL[grade("auc", v)]}" fill-opacity="{0.45 if k else 1}">'
                             f'<title>{_e(table)} AUC {"with children " if k else ""}{v:.3f}</title></rect>'
                             f'<text x="{left + span * v + 4:.1f}" y="{y + k * 9 + 8}" class="a">{v:.2f}</text>')
    svg = (f'<svg class="chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
           f'aria-label="detection AUC per table" xmlns="http://www.w3.org/2000/svg">{"".join(parts)}</svg>')
    return (f'<figure class="fig"><figcaption>Detection AUC per table (solid: the table\'s own columns; pale: '
            f'with child aggregates; green ≤ 0.75, amber up to 0.90, red above)</figcaption>{svg}</figure>')


# ------------------------------------------------------------------ page
_CSS = """body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#222;background:#fff;max-width:1400px}
h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ddd}h3{font-size:15px}
.verdict{border:2px solid;border-radius:8px;padding:10px 16px;margin:12px 0}
.verdict h2{margin:0;border:0;font-size:22px}.verdict.pass{border-color:#080;background:#f0fff0}
.verdict.warn{border-color:#b88400;background:#fffbe6}.verdict.fail{border-color:#c00;background:#fff3f3}
.cards{display:flex;flex-wrap:wrap;gap:12px}.card{border:1px solid #ddd;border-radius:6px;padding:8px 14px;
min-width:150px;max-width:230px}.card b{display:block;font-size:20px}.card small{display:block;color:#555}
.bad{color:#c00;font-weight:600}td.bad,b.bad{background:#ffe5e5}.warn{color:#9a6700}td.warn,b.warn{background:#fff5d6}
.good{color:#080}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}
th{background:#f4f4f4;text-align:left}td:first-child,th:first-child{text-align:left}td.text{text-align:left}
.grid{display:flex;flex-wrap:wrap;gap:10px}.chart{border:1px solid #eee;background:#fff}
figure.fig{margin:0;max-width:340px}figure.fig figcaption{font-size:12px;font-weight:600;overflow-wrap:anywhere}
.a{font-size:10px;fill:#555}.legend span{display:inline-block;width:12px;height:12px}
dl.units dt{font-weight:600;margin-top:6px}dl.units dd{margin-left:18px}code{background:#f4f4f4}"""


def _fmt(v: Any, digits: int = 3) -> str:
    if v is None:
        return "n/a"
    if isinstance(v, bool):
        return "yes" if v else "no"
    return f"{v:.{digits}f}" if isinstance(v, float) else _e(v)


class Cell:
    """A table cell with a grade class (good / warn / bad) and, for text, left alignment."""

    def __init__(self, value: Any, cls: str = "", text: bool = False) -> None:
        self.value, self.cls = value, " ".join(c for c in (cls, "text" if text else "") if c)

    def html(self) -> str:
        attr = f' class="{self.cls}"' if self.cls else ""
        return f"<td{attr}>{_fmt(self.value)}</td>"


def _graded(metric: str, value: Any) -> Cell:
    from dbsynth.report.verdict import grade
    return Cell(value, grade(metric, value))


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(c.html() if isinstance(c, Cell) else f"<td>{_fmt(c)}</td>" for c in row)
                   + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _verdict(doc: Mapping[str, Any]) -> str:
    """The verdict box: status, what to look at first, then every check against its bar."""
    v = doc.get("verdict")
    if not v:
        return ""
    cls = {"PASS": "pass", "FAIL": "fail"}.get(v["status"], "warn")
    look = f'<p><b>Look at first:</b> {_e(v["look_first"])}</p>' if v["look_first"] else \
        "<p>Every headline figure meets its bar.</p>"
    rows = [(Cell(c["name"], text=True), Cell(c["value"], c["status"] if c["status"] != "n/a" else ""),
             Cell(c["bar"], text=True), Cell(c["status"], c["status"] if c["status"] != "n/a" else ""),
             Cell(c["where"] + (f' ({c["detail"]})' if c["detail"] else ""), text=True)) for c in v["checks"]]
    return (f'<section id="verdict" class="verdict {cls}"><h2>Verdict: {_e(v["status"])}</h2>{look}'
            f'{_table(["check", "value", "bar", "status", "where to look"], rows)}'
            f'<p>Bars are documented in the README (dbsynth report). The CI gate (<code>--min-quality</code>, '
            f'constraint violations) decides the exit code; the verdict is advice.</p></section>')


def _card(name: str, value: Any, metric: str, unit: str) -> str:
    from dbsynth.report.verdict import grade
    cls = grade(metric, value)
    attr = f' class="{cls}"' if cls else ""
    return f'<div class="card">{_e(name)}<b{attr}>{_fmt(value)}</b><small>{_e(unit)}</small></div>'


def _cards(doc: Mapping[str, Any]) -> str:
    q, p, v, f = doc["quality"], doc["privacy"], doc["validity"], doc.get("formats") or {}
    items = [("fidelity, dbsynth's columns", q["overall"], "fidelity", "0–1, ideal 1; not judge.py quality"),
             ("column shapes", q["column_shapes"], "score", "0–1, ideal 1"),
             ("column pair trends", q["column_pair_trends"], "score", "0–1, ideal 1"),
             ("cardinality", q["cardinality"], "score", "children per parent, 0–1, ideal 1"),
             ("inter-table trends", q["intertable_trends"], "score", "0–1, ideal 1"),
             ("format fidelity, mean", f.get("format_mean"), "format_mean", "1 − TV distance of value shapes, ideal 1"),
             ("format fidelity, worst", f.get("format_min"), "format_min", "worst text column, ideal 1"),
             ("category vocabulary, worst", f.get("vocab_min"), "vocab_min", "share of real categories, ideal 1"),
             ("mean detection AUC", doc["detection_summary"]["mean_auc"], "auc", "ideal 0.5 (chance); 1 = always told apart"),
             ("worst detection AUC", max((a for a in (doc["detection_summary"]["max_auc"],
                                                       doc["detection_summary"].get("max_auc_with_children"))
                                            if a is not None), default=None), "auc",
              "ideal 0.5; tables alone or with child aggregates"),
             ("exact-match rate", p["exact_match_rate"], "",
              f"exact-match ideal: ≈ {_fmt(p['exact_match_baseline'])}, the rate of fresh real data"),
             ("DCR ratio", p["dcr"]["ratio"], "dcr_ratio",
              "synthetic ÷ holdout median distance to the real rows; ≥ 1: no closer than fresh real data"),
             ("PII values leaked", p["pii"]["leaked_values"], "pii_leaked", "identifying values found verbatim, ideal 0"),
             ("constraint violations", v["total"], "violations", "rows breaking a constraint, ideal 0")]
    return f'<div class="cards">{"".join(_card(*item) for item in items)}</div>'


_UNITS = [
    ("fidelity, dbsynth's columns", "The mean of SDMetrics' four QualityReport properties (column shapes, column "
     "pair trends, cardinality, inter-table trends), each 0–1, computed on the columns dbsynth models: keys, PII "
     "and free text are left out. It is not the figure of <code>judge.py quality</code>, which also scores "
     "lookup-table names and other categorical text; compare runs with the judge, read this for where they differ."),
    ("column shapes", "1 − KS distance (numbers, dates) or 1 − total-variation distance (categories) per column."),
    ("column pair trends", "1 − |Δ correlation| / 2, or 1 − TV distance of the joint table, over the pairs that "
     "are related in the real data."),
    ("cardinality", "1 − KS distance between the real and synthetic children-per-parent distributions, per FK."),
    ("format fidelity", "1 − total-variation distance between the real and synthetic distributions of value "
     "shapes (letters by case, digit runs by length, punctuation kept: <code>(503) 555-9831</code> → "
     "<code>(999) 999-9999</code>), on text columns that follow a few formats; as <code>judge.py formats</code>."),
    ("category vocabulary", "Share of synthetic values of a categorical text column that are real categories "
     "(1 = no invented categories); as <code>judge.py formats</code>."),
    ("detection AUC", "Area under the ROC curve of a classifier telling real rows from synthetic ones "
     "(cross-validated). 0.5 = chance, the ideal; 1 = every synthetic row is recognisable."),
    ("DDA accuracy", "Discriminative detection with aggregation (issue 14, SyntheRela's AggregationDetection): "
     "5-fold cross-validated accuracy of XGBoost (or scikit-learn's gradient boosting) telling real parent rows "
     "from synthetic ones, each with its child count, child numeric means and distinct child categories. "
     "0.5 = indistinguishable, the ideal; the target is ≤ 0.70."),
    ("exact-match rate / exact-match ideal", "Share of synthetic rows equal, on non-key columns, to a real row that "
     "is unique in its table. The ideal is not 0 but the same rate for fresh real data (one half of the real rows "
     "against the other), shown as the baseline."),
    ("DCR ratio", "Median distance to the closest real (training-half) row of the synthetic rows, divided by the "
     "same median for held-out real rows. Below 1: synthetic rows sit closer to real ones than fresh data does "
     "(copying); 1 or more: no closer."),
    ("NNDR", "Nearest ÷ second-nearest distance to the real rows; near 0 means a row sits on one real row."),
]


def _units() -> str:
    items = "".join(f"<dt>{_e(k)}</dt><dd>{v}</dd>" for k, v in _UNITS)
    return f'<details><summary>What the figures mean (units and ideals)</summary><dl class="units">{items}</dl></details>'


def _validity(doc: Mapping[str, Any]) -> str:
    v = doc["validity"]
    out = _table(["kind", "rows violating"], [(k, _graded("violations", n)) for k, n in v["violations"].items()])
    if v["details"]:
        out += _table(["table", "kind", "columns", "rows", "detail", "example"],
                      [(d["table"], d["kind"], ", ".join(d["columns"]), _graded("violations", d["rows"]),
                        Cell(d["detail"], text=True), Cell(d["example"], text=True)) for d in v["details"]])
    if v.get("shrunken_tables"):
        out += _table(["table with rows lost", "reason", "synthetic rows", "expected", "real rows"],
                      [(s["table"], s["reason"], Cell(s["synthetic_rows"], "bad"), s["expected_rows"], s["real_rows"])
                       for s in v["shrunken_tables"]])
    if v["unchecked"]:
        out += _table(["table", "unchecked CHECK", "reason"], [(u["table"], u["constraint"], u["reason"])
                                                               for u in v["unchecked"]])
    return out


def _formats(doc: Mapping[str, Any]) -> str:
    f = doc.get("formats")
    if not f:
        return ""
    cols = sorted(f["columns"], key=lambda c: min(x for x in (c["format"], c["vocab"], 1.0) if x is not None))

    def shapes(items: Sequence[Sequence[Any]]) -> Cell:
        return Cell(", ".join(f"{k} {v:.0%}" for k, v in items), text=True)
    rows = [(f'{c["table"]}.{c["column"]}', _graded("format", c["format"]), _graded("vocab", c["vocab"]),
             shapes(c.get("real_shapes", [])), shapes(c.get("synthetic_shapes", [])),
             Cell(", ".join(c.get("unknown_examples", [])), text=True)) for c in cols]
    return ("<h2>Formats and categories</h2><p>Text columns as <code>judge.py formats</code> scores them, worst "
            f'first. Format fidelity mean {_fmt(f["format_mean"])}, worst {_fmt(f["format_min"])}; category '
            f'vocabulary mean {_fmt(f["vocab_mean"])}, worst {_fmt(f["vocab_min"])}.</p>'
            + _table(["column", "format", "vocab", "real shapes (top 3)", "synthetic shapes (top 3)",
                      "invented categories"], rows))


def _facts(doc: Mapping[str, Any]) -> str:
    """Reference tables copied verbatim and kept relations; nothing when the fit recorded none and no table
    is a verbatim copy."""
    refs, rels = doc.get("reference_tables") or [], doc.get("relations") or []
    if not refs and not rels:
        return ""
    out = ["<h2>Reference tables and relations</h2>"]
    if refs:
        out.append("<p>Lookup / reference tables are copied verbatim from the source rather than generated; "
                   "“identical” is measured on the data.</p>")
        out.append(_table(["table", "why", "real rows", "synthetic rows", "identical to the source"],
                          [(r["table"], Cell(r["why"], text=True), r["real_rows"], r["synthetic_rows"],
                            Cell(r["identical"], "good" if r["identical"] else ("bad" if r["recorded"] else "")))
                           for r in refs]))
    if rels:
        out.append("<p>Exact relations found in every source row and kept by the generator; the shares are "
                   "the rows where the relation holds.</p>")
        out.append(_table(["relation", "kind", "real rows", "synthetic rows"],
                          [(Cell(r["text"], text=True), r["kind"] or "", r["real_share"],
                            _graded("relation", r["synthetic_share"])) for r in rels]))
    return "".join(out)


def _coverage(doc: Mapping[str, Any]) -> str:
    from dbsynth.report.coverage import html_section
    return html_section(doc.get("coverage"))


def _columns_section(doc: Mapping[str, Any], plots: Mapping[str, Any]) -> str:
    stats = {(c["table"], c["column"]): c for c in doc["quality"]["columns"]}
    out, tables = [], list(dict.fromkeys(c["table"] for c in plots["columns"]))
    for table in tables:
        charts = []
        for c in (c for c in plots["columns"] if c["table"] == table):
            score = stats.get((table, c["column"]), {}).get("score")
            x_label = "value range (20 equal bins)" if c["kind"] != "categorical" else "category (top 12, then other)"
            charts.append(bar_chart(c["labels"], c["real"], c["synthetic"], x_label=x_label,
                                    title=f'{table}.{c["column"]} ({c["kind"]}, shape score {_fmt(score, 2)})'))
        heat = plots["heatmaps"].get(table)
        if heat:
            charts.append(heatmap(heat["real"], heat["columns"], title=f"{table}: correlation, real"))
            charts.append(heatmap(heat["synthetic"], heat["columns"], title=f"{table}: correlation, synthetic"))
        out.append(f'<h3>{_e(table)}</h3><div class="grid">{"".join(charts)}</div>')
    return "".join(out)


def render(report: Any) -> str:
    """The whole page as one string."""
    doc, plots = report.to_dict(), report.plots
    q, p = doc["quality"], doc["privacy"]
    legend = (f'<p class="legend"><span style="background:{REAL}"></span> real '
              f'<span style="background:{SYN}"></span> synthetic</p>')
    card_rows = [(c["child"] + "(" + ", ".join(c["columns"]) + ")", c["parent"], _graded("score", c["score"]),
                  c["real_mean_children"], c["synthetic_mean_children"]) for c in q["cardinality_details"]]
    fk_charts = "".join(bar_chart(c["labels"], c["real"], c["synthetic"], y_label="share of parents",
                                  x_label="children per parent" + (f' (bins of {c["bin_width"]})'
                                                                   if c.get("bin_width", 1) > 1 else ""),
                                  title=f'{c["child"]}({", ".join(c["columns"])}) per {c["parent"]}')
                        for c in plots["cardinality"])
    det_rows = [(t, _graded("auc", d.get("auc")), d.get("accuracy"), d.get("score"),
                 _graded("auc", (d.get("with_children") or {}).get("auc"))) for t, d in doc["detection"].items()]
    privacy_rows = [(t, Cell(e["synthetic"], _excess_grade(e)), e["baseline"],
                     (p["dcr"]["tables"].get(t) or {}).get("synthetic_median"),
                     (p["dcr"]["tables"].get(t) or {}).get("holdout_median"),
                     _graded("dcr_ratio", (p["dcr"]["tables"].get(t) or {}).get("ratio")))
                    for t, e in p["exact_match"].items()]
    pii_rows = [(c["table"] + "." + c["column"], c["kind"],
                 _graded("pii_leaked", c["leaked_values"]) if c["identifying"] else c["leaked_values"],
                 c["leaked_rate"]) for c in p["pii"]["columns"]]
    body = [f"<h1>dbsynth report</h1><p>real: <code>{_e(doc['real'])}</code><br>synthetic: "
            f"<code>{_e(doc['synthetic'])}</code></p>", _verdict(doc), _cards(doc), _units(),
            "<h2>Validity</h2>", _validity(doc), _formats(doc), _facts(doc), _coverage(doc),
            "<h2>Column shapes and correlations</h2>", legend, _columns_section(doc, plots),
            "<h2>Children per parent</h2>",
            _table(["FK", "parent", "score", "real mean", "synthetic mean"], card_rows),
            legend, f'<div class="grid">{fk_charts}</div>',
            "<h2>Detection</h2>", auc_chart(doc["detection"]),
            _table(["table", "AUC", "accuracy", "score (1 = chance)", "AUC with children"], det_rows),
            _dda(doc),
            "<h2>Privacy</h2>",
            _table(["table", "exact match", "exact-match ideal (fresh real data)", "DCR median",
                    "holdout DCR median", "DCR ratio"], privacy_rows),
            f"<p>NNDR median: synthetic {_fmt(p['nndr']['synthetic_median'])}, holdout "
            f"{_fmt(p['nndr']['holdout_median'])} (near 0: a row sits on one real row).</p>",
            _table(["PII column", "kind", "leaked values", "leaked rate"], pii_rows)]
    if doc.get("tstr"):
        t = doc["tstr"]
        body += ["<h2>Machine-learning utility</h2>",
                 _table(["target", "metric", "TSTR", "TRTR"], [(f"{t['table']}.{t['column']}", t.get("metric"),
                                                               t.get("tstr"), t.get("trtr"))])]
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>dbsynth report</title>'
            f'<style>{_CSS}</style></head><body>{"".join(body)}</body></html>')


def _dda(doc: Mapping[str, Any]) -> str:
    """Issue 14's DDA per parent table: accuracy of real-vs-synthetic on the parent with child aggregates."""
    rows = [(t, ", ".join(d.get("children", [])) or "(none: the table alone)", _graded("dda", d.get("accuracy")),
             d.get("se"), d.get("rows"), d.get("features"), d.get("classifier"))
            for t, d in (doc.get("dda") or {}).items()]
    if not rows:
        return ""
    return ("<h2>Detection with aggregation (DDA)</h2><p>Each parent row with its child count, the mean of its "
            "children's numeric columns and their number of distinct categories; 5-fold cross-validated "
            "accuracy of a gradient-boosting classifier telling real from synthetic (0.5 = indistinguishable, "
            "1 = always told apart; SyntheRela's AggregationDetection).</p>"
            + _table(["parent table", "children (FK)", "DDA accuracy", "± SE", "rows per side", "features",
                      "classifier"], rows))


def _excess_grade(entry: Mapping[str, Any]) -> str:
    from dbsynth.report.verdict import grade
    if entry.get("synthetic") is None:
        return ""
    return grade("exact_match_excess", entry["synthetic"] - (entry.get("baseline") or 0.0))
