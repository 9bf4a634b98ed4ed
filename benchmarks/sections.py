"""Marked sections of RESULTS.md (`<!-- name:begin -->` … `<!-- name:end -->`) that benchmark commands own."""
from __future__ import annotations

from pathlib import Path


def marked_section(path: Path, begin: str, end: str) -> str | None:
    """The text between (and including) the markers, so a regenerated report can keep it; None if absent."""
    text = path.read_text() if path.exists() else ""
    if begin not in text or end not in text:
        return None
    return begin + text.partition(begin)[2].partition(end)[0] + end + "\n"
