"""Streaming validator: checks chunks in load order, keeps key state, repairs or drops.

Key state (PK/UNIQUE keys and the parent keys each FK points at) holds only
rows that were emitted as valid, so a dropped parent makes its children fail
their FK too (cascade). FK edges the LoadPlan defers (cycles) are checked
once, in `finish()`, against every key seen.

Repair never changes a row's identity: a replacement row takes the primary
key, the keys other tables refer to and the FK values of the row it stands
in for (children sampled earlier point at those keys), unless that key or
FK is what the row failed on. Rows of a table other tables refer to get
`parent_retries` rounds, since dropping one would orphan its children.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import pandas as pd

from dbsynth.errors import ConstraintError, SchemaError
from dbsynth.frames import TableChunk
from dbsynth.schema.graph import LoadPlan
from dbsynth.schema.model import ForeignKey, Schema, Table
from dbsynth.validate.checks import (KINDS, Keys, KeySet, RuleResult, Violation, check_constraints, check_domain,
                                     check_foreign_key, check_not_null, check_type_bounds, check_unique,
                                     key_at, violation)
from dbsynth.transform import pgtypes
from dbsynth.validate.checks_sql import CompiledCheck, UncheckedConstraint, compile_check
from dbsynth.validate.exclusion import ExclusionValidator

Resample = Callable[[int], pd.DataFrame]
_COUNTS = ("found", "repaired", "dropped")


@dataclass
class ChunkResult:
    valid: pd.DataFrame  # only rows passing every rule, index reset
    rejected: int  # rows dropped from this chunk (after any repair)
    violations: list[Violation] = field(default_factory=list)  # as found in the chunk before repair


@dataclass
class ValidationSummary:
    """Per table and rule kind: rows found failing (first failing rule), repaired, dropped.

    found == repaired + dropped for rows checked in chunks; `deferred` lists
    cycle FK violations found by `finish()` (rows already emitted).
    """

    counts: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)
    rows_in: dict[str, int] = field(default_factory=dict)
    rows_valid: dict[str, int] = field(default_factory=dict)
    unchecked: list[dict[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    deferred: list[Violation] = field(default_factory=list)
    details: dict[tuple[str, str], str] = field(default_factory=dict)  # (table, kind) -> first rule seen failing
    planned: dict[str, float] = field(default_factory=dict)  # rows the sampler planned per table (set by the caller)

    @property
    def ok(self) -> bool:
        """True when nothing was dropped and no deferred FK failed."""
        return not self.deferred and not any(c["dropped"] for t in self.counts.values() for c in t.values())

    def bump(self, table: str, kind: str, what: str, n: int) -> None:
        if n:
            per_kind = self.counts.setdefault(table, {})
            per_kind.setdefault(kind, dict.fromkeys(_COUNTS, 0))[what] += n

    def totals(self) -> dict[str, int]:
        """Counts over every table and kind, plus unchecked constraints and deferred FK failures."""
        out = dict.fromkeys(_COUNTS, 0)
        for per_kind in self.counts.values():
            for counts in per_kind.values():
                for what in _COUNTS:
                    out[what] += counts[what]
        return {**out, "unchecked": len(self.unchecked), "deferred": sum(v.rows for v in self.deferred)}

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "totals": self.totals(), "tables": {t: {"rows_in": self.rows_in.get(t, 0),
                                              "rows_valid": self.rows_valid.get(t, 0),
                                              "kinds": {k: dict(v) for k, v in self.counts.get(t, {}).items()}}
                                          for t in sorted(set(self.rows_in) | set(self.counts))},
                "unchecked": list(self.unchecked), "warnings": list(self.warnings),
                "deferred": [v.to_dict() for v in self.deferred]}


class Validator:
    """Validates TableChunks in load order; see the module docstring."""

    def __init__(self, schema: Schema, plan: LoadPlan, *, max_retries: int = 3, parent_retries: int = 25,
                 strict_parents: bool = False) -> None:
        self._schema = schema
        self._plan = plan
        self._max_retries = max_retries
        self._parent_retries = max(parent_retries, max_retries)
        self._strict_parents = strict_parents  # raise rather than drop a parent row that cannot be repaired
        self._tables = {t.name: t for t in schema.data_tables}
        self._deferred = {(e.table, tuple(e.columns)) for e in plan.deferred}
        self._tracked = self._tracked_key_sets()
        self._referenced = {fk.referred_table for t in self._tables.values() for fk in t.foreign_keys
                            if fk.referred_table in self._tables}
        self._keys: dict[tuple[str, tuple[str, ...]], KeySet] = {}
        self._pending: dict[tuple[str, tuple[str, ...]], list[pd.DataFrame]] = {}
        self._checks: dict[str, list[CompiledCheck]] = {}
        self._domains: dict[str, dict[str, list[CompiledCheck]]] = {}
        self._summary = ValidationSummary()
        self._warned: set[str] = set()
        self._exclusions = ExclusionValidator(schema.dialect, self._warn)  # partial unique + EXCLUDE

    # ------------------------------------------------------------ public API
    def check(self, chunk: TableChunk) -> ChunkResult:
        """Validate one chunk; failing rows are dropped (no repair)."""
        return self.repair(chunk, resample=None)

    def repair(self, chunk: TableChunk, *, resample: Resample | None) -> ChunkResult:
        """Replace failing rows with `resample(n)` rows, up to max_retries rounds, then drop the rest."""
        table = self._table(chunk.table)
        frame = chunk.frame.reset_index(drop=True)
        result = self._evaluate(table, frame)
        for v in result.violations:  # so a drop can name its constraint
            self._summary.details.setdefault((v.table, v.kind), v.detail)
        now = _first_kind(result)
        self._count(table.name, now, now != "", "found")
        label = now.copy()  # the kind that first condemned the row a replacement stands in for
        replaced = np.zeros(len(frame), dtype=bool)
        rounds = self._parent_retries if table.name in self._referenced else self._max_retries
        loose_from = rounds - max(rounds // 3, 1) if rounds > 1 else rounds  # the last third frees kept values
        for attempt in range(rounds):
            if resample is None or not (now != "").any():
                break
            frame, now, label, replaced = self._resample_round(table, frame, now, label, replaced, resample,
                                                               loose=attempt >= loose_from)
        bad = now != ""
        if resample is not None and self._strict_parents and table.name in self._referenced and bad.any():
            self._refuse_parent_drop(table, now[bad], rounds)
        self._count(table.name, np.where(label != "", label, now), bad, "dropped")
        self._count(table.name, label, ~bad & replaced, "repaired")
        valid = frame[~bad].reset_index(drop=True)
        self._commit(table, valid)
        self._summary.rows_in[table.name] = self._summary.rows_in.get(table.name, 0) + len(chunk.frame)
        self._summary.rows_valid[table.name] = self._summary.rows_valid.get(table.name, 0) + len(valid)
        return ChunkResult(valid=valid, rejected=len(chunk.frame) - len(valid), violations=result.violations)

    def finish(self, *, strict: bool = False) -> list[Violation]:
        """Check the deferred (cycle) FK edges against every key seen; raise when `strict`."""
        found: list[Violation] = []
        for edge in self._plan.deferred:
            frames = self._pending.get((edge.table, tuple(edge.columns)), [])
            if not frames or edge.table not in self._tables:
                continue
            values = pd.concat(frames, ignore_index=True)
            res = check_foreign_key(self._tables[edge.table], values, columns=edge.columns,
                                    referred_table=edge.referred_table, referred_columns=edge.referred_columns,
                                    parent_keys=self._key_set(edge.referred_table, tuple(edge.referred_columns)))
            for v in res.violations:
                found.append(Violation(kind=v.kind, table=v.table, columns=v.columns, detail=f"{v.detail} (deferred)",
                                       rows=v.rows, example=v.example))
        self._summary.deferred = found
        if strict and found:
            raise ConstraintError(f"{sum(v.rows for v in found)} row(s) violate deferred foreign keys",
                                  violations=found, hint="the cycle's parents were dropped or never sampled")
        return found

    def seed_keys(self, table: str, columns: tuple[str, ...], values: pd.DataFrame) -> None:
        """Keys already in the target (append mode): new rows repeating one count as duplicates."""
        if table in self._tables and len(values):
            self._key_set(table, tuple(columns)).add(Keys(values.reset_index(drop=True), tuple(columns)))

    def summary(self) -> ValidationSummary:
        return self._summary

    @property
    def warnings(self) -> list[str]:
        return list(self._summary.warnings)

    # ------------------------------------------------------------ evaluation
    def _evaluate(self, table: Table, frame: pd.DataFrame) -> "_Outcome":
        """Every rule on `frame` (index 0..n-1), without touching the key state."""
        out = _Outcome(n=len(frame))
        out.put("not_null", check_not_null(table, frame))
        out.put("type_bounds", check_type_bounds(table, frame))
        for column, compiled in self._domain_checks(table).items():
            out.put("type_bounds", self._guarded(table, compiled, lambda c: check_domain(
                table, frame, column=column, compiled=[c]), len(frame)))
        out.put("check", self._guarded(table, self._table_checks(table),
                                       lambda c: check_constraints(table, frame, compiled=[c]), len(frame)))
        for fk in table.foreign_keys:
            if fk.referred_table != table.name and self._fk_checkable(table, fk):
                ref = self._referred(fk)
                out.put("foreign_key", check_foreign_key(
                    table, frame, columns=fk.columns, referred_table=fk.referred_table, referred_columns=ref,
                    parent_keys=self._key_set(fk.referred_table, ref)))
        self._check_keys(table, frame, out)
        out.put("unique", self._exclusions.check(table, frame, candidates=~out.bad))
        self_refs = [fk for fk in table.foreign_keys if fk.referred_table == table.name]
        if self_refs:
            self._check_self_references(table, frame, self_refs, out)
        return out

    def _check_keys(self, table: Table, frame: pd.DataFrame, out: "_Outcome") -> None:
        for cols in table.unique_column_sets():
            kind = "primary_key" if cols == table.pk_columns else "unique"
            out.put(kind, check_unique(table, frame, columns=cols, kind=kind, candidates=~out.bad,
                                       seen=self._keys.get((table.name, cols)), name=_set_name(table, cols)))

    def _check_self_references(self, table: Table, frame: pd.DataFrame, fks: list[ForeignKey],
                               out: "_Outcome") -> None:
        """A row may point at a valid row of the same chunk; iterate so a dropped parent drops its subtree."""
        fks = [fk for fk in fks if self._fk_checkable(table, fk)]
        failed = {i: np.zeros(len(frame), dtype=bool) for i in range(len(fks))}
        grew = True
        while grew:
            grew = False
            for i, fk in enumerate(fks):
                ref = self._referred(fk)
                here = KeySet()
                here.add(Keys(frame[~out.bad], ref))
                res = check_foreign_key(table, frame, columns=fk.columns, referred_table=table.name,
                                        referred_columns=ref, parent_keys=self._key_set(table.name, ref),
                                        extra_keys=here)
                new = res.mask & ~out.bad
                if new.any():
                    grew = True
                    failed[i] |= new
                    out.put("foreign_key", RuleResult(mask=new))
        for i, fk in enumerate(fks):
            detail = f"no parent row in {table.name}({', '.join(self._referred(fk))})"
            present = [c for c in fk.columns if c in frame.columns]
            v = violation("foreign_key", table, fk.columns, detail, failed[i], key_at(frame, present))
            if v is not None:
                out.violations.append(v)

    def _guarded(self, table: Table, compiled: list[CompiledCheck],
                 run: Callable[[CompiledCheck], RuleResult], n: int) -> RuleResult:
        """Run each check; one that cannot be evaluated is reported once and skipped from then on."""
        total = RuleResult.clean(n)
        for chk in list(compiled):
            try:
                res = run(chk)
            except UncheckedConstraint as exc:
                compiled.remove(chk)
                self._unchecked(table.name, chk.source, exc.message)
                continue
            total.add(res.mask, None)
            total.violations += res.violations
        return total

    # ------------------------------------------------------------ state
    def _commit(self, table: Table, valid: pd.DataFrame) -> None:
        self._exclusions.commit(table, valid)
        for cols in self._tracked.get(table.name, []):
            keys = Keys(valid, cols)
            if len(keys):
                self._key_set(table.name, cols).add(keys)
        for fk in table.foreign_keys:
            if (table.name, tuple(fk.columns)) in self._deferred:
                present = [c for c in fk.columns if c in valid.columns]
                if len(present) == len(fk.columns) and len(valid):
                    self._pending.setdefault((table.name, tuple(fk.columns)), []).append(valid[list(fk.columns)])

    def _tracked_key_sets(self) -> dict[str, list[tuple[str, ...]]]:
        tracked: dict[str, list[tuple[str, ...]]] = {}
        for t in self._tables.values():
            tracked.setdefault(t.name, []).extend(t.unique_column_sets())
        for t in self._tables.values():
            for fk in t.foreign_keys:
                if fk.referred_table in self._tables:
                    cols = self._referred(fk)
                    if cols not in tracked[fk.referred_table]:
                        tracked[fk.referred_table].append(cols)
        return tracked

    def _key_set(self, table: str, cols: tuple[str, ...]) -> KeySet:
        return self._keys.setdefault((table, tuple(cols)), KeySet())

    def _referred(self, fk: ForeignKey) -> tuple[str, ...]:
        if fk.referred_columns:
            return tuple(fk.referred_columns)
        parent = self._tables.get(fk.referred_table)
        return parent.pk_columns if parent else ()

    def _fk_checkable(self, table: Table, fk: ForeignKey) -> bool:
        if (table.name, tuple(fk.columns)) in self._deferred:
            return False  # a cycle edge: its parents may come later; finish() checks it
        if fk.referred_table not in self._tables or not self._referred(fk):
            self._warn(f"{table.name}: FK {fk.label} not checked (referred table is not a data table in the schema)")
            return False
        return True

    # ------------------------------------------------------------ compiled checks
    def _table_checks(self, table: Table) -> list[CompiledCheck]:
        if table.name not in self._checks:
            self._checks[table.name] = self._compile_all(table, [c.sqltext for c in table.checks],
                                                         table.column_names)
        return self._checks[table.name]

    def _domain_checks(self, table: Table) -> dict[str, list[CompiledCheck]]:
        if table.name not in self._domains:
            self._domains[table.name] = {c.name: self._compile_all(table, list(c.domain_checks), ["VALUE"])
                                         for c in table.columns if c.domain_checks}
        return self._domains[table.name]

    def _compile_all(self, table: Table, texts: list[str], columns: Any) -> list[CompiledCheck]:
        out = []
        for text in texts:
            chk = compile_check(text, dialect=self._schema.dialect, columns=columns)
            typed = pgtypes.typed_columns(table, chk.columns) if chk.checkable else []
            if chk.checkable and not typed:
                out.append(chk)
            elif typed:  # lower(range), family(inet)… mean other things in DuckDB
                self._unchecked(table.name, text, f"uses {', '.join(typed)}, drawn by a type generator: "
                                                  "the target database checks it at load")
            else:
                self._unchecked(table.name, text, chk.error or "")
        return out

    def _unchecked(self, table: str, source: str, reason: str) -> None:
        self._summary.unchecked.append({"table": table, "constraint": " ".join(source.split()), "reason": reason})
        self._warn(f"{table}: CHECK ({' '.join(source.split())}) is unchecked: {reason}")

    def _warn(self, message: str) -> None:
        if message not in self._warned:
            self._warned.add(message)
            self._summary.warnings.append(message)

    # ------------------------------------------------------------ repair helpers
    def _refuse_parent_drop(self, table: Table, kinds: np.ndarray, rounds: int) -> None:
        kind = Counter(kinds).most_common(1)[0][0]
        rule = self._summary.details.get((table.name, kind), kind.replace("_", " "))
        raise ConstraintError(f"table {table.name!r}: {len(kinds):,} row(s) not repaired in {rounds} attempts "
                              f"({rule}); other tables reference these rows, so they cannot be dropped",
                              hint=f"check that the constraint on {table.name!r} can be met by the source's values,"
                                   " or re-run with --allow-drops to accept fewer rows")

    def _keep_identity(self, table: Table, old: pd.DataFrame, kinds: np.ndarray, fresh: pd.DataFrame,
                       *, loose: bool) -> None:
        """Put the key and FK values of the replaced rows back into `fresh` (in place).

        A row failing on its key (PK/UNIQUE) takes the fresh key; one failing an
        FK takes the fresh FK values: those are what was wrong with it. `loose`
        (the later rounds, when a kept value may be the culprit) keeps only the
        keys other tables refer to.
        """
        n = len(fresh)
        keep_key, keep_fk = ~np.isin(kinds[:n], ("primary_key", "unique")), kinds[:n] != "foreign_key"
        by_check = kinds[:n] == "check"
        in_checks = {c for chk in self._table_checks(table) for c in chk.columns}
        referred = {c for cols in self._referred_sets(table) for c in cols}
        keys = referred if loose else referred | set(table.pk_columns)
        fks = set() if loose else {c for fk in table.foreign_keys for c in fk.columns}
        for col in sorted(keys | fks):
            if col not in fresh.columns or col not in old.columns:
                continue
            keep = np.ones(n, dtype=bool)
            if col in keys:
                keep &= keep_key
            if col not in referred:  # a key children point at stays; other values a CHECK uses may be the culprit
                keep &= (keep_fk if col in fks else True) & ~(by_check & (col in in_checks))
            if keep.any():
                values = fresh[col].astype(object).to_numpy()
                values[keep] = old[col].astype(object).to_numpy()[:n][keep]
                fresh[col] = _like(values, old[col])

    def _referred_sets(self, table: Table) -> list[tuple[str, ...]]:
        """Column sets of `table` that some FK points at: a row's identity for its children."""
        if table.name not in self._referenced:
            return []
        return [self._referred(fk) for t in self._tables.values() for fk in t.foreign_keys
                if fk.referred_table == table.name]

    def _resample_round(self, table: Table, frame: pd.DataFrame, now: np.ndarray, label: np.ndarray,
                        replaced: np.ndarray, resample: Resample, *, loose: bool = False
                        ) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
        """Drop the bad rows, append fresh ones standing in for them, and re-check the whole chunk.

        Fresh rows go last so "first occurrence wins" keeps the rows already valid.
        """
        bad = now != ""
        fresh = _fresh_rows(resample, int(bad.sum()), table.name)
        self._keep_identity(table, frame[bad].reset_index(drop=True), now[bad], fresh, loose=loose)
        lost = np.zeros(len(frame), dtype=bool)
        lost[np.flatnonzero(bad)[len(fresh):]] = True  # resample gave fewer rows than asked
        self._count(table.name, label, lost, "dropped")
        kept = frame[~bad].reset_index(drop=True)
        frame = pd.concat([kept, fresh], ignore_index=True) if len(fresh) else kept
        label = np.concatenate([label[~bad], label[bad][: len(fresh)]])
        replaced = np.concatenate([replaced[~bad], np.ones(len(fresh), dtype=bool)])
        return frame, _first_kind(self._evaluate(table, frame)), label, replaced

    def _table(self, name: str) -> Table:
        if name not in self._tables:
            self._schema.table(name)  # raises SchemaError naming the table
            raise SchemaError(f"table {name!r} is not a data table (view or partition)",
                                  hint="the sampler should not emit rows for it")
        return self._tables[name]

    def _count(self, table: str, kinds: np.ndarray, mask: np.ndarray, what: str) -> None:
        for kind, n in Counter(kinds[mask]).items():
            self._summary.bump(table, str(kind), what, n)


