"""SQLite target writer: executemany in the caller's transaction.

FK checks are deferred to commit (`PRAGMA defer_foreign_keys`), which covers
cycles and self-references in any row order; the loader verifies with
`PRAGMA foreign_key_check` before committing so a violation names its table.
User triggers are dropped for the load and re-created from their stored SQL
before commit, so nothing outside the transaction ever sees them missing.
"""
from __future__ import annotations

import datetime as dt
import decimal
import json
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from connectors.generic_writer import WriterContext, native_column, writable

if TYPE_CHECKING:
    import pandas as pd

    from dbsynth.schema.model import Table


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID, dt.timedelta)):
        return str(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, default=str)  # date[] / timestamp[] elements as ISO text
    return value


def _dates_as_text(table: "Table", name: str, values: list[Any]) -> list[Any]:
    """Dates in the source's text format (`1996-07-04 00:00:00.000`); a DATE without one as `1996-07-04`."""
    from dbsynth.schema.model import LogicalType
    from dbsynth.transform.datefmt import render

    column = next((c for c in table.columns if c.name == name), None)
    if column is None or column.logical_type not in (LogicalType.DATE, LogicalType.DATETIME, LogicalType.TIME):
        return values
    fmt = column.text_format or ("%Y-%m-%d" if column.logical_type == LogicalType.DATE else None)
    return render(values, fmt) if fmt else values


@dataclass
class SqliteWriter:
    ctx: WriterContext
    name: str = "sqlite-executemany"
    triggers: str = "kept"
    warnings: list[str] = field(default_factory=list)
    sequences_reset: list[str] = field(default_factory=list)
    _dropped: list[tuple[str, str]] = field(default_factory=list)

    @property
    def _raw(self) -> Any:
        return self.ctx.conn.connection.driver_connection

    def prepare(self) -> None:
        self._raw.execute("PRAGMA defer_foreign_keys=ON")
        if not self.ctx.keep_triggers:
            self._drop_triggers()

    def _drop_triggers(self) -> None:
        tables = list(self.ctx.plan.order)
        marks = ", ".join("?" for _ in tables)
        rows = self._raw.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type='trigger' AND tbl_name IN ({marks}) ORDER BY name",
            tables).fetchall()
        for name, sql in rows:
            self._raw.execute(f'DROP TRIGGER "{name.replace(chr(34), chr(34) * 2)}"')
            self._dropped.append((name, sql))
        self.triggers = f"dropped and re-created ({len(rows)})" if rows else "none"

    def write(self, table: "Table", frame: "pd.DataFrame") -> int:
        q = self.ctx.conn.dialect.identifier_preparer.quote_identifier
        frame = writable(table, frame)
        cols = ", ".join(q(c) for c in frame.columns)
        marks = ", ".join("?" for _ in frame.columns)
        columns = [[_sqlite_value(v) for v in _dates_as_text(table, c, native_column(frame[c]))]
                   for c in frame.columns]
        self._raw.executemany(f"INSERT INTO {q(table.name)} ({cols}) VALUES ({marks})", zip(*columns))
        return len(frame)

    def finish(self) -> None:
        for _, sql in self._dropped:
            self._raw.execute(sql)
