"""MySQL / MariaDB target writer: LOAD DATA LOCAL INFILE in one transaction.

Each chunk is written to a private temp file in LOAD DATA's default text
format (tab-separated, backslash escapes, `\\N` for NULL; binary columns as
hex through `UNHEX(@var)`) and sent with `LOAD DATA LOCAL INFILE`, the
fastest path PyMySQL allows (executemany measures several times slower).

Foreign keys are handled the way mysqldump does: the load session runs with
`FOREIGN_KEY_CHECKS=0` (tables, cycles and self-references load in any
order), then every FK of the loaded tables is verified by query before
COMMIT; a violation rolls back with one line naming the FK. With LOCAL, the
server turns data errors into warnings and skips duplicate keys, so every
chunk's row count and warnings are checked: nothing is dropped silently.
InnoDB moves each AUTO_INCREMENT counter past the largest loaded key itself;
`finish` checks it did.

MySQL cannot switch triggers off: the triggers of an existing target are set
aside during the load and re-created after it (connectors/mysql_triggers.py),
or fire with --keep-triggers. On a schema dbsynth creates, the source's
triggers are created after the rows are in.
"""
from __future__ import annotations

import datetime as dt
import decimal
import json
import os
import tempfile
import uuid
from dataclasses import dataclass, field
from functools import reduce
from typing import TYPE_CHECKING, Any

from connectors.generic_writer import WriterContext, writable
from dbsynth import interrupts
from dbsynth.errors import LoadError
from dbsynth.schema.model import LogicalType

if TYPE_CHECKING:
    import pandas as pd

    from dbsynth.schema.model import ForeignKey, Table