@dataclass
class _Outcome:
    """Per-kind bad masks for one frame, in rule order, plus the violations."""

    n: int
    masks: dict[str, np.ndarray] = field(default_factory=dict)
    violations: list[Violation] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.bad = np.zeros(self.n, dtype=bool)

    def put(self, kind: str, res: RuleResult) -> None:
        self.masks[kind] = self.masks.get(kind, np.zeros(self.n, dtype=bool)) | res.mask
        self.bad |= res.mask
        self.violations.extend(res.violations)


def _first_kind(out: _Outcome) -> np.ndarray:
    """Label each row with the first rule kind it fails ('' when valid)."""
    labels = np.full(out.n, "", dtype=object)
    for kind in KINDS:
        mask = out.masks.get(kind)
        if mask is not None:
            labels[(labels == "") & mask] = kind
    return labels


def _like(values: np.ndarray, like: pd.Series) -> pd.Series:
    """`values` in the dtype of `like` where they fit (object otherwise)."""
    out = pd.Series(values, dtype=object)
    try:
        return out.astype(like.dtype)
    except (TypeError, ValueError):
        return out


def _set_name(table: Table, cols: tuple[str, ...]) -> str | None:
    """The constraint behind a unique column set, to name in a drop line (UNIQUE or EXCLUDE (… WITH =))."""
    for u in table.unique_constraints:
        if u.columns == cols and u.name:
            return f"constraint {u.name}"
    for x in table.exclusions:
        if x.is_unique and x.columns == cols:
            return f"EXCLUDE constraint {x.name or ''}".strip()
    return None


def _fresh_rows(resample: Resample, need: int, table: str) -> pd.DataFrame:
    fresh = resample(need)
    if fresh is None:
        return pd.DataFrame()
    if not isinstance(fresh, pd.DataFrame):
        raise ConstraintError(f"resample callback for {table!r} returned {type(fresh).__name__}, not a DataFrame",
                              hint="return a pandas DataFrame of freshly sampled rows")
    return fresh.iloc[:need].reset_index(drop=True)
