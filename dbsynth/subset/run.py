"""`dbsynth subset`: reflect → profile → select (closure.py) → mask (mask.py) → load (the seed loader)."""
from __future__ import annotations

import time
import zlib
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Sequence

from dbsynth.errors import ConfigError

if TYPE_CHECKING:
    import pandas as pd

    from dbsynth.config import Config
    from dbsynth.load.loader import LoadSummary
    from dbsynth.profile.types import TableProfile
    from dbsynth.frames import TableChunk
    from dbsynth.schema.model import Schema
    from dbsynth.subset.mask import MaskedColumn
    from dbsynth.subset.source import SourceReader

PROFILE_MAX_ROWS = 20_000  # rows read per table to decide which columns are PII / free text


@dataclass
class SubsetResult:
    rows: dict[str, int]  # rows loaded per table
    source_rows: dict[str, int]
    reference_tables: list[str]
    root_tables: list[str]  # the tables --percent sampled
    masked: list["MaskedColumn"]
    mask_key: str | None
    key_generated: bool
    summary: "LoadSummary"
    seconds: float
    warnings: list[str] = field(default_factory=list)
    remapped: dict[tuple[str, str], int] = field(default_factory=dict)  # --remap-keys: keys renumbered per domain


def subset(*, source: str, target: str, where: Sequence[str] = (), percent: float | None = None,
           mask: bool = True, mask_key: str | None = None, mode: str = "fail", config: "Config",
           schema_name: str | None = None, keep_triggers: bool = False, strict: bool = False,
           alembic_config: str | None = None, remap_keys: bool = False) -> SubsetResult:
    """Copy a referentially complete, masked slice of `source` into `target` (one transaction)."""
    from connectors.base import open_connector
    from dbsynth.load import preflight
    from dbsynth.subset.closure import Closure
    from dbsynth.subset.source import SourceReader
    from dbsynth.subset.where import parse_where
    started = time.perf_counter()
    _check_args(where, percent)
    preflight.check_not_source(source, target)
    preflight.check_target(target, source=source)
    with closing(open_connector(source, read_only=True)) as conn:
        schema = conn.reflect(schema=schema_name)
        specs = [parse_where(w, schema) for w in where]  # checked before anything else is read
        if mode == "fail":
            preflight.check_mode_fail(target, schema)
        profiles = _profiles(source, schema, config)
        reference = reference_tables(schema, profiles, config)
        closure = Closure(schema, SourceReader(conn), reference=reference,
                          no_children=config.no_children_tables())
        reader = closure.reader
        for name in sorted(reference):
            closure.add(name, reader.all(schema.table(name)), down=False)
        warnings: list[str] = []
        for spec in specs:
            rows = reader.where(schema.table(spec.table), spec.condition)
            if rows.empty:  # said, not silently an empty start
                warnings.append(f"--where for {spec.table!r} matched no row")
            closure.add(spec.table, rows, down=True)
        roots = root_tables(schema, reference) if percent is not None else []
        for name in roots:
            closure.add(name, _share(reader.all(schema.table(name)), percent or 0.0, config.seed, name), down=True)
        selection = closure.run()
        _check_missing(selection.missing)
        warnings += [f"{name}: {n} row(s) identical to another (no primary key) copied once"
                     for name, n in sorted(selection.twins.items()) if n]
        frames = {t.name: selection.frame(t) for t in schema.data_tables}
        masked: list["MaskedColumn"] = []
        key, generated = None, False
        if mask:
            key, generated = (mask_key, False) if mask_key else (_new_key(), True)
            masked, lines = _mask(frames, schema, profiles, reference, key, config.locale, reader)
            warnings += lines
        remapped = _remap(frames, schema, key or f"seed:{config.seed}", reader, reference) if remap_keys else {}
    summary = _load(frames, schema, target=target, mode=mode, keep_triggers=keep_triggers, strict=strict,
                    alembic_config=alembic_config)
    return SubsetResult(rows=summary.rows, source_rows={t.name: t.row_count or 0 for t in schema.data_tables},
                        reference_tables=sorted(reference), root_tables=roots, masked=masked, mask_key=key,
                        key_generated=generated, summary=summary, seconds=time.perf_counter() - started,
                        warnings=warnings, remapped=remapped)


