"""`build_report`: read both sides, compute every section, hand back a `Report`.

REAL and SYNTHETIC are database URLs or `dbsynth sample` output folders. The
real side's schema is the contract (its constraints judge validity, its
profile decides which columns are scored and which are PII); the synthetic
side only has to hold tables of the same names.
"""
from __future__ import annotations

import time
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

import pandas as pd

from dbsynth.errors import ConfigError
from dbsynth.report.verdict import verdict
from dbsynth.schema.model import Schema

Progress = Callable[[str], None]
SEED = 0
REPORT_VERSION = 1


@dataclass
class Side:
    """One side of the comparison: its schema and one frame per data table."""

    label: str  # masked URL or folder path
    schema: Schema
    frames: dict[str, pd.DataFrame]
    url: str | None = None  # the unmasked URL (never printed), so SQLite values can be read as stored


@dataclass
class Report:
    """The JSON document (`to_dict`) and the plot data the HTML page draws."""

    data: dict[str, Any]
    plots: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return self.data

    @property
    def overall(self) -> float | None:
        return self.data["quality"]["overall"]

    @property
    def violations(self) -> int:
        return int(self.data["validity"]["total"])

    def failures(self, *, min_quality: float | None) -> list[str]:
        """Why a CI gate should fail: quality below the bar, any constraint violated."""
        out = []
        if min_quality is not None and (self.overall is None or self.overall < min_quality):
            shown = "n/a" if self.overall is None else f"{self.overall:.3f}"
            out.append(f"fidelity (dbsynth's columns) {shown} is below --min-quality {min_quality:.3f}")
        if self.violations:
            kinds = ", ".join(f"{k} {n}" for k, n in self.data["validity"]["violations"].items() if n)
            out.append(f"{self.violations} constraint violation(s): {kinds}")
        for lost in self.data["validity"].get("shrunken_tables", []):  # rows lost are a validity failure too
            out.append(f"table {lost['table']!r} is {lost['reason']}: {lost['synthetic_rows']:,} rows "
                       f"where about {lost['expected_rows']:,} were expected ({lost['real_rows']:,} in the source)")
        return out


def load_side(source: str) -> Side:
    """A database URL (read only) or a sample folder (manifest.json)."""
    path = Path(source)
    if "://" not in source:
        if not path.is_dir():
            raise ConfigError(f"{source!r} is neither a database URL nor a sample folder",
                              hint="pass a URL like sqlite:///app.db or a folder written by `dbsynth sample`")
        return _from_folder(path)
    return _from_url(source)


def _from_folder(path: Path) -> Side:
    from dbsynth.load.files import read_chunks
    schema, chunks = read_chunks(path)
    parts: dict[str, list[pd.DataFrame]] = {}
    for chunk in chunks:
        parts.setdefault(chunk.table, []).append(chunk.frame)
    frames = {t.name: _concat(parts.get(t.name, []), t.column_names) for t in schema.data_tables}
    return Side(label=str(path), schema=schema, frames=frames)


def _from_url(url: str) -> Side:
    from connectors.base import mask_url, open_connector
    with closing(open_connector(url, read_only=True)) as conn:
        schema = conn.reflect(row_counts=False)
        frames = {t.name: _concat(list(conn.read_table(t)), t.column_names) for t in schema.data_tables}
    return Side(label=mask_url(url), schema=schema, frames=frames, url=url)


def _concat(parts: list[pd.DataFrame], columns: tuple[str, ...]) -> pd.DataFrame:
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0].reset_index(drop=True)


