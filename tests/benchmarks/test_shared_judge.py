"""The pure parts of `python -m benchmarks judge`: figures from the judge's JSON, the summary, the markdown, the section."""
from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks import shared_judge as sj


def _run(dataset: str, seed: int, quality: float, fmt_min: float, gap: float) -> dict:
    quality_json = {"overall": quality, "empty_tables": [], "column_shapes": 0.97, "column_pair_trends": 0.93,
                    "cardinality": 0.94, "intertable_trends": 0.83}
    formats_json = {"format_mean": 0.95, "format_min": fmt_min, "vocab_mean": 1.0, "vocab_min": 1.0,
                    "columns": {"Customer.Phone": {"format": fmt_min}, "Customer.City": {"format": 0.99, "vocab": 1.0},
                                "Genre.Name": {"format": 1.0, "vocab": 1.0}}}
    privacy_json = {"Customer": {"synth": 0.0, "baseline": 0.0}, "Track": {"synth": gap / 100, "baseline": 0.0}}
    return sj.figures(quality_json, formats_json, privacy_json) | {"dataset": dataset, "seed": seed,
                                                                   "seed_seconds": 5.0 + seed}


def test_figures_name_the_worst_column_and_table() -> None:
    r = _run("chinook", 0, 0.92, 0.83, 1.5)
    assert r["format_min_column"] == "Customer.Phone"
    assert r["vocab_min_column"] in {"Customer.City", "Genre.Name"}
    assert r["privacy_gap"] == pytest.approx(1.5) and r["privacy_gap_table"] == "Track"
    assert r["cardinality"] == 0.94


def test_summary_mean_min_max_and_errors_apart() -> None:
    runs = [_run("chinook", 0, 0.92, 0.83, 0.5), _run("chinook", 1, 0.88, 0.65, 3.0),
            {"dataset": "chinook", "seed": 2, "error": "seed exited 1: boom"}, _run("sakila", 0, 0.95, 0.9, 0.0)]
    s = sj.summarise(runs)
    c = s["chinook"]
    assert c["seeds"] == [0, 1] and c["errors"] == ["seed exited 1: boom"]
    assert c["quality"] == {"mean": pytest.approx(0.90), "min": 0.88, "max": 0.92}
    assert c["privacy_gap"]["max"] == pytest.approx(3.0) and c["privacy_gap_where"] == "Track"
    assert c["format_min_where"] == "Customer.Phone"
    assert sj.passes("quality", c["quality"]) is False  # the worst seed decides
    assert sj.passes("quality", s["sakila"]["quality"]) is True
    assert sj.passes("privacy_gap", c["privacy_gap"]) is False
    assert sj.passes("seed_seconds", c["seed_seconds"]) is None  # no target


def test_markdown_rows_marks_and_provenance() -> None:
    s = sj.summarise([_run("chinook", 0, 0.92, 0.83, 0.5), _run("chinook", 1, 0.88, 0.65, 3.0),
                      _run("sakila", 0, 0.95, 0.9, 0.0)])
    md = sj.markdown(s, command="python -m benchmarks judge --seeds 0,1", started="2026-12-02 04:00 UTC",
                     commit="abc1234", json_path=Path("/x/judge-1.json"), wall=90)
    assert md.startswith(sj.BEGIN) and md.rstrip().endswith(sj.END)
    assert "`python -m benchmarks judge --seeds 0,1`" in md and "abc1234" in md and "2026-12-02" in md
    assert "quality ≥ 0.90" in md and "privacy ≤ 2 points" in md
    chinook = next(line for line in md.splitlines() if line.startswith("| chinook |"))
    assert "0.900 (0.880–0.920) ❌" in chinook  # mean (min–max), failed on the worst seed
    assert "`Customer.Phone`" in chinook and "`Track`" in chinook
    sakila = next(line for line in md.splitlines() if line.startswith("| sakila |"))
    assert "0.950 ✅" in sakila and "❌" not in sakila
    assert "Skipped" not in md
    assert "Skipped (dataset not found): northwind." in sj.markdown(
        s, command="c", started="d", commit="e", json_path=Path("j.json"), wall=1, skipped=("northwind",))


def test_privacy_names_no_table_when_none_is_above_chance() -> None:
    s = sj.summarise([_run("chinook", 0, 0.92, 0.83, 0.0)])
    assert s["chinook"]["privacy_gap"]["max"] == 0 and s["chinook"]["privacy_gap_where"] is None
    assert s["chinook"]["vocab_min_where"] is None  # every vocabulary perfect: no column to blame
    assert s["chinook"]["format_min_where"] == "Customer.Phone"


def test_section_goes_before_the_first_heading_then_is_replaced_in_place() -> None:
    text = "# Benchmark results\n\nProduced by x.\n\n## Subsets\n\ntable\n\n<!-- fuzz:begin -->\nfuzz\n<!-- fuzz:end -->\n"
    first = sj.replace_section(text, f"{sj.BEGIN}\nold\n{sj.END}\n")
    assert first.index(sj.BEGIN) < first.index("## Subsets") and first.index("Produced by") < first.index(sj.BEGIN)
    second = sj.replace_section(first, f"{sj.BEGIN}\nnew\n{sj.END}\n")
    assert "old" not in second and second.count(sj.BEGIN) == 1 and "new" in second
    assert second.replace(f"{sj.BEGIN}\nnew\n{sj.END}\n\n", "") == text  # nothing else touched
    assert sj.replace_section("", "S\n") == "S\n"


def test_section_survives_write_and_read(tmp_path: Path) -> None:
    path = tmp_path / "RESULTS.md"
    path.write_text("# R\n\n## A\n")
    section = f"{sj.BEGIN}\n## Fidelity\n{sj.END}\n"
    sj.write_section(section, path)
    assert sj.section_of(path) == section
    assert sj.section_of(tmp_path / "missing.md") is None
