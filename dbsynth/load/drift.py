"""Drift between the source Schema and an existing target (alembic compare_metadata).

Types are not compared: a reflected type string and a mapped logical type
differ in spelling far more often than in substance, which would bury real
drift (missing tables, columns, nullability, keys) under noise.
"""
from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from dbsynth.load.ddl import _fk_constraint as fk_constraint, logical_type
from dbsynth.schema.model import Schema

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


def metadata_from_schema(schema: Schema, *, target_dialect: str) -> sa.MetaData:
    """A SQLAlchemy MetaData mirroring the data tables of `schema` (portable types)."""
    md = sa.MetaData()
    for table in schema.data_tables:
        parts: list[Any] = [sa.Column(c.name, logical_type(c, target=target_dialect), nullable=c.nullable)
                            for c in table.columns]
        if table.primary_key:
            parts.append(sa.PrimaryKeyConstraint(*table.primary_key.columns))
        parts += [sa.UniqueConstraint(*u.columns, name=u.name) for u in table.unique_constraints]
        # as the DDL writes them (ON DELETE/UPDATE, DEFERRABLE): alembic compares those options too
        parts += [fk_constraint(fk) for fk in table.foreign_keys if schema.has_table(fk.referred_table)]
        # plain column indexes, as dbsynth creates them (load/ddl.py): a target it built must show no drift
        parts += [sa.Index(i.name, *i.columns, unique=i.unique) for i in _comparable_indexes(table)]
        sa.Table(table.name, md, *parts)
    return md


def _comparable_indexes(table: Any) -> list[Any]:
    """Indexes alembic can compare by columns: no expressions, predicate or access method."""
    return [i for i in table.indexes if i.columns and not i.expressions and not i.where and not i.method
            and set(i.columns) <= set(table.column_names)]


def _uncompared_index_names(schema: Schema) -> set[str]:
    """Expression, partial and non-btree indexes: alembic cannot compare them, so they are not drift.

    Both spellings count: the source name and `table_name`, the one the DDL
    uses when two tables share an index name.
    """
    names: set[str] = set()
    for table in schema.data_tables:
        plain = {i.name for i in _comparable_indexes(table)}
        for idx in table.indexes:
            if idx.name not in plain:
                names |= {idx.name, f"{table.name}_{idx.name}"}
    return names


def _describe(diff: Any) -> str:
    if isinstance(diff, list):  # column-level modifications come grouped
        return "; ".join(_describe(d) for d in diff)
    op, *args = diff
    if op in ("add_table", "remove_table"):
        where = "missing in target" if op == "add_table" else "only in target"
        return f"table {args[0].name!r} {where}"
    if op in ("add_column", "remove_column"):
        where = "missing in target" if op == "add_column" else "only in target"
        return f"column {args[1]}.{args[2].name} {where}"
    if op == "modify_nullable":
        _, table, col, _, existing, wanted = args
        return f"column {table}.{col}: target nullable={existing}, source nullable={wanted}"
    if op.endswith("_fk") or op.endswith("_constraint") or op.endswith("_index"):
        obj = args[0]
        table = getattr(getattr(obj, "table", None), "name", None) or getattr(obj, "parent", None)
        kind = op.split("_", 1)[1]
        where = "missing in target" if op.startswith("add") else "only in target"
        return f"{kind} {getattr(obj, 'name', None) or ''} on {table}: {where}".replace("  ", " ")
    return f"{op}: {args!r}"


def drift_lines(conn: "Connection", *, schema: Schema, target_dialect: str) -> list[str]:
    """Human-readable differences between `schema` and the tables already in the target."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    md = metadata_from_schema(schema, target_dialect=target_dialect)
    names = set(md.tables)
    uncompared = _uncompared_index_names(schema)

    def include(name: str | None, type_: str, parent: Any) -> bool:
        if type_ == "table":
            return name in names
        return not (type_ in ("index", "unique_constraint") and name in uncompared)

    ctx = MigrationContext.configure(conn, opts={"compare_type": False, "include_name": include})
    with warnings.catch_warnings():  # FK cycles make SQLAlchemy warn about sort order; harmless here
        warnings.simplefilter("ignore", sa.exc.SAWarning)
        return [_describe(d) for d in compare_metadata(ctx, md)]


def existing_tables(conn: "Connection", *, schema: Schema) -> tuple[list[str], list[str]]:
    """(present, missing) data tables of `schema` in the target."""
    from dbsynth.load.ddl import target_schema_name
    have = set(sa.inspect(conn).get_table_names(schema=target_schema_name(conn, schema)))
    present = [t.name for t in schema.data_tables if t.name in have]
    missing = [t.name for t in schema.data_tables if t.name not in have]
    return present, missing
