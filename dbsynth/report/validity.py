"""Constraint violations in the synthetic data, judged by the *real* schema's constraints.

The real schema is the contract: a staging database created without
constraints (or a sample folder) must still honour the source's PK, UNIQUE,
NOT NULL, FK, CHECK and type bounds. Every rule is the validator's own pure
rule (`dbsynth.validate.checks`), run once on each whole table, so a row
breaking two rules is counted under both kinds and an orphan's children are
not blamed (no cascade, unlike the streaming repair).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

import pandas as pd

from dbsynth.schema.model import Schema, Table
from dbsynth.transform import pgtypes
from dbsynth.validate.checks import (KINDS, Keys, KeySet, RuleResult, Violation, check_constraints, check_domain,
                                     check_foreign_key, check_not_null, check_type_bounds, check_unique)
from dbsynth.validate.checks_sql import UncheckedConstraint, compile_check

MAX_LISTED = 50  # violations listed in the JSON; the counts cover all of them


@dataclass
class Validity:
    """Rows violating each rule kind, per table; `unchecked` lists CHECKs that could not run."""

    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # table -> kind -> rows
    violations: list[Violation] = field(default_factory=list)
    unchecked: list[dict[str, str]] = field(default_factory=list)
    missing_tables: list[str] = field(default_factory=list)
    shrunken: list[dict[str, Any]] = field(default_factory=list)  # empty or shrunken tables (see `row_losses`)

    def totals(self) -> dict[str, int]:
        out = dict.fromkeys(KINDS, 0)
        for per_kind in self.counts.values():
            for kind, n in per_kind.items():
                out[kind] = out.get(kind, 0) + n
        return out

    @property
    def ok(self) -> bool:
        return not any(self.totals().values()) and not self.shrunken

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "violations": self.totals(), "total": sum(self.totals().values()),
                "tables": {t: dict(k) for t, k in sorted(self.counts.items()) if any(k.values())},
                "details": [v.to_dict() for v in self.violations[:MAX_LISTED]],
                "unchecked": self.unchecked, "missing_tables": self.missing_tables,
                "shrunken_tables": self.shrunken}


SHRUNK_FACTOR = 0.5  # a table below half the rows its siblings' scale predicts has lost rows


def row_losses(real_rows: Mapping[str, int], synthetic_rows: Mapping[str, int]) -> list[dict[str, Any]]:
    """Tables that came out empty, or far smaller than the other tables' scale predicts.

    The scale (synthetic / real rows) is the median over the tables, so
    `--scale` is no loss; a table is shrunken below SHRUNK_FACTOR of it, when
    it also holds fewer rows than the source and the gap is beyond sampling
    noise. Tables empty in the source are never flagged.
    """
    import statistics
    pairs = {t: (n, synthetic_rows.get(t, 0)) for t, n in real_rows.items() if n}
    if not pairs:
        return []
    scale = statistics.median(s / r for r, s in pairs.values())
    out = []
    for table, (real, syn) in sorted(pairs.items()):
        expected = real * scale
        if syn == 0 and expected >= 0.5:
            out.append({"table": table, "real_rows": real, "synthetic_rows": 0, "expected_rows": round(expected),
                        "reason": "empty"})
        elif syn < SHRUNK_FACTOR * expected and syn < real and expected - syn > 3 * expected ** 0.5 + 2:
            out.append({"table": table, "real_rows": real, "synthetic_rows": syn, "expected_rows": round(expected),
                        "reason": "shrunken"})
    return out


def validity(schema: Schema, synthetic: Mapping[str, pd.DataFrame],
             real_rows: Mapping[str, int] | None = None) -> Validity:
    """Every constraint of `schema` checked on the synthetic tables; with `real_rows`, lost rows too."""
    out = Validity()
    if real_rows is not None:
        out.shrunken = row_losses(real_rows, {t: len(f) for t, f in synthetic.items()})
    parents = _parent_keys(schema, synthetic)
    for table in schema.data_tables:
        frame = synthetic.get(table.name)
        if frame is None:
            out.missing_tables.append(table.name)
            continue
        frame = frame.reset_index(drop=True)
        results = [("not_null", check_not_null(table, frame)), ("type_bounds", check_type_bounds(table, frame))]
        results += _checks(schema, table, frame, out)
        results += _keys(table, frame) + _foreign_keys(schema, table, frame, parents)
        per_kind = out.counts.setdefault(table.name, {})
        for kind, res in results:
            per_kind[kind] = per_kind.get(kind, 0) + int(res.mask.sum())
            out.violations += res.violations
    return out


def _checks(schema: Schema, table: Table, frame: pd.DataFrame, out: Validity) -> list[tuple[str, RuleResult]]:
    """Table CHECKs and DOMAIN checks; one that cannot be compiled or run is listed as unchecked."""
    found: list[tuple[str, RuleResult]] = []
    jobs = [("check", c.sqltext, tuple(table.column_names), None) for c in table.checks]
    jobs += [("type_bounds", text, ("VALUE",), col.name) for col in table.columns for text in col.domain_checks]
    for kind, text, columns, domain_column in jobs:
        compiled = compile_check(text, dialect=schema.dialect, columns=columns)
        try:
            if not compiled.checkable:
                raise UncheckedConstraint(compiled.error or "cannot be compiled")
            typed = pgtypes.typed_columns(table, compiled.columns)
            if typed:  # lower(range), family(inet)… mean other things in DuckDB; the database checked them
                raise UncheckedConstraint(f"uses {', '.join(typed)}, values only the database can check")
            res = (check_constraints(table, frame, compiled=[compiled]) if domain_column is None
                   else check_domain(table, frame, column=domain_column, compiled=[compiled]))
        except UncheckedConstraint as exc:
            out.unchecked.append({"table": table.name, "constraint": " ".join(text.split()), "reason": exc.message})
            continue
        found.append((kind, res))
    return found


def _keys(table: Table, frame: pd.DataFrame) -> list[tuple[str, RuleResult]]:
    found = []
    for cols in table.unique_column_sets():
        kind = "primary_key" if cols == table.pk_columns else "unique"
        found.append((kind, check_unique(table, frame, columns=cols, kind=kind)))
    return found


def _referred(schema: Schema, table: Table, fk: Any) -> tuple[str, ...]:
    if fk.referred_columns:
        return tuple(fk.referred_columns)
    return schema.table(fk.referred_table).pk_columns if schema.has_table(fk.referred_table) else ()


def _parent_keys(schema: Schema, synthetic: Mapping[str, pd.DataFrame]) -> dict[tuple[str, tuple[str, ...]], KeySet]:
    """Every key value each FK can point at: all rows of the synthetic parent, valid or not."""
    keys: dict[tuple[str, tuple[str, ...]], KeySet] = {}
    for table in schema.data_tables:
        for fk in table.foreign_keys:
            ref = _referred(schema, table, fk)
            parent = synthetic.get(fk.referred_table)
            data_table = schema.has_table(fk.referred_table) and schema.table(fk.referred_table).is_data_table
            if (fk.referred_table, ref) in keys or not ref or not data_table:
                continue  # an FK to a view / another schema: nothing here to check it against
            ks = KeySet()
            if parent is not None and all(c in parent.columns for c in ref) and len(parent):
                ks.add(Keys(parent, ref))
            keys[(fk.referred_table, ref)] = ks
    return keys


def _foreign_keys(schema: Schema, table: Table, frame: pd.DataFrame,
                  parents: Mapping[tuple[str, tuple[str, ...]], KeySet]) -> list[tuple[str, RuleResult]]:
    found = []
    for fk in table.foreign_keys:
        ref = _referred(schema, table, fk)
        if not ref or (fk.referred_table, ref) not in parents:
            continue
        found.append(("foreign_key", check_foreign_key(
            table, frame, columns=fk.columns, referred_table=fk.referred_table, referred_columns=ref,
            parent_keys=parents[(fk.referred_table, ref)])))
    return found
