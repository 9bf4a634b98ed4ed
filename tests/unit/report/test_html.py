"""The HTML page, parsed: verdict first, graded colours, explained units, full titles, spread histograms."""
from __future__ import annotations

import copy
import re
from html.parser import HTMLParser

import numpy as np
import pytest

from dbsynth.report import html, verdict
from dbsynth.report.runner import Report, Side, build_report

from tests.unit.report.conftest import bootstrap

TOTAL = {"kind": "aggregate", "table": "Invoice", "column": "Total", "op": "sum", "inputs": ["UnitPrice", "Quantity"],
         "child": "InvoiceLine", "fk": ["InvoiceId"], "referred": ["InvoiceId"], "decimals": 2}


class Page(HTMLParser):
    """Every element's tag, attributes and direct text, in document order."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.elements: list[dict] = []
        self._open: list[dict] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        el = {"tag": tag, "attrs": dict(attrs), "text": ""}
        self.elements.append(el)
        if tag not in ("br", "meta", "line", "rect", "path"):
            self._open.append(el)

    def handle_endtag(self, tag: str) -> None:
        while self._open:
            if self._open.pop()["tag"] == tag:
                break

    def handle_data(self, data: str) -> None:
        if self._open:
            self._open[-1]["text"] += data

    def find(self, tag: str, **attrs: str) -> list[dict]:
        return [e for e in self.elements if e["tag"] == tag and all(e["attrs"].get(k) == v for k, v in attrs.items())]

    def classes(self, tag: str, text: str) -> list[str]:
        return [e["attrs"].get("class", "") for e in self.elements if e["tag"] == tag and e["text"].strip() == text]


@pytest.fixture(scope="module")
def report(chinook: Side) -> Report:
    syn = bootstrap(chinook, seed=3)
    return build_report(real=chinook, synthetic=syn,
                        model={"reference_tables": {"Genre": "lookup table"}, "relations": [TOTAL]})


def _with_detection(report: Report, aucs: dict[str, float]) -> Report:
    doc = copy.deepcopy(report.to_dict())
    doc["detection"] = {t: {"auc": a, "accuracy": 0.5, "score": 0.5, "rows": 100, "features": 3}
                        for t, a in aucs.items()}
    doc["detection_summary"] = {"mean_auc": float(np.mean(list(aucs.values()))), "max_auc": max(aucs.values()),
                                "max_auc_with_children": None}
    doc["verdict"] = verdict.verdict(doc)
    return Report(data=doc, plots=report.plots)


def test_verdict_is_at_the_top_and_names_what_to_look_at(report: Report) -> None:
    doc = report.to_dict()
    page = Page(html.render(report))
    box = page.find("section", id="verdict")
    assert box and box[0]["attrs"]["class"].startswith("verdict ")
    first_h2 = page.find("h2")[0]["text"]
    assert first_h2 == f"Verdict: {doc['verdict']['status']}"
    # a bootstrap repeats real rows (and keys): it fails, and the first failing check is what to look at first
    bad = [c for c in doc["verdict"]["checks"] if c["status"] == "bad"]
    assert doc["verdict"]["status"] == "FAIL" and {"PII values leaked", "constraint violations"} <= {c["name"] for c in bad}
    assert doc["verdict"]["look_first"].startswith(f"{bad[0]['name']}: {bad[0]['value']}")
    assert box[0]["attrs"]["class"] == "verdict fail"
    assert {c["name"] for c in doc["verdict"]["checks"]} >= {"detection AUC, worst table", "format fidelity, mean",
                                                             "category vocabulary, worst column", "DCR ratio"}


def test_bad_values_carry_the_bad_class(report: Report) -> None:
    text = html.render(_with_detection(report, {"Track": 0.96, "Invoice": 0.5, "Album": 0.8}))
    page = Page(text)
    assert "bad" in page.classes("td", "0.960") and "good" in page.classes("td", "0.500")
    assert "warn" in page.classes("td", "0.800")
    cards = {e["text"].strip(): e["attrs"].get("class") for e in page.find("b")}
    assert cards["0.960"] == "bad"  # the worst-AUC card is red, not a neutral number
    assert re.findall(r'fill="(#\w+)"[^>]*><title>Track AUC 0.960', text) == [html.GRADE_FILL["bad"]]
    assert re.findall(r'fill="(#\w+)"[^>]*><title>Invoice AUC 0.500', text) == [html.GRADE_FILL["good"]]


def test_units_are_explained(report: Report) -> None:
    text = html.render(report)
    terms = " | ".join(e["text"] for e in Page(text).find("dt"))
    for words in ("DCR ratio", "exact-match ideal", "detection AUC", "format fidelity", "category vocabulary"):
        assert words in terms, words
    assert "not judge.py quality" in text  # the report's fidelity is named as what it is


def test_chart_titles_are_whole_and_axes_labelled(report: Report) -> None:
    page = Page(html.render(report))
    captions = [e["text"] for e in page.find("figcaption")]
    for col in report.plots["columns"]:
        assert any(c.startswith(f'{col["table"]}.{col["column"]} ({col["kind"]}') for c in captions), col["column"]
    svg_texts = [e["text"] for e in page.find("text")]
    assert "share of rows" in svg_texts and "children per parent" in " ".join(svg_texts)


def test_formats_and_facts_sections(report: Report) -> None:
    doc = report.to_dict()
    assert doc["formats"]["format_min"] > 0.9 and doc["formats"]["vocab_min"] == 1.0  # resampled real values
    rel = doc["relations"][0]
    assert rel["text"] == "Invoice.Total = sum(InvoiceLine.UnitPrice * InvoiceLine.Quantity)"
    assert rel["real_share"] == 1.0 and rel["synthetic_share"] < 0.5  # resampled lines no longer add up
    genre = next(r for r in doc["reference_tables"] if r["table"] == "Genre")
    assert genre["recorded"] and genre["identical"] and genre["why"] == "lookup table"
    page = Page(html.render(report))
    headings = [e["text"] for e in page.find("h2")]
    assert "Formats and categories" in headings and "Reference tables and relations" in headings
    assert "bad" in page.classes("td", f"{rel['synthetic_share']:.3f}")
    assert html._facts({"reference_tables": [], "relations": []}) == ""  # nothing recorded, nothing shown


def test_children_histogram_spreads_wide_counts() -> None:
    rng = np.random.default_rng(0)
    wide = rng.integers(0, 1000, 400).astype(float)  # children per parent from 0 to 999
    got = html._children(wide, wide)
    assert len(got["labels"]) <= html.MAX_CHILDREN_BIN + 1
    assert max(got["real"]) < 0.1 and got["real"][-1] < 0.1  # nothing piles into the last bin
    assert got["labels"][0] == "0–49" and got["bin_width"] == 50
    outlier = np.array([0.0] * 50 + [1.0] * 49 + [40.0])  # one synthetic parent far beyond the real maximum
    small = html._children(np.array([0.0, 1, 1, 2, 3]), outlier)
    assert small["labels"] == ["0", "1", "2", "3", "≥4"]  # it gets an overflow bin, not 40 empty ones
    assert sum(small["synthetic"]) == pytest.approx(1.0) and small["synthetic"][-1] == pytest.approx(0.01)


def test_grades() -> None:
    assert verdict.grade("auc", 0.96) == "bad" and verdict.grade("auc", 0.5) == "good"
    assert verdict.grade("format_min", 0.6) == "warn" and verdict.grade("vocab_min", 1.0) == "good"
    assert verdict.grade("violations", 1) == "bad" and verdict.grade("violations", 0) == "good"
    assert verdict.grade("auc", None) == "" and verdict.grade("unknown", 1.0) == ""
    assert verdict.bar_text("format_mean") == "≥ 0.90 (fails below 0.75)"


def test_dda_per_parent_table_in_json_html_and_verdict(report: Report) -> None:
    doc = report.to_dict()
    dda = doc["dda"]
    assert {"Invoice", "Album", "Track", "Customer"} <= set(dda)  # every parent table, no child-only table
    assert "InvoiceLine" not in dda
    assert dda["Invoice"]["children"] == ["InvoiceLine(InvoiceId)"] and dda["Invoice"]["kind"] == "aggregation"
    worst = max(dda, key=lambda t: dda[t]["accuracy"])
    assert doc["dda_summary"] == {"max_accuracy": dda[worst]["accuracy"], "worst_table": worst}
    check = next(c for c in doc["verdict"]["checks"] if c["name"] == "DDA accuracy, worst parent table")
    assert check["value"] == dda[worst]["accuracy"] and check["detail"] == worst
    page = Page(html.render(report))
    assert "Detection with aggregation (DDA)" in [e["text"] for e in page.find("h2")]
    from dbsynth.report.verdict import grade
    shown = f"{dda['Invoice']['accuracy']:.3f}"
    assert grade("dda", dda["Invoice"]["accuracy"]) in page.classes("td", shown)
