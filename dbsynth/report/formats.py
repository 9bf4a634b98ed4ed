"""Format fidelity and category vocabulary of text columns, as `../shared/judge/judge.py formats` defines them.

* A value's *shape* keeps letter runs by case (`Aa`, `a`, `A`), digit runs by
  exact length (up to 8, then `9…9+`), one space per whitespace run and other
  characters literally: `(503) 555-9831` → `(999) 999-9999`.
* `format` (text columns whose values follow a few formats: the 20 most common
  shapes cover 80% of the real values, or there is one shape) = 1 − total
  variation distance between the real and synthetic shape distributions.
* `vocab` (categorical text: at most half the real values distinct, not a
  contact column) = share of synthetic values that are real categories.

Which columns count follows the judge too: text columns (every one of the
first 50 real values a string, at least 5 values) that are not a primary-key
column or a single-column foreign key to another table. On SQLite the values
are read as stored (so a text-typed date keeps its `1996-07-04 00:00:00.000`
form, as the judge sees it); elsewhere as the driver returns them, where typed
dates are not text and so not scored. Figures are rounded to 4 places, as the
judge prints them, so the two agree digit for digit.
"""
from __future__ import annotations

import re
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any, Callable, Mapping

import pandas as pd

from dbsynth.schema.model import Schema

# contact columns: personal data a private generator fakes, so never a category (the judge's PII_NAME)
CONTACT_NAME = re.compile(r"address|phone|fax|e_?mail|street|postal|zip", re.I)
_TOKEN = re.compile(r"[A-Z][a-z]+|[a-z]+|[A-Z]+|[0-9]+|\s+|.", re.S)
COVERAGE, TOP_SHAPES, MIN_VALUES, TYPE_PROBE = 0.8, 20, 5, 50
SHOWN_SHAPES, SHOWN_UNKNOWN = 3, 3
Reader = Callable[[str], "pd.DataFrame | None"]


def shape(value: Any, max_tokens: int = 12) -> str:
    """A string's format: 'Maria Anders' → 'Aa Aa', '(503) 555-9831' → '(999) 999-9999'."""
    out = []
    for tok in _TOKEN.findall(str(value))[:max_tokens]:
        if tok[0].isdigit():
            out.append("9" * min(len(tok), 8) + ("+" if len(tok) > 8 else ""))
        elif tok[0].isspace():
            out.append(" ")
        elif tok[0].isalpha():
            title = tok[0].isupper() and len(tok) > 1 and tok[1:].islower()
            out.append("Aa" if title else ("A" if tok.isupper() else "a"))
        else:
            out.append(tok)
    return "".join(out)


def key_columns(schema: Schema) -> set[tuple[str, str]]:
    """(table, column) the judge leaves out: primary-key columns and single-column FKs to another table."""
    out = set()
    for table in schema.data_tables:
        out |= {(table.name, c) for c in table.pk_columns}
        out |= {(table.name, fk.columns[0]) for fk in table.foreign_keys
                if len(fk.columns) == 1 and fk.referred_table != table.name and schema.has_table(fk.referred_table)}
    return out


def column_formats(real: pd.Series, synthetic: pd.Series, column: str) -> dict[str, Any] | None:
    """{format?, vocab?, shapes…} for one column; None when the judge would not score it."""
    if real.dtype != object:
        return None
    rv, sv = real.dropna(), synthetic.dropna()
    if len(rv) < MIN_VALUES or not len(sv) or not all(isinstance(v, str) for v in rv.head(TYPE_PROBE)):
        return None
    rs = rv.map(shape).value_counts(normalize=True)
    ss = sv.map(shape).value_counts(normalize=True)
    entry: dict[str, Any] = {}
    if (rs.head(TOP_SHAPES).sum() >= COVERAGE and rs.size > 1) or rs.size == 1:
        entry["format"] = round(1 - 0.5 * rs.subtract(ss, fill_value=0).abs().sum(), 4)
    if rv.nunique() <= 0.5 * len(rv) and not CONTACT_NAME.search(column):  # categories: values repeat
        known = sv.isin(set(rv))
        entry["vocab"] = round(float(known.mean()), 4)
        entry["unknown_examples"] = [str(v) for v in dict.fromkeys(sv[~known])][:SHOWN_UNKNOWN]
    if not entry:
        return None
    entry["real_shapes"] = _top(rs)
    entry["synthetic_shapes"] = _top(ss)
    return entry


def _top(shares: pd.Series) -> list[list[Any]]:
    return [[str(k), round(float(v), 4)] for k, v in shares.head(SHOWN_SHAPES).items()]


def formats(schema: Schema, real: Reader, synthetic: Reader) -> dict[str, Any]:
    """Per column `format` / `vocab`, and the judge's summaries (mean and min of each)."""
    keys = key_columns(schema)
    columns = []
    for table in schema.data_tables:
        r = real(table.name)
        s = synthetic(table.name) if r is not None else None
        if r is None or s is None or s.empty:
            continue
        for col in r.columns:
            if (table.name, col) in keys or col not in s.columns:
                continue
            entry = column_formats(r[col], s[col], str(col))
            if entry:
                columns.append({"table": table.name, "column": str(col), "format": entry.pop("format", None),
                                "vocab": entry.pop("vocab", None), **entry})
    fmt = [c["format"] for c in columns if c["format"] is not None]
    voc = [c["vocab"] for c in columns if c["vocab"] is not None]
    return {"format_mean": round(sum(fmt) / len(fmt), 4) if fmt else None, "format_min": min(fmt) if fmt else None,
            "vocab_mean": round(sum(voc) / len(voc), 4) if voc else None, "vocab_min": min(voc) if voc else None,
            "columns": columns}


# ------------------------------------------------------------------ reading values as stored
def sqlite_path(url: str | None) -> Path | None:
    """The file behind a sqlite:/// URL (None for other databases and in-memory SQLite)."""
    if not url or not url.startswith("sqlite"):
        return None
    from sqlalchemy.engine import make_url
    database = make_url(url).database
    return Path(database) if database and database != ":memory:" and Path(database).is_file() else None


def stored_reader(frames: Mapping[str, pd.DataFrame], url: str | None) -> Reader:
    """Table → frame of the values as the judge reads them: SQLite's stored values, else the side's frames."""
    path = sqlite_path(url)
    if path is None:
        return frames.get

    def read(table: str) -> pd.DataFrame | None:
        if table not in frames:
            return None
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as con:
            quoted = table.replace('"', '""')
            return pd.read_sql_query(f'SELECT * FROM "{quoted}"', con)
    return read
