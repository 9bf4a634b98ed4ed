"""A fitted model: the relational core's table plans plus each table's generator; the manifest.

The core writes the manifest and every table's relational facts; a generator adds
its own keys to the table's JSON entry, its own arrays and, when it needs them,
files of its own (`TableFiles`). The layout is the one models were saved in before
the core and the generators were split, so those directories still load.
"""
from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from dbsynth import artifacts
from dbsynth.errors import ModelError
from dbsynth.relational.generator import GeneratorKind, TableFiles
from dbsynth.relational.options import FitOptions
from dbsynth.relational.specs import KeySpec, TablePlan
from dbsynth.relational.table import TableModel
from dbsynth.relations import Relation
from dbsynth.relations.apply import relations_of
from dbsynth.schema.graph import LoadPlan, build_plan
from dbsynth.schema.model import Schema

META_KEYS = ("fit_seconds", "fingerprint", "row_counts", "warnings", "relations", "reference")


class RelationalModel:
    """Table plans in generation order, the fit options, metadata and the generator's name."""

    def __init__(self, *, schema: Schema, plan: LoadPlan, tables: dict[str, TablePlan],
                 options: FitOptions, meta: dict[str, Any], engine: str) -> None:
        self.schema = schema
        self.plan = plan
        self.tables = tables
        self.options = options
        self.meta = meta
        self.engine = engine  # the table generator's registered name (manifest "engine")
        self.warnings: list[str] = list(meta.get("warnings", []))

    @property
    def relations(self) -> list[Relation]:
        """Exact arithmetic relations of the source the output keeps (dbsynth/relations)."""
        return relations_of(self)

    # -- persistence --------------------------------------------------------
    def save(self, directory: Path) -> None:
        directory = Path(directory)
        names = {}
        for i, (name, tp) in enumerate(self.tables.items()):
            stem = f"t{i:04d}"
            names[name] = stem
            files = TableFiles(directory=directory, stem=stem)
            if tp.generator is not None:
                tp.generator.save(files)
            artifacts.write_json(directory / "tables" / f"{stem}.json", {
                "model": {**tp.model.to_dict(), **files.doc},
                "context": None if tp.context is None else asdict(tp.context),
                "keys": [asdict(k) for k in tp.keys], "unique_sets": tp.unique_sets, "copy_rows": tp.copy_rows,
                "row_pool": tp.row_pool, "category_fks": tp.category_fks, "pooled_fks": tp.pooled_fks})
            artifacts.write_arrays(directory / "tables" / f"{stem}.npz", {**tp.model.arrays(), **files.arrays})
        extra = {**self.meta, "tables": names, "warnings": self.warnings, "plan": _plan_dict(self.plan),
                 "fit_options": _options_dict(self.options), "seed": self.options.seed}
        artifacts.write_manifest(directory, engine=self.engine, schema=self.schema, extra=extra)

    @classmethod
    def load(cls, directory: Path, kind: GeneratorKind) -> "RelationalModel":
        directory = Path(directory)
        doc = artifacts.read_manifest(directory)
        schema = artifacts.manifest_schema(doc)
        tables: dict[str, TablePlan] = {}
        try:
            for name, stem in doc["tables"].items():
                data = artifacts.read_json(directory / "tables" / f"{stem}.json")
                arrays = artifacts.read_arrays(directory / "tables" / f"{stem}.npz")
                tables[name] = _load_plan(name, data, arrays, kind, TableFiles(
                    directory=directory, stem=stem, doc=data["model"], arrays=arrays))
            opts = doc["fit_options"]
            options = FitOptions(seed=opts["seed"], locale=opts["locale"], context_fks=opts["context_fks"],
                                 copy_tables=frozenset(opts["copy_tables"]),
                                 skip_tables=frozenset(opts["skip_tables"]), max_fit_rows=opts["max_fit_rows"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"model in {directory} is corrupt: {exc}",
                             hint="re-run `dbsynth fit` to write it again") from exc
        extra = tuple(k for k in doc if k == kind.name)  # a generator's own metadata ("neural": {...})
        meta = {k: doc[k] for k in META_KEYS + extra if k in doc}
        return cls(schema=schema, plan=build_plan(schema), tables=tables, options=options, meta=meta,
                   engine=kind.name)


def _load_plan(name: str, data: dict[str, Any], arrays: dict[str, Any], kind: GeneratorKind,
               files: TableFiles) -> TablePlan:
    copied = data["copy_rows"] is not None
    return TablePlan(
        name=name, model=TableModel.from_dict(data["model"], arrays),
        context=None if data["context"] is None else KeySpec(**data["context"]),
        keys=[KeySpec(**k) for k in data["keys"]], unique_sets=data["unique_sets"],
        copy_rows=data["copy_rows"], row_pool=data.get("row_pool"),
        category_fks=list(data.get("category_fks", [])), pooled_fks=dict(data.get("pooled_fks", {})),
        generator=None if copied else kind.load(files))


def _plan_dict(plan: LoadPlan) -> dict[str, Any]:
    return {"order": list(plan.order), "cycles": [list(c) for c in plan.cycles],
            "deferred": [f"{e.table}({', '.join(e.columns)}) -> {e.referred_table}" for e in plan.deferred]}


def _options_dict(options: FitOptions) -> dict[str, Any]:
    return {"seed": options.seed, "locale": options.locale, "context_fks": dict(options.context_fks),
            "copy_tables": sorted(options.copy_tables), "skip_tables": sorted(options.skip_tables),
            "max_fit_rows": options.max_fit_rows}