def _remap(frames: dict[str, "pd.DataFrame"], schema: "Schema", key: str, reader: "SourceReader",
           reference: frozenset[str]) -> dict[tuple[str, str], int]:
    """--remap-keys (subset/remap.py): the mask key's (or the seed's) numbering of every integer key
    but the lookup tables'."""
    from dbsynth.subset.remap import remap_keys
    return remap_keys(frames, schema, key=key, ranges=lambda d: reader.bounds(schema.table(d[0]), d[1]),
                      keep=reference)


def _check_missing(missing: list[str]) -> None:
    """Source rows whose parent row is missing (a source without FK checks): named, nothing loaded."""
    from dbsynth.errors import SchemaError
    if missing:
        raise SchemaError(f"the source has orphan rows the subset would copy: {'; '.join(missing[:3])}"
                          + (f" (and {len(missing) - 3} more)" if len(missing) > 3 else ""),
                          hint="fix those rows in the source, or start from rows that do not reach them")


def _check_args(where: Sequence[str], percent: float | None) -> None:
    if not where and percent is None:
        raise ConfigError("dbsynth subset needs start rows: --where \"TABLE: condition\" or --percent P",
                          hint="e.g. --where \"Customer: Country = 'Germany'\" or --percent 10")
    if percent is not None and not (0 < percent <= 100):
        raise ConfigError(f"--percent must be above 0 and at most 100, got {percent:g}", hint="e.g. --percent 10")


def _new_key() -> str:
    from dbsynth.subset.mask import new_key
    return new_key()


def _profiles(url: str, schema: "Schema", config: "Config") -> dict[str, "TableProfile"]:
    from dbsynth.pipeline import profile_frames, read_frames
    names = [t.name for t in schema.data_tables]
    frames = read_frames(url, schema, tables=names, max_rows=min(config.max_fit_rows, PROFILE_MAX_ROWS),
                         seed=config.seed)
    return profile_frames(schema, frames, config)


def reference_tables(schema: "Schema", profiles: dict[str, "TableProfile"], config: "Config") -> frozenset[str]:
    """Lookup tables, copied whole: the profile's reference-table detection (profile/reference.py:
    small, referenced by FKs, no personal data), `copy = true` forcing and `copy = false` refusing."""
    from dbsynth.profile.reference import copied_tables, mark_reference
    marked = mark_reference(schema, profiles, forced=config.copy_tables() & {t.name for t in schema.data_tables},
                            disabled=config.no_copy_tables())
    return copied_tables(marked)


def root_tables(schema: "Schema", reference: frozenset[str]) -> list[str]:
    """Tables no other table points at, lookup tables aside (Sakila's film points only at the
    language lookup: a root), self-references allowed; where every table has a parent, the top
    cycles of the FK graph are the roots.
    """
    import networkx as nx

    from dbsynth.schema.graph import fk_graph
    graph = nx.DiGraph(fk_graph(schema))
    graph.remove_nodes_from(reference)
    graph.remove_edges_from(list(nx.selfloop_edges(graph)))
    dag = nx.condensation(graph)
    roots = sorted(t for n in dag.nodes if dag.in_degree(n) == 0 for t in dag.nodes[n]["members"])
    if not roots:
        raise ConfigError("--percent found no root table to sample (every table is a lookup table)",
                          hint="start from --where \"TABLE: condition\" instead")
    return roots


def _share(frame: "pd.DataFrame", percent: float, seed: int, table: str) -> "pd.DataFrame":
    """A seeded random `percent` of the rows (at least one row of a non-empty table)."""
    import numpy as np
    n = len(frame)
    k = min(n, max(1, round(n * percent / 100))) if n else 0
    rng = np.random.default_rng([seed, zlib.crc32(table.encode())])
    return frame.iloc[np.sort(rng.choice(n, size=k, replace=False))] if k else frame.iloc[:0]