def build_report(*, real: str | Side, synthetic: str | Side, target: str | None = None,
                 progress: Progress | None = None, model: str | Path | Mapping[str, Any] | None = None,
                 subset: bool = False) -> Report:
    """Validity, quality, formats, detection, privacy (and TSTR for `target`) of `synthetic` against `real`.

    `model`: a model directory (or its manifest as a dict) whose recorded reference tables and relations
    the report lists and checks; a sample folder's own manifest is read the same way.
    `subset`: the synthetic side is a `dbsynth subset` slice (also detected, report/subset_view.py):
    fewer rows than the source is then no loss.
    """
    from dbsynth.profile.detect import profile_schema
    from dbsynth.report import coverage, dda, detection, facts, formats, html, privacy, quality, validity
    note = progress or (lambda _msg: None)
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    note("reading the real and synthetic data")
    real_side = real if isinstance(real, Side) else load_side(real)
    syn_side = synthetic if isinstance(synthetic, Side) else load_side(synthetic)
    rf, sf = real_side.frames, _matching(real_side, syn_side)
    profiles = profile_schema(schema=real_side.schema, frames=rf)
    kinds = quality.column_kinds(real_side.schema, profiles)
    if target:
        detection.parse_target(real_side.schema, target, kinds)  # fail before the slow part
    from dbsynth.report.subset_view import looks_like_subset
    subset = subset or looks_like_subset(rf, sf, kinds)
    seconds["read"] = _lap(t0)
    sections: dict[str, Any] = {}
    steps: list[tuple[str, Callable[[], Any]]] = [
        ("validity", lambda: validity.validity(real_side.schema, sf,
                                               real_rows=None if subset else {t: len(f) for t, f in rf.items()}).to_dict()),
        ("quality", lambda: quality.quality(real_side.schema, rf, sf, kinds, seed=SEED)),
        ("formats", lambda: formats.formats(real_side.schema, formats.stored_reader(rf, real_side.url),
                                            formats.stored_reader(sf, syn_side.url))),
        ("detection", lambda: detection.detection(real_side.schema, rf, sf, kinds, seed=SEED, progress=note)),
        ("dda", lambda: dda.dda(real_side.schema, rf, sf, kinds, seed=SEED)),
        ("privacy", lambda: privacy.privacy(real_side.schema, rf, sf, kinds, profiles, seed=SEED)),
    ]
    if target:
        steps.append(("tstr", lambda: detection.tstr(real_side.schema, rf, sf, kinds, target, seed=SEED)))
    for name, run in steps:
        note(f"computing {name}")
        t0 = time.perf_counter()
        sections[name] = run()
        seconds[name] = _lap(t0)
    qual = sections["quality"]
    data = _document(real_side, syn_side, sections, qual.to_dict(), seconds)
    known = facts.recorded(_fact_documents(model, synthetic), profiles)
    data["reference_tables"] = facts.reference_tables(known, rf, sf)
    data["relations"] = facts.relations(known, rf, sf)
    data["subset"] = subset  # a slice of real rows: its row counts are not judged against the source's
    data["coverage"] = coverage.coverage(real_side.schema, rf, sf, kinds, reference=coverage.reference_of(
        real_side.schema, profiles, data["reference_tables"]))  # edge cases: categories, NULLs, lengths, bounds
    data["verdict"] = verdict(data)
    note("preparing plots")
    return Report(data=data, plots=html.plot_data(real_side.schema, rf, sf, kinds, qual, data))


def _fact_documents(model: str | Path | Mapping[str, Any] | None, synthetic: str | Side) -> list[Mapping[str, Any]]:
    """The model's manifest (a directory or a dict) and a synthetic sample folder's manifest, when given."""
    from dbsynth.report.facts import read_manifest
    docs: list[Mapping[str, Any]] = []
    if isinstance(model, Mapping):
        docs.append(model)
    elif model is not None:
        docs.append(read_manifest(model))
    if isinstance(synthetic, str) and "://" not in synthetic:
        docs.append(read_manifest(synthetic))
    return docs


def _lap(t0: float) -> float:
    return round(time.perf_counter() - t0, 3)


def _matching(real: Side, syn: Side) -> dict[str, pd.DataFrame]:
    """Synthetic frames for the real tables (a missing table is absent; extra tables are ignored)."""
    return {name: syn.frames[name] for name in real.frames if name in syn.frames}


def _document(real: Side, syn: Side, sections: dict[str, Any], qual: dict[str, Any],
              seconds: dict[str, float]) -> dict[str, Any]:
    det = sections["detection"]
    aucs = [d["auc"] for d in det.values() if d.get("auc") is not None]
    wc = [d["with_children"]["auc"] for d in det.values() if (d.get("with_children") or {}).get("auc") is not None]
    return {"version": REPORT_VERSION, "real": real.label, "synthetic": syn.label,
            "rows": {"real": {t: len(f) for t, f in real.frames.items()},
                     "synthetic": {t: len(f) for t, f in syn.frames.items() if t in real.frames}},
            "quality": qual, "formats": sections["formats"], "detection": det,
            "detection_summary": {"mean_auc": round(sum(aucs) / len(aucs), 6) if aucs else None,
                                  "max_auc": max(aucs) if aucs else None,
                                  "max_auc_with_children": max(wc) if wc else None},
            "dda": sections.get("dda", {}), "dda_summary": _dda_summary(sections.get("dda", {})),
            "privacy": sections["privacy"], "validity": sections["validity"],
            "tstr": sections.get("tstr"), "seconds": seconds}


