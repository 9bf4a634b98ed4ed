"""Which source rows the subset holds: start rows, then parents and children to a fixpoint.

Rows reached from a start row downwards (start rows and the children they
pull) have their children followed too (unless `[tables.X] children = false`);
rows pulled in only as someone's parent are followed upwards only, or one
customer's invoice would pull in its tracks, their other invoices, and in the
end the whole database. Every row's parents are followed through every FK
(self-references and cycles included) until nothing new comes in, so every
FK of the result finds its row. Reference tables come whole.
"""
from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable

if TYPE_CHECKING:
    import pandas as pd

    from dbsynth.schema.model import ForeignKey, Schema, Table
    from dbsynth.subset.source import SourceReader


def norm(value: Any) -> Any:
    """A value as a plain hashable Python object (None for NULL), equal across pandas dtypes."""
    import numpy as np
    import pandas as pd
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer():
            return int(value)
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, (list, dict)):
        return repr(value)
    return value


def tuples(frame: "pd.DataFrame", columns: Iterable[str]) -> list[tuple[Any, ...]]:
    cols = list(columns)
    if not cols or frame.empty:
        return [()] * len(frame)
    values = [frame[c].astype(object).tolist() for c in cols]
    return [tuple(norm(v) for v in row) for row in zip(*values)]


@dataclass
class Selection:
    """The chosen rows per table, and how they were reached."""

    frames: dict[str, list["pd.DataFrame"]] = field(default_factory=lambda: defaultdict(list))
    ids: dict[str, set[tuple[Any, ...]]] = field(default_factory=lambda: defaultdict(set))
    down: dict[str, set[tuple[Any, ...]]] = field(default_factory=lambda: defaultdict(set))
    missing: list[str] = field(default_factory=list)  # source orphans: FK values without a parent row
    twins: dict[str, int] = field(default_factory=lambda: defaultdict(int))  # keyless tables: identical rows merged

    def frame(self, table: "Table") -> "pd.DataFrame":
        import pandas as pd
        parts = [p for p in self.frames.get(table.name, []) if len(p)]
        if not parts:
            return pd.DataFrame({c: pd.Series([], dtype=object) for c in table.column_names})
        return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0].reset_index(drop=True)

    def counts(self) -> dict[str, int]:
        return {t: len(ids) for t, ids in self.ids.items()}


class Closure:
    """Grows a Selection to its fixpoint, reading only the rows it needs from the source."""

    def __init__(self, schema: "Schema", reader: "SourceReader", *, reference: frozenset[str],
                 no_children: frozenset[str]) -> None:
        self.schema, self.reader = schema, reader
        self.reference, self.no_children = reference, no_children
        self.sel = Selection()
        self.tables = {t.name: t for t in schema.data_tables}
        self.children: dict[str, list[tuple[str, "ForeignKey"]]] = defaultdict(list)
        for t in self.tables.values():
            for fk in t.foreign_keys:
                if fk.referred_table in self.tables:
                    self.children[fk.referred_table].append((t.name, fk))
        # values of each parent's referred columns already selected (or asked for): never asked twice
        self.have: dict[tuple[str, tuple[str, ...]], set[tuple[Any, ...]]] = defaultdict(set)
        self.up: dict[str, list["pd.DataFrame"]] = defaultdict(list)
        self.pending_down: dict[str, list["pd.DataFrame"]] = defaultdict(list)

    def _identity(self, table: "Table", frame: "pd.DataFrame") -> list[tuple[Any, ...]]:
        return tuples(frame, table.pk_columns or table.column_names)

    def add(self, name: str, frame: "pd.DataFrame", *, down: bool) -> int:
        """Add rows (duplicates ignored); returns how many were new."""
        if frame.empty:
            return 0
        table = self.tables[name]
        ids = self._identity(table, frame)
        known = self.sel.ids[name]
        fresh, seen = [], set()
        for i, key in enumerate(ids):
            if key not in known and key not in seen:
                fresh.append(i)
                seen.add(key)
            elif key in seen and not table.pk_columns:  # one read returned the same row twice: real twins
                self.sel.twins[name] += 1
        if fresh:
            new = frame.iloc[fresh].reset_index(drop=True)
            known.update(seen)
            self.sel.frames[name].append(new)
            self.up[name].append(new)
            for (parent, cols), have in self.have.items():
                if parent == name:
                    have.update(tuples(new, cols))
        if down and name not in self.no_children:
            done = self.sel.down[name]
            todo = [i for i, key in enumerate(ids) if key not in done]
            done.update(ids[i] for i in todo)
            if todo:
                self.pending_down[name].append(frame.iloc[todo].reset_index(drop=True))
        return len(fresh)

    def run(self) -> Selection:
        import pandas as pd
        while self.up or self.pending_down:
            while self.up:
                name, parts = self.up.popitem()
                self._parents(self.tables[name], pd.concat(parts, ignore_index=True))
            if self.pending_down:
                name, parts = self.pending_down.popitem()
                self._children(name, pd.concat(parts, ignore_index=True))
        return self.sel

    def _have(self, parent: str, cols: tuple[str, ...]) -> set[tuple[Any, ...]]:
        key = (parent, cols)
        if key not in self.have:
            self.have[key] = set(tuples(self.sel.frame(self.tables[parent]), cols)) if self.sel.ids[parent] else set()
        return self.have[key]

    def _parents(self, table: "Table", frame: "pd.DataFrame") -> None:
        for fk in table.foreign_keys:
            if fk.referred_table not in self.tables:
                continue
            have = self._have(fk.referred_table, tuple(fk.referred_columns))
            wanted = {v for v in tuples(frame, fk.columns) if None not in v} - have
            if not wanted:
                continue
            parent = self.tables[fk.referred_table]
            rows = self.reader.matching(parent, fk.referred_columns, sorted(wanted, key=repr))
            self.add(parent.name, rows, down=False)
            found = set(tuples(rows, fk.referred_columns))
            if wanted - found:
                self.sel.missing.append(f"{table.name}.({', '.join(fk.columns)}): {len(wanted - found)} value(s) "
                                        f"find no {parent.name} row in the source")
            have.update(wanted)  # asked once; a missing one is named above, not asked again

    def _children(self, name: str, frame: "pd.DataFrame") -> None:
        for child, fk in self.children.get(name, []):
            values = sorted({v for v in tuples(frame, fk.referred_columns) if None not in v}, key=repr)
            if values:
                rows = self.reader.matching(self.tables[child], fk.columns, values)
                self.add(child, rows, down=True)
