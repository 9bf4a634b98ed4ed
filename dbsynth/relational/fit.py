"""The relational core's fitter: everything relational, once, for every table generator.

Per table in load order: the context parent (cardinality.choose_context), key specs
(primary keys, FK in-degree quotas, self-reference forests, cycle FKs), the column
layout (transforms, fakes, natural keys, places), children-per-parent counts,
attribute matching of non-context FKs, what a row inherits or copies from its parent,
family-trait donors, orderings and functional dependencies, tiny tables' row pools.
Then the table's generator learns the modelled columns (`GeneratorKind.new(...).fit`).
"""
from __future__ import annotations

import time
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

from dbsynth import artifacts
from dbsynth.profile.reference import is_birth_date, regenerated_columns
from dbsynth.profile.types import SemanticType, TableProfile
from dbsynth.relational import cardinality as card
from dbsynth.relational.copies import find_copies
from dbsynth.relational.dependencies import find_dependencies
from dbsynth.relational.families import FAMILY_COLUMN, find_classes, table_vectors
from dbsynth.relational.generator import FitData, GeneratorKind
from dbsynth.relational.matching import MIN_MATCH_ROWS, best_matching_feature
from dbsynth.relational.options import FitOptions
from dbsynth.relational.reference import ROW_POOL_MAX_ROWS, blur_dates, categorical_fks, row_pool
from dbsynth.relational.sources import (clean_numbers, clean_times, number_within_family, numbers_for_text,
                                        numeric_type, poolable, referred_by_integer, typed_categories,
                                        whole_numbers, within_length)
from dbsynth.relational.sequences import Parent, Sequences, datetime_transforms, find_sequences
from dbsynth.relational.specs import KeyKind, KeySpec, TablePlan
from dbsynth.relational.table import (CountSpec, TableModel, column_role, dirty_note, family_link, find_orderings,
                                      inherited_columns, make_transform, placeholder, profile_of)
from dbsynth.relational.traits import find_donors
from dbsynth.relations.apply import kept_relations
from dbsynth.schema.graph import LoadPlan
from dbsynth.schema.model import LogicalType, Schema, Table
from dbsynth.transform import pgtypes
from dbsynth.transform.codes import is_code_column, learn_codes
from dbsynth.transform.columns import CategoricalTransform, NumericTransform, to_python
from dbsynth.transform.keyshapes import learn_pattern, numeric_text_pattern, time_steps
from dbsynth.transform.pii_formats import learn_digest
from dbsynth.transform.places import case_of, plan_places
from dbsynth.transform.text import text_spec

TEXT_MODEL_KINDS = (None, "url", "company", "street_address")
COINCIDENTALLY_UNIQUE = ("first_name", "last_name", "full_name", "city", "state", "country", "company")


def fit_tables(*, schema: Schema, plan: LoadPlan, frames: Mapping[str, pd.DataFrame],
               profiles: Mapping[str, TableProfile], options: FitOptions, kind: GeneratorKind,
               progress: Callable[[str], None] | None = None) -> tuple[dict[str, TablePlan], dict[str, Any]]:
    """Every table's plan (with its fitted generator) and the model's metadata (for the manifest)."""
    note = progress or (lambda _msg: None)
    start = time.perf_counter()
    fitter = RelationalFitter(schema=schema, plan=plan, frames=frames, profiles=profiles, options=options,
                              kind=kind)
    tables: dict[str, TablePlan] = {}
    for name in fitter.order:
        note(f"fitting {name}")
        tables[name] = fitter.fit_table(schema.table(name))
    generators = {t: tp.generator for t, tp in tables.items() if tp.generator is not None}
    extra = kind.finish(generators, options=options, progress=note)
    rows = {t: len(frames.get(t, ())) for t in fitter.order}
    meta: dict[str, Any] = {"fit_seconds": round(time.perf_counter() - start, 3), "row_counts": rows,
                            "fingerprint": artifacts.source_fingerprint(schema=schema, row_counts=rows),
                            "warnings": fitter.warnings, **extra}
    meta["relations"] = kept_relations(schema, frames, tables, fitter.warnings)  # dbsynth/relations
    return tables, meta