_ESCAPES = (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r"), ("\0", "\\0"))
_SPECIAL = r"[\\\t\n\r\x00]"
_SLICE_ROWS = 200_000
_GEOMETRY = {"GEOMETRY", "POINT", "LINESTRING", "POLYGON", "MULTIPOINT", "MULTILINESTRING", "MULTIPOLYGON",
             "GEOMETRYCOLLECTION"}


def _is_geometry(value: Any) -> bool:
    """MySQL's stored geometry: 4-byte SRID, then WKB (byte order 0/1, a type 1-7)."""
    if not isinstance(value, (bytes, bytearray)) or len(value) < 9 or value[4] not in (0, 1):
        return False
    kind = int.from_bytes(value[5:9], "little" if value[4] == 1 else "big")
    return 1 <= kind <= 7


def _bool_text(value: Any) -> Any:
    if isinstance(value, str) and value.strip().lower() in ("true", "t", "false", "f", "yes", "no"):
        return value.strip().lower() in ("true", "t", "yes")
    return value


def _utc_naive(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.timezone.utc).replace(tzinfo=None) if value.tzinfo else value


def _time_text(value: dt.timedelta) -> str:
    micros = int(value / dt.timedelta(microseconds=1))
    sign = "-" if micros < 0 else ""
    seconds, us = divmod(abs(micros), 1_000_000)
    h, rest = divmod(seconds, 3600)
    return f"{sign}{h:02d}:{rest // 60:02d}:{rest % 60:02d}.{us:06d}"


def _text_value(value: Any) -> str:
    """One non-NULL value as LOAD DATA text (before escaping)."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    if isinstance(value, (dict, list)):
        return json.dumps(value, default=str)
    if isinstance(value, dt.datetime):
        return _utc_naive(value).isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return _time_text(value)
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    item = getattr(value, "item", None)  # numpy scalars in object columns
    if callable(item) and type(value).__module__ == "numpy":
        return _text_value(item())
    return str(value)


def text_column(series: "pd.Series") -> "pd.Series":
    """One column as escaped LOAD DATA text, NULL as \\N."""
    import pandas as pd

    mask = series.isna().to_numpy()
    kind = series.dtype.kind
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        series, kind = series.dt.tz_convert("UTC").dt.tz_localize(None), "M"
    if kind == "b" or str(series.dtype) == "boolean":
        out = series.map({True: "1", False: "0"}, na_action="ignore")
    elif kind in "iuf":
        out = series.astype(str)
    elif kind == "M":
        out = series.astype(str)  # 'YYYY-MM-DD HH:MM:SS[.ffffff]', C speed
    else:
        if pd.api.types.infer_dtype(series, skipna=True) == "string":
            out = series.astype(object)  # plain text: nothing to convert (C speed)
        else:
            out = series.map(_text_value, na_action="ignore").astype(object)
        special = out.str.contains(_SPECIAL, regex=True, na=False).to_numpy()
        if special.any():  # escape only the values that need it
            escaped = out[special]
            for old, new in _ESCAPES:
                escaped = escaped.str.replace(old, new, regex=False)
            out = out.copy()
            out[special] = escaped
    out = out.astype(object)
    out[mask] = "\\N"
    return out


def load_data_text(frame: "pd.DataFrame") -> bytes:
    """`frame` as one LOAD DATA payload (utf-8), rows in order."""
    if frame.empty:
        return b""
    cols = [text_column(frame[c]) for c in frame.columns]
    lines = reduce(lambda a, b: a + "\t" + b, cols)
    return ("\n".join(lines.tolist()) + "\n").encode("utf-8", "surrogateescape")


@dataclass
class MysqlWriter:
    ctx: WriterContext
    name: str = "mysql-load-data-local-infile"
    triggers: str = "kept"
    warnings: list[str] = field(default_factory=list)
    sequences_reset: list[str] = field(default_factory=list)

    @staticmethod
    def drop_created(conn: Any, schema: Any) -> None:
        """The loader's undo of created tables when the load fails (MySQL DDL is not rolled back)."""
        drop_created(conn, schema)

    @property
    def _raw(self) -> Any:
        return self.ctx.conn.connection.driver_connection

    def _q(self, name: str) -> str:
        return "`" + name.replace("`", "``") + "`"

    def _exec(self, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
        with self._raw.cursor() as cur:
            cur.execute(sql, params)
            return list(cur.fetchall()) if cur.description else []

    def prepare(self) -> None:
        from connectors.mysql_triggers import set_aside, target_triggers

        self._exec("SET FOREIGN_KEY_CHECKS = 0")  # also set on connect (CREATE TABLE in any order)
        found = target_triggers(self._raw, list(self.ctx.plan.order))
        if not found:
            self.triggers = "none"
            return
        if self.ctx.keep_triggers:
            self.triggers = f"kept: {len(found)} trigger(s) fired on the loaded rows (--keep-triggers)"
            return
        # MySQL cannot switch them off: dropped now (before any row), re-created after COMMIT / ROLLBACK
        set_aside(self.ctx.conn, found)
        self.triggers = (f"{len(found)} set aside during the load and re-created after it (did not fire; "
                         "MySQL cannot switch triggers off)")

    def write(self, table: "Table", frame: "pd.DataFrame") -> int:
        frame = writable(table, frame)
        if frame.empty:
            return 0
        for start in range(0, len(frame), _SLICE_ROWS):
            interrupts.check()  # a Ctrl-C stops at the next slice (rolled back)
            self._load(table, frame.iloc[start:start + _SLICE_ROWS])
        return len(frame)

    def _load(self, table: "Table", frame: "pd.DataFrame") -> None:
        flags = [c.name for c in table.columns if c.logical_type == LogicalType.BOOLEAN and c.name in frame
                 and frame[c.name].dtype == object]
        if flags:  # a CSV folder holds 'True' / 'False' text: MySQL's BOOLEAN takes 1 / 0
            frame = frame.copy()
            for name in flags:
                frame[name] = frame[name].map(_bool_text, na_action="ignore")
        binary = {c.name for c in table.columns if c.logical_type == LogicalType.BINARY}
        spatial = {c.name for c in table.columns if c.type_sql.split()[0].upper() in _GEOMETRY}
        targets, sets = [], []
        for i, name in enumerate(frame.columns):
            if name in spatial:  # the engines model bytes, not shapes: invalid ones become POINT(0 0)
                bad = int(frame[name].map(lambda v: not _is_geometry(v), na_action="ignore").sum())
                if bad:
                    self.warnings.append(f"{table.name}.{name}: {bad} synthetic geometry value(s) are not "
                                         "valid shapes; written as POINT(0 0)")
                targets.append(f"@v{i}")
                sets.append(f"{self._q(name)} = IF(ST_GeomFromWKB(SUBSTR(UNHEX(@v{i}), 5)) IS NULL, "
                            f"ST_GeomFromText('POINT(0 0)'), UNHEX(@v{i}))")
            elif name in binary:
                targets.append(f"@v{i}")
                sets.append(f"{self._q(name)} = UNHEX(@v{i})")
            else:
                targets.append(self._q(name))
        fd, path = tempfile.mkstemp(prefix="dbsynth-", suffix=".tsv")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(load_data_text(frame))
            sql = (f"LOAD DATA LOCAL INFILE %s INTO TABLE {self._q(table.name)} CHARACTER SET utf8mb4 "
                   "FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' "
                   f"({', '.join(targets)})" + (f" SET {', '.join(sets)}" if sets else ""))
            with self._raw.cursor() as cur:
                loaded = cur.execute(sql, (path,))
                cur.execute("SHOW WARNINGS LIMIT 20")
                # a Note is fractional seconds cut to the column's precision; Warnings are data changed
                warning = next((w for w in cur.fetchall() if w[0] != "Note"), None)
        finally:
            os.unlink(path)
        if warning or loaded != len(frame):
            what = f"{warning[2]}" if warning else f"{len(frame) - loaded} row(s) skipped"
            raise LoadError(f"loading table {table.name!r} failed: {what} ({loaded} of {len(frame)} rows taken); "
                            "rolled back", hint="the rows do not fit the target's columns or repeat a key; "
                                                "compare the target with the source (`dbsynth inspect TARGET`)")

    def finish(self) -> None:
        self._check_foreign_keys()
        self._exec("SET FOREIGN_KEY_CHECKS = 1")
        self._check_auto_increment()

    def _check_foreign_keys(self) -> None:
        """Every FK of the loaded tables, verified by query (FOREIGN_KEY_CHECKS was 0)."""
        schema = self.ctx.schema
        for name in self.ctx.plan.order:
            for fk in schema.table(name).foreign_keys:
                if not schema.has_table(fk.referred_table):
                    continue
                count = self._orphans(name, fk)
                if count:
                    label = fk.name or f"{name}{fk.label}"
                    raise LoadError(f"{count} row(s) of {name!r} break foreign key {label!r} "
                                    f"{fk.label}: no such {fk.referred_table} row; rolled back",
                                    hint="the rows do not match this target's tables; re-sample, "
                                         "or use --mode replace")

    def _orphans(self, table: str, fk: "ForeignKey") -> int:
        q = self._q
        on = " AND ".join(f"c.{q(a)} = p.{q(b)}" for a, b in zip(fk.columns, fk.referred_columns))
        filled = " AND ".join(f"c.{q(a)} IS NOT NULL" for a in fk.columns)
        rows = self._exec(f"SELECT COUNT(*) FROM {q(table)} c WHERE {filled} AND NOT EXISTS "
                          f"(SELECT 1 FROM {q(fk.referred_table)} p WHERE {on})")
        return int(rows[0][0])

    def _check_auto_increment(self) -> None:
        """Each AUTO_INCREMENT counter is past the largest key (InnoDB moves it on insert)."""
        tables = list(self.ctx.plan.order)
        if not tables:
            return
        marks = ", ".join(["%s"] * len(tables))
        cols = self._exec("SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS "
                          f"WHERE TABLE_SCHEMA = DATABASE() AND EXTRA LIKE '%%auto_increment%%' "
                          f"AND TABLE_NAME IN ({marks})", tables)
        for table, column in cols:
            top = self._exec(f"SELECT MAX({self._q(column)}) FROM {self._q(table)}")[0][0]
            if top is None:
                continue
            self.sequences_reset.append(f"{table}.{column} (next > {int(top)})")


def drop_created(conn: Any, schema: Any) -> None:
    """Drop the tables and views a failed load created: MySQL DDL commits, a ROLLBACK cannot."""
    q = conn.dialect.identifier_preparer.quote_identifier
    try:
        raw = conn.connection.driver_connection
        with raw.cursor() as cur:
            cur.execute("SET FOREIGN_KEY_CHECKS = 0")
            for table in schema.tables:
                if table.kind.value == "view":
                    cur.execute(f"DROP VIEW IF EXISTS {q(table.name)}")
            for table in schema.data_tables:
                cur.execute(f"DROP TABLE IF EXISTS {q(table.name)}")
    except Exception:  # a lost connection: the load's own error is the one to report
        pass
