"""Test helpers: reflect a SQLite file into a Schema without the connector package."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from dbsynth.schema.model import Column, ForeignKey, LogicalType, PrimaryKey, Schema, Table, UniqueConstraint


def _logical(type_sql: str) -> LogicalType:
    t = type_sql.upper()
    if "INT" in t:
        return LogicalType.INTEGER
    if "NUMERIC" in t or "DECIMAL" in t:
        return LogicalType.DECIMAL
    if "REAL" in t or "FLOAT" in t or "DOUBLE" in t:
        return LogicalType.FLOAT
    if "DATETIME" in t or "TIMESTAMP" in t:
        return LogicalType.DATETIME
    if t == "DATE":
        return LogicalType.DATE
    if "BOOL" in t:
        return LogicalType.BOOLEAN
    if "BLOB" in t:
        return LogicalType.BINARY
    return LogicalType.TEXT


def reflect_sqlite(path: Path) -> tuple[Schema, dict[str, pd.DataFrame]]:
    engine = sa.create_engine(f"sqlite:///{path}")
    insp = sa.inspect(engine)
    tables = []
    for name in insp.get_table_names():
        pk = tuple(insp.get_pk_constraint(name)["constrained_columns"])
        cols = tuple(Column(name=c["name"], logical_type=_logical(str(c["type"])), type_sql=str(c["type"]),
                            nullable=bool(c["nullable"]) and c["name"] not in pk,
                            length=getattr(c["type"], "length", None),
                            scale=getattr(c["type"], "scale", None))
                     for c in insp.get_columns(name))
        nullable = {c.name: c.nullable for c in cols}
        fks = tuple(ForeignKey(columns=tuple(f["constrained_columns"]), referred_table=f["referred_table"],
                               referred_columns=tuple(f["referred_columns"] or pk), name=f.get("name"),
                               nullable=all(nullable[c] for c in f["constrained_columns"]))
                    for f in insp.get_foreign_keys(name))
        uniques = tuple(UniqueConstraint(columns=tuple(i["column_names"]))
                        for i in insp.get_indexes(name) if i["unique"])
        tables.append(Table(name=name, columns=cols, primary_key=PrimaryKey(pk) if pk else None,
                            foreign_keys=fks, unique_constraints=uniques))
    engine.dispose()
    with sqlite3.connect(path) as conn:
        frames = {t.name: pd.read_sql_query(f'SELECT * FROM "{t.name}"', conn) for t in tables}
    return Schema(dialect="sqlite", tables=tuple(tables)), frames
