"""URLs and paths that spell a person's name keep doing so, with the synthetic person's name.

Northwind's `PhotoPath` is `http://accweb/emmployees/davolio.bmp` for Nancy Davolio. Copied,
it would carry the real surname next to the faked `LastName`; drawn as a free format, its
file name is a made-up word. Here the source's values are read as templates around a name
of the table's name columns (`http://accweb/emmployees/{}.bmp`, lower case, `LastName`),
and each synthetic row's value is its template filled with the synthetic name: of the row
itself at the source's share of rows that spell their own name, else of another row (the
four Northwind employees whose photo is Davolio's). Only the text around the names is kept.
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Any

import numpy as np
import pandas as pd

from dbsynth.transform.pii_formats import ascii_slug

MIN_SHARE = 0.5  # the templates are used when at least this share of values spells a name of the table
_CASES = {"lower": str.lower, "upper": str.upper, "title": str.title}


def learn_name_paths(values: pd.Series, frame: pd.DataFrame, name_columns: list[str]) -> dict[str, Any] | None:
    """Templates of ``values`` around a name of ``name_columns``, or None when too few values spell one."""
    slugs = {c: [ascii_slug(v) if isinstance(v, str) else "" for v in frame[c]] for c in name_columns if c in frame}
    known = {s: c for c, col in slugs.items() for s in col if len(s) >= 3}
    templates: Counter[tuple[str, str, str]] = Counter()
    own = present = 0
    for i, v in enumerate(values.tolist()):
        if not isinstance(v, str):
            continue
        present += 1
        hit = _spelled(v, known)
        if hit is None:
            continue
        start, end, column = hit
        word = v[start:end]
        case = next((k for k, f in _CASES.items() if f(word) == word), "lower")
        templates[(v[:start].replace("{", "{{") + "{}" + v[end:].replace("{", "{{"), case, column)] += 1
        own += slugs[column][i] == word.lower()
    matched = sum(templates.values())
    if not present or matched < MIN_SHARE * present:
        return None
    return {"templates": [[t, case, col, n] for (t, case, col), n in templates.most_common()],
            "own": own / matched}


def _spelled(value: str, known: dict[str, str]) -> tuple[int, int, str] | None:
    """(start, end, column) of the first letter run of ``value`` that is a known name slug."""
    for m in re.finditer(r"[A-Za-z]{3,}", value):
        column = known.get(m.group().lower())
        if column is not None:
            return m.start(), m.end(), column
    return None


def fill_name_paths(spec: dict[str, Any], values: np.ndarray, cols: dict[str, Any],
                    rng: np.random.Generator) -> np.ndarray:
    """``values`` (drawn in the column's formats) rewritten as templates around the rows' synthetic names;
    NULLs stay NULL, and a row keeps its drawn value where no name fits (none, too long, a source value)."""
    from dbsynth.transform.fake import value_hash

    learned = spec["name_paths"]
    templates = learned["templates"]
    weights = np.array([t[3] for t in templates], dtype=float)
    n = len(values)
    picks = rng.choice(len(templates), size=n, p=weights / weights.sum())
    whose = np.where(rng.uniform(size=n) < learned["own"], np.arange(n), rng.integers(0, max(n, 1), size=n))
    avoid, limit = spec.get("avoid") or frozenset(), spec.get("max_length")
    out = values.copy()
    for i in range(n):
        template, case, column, _ = templates[picks[i]]
        name = cols.get(column, [None] * n)[whose[i]]
        slug = ascii_slug(name) if isinstance(name, str) else ""
        if values[i] is None or not slug:
            continue
        value = template.format(_CASES[case](slug))
        if (limit is None or len(value) <= limit) and value_hash(value) not in avoid:
            out[i] = value
    return out