class RelationalFitter:
    """Fits the relational side of every table once, in load order, and hands each table's
    own columns to a table generator (`kind`): the copula, the neural network, a plug-in."""

    def __init__(self, *, schema: Schema, plan: LoadPlan, frames: Mapping[str, pd.DataFrame],
                 profiles: Mapping[str, TableProfile], options: FitOptions, kind: GeneratorKind) -> None:
        self.kind = kind
        self.schema, self.plan, self.options, self.profiles = schema, plan, options, profiles
        self.frames = {t: frames.get(t, pd.DataFrame(columns=list(schema.table(t).column_names)))
                       for t in plan.order if schema.has_table(t)}
        self.order = [t for t in plan.order if t in self.frames and t not in options.skip_tables]
        self.warnings: list[str] = []
        self.rng = np.random.default_rng(options.seed)
        eligible = {t for t in self.order if t not in options.copy_tables}
        self.context = {t: card.choose_context(table=schema.table(t), schema=schema, plan=plan, frames=self.frames,
                                               eligible=eligible, override=options.context_fks.get(t))
                        for t in self.order if t not in options.copy_tables}
        # FKs into copied tables: categorical columns of the child over the real parent keys (reference.py)
        # and FKs into tiny tables that deal out source rows (keys rewritten to the dealt rows by the sampler)
        self.pooled = frozenset(t for t in self.order if t not in options.copy_tables
                                and 0 < len(self.frames[t]) < ROW_POOL_MAX_ROWS and len(schema.table(t).pk_columns) == 1)
        self.cat_fks = {t: categorical_fks(schema, schema.table(t), self.frames, options.copy_tables | self.pooled,
                                           context=self.context.get(t)) for t in self.order}
        self.models: dict[str, TableModel] = {}
        self.scores: dict[str, np.ndarray] = {}
        self.subset: dict[str, np.ndarray] = {}

    def fit_table(self, table: Table) -> TablePlan:
        frame = self.frames[table.name]
        if table.name in self.options.copy_tables:
            return self._copy_plan(table, frame)
        ctx = self.context.get(table.name)
        keys = self._key_specs(table, frame, ctx)
        key_cols = {c for k in keys for c in k.columns} | set(ctx.columns if ctx else ())
        model = self._table_model(table, frame, key_cols)
        number_within_family(table, frame, model.others)
        scored = self._add_family_classes(table, frame, model)  # the frame plus the hidden class column
        sub = self._subset(len(frame))
        own = self.scores[table.name] = model.own_scores(scored, self.rng)
        self.models[table.name] = model
        for spec in keys:
            self._fit_matching(table, frame, spec, own)
        counts = self._count_columns(table, frame, model)
        parent = self._parent_scores(frame, ctx)
        # city -> country holds exactly: a fact of the data every generator keeps (dependencies.py)
        model.dependencies = find_dependencies(model.transforms, own[sub], model.slices())
        if ctx is not None and ctx.referred_table in self.models:
            model.family_link = family_link(self.models[ctx.referred_table])
        if ctx is not None and len(frame) and ctx.referred_table in self.models:
            idx = card.parent_index(frame, self.frames[ctx.referred_table], ctx)
            joined = self.frames[ctx.referred_table].iloc[np.clip(idx, 0, None)].reset_index(drop=True)
            model.inherit = inherited_columns(model, frame.reset_index(drop=True), self.models[ctx.referred_table],
                                              joined.where(pd.Series(idx >= 0), None))
            model.copies = find_copies(table=table, frame=frame.reset_index(drop=True), skip=key_cols,
                                       joined=joined.where(pd.Series(idx >= 0), None),
                                       parent=self.schema.table(ctx.referred_table),
                                       categories={t.column for t in model.transforms if t.kind == "categorical"})
            model.donors = find_donors(transforms=model.transforms, frame=frame.reset_index(drop=True), pidx=idx,
                                       parent=self.frames[ctx.referred_table].reset_index(drop=True),
                                       parent_transforms=self.models[ctx.referred_table].transforms,
                                       inherit=model.inherit)
        model.orderings = find_orderings(model, frame)
        model.sequences = self._sequences(table, frame, model)
        model.parent = ctx.referred_table if ctx else None
        if len(frame) == 0:
            self.warnings.append(f"table {table.name!r} is empty in the source: it gets 0 rows")
        generator = self.kind.new(self.options)
        generator.fit(FitData(table=table, frame=frame, model=model, own=own, counts=counts, parent=parent,
                              rows=sub, seed=self.options.seed))
        context = None if ctx is None else KeySpec(kind=KeyKind.CONTEXT, columns=list(ctx.columns),
                                                    referred_table=ctx.referred_table,
                                                    referred_columns=list(ctx.referred_columns))
        pool = row_pool(table, clean_numbers(table, frame), poolable(table, frame, model.transforms), self.rng,
                        lambda v: _jsonable(to_python(v)), family_counts=self._family_counts(frame, model))
        return TablePlan(name=table.name, model=model, context=context, keys=keys,
                         unique_sets=[list(s) for s in table.unique_column_sets()], row_pool=pool,
                         category_fks=sorted(self.cat_fks.get(table.name, {})),
                         pooled_fks={c: fk.referred_table for c, fk in self.cat_fks.get(table.name, {}).items()
                                     if fk.referred_table in self.pooled}, generator=generator)

    def _sequences(self, table: Table, frame: pd.DataFrame, model: TableModel) -> Sequences:
        """Date/times that keep their family's order and spacing, or follow another (sequences.py)."""
        parents = {fk.referred_table: Parent(frame=self.frames[fk.referred_table],
                                             times=datetime_transforms(self.models[fk.referred_table].transforms))
                   for fk in table.foreign_keys if fk.referred_table in self.models
                   and fk.referred_table not in self.pooled}
        deferred = {(e.table, e.columns) for e in self.plan.deferred}
        skip = [fk for fk in table.foreign_keys if (table.name, fk.columns) in deferred
                or self.cat_fks.get(table.name, {}).get(fk.columns[0]) is fk]
        return find_sequences(table=table, frame=frame, transforms=model.transforms, parents=parents,
                              orderings=model.orderings, skip_fks=skip)

    def _source_rows(self, name: str) -> int:
        """Rows in the source table (reflected count), not just the rows read for fitting."""
        counted = self.schema.table(name).row_count
        return max(int(counted), len(self.frames[name])) if counted is not None else len(self.frames[name])

    def _subset(self, n: int) -> np.ndarray:
        cap = self.options.max_fit_rows
        if cap is None or n <= cap:
            return np.arange(n)
        return np.sort(self.rng.choice(n, size=cap, replace=False))

    def _copy_plan(self, table: Table, frame: pd.DataFrame) -> TablePlan:
        frame = frame.assign(**{c.name: within_length(table, c, frame[c.name], self.warnings)
                                for c in table.columns if c.name in frame and c.name not in table.pk_columns})
        model = TableModel(name=table.name, rows=len(frame))
        model.fakes = [self._fake_spec(table.column(c), profile_of(self.profiles.get(table.name), c), frame[c], table)
                       for c in regenerated_columns(self.profiles.get(table.name)) if c in frame]  # PII: never copied
        frame = frame.drop(columns=[f["column"] for f in model.fakes])
        frame = frame.assign(**{c.name: whole_numbers(c, frame[c.name]) for c in table.columns if c.name in frame})
        frame = clean_times(table, clean_numbers(table, frame), self.warnings)
        rows = [{c: _jsonable(to_python(v)) for c, v in rec.items()} for rec in frame.to_dict("records")]
        keys = [KeySpec(kind=KeyKind.COPY, columns=list(table.pk_columns))]
        return TablePlan(name=table.name, model=model, context=None, keys=keys, unique_sets=[], copy_rows=rows)

    def _table_model(self, table: Table, frame: pd.DataFrame, key_cols: set[str]) -> TableModel:
        model = TableModel(name=table.name, rows=self._source_rows(table.name))
        profile = self.profiles.get(table.name)
        for col in table.columns:
            if col.name in key_cols:
                continue
            values = frame[col.name] if col.name in frame else pd.Series([None] * len(frame), dtype=object)
            prof = profile_of(profile, col.name)
            role = "categorical" if col.name in self.cat_fks.get(table.name, {}) else column_role(col, prof, values)
            if role == "datetime" and is_birth_date(col.name):
                values = blur_dates(values, self.rng)  # a quasi-identifier: exact birth dates are never learned
            if role in ("numeric", "datetime", "categorical", "constant"):
                values = within_length(table, col, values, self.warnings)
                if role == "categorical":
                    values = whole_numbers(col, typed_categories(table, col, values, self.warnings))
                tr = make_transform(col, role)
                if role == "datetime" and prof is not None and prof.semantic in (SemanticType.DATE, SemanticType.TIME):
                    tr.unit = prof.semantic.value  # type: ignore[attr-defined]
                model.transforms.append(tr.fit(values))
                note = dirty_note(table.name, tr)
                if note:
                    self.warnings.append(note)
            elif role == "fake" and numeric_type(col):
                # text where numbers are declared (SQLite): faked words would break the type
                model.others.append(numbers_for_text(table, col, values, self.warnings))
            elif role == "fake":
                model.fakes.append(self._fake_spec(col, prof, values, table))
            elif role == "natural_key":
                model.others.append(self._natural_key(col, values))
            elif (typed := pgtypes.fit_spec(col, values, unique=(col.name,) in table.unique_column_sets())):
                model.others.append(typed)  # jsonb, inet, ranges…: drawn by the type's generator
            else:
                model.others.append({"column": col.name, "kind": "placeholder", "value": _jsonable(placeholder(col))})
                self.warnings.append(f"{table.name}.{col.name}: {col.logical_type.value} column filled with "
                                     f"{'NULL' if col.nullable else 'a placeholder'} (not modelled)")
        model.places = plan_places(model, table, frame, profile)  # address columns that agree per row
        _learn_name_paths(model, frame, profile)
        return model

    def _fake_spec(self, col: Any, prof: Any, values: pd.Series, table: Table) -> dict[str, Any]:
        from dbsynth.transform.fake import source_hashes

        present = values.dropna().astype(str)
        lengths = present.str.len().to_numpy(dtype=float)
        grid = np.quantile(lengths, np.linspace(0, 1, min(50, max(len(lengths), 2)))).tolist() if len(lengths) else [10.0]
        kind = prof.pii_kind.value if prof is not None and prof.pii_kind is not None else None
        # 599 customers with 599 last names is chance, not a rule: names and places are unique only when
        # declared; e-mails, usernames, ids and free text unique in the data stay unique
        by_data = bool(prof and prof.unique) and kind not in COINCIDENTALLY_UNIQUE
        unique = any(s == (col.name,) for s in table.unique_column_sets()) or by_data
        spec = {"column": col.name, "kind": kind, "max_length": col.length, "unique": unique,
                "null_rate": float(values.isna().mean()) if len(values) else 0.0, "lengths": grid,
                "avoid": source_hashes(present.tolist())}
        # learned formats or a word model (transform/text.py); UNIQUE short codes use the code space
        # company names, street addresses and odd URLs name no person: they follow the column's own
        # formats/words (never a source value) rather than Faker's shapes
        learned = text_spec(values, max_length=col.length, formats_only=kind == "street_address") \
            if kind in TEXT_MODEL_KINDS else {}
        if kind is not None and len(present):
            spec["case"] = case_of(present)  # MARY, SMITH: Faker's names written the source's way
        if kind == "password" and len(present) and (digest := learn_digest(present.tolist())):
            spec["digest"] = digest  # a hash column stays hashes of its length, not Faker's passwords
        if kind is None and is_code_column(values.dropna()) and (unique or "format" not in learned):
            # short codes are drawn from the code space, not cut from faked words
            spec.update(code=learn_codes(values, max_length=col.length), avoid=frozenset())
        else:
            spec.update(learned)
        return spec

    def _natural_key(self, col: Any, values: pd.Series) -> dict[str, Any]:
        present = values.dropna()
        if col.logical_type == LogicalType.UUID:
            kind = "uuid"
        elif col.logical_type in (LogicalType.INTEGER, LogicalType.DECIMAL) or \
                pd.api.types.is_integer_dtype(present.dtype):
            kind = "int"  # a number keeps its type: never zero-padded text
        else:
            kind = "pattern"
        null_rate = float(values.isna().mean()) if len(values) else 0.0
        if col.logical_type in (LogicalType.DATE, LogicalType.DATETIME) and len(present):
            steps = time_steps(present, unit="date" if col.logical_type == LogicalType.DATE else "datetime")
            if steps is not None:  # a date in a key stays a date: a sequence with the source's step
                return {"column": col.name, "kind": "time", "pattern": {}, "max_length": col.length,
                        "null_rate": null_rate, **steps}
        pattern = learn_pattern(present.tolist()) if kind == "pattern" else {}
        return {"column": col.name, "kind": kind, "pattern": pattern, "max_length": col.length,
                "null_rate": null_rate}

    def _key_specs(self, table: Table, frame: pd.DataFrame, ctx: Any) -> list[KeySpec]:
        specs: list[KeySpec] = []
        fk_cols = {c for fk in table.foreign_keys for c in fk.columns}
        pk = table.pk_columns
        if len(pk) == 1 and pk[0] not in fk_cols:
            specs.append(self._pk_spec(table, frame, pk[0]))
        deferred = {(e.table, e.columns) for e in self.plan.deferred}
        by_columns: dict[tuple[str, ...], KeySpec] = {}
        for fk in table.foreign_keys:
            if (ctx is not None and fk is ctx) or self.cat_fks.get(table.name, {}).get(fk.columns[0]) is fk:
                continue
            first = by_columns.get(tuple(fk.columns))
            if first is not None:  # one column, two parents: the first spec draws keys both hold
                first.also.append([fk.referred_table, list(fk.referred_columns)])
                continue
            spec = self._fk_spec(table, frame, fk, ctx, deferred)
            if spec is not None:
                specs.append(spec)
                by_columns[tuple(fk.columns)] = spec
        return specs

    def _pk_spec(self, table: Table, frame: pd.DataFrame, name: str) -> KeySpec:
        col = table.column(name)
        if col.logical_type == LogicalType.INTEGER or col.autoincrement:
            return KeySpec(kind=KeyKind.PK_INT, columns=[name])
        if col.logical_type == LogicalType.UUID:
            return KeySpec(kind=KeyKind.UUID, columns=[name])
        if col.logical_type in (LogicalType.DATE, LogicalType.DATETIME) and name in frame and len(frame):
            steps = time_steps(frame[name].dropna(), unit=col.logical_type.value)
            if steps is not None:  # a date key stays a date: a sequence with the source's step
                return KeySpec(kind=KeyKind.PATTERN, columns=[name], pattern={"time": steps})
        pattern = learn_pattern(frame[name].tolist()) if name in frame else learn_pattern([])
        if name in frame and is_code_column(frame[name].dropna()):
            pattern["code"] = learn_codes(frame[name], max_length=col.length)  # short codes: the code space
        if referred_by_integer(self.schema, table, name):
            # an INTEGER FK refers to this text key: keys must read the same as text and as numbers
            pattern = numeric_text_pattern(pattern)
        return KeySpec(kind=KeyKind.PATTERN, columns=[name], pattern=pattern, max_length=col.length)

    def _fk_spec(self, table: Table, frame: pd.DataFrame, fk: Any, ctx: Any, deferred: set) -> KeySpec | None:
        if fk.referred_table not in self.frames or fk.referred_table in self.options.skip_tables:
            self.warnings.append(f"{table.name}: FK {fk.label} points at a table that is not generated; "
                                 "it gets NULL (or the rows are dropped when NOT NULL)")
            return KeySpec(kind=KeyKind.FK, columns=list(fk.columns), referred_table=fk.referred_table,
                           referred_columns=list(fk.referred_columns), null_rate=1.0)
        parent = self.frames[fk.referred_table]
        null_rate = 1.0 - card.fill_rate(frame, fk)
        common = dict(columns=list(fk.columns), referred_table=fk.referred_table,
                      referred_columns=list(fk.referred_columns), null_rate=null_rate)
        if fk.referred_table == table.name:
            stats = card.forest_stats(frame, table, fk)
            return KeySpec(kind=KeyKind.SELF, grid=stats["fanout"], depth_p=stats["depth_p"], **common)
        sets = [set(s) for s in table.unique_column_sets()]
        unique = set(fk.columns) in sets
        grouped = ctx is not None and set(fk.columns) | set(ctx.columns) in sets
        grid = card.degree_grid(card.child_counts(frame, parent, fk))
        rate = card.match_rate(frame, parent, fk)
        if rate < card.USABLE_MATCH:
            # keep the relationship (the target declares it) without the source's shape
            self.warnings.append(f"{table.name}: FK {fk.label}: only {rate:.0%} of the source's values find "
                                 f"their {fk.referred_table} row (dirty keys); synthetic rows refer to "
                                 "existing parents, spread evenly")
            grid = [1.0]
        kind = KeyKind.DEFERRED if (table.name, fk.columns) in deferred else KeyKind.FK
        return KeySpec(kind=kind, grid=grid, unique=unique, grouped_unique=grouped, **common)

    def _fit_matching(self, table: Table, frame: pd.DataFrame, spec: KeySpec, own: np.ndarray) -> None:
        """Learn which parent feature a non-context FK's children follow (Track.UnitPrice → InvoiceLine.UnitPrice)."""
        parent = spec.referred_table or ""
        if spec.kind != "fk" or spec.unique or spec.also or parent == table.name or parent not in self.scores:
            return
        fk = next(f for f in table.foreign_keys
                  if list(f.columns) == spec.columns and f.referred_table == parent)
        idx = card.parent_index(frame, self.frames[parent], fk)
        valid = np.flatnonzero(idx >= 0)
        pscores = self.scores[parent]
        if own.shape[1] == 0 or pscores.shape[1] == 0 or len(valid) < MIN_MATCH_ROWS:
            return
        child = self.models[table.name].matching_scores(own[valid])
        found = best_matching_feature(child, self.models[parent].matching_scores(pscores[idx[valid]]))
        if found is not None:
            spec.match_feature, spec.match_beta, spec.match_r2 = found

    def _add_family_classes(self, table: Table, frame: pd.DataFrame, model: TableModel) -> pd.DataFrame:
        """The hidden family class column (families.py), learned from the rows and their context children."""
        vectors = table_vectors(table=table, schema=self.schema, frames=self.frames, profiles=self.profiles,
                                context=self.context)
        found = None if vectors is None else find_classes(*vectors, seed=self.options.seed)
        if found is None:
            return frame
        frame = frame.assign(**{FAMILY_COLUMN: found.labels})
        model.transforms.append(CategoricalTransform(column=FAMILY_COLUMN).fit(frame[FAMILY_COLUMN]))
        model.family = {"column": FAMILY_COLUMN, **found.summary()}
        return frame

    def _count_columns(self, table: Table, frame: pd.DataFrame, model: TableModel) -> np.ndarray:
        cols = []
        for child, fk in self.context.items():
            if fk is None or fk.referred_table != table.name:
                continue
            counts = card.child_counts(self.frames[child], frame, fk)
            tr = NumericTransform(column=f"__count__{child}", integer=True).fit(pd.Series(counts))
            # from the source's full row counts: fitting may have read only a sample of either table
            ratio = self._source_rows(child) / max(self._source_rows(table.name), 1)
            model.counts.append(CountSpec(child=child, fk=",".join(fk.columns), ratio=ratio,
                                          cap=float(counts.max(initial=0)), transform=tr))
            cols.append(tr.transform(pd.Series(counts), rng=self.rng))
        return np.hstack(cols) if cols else np.zeros((len(frame), 0))

    def _family_counts(self, frame: pd.DataFrame, model: TableModel) -> np.ndarray | None:
        """Children of each source row per context child (model.counts order), for a tiny table's row pool."""
        if not 0 < len(frame) < ROW_POOL_MAX_ROWS:
            return None
        cols = [card.child_counts(self.frames[c.child], frame, self.context[c.child]) for c in model.counts]
        return np.stack(cols, axis=1) if cols else np.zeros((len(frame), 0))

    def _parent_scores(self, frame: pd.DataFrame, ctx: Any) -> np.ndarray | None:
        if ctx is None:
            return None
        parent_scores = self.scores[ctx.referred_table]
        idx = card.parent_index(frame, self.frames[ctx.referred_table], ctx)
        return parent_scores[np.clip(idx, 0, None)] if len(parent_scores) else np.zeros((len(frame), 0))


def _jsonable(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool, type(None))):
        return value
    if isinstance(value, bytes):
        return value.hex()
    return pgtypes.plain_value(value)  # documents, arrays, ranges as values the loaders accept


def _learn_name_paths(model: TableModel, frame: pd.DataFrame, profile: Any) -> None:
    """URLs that spell the row's name (`…/davolio.bmp`) are rebuilt around the synthetic names."""
    from dbsynth.profile.detect import NAME_PII
    from dbsynth.transform.namepaths import learn_name_paths

    names = [c.name for c in (profile.columns if profile is not None else ()) if c.pii_kind in NAME_PII]
    for f in model.fakes:
        if names and f["kind"] == "url" and not f["unique"] and f["column"] in frame:
            learned = learn_name_paths(frame[f["column"]], frame, names)
            if learned:
                f["name_paths"] = learned