def _dda_summary(dda: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The worst parent table's DDA accuracy (issue 14's target: ≤ 0.70)."""
    scored = {t: d["accuracy"] for t, d in dda.items() if d.get("accuracy") is not None}
    worst = max(scored, key=scored.get) if scored else None
    return {"max_accuracy": scored[worst] if worst else None, "worst_table": worst}


# ------------------------------------------------------------------ output
def json_text(report: Report) -> str:
    """The JSON document; any NaN/inf left is written as null so every parser accepts it."""
    import json
    import math

    def clean(value: Any) -> Any:
        if isinstance(value, float) and not math.isfinite(value):
            return None
        if isinstance(value, dict):
            return {str(k): clean(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [clean(v) for v in value]
        return value.item() if hasattr(value, "item") and not isinstance(value, (str, bytes)) else value

    return json.dumps(clean(report.to_dict()), indent=2, allow_nan=False, default=str)


def write_outputs(report: Report, *, json_path: str | None, html_path: str | None) -> list[str]:
    """Write the requested files (parent folders created); returns the paths written."""
    from dbsynth.report.html import render
    written = []
    for path, text in ((json_path, lambda: json_text(report)), (html_path, lambda: render(report))):
        if path:
            target = Path(path)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text(), encoding="utf-8")
            written.append(str(target))
    return written


FIDELITY_NOTE = ("fidelity = SDMetrics' four quality properties on the columns dbsynth models (keys, PII and "
                 "free text left out); it is not `judge.py quality`, which also scores lookup-table names and "
                 "other categorical text, so the two figures differ")
_STYLE = {"good": "green", "warn": "yellow", "bad": "red"}


def print_summary(console: Any, report: Report) -> None:
    """The verdict, a rich table of the headline figures, then the validity counts that are not zero."""
    from rich.table import Table as RichTable

    from dbsynth.report.verdict import grade
    d = report.to_dict()
    q, p, v, f = d["quality"], d["privacy"], d["validity"], d.get("formats") or {}
    table = RichTable(title="Synthetic data report")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_column("ideal", justify="right")
    rows = [("fidelity, dbsynth's columns", q["overall"], "1", "fidelity"),
            ("  column shapes", q["column_shapes"], "1", "score"),
            ("  column pair trends", q["column_pair_trends"], "1", "score"),
            ("  cardinality", q["cardinality"], "1", "score"),
            ("  inter-table trends", q["intertable_trends"], "1", "score"),
            ("format fidelity (mean)", f.get("format_mean"), "1", "format_mean"),
            ("format fidelity (worst column)", f.get("format_min"), "1", "format_min"),
            ("category vocabulary (worst)", f.get("vocab_min"), "1", "vocab_min"),
            ("detection AUC (mean)", d["detection_summary"]["mean_auc"], "0.5", "auc"),
            ("detection AUC (worst)", d["detection_summary"]["max_auc"], "0.5", "auc"),
            ("  with child aggregates", d["detection_summary"].get("max_auc_with_children"), "0.5", "auc"),
            ("DDA accuracy (worst parent)", (d.get("dda_summary") or {}).get("max_accuracy"), "0.5", "dda"),
            ("exact-match rate", p["exact_match_rate"], f"≈{_fmt(p['exact_match_baseline'])}", ""),
            ("DCR ratio (synthetic/holdout)", p["dcr"]["ratio"], "≥1", "dcr_ratio"),
            ("PII values leaked", p["pii"]["leaked_values"], "0", "pii_leaked"),
            ("constraint violations", v["total"], "0", "violations")]
    if d.get("tstr"):
        rows.append((f"TSTR {d['tstr'].get('metric', '')}", d["tstr"].get("tstr"), f"≈{_fmt(d['tstr'].get('trtr'))}", ""))
    for name, value, ideal, metric in rows:
        style = _STYLE.get(grade(metric, value))
        table.add_row(name, f"[{style}]{_fmt(value)}[/{style}]" if style else _fmt(value), ideal)
    verdict = d.get("verdict")
    if verdict:
        style = {"PASS": "green", "FAIL": "red"}.get(verdict["status"], "yellow")
        console.print(f"verdict: [bold {style}]{verdict['status']}[/bold {style}]"
                      + (f"; look first at {verdict['look_first']}" if verdict["look_first"] else ""), highlight=False)
    console.print(table)
    console.print(FIDELITY_NOTE, highlight=False, style="dim")
    bad = {k: n for k, n in v["violations"].items() if n}
    if bad:
        console.print("violations: " + ", ".join(f"{k} {n}" for k, n in bad.items()), highlight=False)
    if d.get("subset"):
        console.print("a subset of the source (dbsynth subset): fewer rows than the source are not a loss",
                      highlight=False)
    if d.get("coverage"):
        from dbsynth.report.coverage import summary_line
        console.print(summary_line(d["coverage"]), highlight=False)
    for lost in v.get("shrunken_tables", []):
        console.print(f"rows lost: {lost['table']} {lost['reason']} ({lost['synthetic_rows']:,} rows, "
                      f"about {lost['expected_rows']:,} expected)", highlight=False)


def _fmt(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.2g}" if 0 < abs(value) < 0.01 else f"{value:.3f}"  # small distances stay visible
    return str(value)
