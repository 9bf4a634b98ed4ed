"""Create the target schema from a reflected Schema.

Same dialect: keep the source's type strings, defaults, checks, ENUM types,
DOMAINs and sequences so the clone is exact. Cross dialect: map logical types
and transpile defaults / CHECKs with sqlglot, skipping (with a warning) what
does not translate. Foreign keys can be added after the data, as pg_restore
does, which makes every cycle loadable.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.types import UserDefinedType

from dbsynth.load.extensions import ensure_extensions
from dbsynth.schema.model import Column, ForeignKey, LogicalType, Schema, Table, TableKind

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

_SQLGLOT_DIALECT = {"postgresql": "postgres", "sqlite": "sqlite", "mysql": "mysql", "mariadb": "mysql",
                    "mssql": "tsql", "oracle": "oracle", "duckdb": "duckdb", "snowflake": "snowflake"}
_NEXTVAL = re.compile(r"nextval\('([^']+)'", re.IGNORECASE)


class _LiteralType(UserDefinedType):  # type: ignore[type-arg]
    """A column type rendered verbatim (same-dialect clone keeps `type_sql`)."""

    cache_ok = True

    def __init__(self, sql: str) -> None:
        self.sql = sql

    def get_col_spec(self, **kw: Any) -> str:
        return self.sql


@dataclass
class CreateResult:
    """What `create_schema` did, for the load summary."""

    tables: list[str] = field(default_factory=list)
    views_created: list[str] = field(default_factory=list)
    views_skipped: list[str] = field(default_factory=list)
    pending_fks: list[tuple[str, ForeignKey]] = field(default_factory=list)  # add after the data
    warnings: list[str] = field(default_factory=list)


def quote(conn: "Connection", name: str) -> str:
    return conn.dialect.identifier_preparer.quote_identifier(name)


def transpile(sql: str, *, source: str, target: str) -> str | None:
    """`sql` rewritten for `target`, or None when sqlglot cannot translate it.

    Column names are quoted so mixed-case names survive PostgreSQL's case folding.
    """
    if source == target:
        return sql
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import ErrorLevel

    try:
        tree = sqlglot.parse_one(sql, read=_SQLGLOT_DIALECT.get(source, source))
        for ident in tree.find_all(exp.Identifier):
            ident.set("quoted", True)
        return tree.sql(dialect=_SQLGLOT_DIALECT.get(target, target), unsupported_level=ErrorLevel.RAISE)
    except Exception:  # sqlglot raises many kinds: any failure means "does not transpile"
        return None


def logical_type(col: Column, *, target: str) -> sa.types.TypeEngine:  # type: ignore[type-arg]
    """A portable SQLAlchemy type for `col` (cross-dialect creation, generic binding)."""
    lt = col.logical_type
    if lt == LogicalType.INTEGER:
        return {2: sa.SmallInteger(), 4: sa.Integer()}.get(col.integer_bytes or 8, sa.BigInteger())
    if lt == LogicalType.DECIMAL:
        return sa.Numeric(col.precision, col.scale) if col.precision else sa.Numeric()
    if lt == LogicalType.ENUM and col.enum_values:
        size = max(len(v) for v in col.enum_values)
        return sa.Enum(*col.enum_values, native_enum=False, create_constraint=True, length=size,
                       name=f"ck_{col.name}_enum")
    if lt == LogicalType.TEXT:
        return sa.String(col.length) if col.length else sa.Text()
    if lt == LogicalType.DATETIME:
        return sa.DateTime(timezone=col.timezone)
    if lt == LogicalType.ARRAY and target == "postgresql":
        from sqlalchemy.dialects.postgresql import ARRAY
        return ARRAY(_LiteralType(col.item_type or "text"))
    simple: dict[LogicalType, Any] = {
        LogicalType.FLOAT: sa.Double(), LogicalType.BOOLEAN: sa.Boolean(), LogicalType.DATE: sa.Date(),
        LogicalType.TIME: sa.Time(), LogicalType.INTERVAL: sa.Interval(), LogicalType.UUID: sa.Uuid(),
        LogicalType.JSON: sa.JSON(), LogicalType.BINARY: sa.LargeBinary(),
    }
    return simple.get(lt, sa.Text())


def _same_dialect_type(col: Column, *, target: str, conn: "Connection") -> Any:
    if target == "postgresql" and col.domain:
        return _LiteralType(quote(conn, col.domain))
    if target == "postgresql" and col.enum_name:
        return _LiteralType(quote(conn, col.enum_name))
    return _LiteralType(col.type_sql)


def _default(col: Column, *, source: str, target: str, warnings: list[str], table: str) -> Any:
    if col.default is None:
        return None
    if source == target:
        return sa.text(col.default)
    if col.autoincrement or _NEXTVAL.search(col.default):
        return None  # an identity / rowid takes over
    out = transpile(col.default, source=source, target=target)
    if out is None:
        warnings.append(f"{table}.{col.name}: default {col.default!r} does not transpile; dropped")
        return None
    return sa.text(f"({out})")


def _sa_column(col: Column, *, table: Table, ctx: "_Ctx") -> sa.Column:  # type: ignore[type-arg]
    same = ctx.source == ctx.target
    typ = _same_dialect_type(col, target=ctx.target, conn=ctx.conn) if same else logical_type(col, target=ctx.target)
    kwargs: dict[str, Any] = {"nullable": col.nullable}
    default = _default(col, source=ctx.source, target=ctx.target, warnings=ctx.warnings, table=table.name)
    identity = (ctx.target == "postgresql" and col.autoincrement and col.logical_type == LogicalType.INTEGER
                and default is None and (not same or not col.sequence))
    if identity:
        return sa.Column(col.name, typ, sa.Identity(always=False), **kwargs)
    if default is not None and ctx.with_defaults:
        kwargs["server_default"] = default
    return sa.Column(col.name, typ, autoincrement=False, **kwargs)


@dataclass
class _Ctx:
    conn: "Connection"
    source: str
    target: str
    metadata: sa.MetaData
    warnings: list[str]
    inline_fks: bool
    alter_checks: bool = False  # add CHECKs one by one after CREATE TABLE, so one bad CHECK costs only itself
    with_checks: bool = True
    with_defaults: bool = True
    index_names: set[str] = field(default_factory=set)


def _checks(table: Table, ctx: _Ctx) -> list[sa.CheckConstraint]:
    out = []
    for i, check in enumerate(table.checks):
        sql = transpile(check.sqltext, source=ctx.source, target=ctx.target)
        if sql is None:
            ctx.warnings.append(f"{table.name}: CHECK {check.sqltext!r} does not transpile; skipped")
            continue
        out.append(sa.CheckConstraint(sa.text(sql), name=check.name))
    return out


def _fk_constraint(fk: ForeignKey) -> sa.ForeignKeyConstraint:
    refs = [f"{fk.referred_table}.{c}" for c in fk.referred_columns]
    return sa.ForeignKeyConstraint(list(fk.columns), refs, name=fk.name, ondelete=fk.on_delete,
                                   onupdate=fk.on_update, deferrable=fk.deferrable or None,
                                   initially="DEFERRED" if fk.initially_deferred else None)


def _sa_table(table: Table, ctx: _Ctx) -> sa.Table:
    parts: list[Any] = [_sa_column(c, table=table, ctx=ctx) for c in table.columns]
    if table.primary_key:
        parts.append(sa.PrimaryKeyConstraint(*table.primary_key.columns, name=table.primary_key.name))
    parts += [sa.UniqueConstraint(*u.columns, name=u.name) for u in table.unique_constraints]
    if ctx.with_checks and not ctx.alter_checks:
        parts += _checks(table, ctx)
    if ctx.inline_fks:
        parts += [_fk_constraint(fk) for fk in table.foreign_keys if fk.references_unique]
    return sa.Table(table.name, ctx.metadata, *parts)


def _create_indexes(table: Table, sa_table: sa.Table, ctx: _Ctx) -> None:
    for idx in table.indexes:
        if idx.expressions and ctx.source != ctx.target:
            ctx.warnings.append(f"{table.name}: expression index {idx.name!r} skipped (cross-dialect)")
            continue
        name = idx.name if idx.name not in ctx.index_names else f"{table.name}_{idx.name}"
        ctx.index_names.add(name)
        cols = [sa_table.c[c] for c in idx.columns if c in sa_table.c] + [sa.text(e) for e in idx.expressions]
        if cols:
            ctx.conn.execute(sa.schema.CreateIndex(sa.Index(name, *cols, unique=idx.unique)))


def _create_table(table: Table, ctx: _Ctx) -> None:
    """CREATE TABLE in a savepoint; on failure retry without CHECKs / defaults, with a warning."""
    for with_checks, with_defaults in ((True, True), (False, True), (False, False)):
        ctx.with_checks, ctx.with_defaults = with_checks, with_defaults
        if table.name in ctx.metadata.tables:  # prebuilt so inline FKs can resolve their targets
            ctx.metadata.remove(ctx.metadata.tables[table.name])
        sa_table = _sa_table(table, ctx)
        try:
            with ctx.conn.begin_nested():
                ctx.conn.execute(sa.schema.CreateTable(sa_table))
        except sa.exc.DBAPIError as exc:
            ctx.metadata.remove(sa_table)
            if not with_defaults:
                raise
            ctx.warnings.append(f"{table.name}: retrying CREATE TABLE without "
                                f"{'CHECKs' if with_checks else 'defaults'} ({_first_line(exc)})")
            continue
        _create_indexes(table, sa_table, ctx)
        if ctx.alter_checks:
            _alter_checks(table, sa_table, ctx)
        return


def _alter_checks(table: Table, sa_table: sa.Table, ctx: _Ctx) -> None:
    for check, source in zip(_checks(table, ctx), [c for c in table.checks if transpile(
            c.sqltext, source=ctx.source, target=ctx.target) is not None]):
        sa_table.append_constraint(check)
        try:
            with ctx.conn.begin_nested():
                ctx.conn.execute(sa.schema.AddConstraint(check))
        except sa.exc.DBAPIError as exc:
            ctx.warnings.append(f"{table.name}: CHECK {source.sqltext!r} skipped ({_first_line(exc)})")


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    return str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__


def _pg_types(schema: Schema, ctx: _Ctx) -> None:
    """CREATE TYPE (ENUM), DOMAIN and SEQUENCE objects the tables refer to (same-dialect PostgreSQL)."""
    enums: dict[str, tuple[str, ...]] = {}
    domains: dict[str, Column] = {}
    sequences: set[str] = set()
    for table in schema.data_tables:
        for col in table.columns:
            if col.enum_name and col.enum_values:
                enums.setdefault(col.enum_name, col.enum_values)
            if col.domain and col.domain_type_sql:
                domains.setdefault(col.domain, col)
            match = _NEXTVAL.search(col.default or "")
            if match:
                sequences.add(match.group(1))
    q = lambda n: quote(ctx.conn, n)  # noqa: E731
    for name, values in sorted(enums.items()):
        labels = ", ".join("'" + v.replace("'", "''") + "'" for v in values)
        ctx.conn.exec_driver_sql(f"CREATE TYPE {q(name)} AS ENUM ({labels})")
    for name, col in sorted(domains.items()):
        checks = " ".join(f"CHECK ({c})" for c in col.domain_checks)
        ctx.conn.exec_driver_sql(f"CREATE DOMAIN {q(name)} AS {col.domain_type_sql} {checks}".strip())
    for seq in sorted(sequences):
        ctx.conn.exec_driver_sql(f"CREATE SEQUENCE IF NOT EXISTS {seq}")


def _create_views(schema: Schema, ctx: _Ctx, result: CreateResult) -> None:
    for view in (t for t in schema.tables if t.kind == TableKind.VIEW):
        sql = _view_sql(view, ctx)
        if sql is None:
            result.views_skipped.append(view.name)
            result.warnings.append(f"view {view.name!r}: definition does not transpile; skipped")
            continue
        try:
            with ctx.conn.begin_nested():
                ctx.conn.exec_driver_sql(sql)
                # SQLite binds a view's tables lazily: query it so a broken one fails here.
                ctx.conn.exec_driver_sql(f"SELECT * FROM {quote(ctx.conn, view.name)} WHERE 1 = 0").fetchall()
            result.views_created.append(view.name)
        except sa.exc.DBAPIError as exc:
            result.views_skipped.append(view.name)
            result.warnings.append(f"view {view.name!r} skipped: {_first_line(exc)}")


def _view_sql(view: Table, ctx: _Ctx) -> str | None:
    body = (view.view_definition or "").strip().rstrip(";")
    if not body:
        return None
    match = re.match(r"(?is)^create\s+(?:temp\w*\s+)?view\s+.+?\s+as\s+(.*)$", body)
    if match:
        body = match.group(1)
    body = transpile(body, source=ctx.source, target=ctx.target)
    return f"CREATE VIEW {quote(ctx.conn, view.name)} AS {body}" if body else None


def create_schema(conn: "Connection", *, schema: Schema, target_dialect: str,
                  fks_after_data: bool) -> CreateResult:
    """Create every data table (and views) of `schema` on `conn`, inside its transaction.

    With `fks_after_data`, FK constraints are left out and returned as
    `pending_fks` for `add_foreign_keys` once the rows are in.
    """
    result = CreateResult()
    ctx = _Ctx(conn=conn, source=schema.dialect, target=target_dialect, metadata=sa.MetaData(),
               warnings=result.warnings, inline_fks=not fks_after_data, alter_checks=fks_after_data)
    if target_dialect == "postgresql" and schema.dialect == "postgresql":
        result.warnings += [f"created extension {e!r} in the target: column types need it"
                            for e in ensure_extensions(conn, schema)]
        _pg_types(schema, ctx)
    if ctx.inline_fks:
        for table in schema.data_tables:
            _sa_table(table, ctx)
    for table in schema.data_tables:
        _create_table(table, ctx)
        result.tables.append(table.name)
        if fks_after_data:
            result.pending_fks += [(table.name, fk) for fk in table.foreign_keys if fk.references_unique]
    skipped = [t.name for t in schema.tables if t.kind == TableKind.PARTITION]
    result.warnings += [f"partition {name!r} not created (rows go through its parent)" for name in skipped]
    _create_views(schema, ctx, result)
    return result


def fk_name(table: str, fk: ForeignKey, *, max_len: int = 63) -> str:
    return fk.name or f"{table}_{'_'.join(fk.columns)}_fkey"[:max_len]


def add_foreign_key_sql(conn: "Connection", table: str, fk: ForeignKey) -> str:
    """ALTER TABLE ... ADD CONSTRAINT ... FOREIGN KEY, validated against the rows already in."""
    q = lambda n: quote(conn, n)  # noqa: E731
    cols = ", ".join(q(c) for c in fk.columns)
    refs = ", ".join(q(c) for c in fk.referred_columns)
    sql = (f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(fk_name(table, fk))} FOREIGN KEY ({cols}) "
           f"REFERENCES {q(fk.referred_table)} ({refs})")
    sql += f" ON DELETE {fk.on_delete}" if fk.on_delete else ""
    sql += f" ON UPDATE {fk.on_update}" if fk.on_update else ""
    if fk.deferrable:
        sql += " DEFERRABLE INITIALLY " + ("DEFERRED" if fk.initially_deferred else "IMMEDIATE")
    return sql


def create_triggers(conn: "sa.Connection", *, schema: Schema, source_dialect: str) -> tuple[list[str], list[str]]:
    """Re-create the source's triggers on a schema dbsynth created (same dialect only).

    Called after the rows are in, so they never fire on the loaded data. A
    trigger whose definition fails here (e.g. a PostgreSQL trigger whose
    function dbsynth does not copy) is skipped and named.
    """
    created: list[str] = []
    skipped: list[str] = []
    if conn.dialect.name != source_dialect:
        return created, [t.name for table in schema.data_tables for t in table.triggers]
    for table in schema.data_tables:
        for trig in table.triggers:
            if not trig.definition:
                skipped.append(trig.name)
                continue
            try:
                with conn.begin_nested():
                    conn.exec_driver_sql(trig.definition)
                created.append(trig.name)
            except sa.exc.DBAPIError as exc:
                skipped.append(f"{trig.name} ({_first_line(exc)})")
    return created, skipped