MASK_ROUNDS = 10  # rounds of "is any masked value a source value?" (one is the rule, two are rare)
AVOID_READ_ROWS = 200_000  # a masked column of a table this small is read whole up front (names overlap a lot)


def _mask(frames: dict[str, "pd.DataFrame"], schema: "Schema", profiles: dict[str, "TableProfile"],
          reference: frozenset[str], key: str, locale: str,
          reader: "SourceReader") -> tuple[list["MaskedColumn"], list[str]]:
    """Mask in place; a masked value the source holds (in any column of its kind) is redrawn.

    Small tables' masked columns are read whole up front (real and Faker names
    overlap: redrawing them round by round would take many rounds); for bigger
    ones the source is asked about the masked values only, so the check costs
    what the subset costs. Which values are redrawn depends on the source alone,
    so the same key still gives the same values for any subset. Each round
    asks only about values no earlier round asked about (a redraw changes
    only the values that were hits).
    """
    from dbsynth.errors import ConstraintError
    from dbsynth.subset.mask import Masker, columns_to_mask, mask_frames, produced
    columns, warnings = columns_to_mask(schema, profiles, reference=reference)
    masker = Masker(key=key, locale=locale)
    for mc in columns:
        table = schema.table(mc.table)
        if (table.row_count or 0) <= AVOID_READ_ROWS:
            values = reader.distinct(table, mc.column)
            masker.avoid.setdefault(mc.kind, set()).update(str(v) for v in values)
    tables = {mc.table for mc in columns}
    checked: dict[str, set[str]] = {}  # per kind, masked values the source was asked about (and lacks)
    for _ in range(MASK_ROUNDS):
        work = {t: frames[t] for t in tables if t in frames}
        mask_frames(work, columns, masker)
        made = produced(work, columns)
        fresh = {kind: values - checked.get(kind, set()) for kind, values in made.items()}
        hits = _in_source(fresh, columns, schema, reader)
        for kind, values in fresh.items():
            checked.setdefault(kind, set()).update(values - hits.get(kind, set()))
        if not hits:
            frames.update(work)
            return columns, warnings
        for kind, values in hits.items():
            masker.avoid.setdefault(kind, set()).update(values)
            masker.forget(kind, values)
    raise ConstraintError(f"masked values kept matching source values after {MASK_ROUNDS} rounds",
                          hint="re-run with another --mask-key")


def _in_source(values: dict[str, set[str]], columns: list["MaskedColumn"], schema: "Schema",
               reader: "SourceReader") -> dict[str, set[str]]:
    """Per kind, the masked values some source column of that kind holds verbatim."""
    hits: dict[str, set[str]] = {}
    for mc in columns:
        wanted = sorted(values.get(mc.kind, ()))
        if wanted:
            found = reader.present(schema.table(mc.table), mc.column, wanted)
            if found:
                hits.setdefault(mc.kind, set()).update(found)
    return hits


def _load(frames: dict[str, "pd.DataFrame"], schema: "Schema", *, target: str, mode: str, keep_triggers: bool,
          strict: bool, alembic_config: str | None) -> "LoadSummary":
    from connectors.base import capabilities_for, dialect_of
    from dbsynth.load.loader import load
    from dbsynth.schema.graph import build_plan
    plan = build_plan(schema, capabilities=capabilities_for(target), target_dialect=dialect_of(target))

    def chunks() -> Iterator["TableChunk"]:
        from dbsynth.frames import TableChunk
        for name in plan.order:
            frame = frames.get(name)
            if frame is not None and len(frame):
                yield TableChunk(table=name, frame=frame)

    return load(chunks=chunks(), schema=schema, target_url=target, mode=mode, keep_triggers=keep_triggers,  # type: ignore[arg-type]
                strict=strict, alembic_config=Path(alembic_config) if alembic_config else None)
