"""MySQL / MariaDB pieces of target DDL (called from dbsynth/load/ddl.py by short hooks).

* AUTO_INCREMENT on the column that had it (MySQL) or a serial / identity
  (PostgreSQL), when it leads the primary key, as MySQL requires;
* types MySQL needs otherwise: native ENUM, CHAR(36) UUIDs, VARCHAR(255) for
  unbounded text in a key (MySQL cannot index TEXT without a prefix);
* FULLTEXT / SPATIAL indexes (same dialect), other kinds skipped cross-dialect;
* one summary line saying how types were mapped across dialects.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from dbsynth.schema.model import Column, Index, LogicalType, Schema, Table

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


def _keyed(table: Table) -> set[str]:
    cols = set(table.pk_columns)
    for u in table.unique_constraints:
        cols |= set(u.columns)
    for i in table.indexes:
        cols |= set(i.columns)
    for fk in table.foreign_keys:
        cols |= set(fk.columns)
    return cols


def auto_increment(col: Column, table: Table) -> bool:
    """The column leads the primary key and the source generated its values."""
    return (col.autoincrement and col.logical_type == LogicalType.INTEGER and not col.generated
            and bool(table.pk_columns) and table.pk_columns[0] == col.name)


def mysql_column_type(col: Column, table: Table, typ: Any, *, conn: "Connection", same: bool) -> Any:
    """`typ` adjusted for a MySQL target (see the module docstring)."""
    from dbsynth.load.ddl import _LiteralType
    if not same:
        if col.logical_type == LogicalType.ENUM and col.enum_values:
            from sqlalchemy.dialects.mysql import ENUM
            typ = ENUM(*col.enum_values)
        elif col.logical_type == LogicalType.UUID:
            typ = sa.CHAR(36)
        elif isinstance(typ, sa.Text) and col.name in _keyed(table):
            typ = sa.String(255)
        elif col.logical_type == LogicalType.INTERVAL:
            typ = sa.String(64)  # MySQL has no interval type: kept as text
    if auto_increment(col, table):
        spec = typ.compile(dialect=conn.dialect) if not isinstance(typ, _LiteralType) else typ.sql
        if "AUTO_INCREMENT" not in spec.upper():
            typ = _LiteralType(f"{spec} AUTO_INCREMENT")
    return typ


def mysql_index_kwargs(idx: Index, *, same: bool) -> dict[str, Any] | None:
    """mysql_prefix for FULLTEXT / SPATIAL (same dialect); None: skip the index."""
    if idx.method in ("fulltext", "spatial"):
        return {"mysql_prefix": idx.method.upper()} if same else None
    return {}


_NOTED = (LogicalType.ENUM, LogicalType.BOOLEAN, LogicalType.JSON, LogicalType.UUID, LogicalType.ARRAY,
          LogicalType.INTERVAL, LogicalType.OTHER)


def mapping_notes(schema: Schema, *, source: str, target: str) -> list[str]:
    """One line naming how notable column types were mapped from `source` to `target`."""
    if source == target or "mysql" not in (source, target):
        return []
    seen: dict[str, str] = {}
    for table in schema.data_tables:
        for col in table.columns:
            label = _mapped(col, source=source, target=target)
            if label:
                seen.setdefault(label, f"{table.name}.{col.name}")
    if not seen:
        return []
    parts = [f"{label} (e.g. {where})" for label, where in seen.items()]
    return [f"types mapped {source} → {target}: " + "; ".join(parts)]


def _mapped(col: Column, *, source: str, target: str) -> str | None:
    lt = col.logical_type
    to_mysql = target == "mysql"
    if lt == LogicalType.DATETIME and col.timezone and to_mysql:
        return f"{col.type_sql} → DATETIME (UTC)"
    if lt == LogicalType.DATETIME and not to_mysql and col.type_sql.upper().startswith("TIMESTAMP"):
        return f"{col.type_sql.split(' ON ')[0]} → timestamp (UTC)"
    if lt not in _NOTED and not (col.autoincrement and lt == LogicalType.INTEGER):
        return None
    if col.autoincrement and lt == LogicalType.INTEGER:
        if to_mysql:
            return "serial/identity → AUTO_INCREMENT"
        return "AUTO_INCREMENT → identity" if target == "postgresql" else "AUTO_INCREMENT → integer key"
    if lt == LogicalType.ENUM:
        return f"{col.enum_name or 'enum'} → ENUM" if to_mysql else "ENUM → varchar + CHECK"
    if lt == LogicalType.BOOLEAN:
        return "boolean → TINYINT(1)" if to_mysql else "TINYINT(1) → boolean"
    target_type = {LogicalType.JSON: "JSON" if to_mysql else "json", LogicalType.UUID: "CHAR(36)",
                   LogicalType.ARRAY: "TEXT (JSON array)", LogicalType.INTERVAL: "VARCHAR(64)"}.get(lt, "text")
    return f"{col.type_sql.split('(')[0]} → {target_type}"


def align_fk_types(schema: Schema, warnings: list[str]) -> Schema:
    """FKs as InnoDB accepts them (it refuses, with errno 150, what PostgreSQL allows):
    integer FK columns take their parent column's width (no INT → SMALLINT FK), and an
    ON DELETE / ON UPDATE SET NULL on a NOT NULL column, or SET DEFAULT, is left out (said)."""
    from dataclasses import replace

    widths = {(t.name, c.name): c.integer_bytes for t in schema.data_tables for c in t.columns
              if c.logical_type == LogicalType.INTEGER}
    tables = []
    for table in schema.tables:
        want: dict[str, int | None] = {}
        for fk in table.foreign_keys:
            for a, b in zip(fk.columns, fk.referred_columns):
                if (table.name, a) in widths and (fk.referred_table, b) in widths:
                    want[a] = widths[(fk.referred_table, b)]
        columns = tuple(replace(c, integer_bytes=want[c.name]) if c.name in want else c for c in table.columns)
        tables.append(replace(table, columns=columns,
                              foreign_keys=tuple(_innodb_actions(table, fk, warnings) for fk in table.foreign_keys)))
    return schema.with_tables(tuple(tables))


def _innodb_actions(table: Table, fk: Any, warnings: list[str]) -> Any:
    from dataclasses import replace
    not_null = any(not table.column(c).nullable for c in fk.columns if c in table.column_names)
    changes = {}
    for attr in ("on_delete", "on_update"):
        action = (getattr(fk, attr) or "").upper()
        if action == "SET DEFAULT" or (action == "SET NULL" and not_null):
            changes[attr] = None
            warnings.append(f"{table.name}{fk.label}: {attr.replace('_', ' ').upper()} {action} left out "
                            "(InnoDB refuses it on this column)")
    return replace(fk, **changes) if changes else fk
