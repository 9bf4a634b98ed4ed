"""Create the target schema from a reflected Schema.

Same dialect: keep the source's types, defaults, checks, ENUM types, DOMAINs,
sequences, identity and generated columns, partial indexes and EXCLUDE
constraints so the clone is exact. Cross dialect: map logical types. Either
way no text read from the source is pasted into a statement: expressions are
parsed and re-emitted (dbsynth.schema.sqltext), names are quoted, and what
cannot be re-emitted safely is skipped with a warning. Foreign keys can be
added after the data, as pg_restore does, which makes every cycle loadable.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.types import UserDefinedType

from dbsynth.load.extensions import ensure_extensions
from dbsynth.schema.model import Column, ExclusionConstraint, ForeignKey, LogicalType, Schema, Table, TableKind
from dbsynth.schema.sqltext import Kind, safe_sql, sql_literal

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

# A type string kept verbatim must be a type, not a place to hide a statement.
_UNSAFE_TYPE = re.compile(r";|--|/\*")
_ACCESS_METHOD = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_OPERATOR = re.compile(r"^[-+*/<>=~!@#%^&|`?]{1,8}$")  # PostgreSQL operator characters only


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
    later: list["LaterStep"] = field(default_factory=list)  # create_bare_schema: keys, indexes, CHECKs to build


@dataclass(frozen=True)
class LaterStep:
    """One statement a parallel load runs after the data, as pg_restore does (create_bare_schema).

    optional: the sequential loader skips this object with a warning when the statement itself
    fails (an index predicate or a CHECK the target cannot take); a row breaking it still fails.
    """

    table: str
    name: str
    kind: str  # primary key | unique | index | exclude | check
    sql: str
    optional: bool = False
    unique: tuple[str, ...] = ()  # the column set this object keeps unique, once built


def quote(conn: "Connection", name: str) -> str:
    return conn.dialect.identifier_preparer.quote_identifier(name)


def transpile(sql: str, *, source: str, target: str, kind: Kind = "expression") -> str | None:
    """`sql` parsed and re-emitted for `target` (same dialect too), or None when refused.

    Column names are quoted so mixed-case names survive PostgreSQL's case folding.
    """
    return safe_sql(sql, source=source, target=target, kind=kind).sql


def _reemit(sql: str, *, what: str, ctx: "_Ctx", table: str, kind: Kind = "expression",
            keywords: tuple[str, ...] = ()) -> str | None:
    """`transpile` that says (once, in the summary) why a source text was not re-created."""
    out = safe_sql(sql, source=ctx.source, target=ctx.target, kind=kind, keywords=keywords)
    if out.sql is None:
        ctx.warnings.append(f"{table}: {what} {' '.join(sql.split())[:120]!r} not re-created: {out.reason}")
    return out.sql


def logical_type(col: Column, *, target: str) -> sa.types.TypeEngine:  # type: ignore[type-arg]
    """A portable SQLAlchemy type for `col` (cross-dialect creation, generic binding)."""
    lt = col.logical_type
    if lt == LogicalType.INTEGER:
        nbytes = col.integer_bytes or 8  # MySQL TINYINT (1) and MEDIUMINT (3) take the next width
        return sa.SmallInteger() if nbytes <= 2 else sa.Integer() if nbytes <= 4 else sa.BigInteger()
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
        item = col.item_type if col.item_type and not _UNSAFE_TYPE.search(col.item_type) else "text"
        return ARRAY(_LiteralType(item))
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
    if _UNSAFE_TYPE.search(col.type_sql):
        return None
    return _LiteralType(col.type_sql)


def _sequence_default(col: Column, ctx: "_Ctx") -> Any:
    """nextval() of the sequence dbsynth created, named by dbsynth (quoted), never the source's text."""
    return sa.text(f"nextval({sql_literal(quote(ctx.conn, col.sequence or ''))}::regclass)")


def _default(col: Column, *, table: Table, ctx: "_Ctx") -> Any:
    if col.default is None or col.generated or col.identity:
        return None
    same = ctx.source == ctx.target
    if col.sequence:
        return _sequence_default(col, ctx) if same and ctx.target == "postgresql" else None
    if not same and col.autoincrement:
        return None  # an identity / rowid takes over
    out = _reemit(col.default, what=f"default of {col.name}", ctx=ctx, table=table.name, kind="default")
    return sa.text(f"({out})") if out is not None else None


def _sa_column(col: Column, *, table: Table, ctx: "_Ctx") -> sa.Column:  # type: ignore[type-arg]
    same = ctx.source == ctx.target
    typ = _same_dialect_type(col, target=ctx.target, conn=ctx.conn) if same else None
    if typ is None:
        if same:
            ctx.warnings.append(f"{table.name}.{col.name}: type {col.type_sql!r} not copied verbatim; "
                                "mapped from its logical type")
        typ = logical_type(col, target=ctx.target)
    if ctx.target == "mysql":
        from dbsynth.load.ddl_mysql import mysql_column_type
        typ = mysql_column_type(col, table, typ, conn=ctx.conn, same=same)
    kwargs: dict[str, Any] = {"nullable": col.nullable}
    if col.generated:
        computed = _reemit(col.generated, what=f"generated column {col.name}", ctx=ctx, table=table.name)
        if computed is not None:
            stored = col.generated_stored or ctx.target == "postgresql"  # PostgreSQL has STORED only
            return sa.Column(col.name, typ, sa.Computed(sa.text(computed), persisted=stored), **kwargs)
    default = _default(col, table=table, ctx=ctx)
    if col.identity and ctx.target == "postgresql":
        return sa.Column(col.name, typ, sa.Identity(always=col.identity == "always"), **kwargs)
    identity = (ctx.target == "postgresql" and col.autoincrement and col.logical_type == LogicalType.INTEGER
                and default is None and not same)
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
    sequence_users: dict[str, int] = field(default_factory=dict)  # sequence -> columns calling it
    later: list[LaterStep] | None = None  # bare tables: keys, indexes and CHECKs are collected, not run


def _later(ctx: _Ctx, table: str, name: str | None, kind: str, construct: Any, *, optional: bool = False,
           unique: tuple[str, ...] = ()) -> None:
    # compiled for a named-paramstyle dialect: psycopg's would double every % (a LIKE pattern in a CHECK),
    # and these statements run later without parameters
    from sqlalchemy.dialects import postgresql
    sql = construct if isinstance(construct, str) else str(construct.compile(
        dialect=postgresql.dialect(paramstyle="named")))
    assert ctx.later is not None
    ctx.later.append(LaterStep(table=table, name=name or f"{table} {kind}", kind=kind, sql=sql, optional=optional,
                               unique=tuple(unique)))


def _checks(table: Table, ctx: _Ctx) -> list[tuple[sa.CheckConstraint, str]]:
    """Each CHECK that re-emits safely, with its source text (for warnings)."""
    out = []
    for check in table.checks:
        sql = _reemit(check.sqltext, what="CHECK", ctx=ctx, table=table.name)
        if sql is not None:
            out.append((sa.CheckConstraint(sa.text(sql), name=check.name), check.sqltext))
    return out


def _fk_constraint(fk: ForeignKey) -> sa.ForeignKeyConstraint:
    refs = [f"{fk.referred_table}.{c}" for c in fk.referred_columns]
    return sa.ForeignKeyConstraint(list(fk.columns), refs, name=fk.name, ondelete=fk_action(fk.on_delete),
                                   onupdate=fk_action(fk.on_update), deferrable=fk.deferrable or None,
                                   initially="DEFERRED" if fk.initially_deferred else None)


def _sa_table(table: Table, ctx: _Ctx) -> sa.Table:
    parts: list[Any] = [_sa_column(c, table=table, ctx=ctx) for c in table.columns]
    if ctx.later is not None:  # bare: keys and CHECKs come after the data (_later_keys)
        return sa.Table(table.name, ctx.metadata, *parts)
    if table.primary_key:
        parts.append(sa.PrimaryKeyConstraint(*table.primary_key.columns, name=table.primary_key.name))
    parts += [sa.UniqueConstraint(*u.columns, name=u.name) for u in table.unique_constraints]
    if ctx.with_checks and not ctx.alter_checks:
        parts += [c for c, _ in _checks(table, ctx)]
    if ctx.inline_fks:
        parts += [_fk_constraint(fk) for fk in table.foreign_keys if fk.references_unique]
    return sa.Table(table.name, ctx.metadata, *parts)


def _create_indexes(table: Table, sa_table: sa.Table, ctx: _Ctx) -> None:
    for idx in table.indexes:
        if idx.expressions and ctx.source != ctx.target:
            ctx.warnings.append(f"{table.name}: expression index {idx.name!r} skipped (cross-dialect)")
            continue
        exprs = [_reemit(e, what=f"index {idx.name} expression", ctx=ctx, table=table.name)
                 for e in idx.expressions]
        where = _reemit(idx.where, what=f"index {idx.name} predicate", ctx=ctx, table=table.name) \
            if idx.where else None
        if None in exprs or (idx.where and where is None):
            continue
        # index names are per schema in PostgreSQL and SQLite, per table in MySQL (keep the source's there)
        name = idx.name if idx.name not in ctx.index_names or ctx.target == "mysql" else f"{table.name}_{idx.name}"
        ctx.index_names.add(name)
        cols = [sa_table.c[c] for c in idx.columns if c in sa_table.c] + [sa.text(e) for e in exprs if e]
        kwargs: dict[str, Any] = {f"{ctx.target}_where": sa.text(where)} \
            if where and ctx.target in ("postgresql", "sqlite") else {}
        if idx.method and ctx.source == ctx.target == "postgresql":
            if not _ACCESS_METHOD.match(idx.method):
                ctx.warnings.append(f"{table.name}: index {idx.name!r} access method {idx.method!r} not copied")
                continue
            kwargs["postgresql_using"] = idx.method
        if ctx.target == "mysql":
            from dbsynth.load.ddl_mysql import mysql_index_kwargs
            extra = mysql_index_kwargs(idx, same=ctx.source == ctx.target)
            if extra is None:
                ctx.warnings.append(f"{table.name}: {idx.method} index {idx.name!r} skipped (cross-dialect)")
                continue
            kwargs.update(extra)
        if cols and ctx.target == "mysql":  # a failed statement leaves a MySQL transaction usable
            try:
                ctx.conn.execute(sa.schema.CreateIndex(sa.Index(name, *cols, unique=idx.unique, _table=sa_table,
                                                                **kwargs)))
            except sa.exc.DBAPIError as exc:
                ctx.warnings.append(f"{table.name}: index {idx.name!r} skipped ({_first_line(exc)})")
        elif cols and ctx.later is not None:
            _later(ctx, table.name, name, "index", sa.schema.CreateIndex(
                sa.Index(name, *cols, unique=idx.unique, _table=sa_table, **kwargs)),
                unique=idx.columns if idx.unique and not idx.expressions and not idx.where else ())
        elif cols:
            # an index of expressions only names no column: bind it to its table explicitly
            ctx.conn.execute(sa.schema.CreateIndex(sa.Index(name, *cols, unique=idx.unique, _table=sa_table,
                                                            **kwargs)))


def _create_exclusions(table: Table, ctx: _Ctx) -> None:
    """EXCLUDE constraints, built from (column, operator) pairs the catalog gave (same-dialect PostgreSQL)."""
    for exc in table.exclusions:
        label = exc.name or "EXCLUDE"
        if ctx.target != "postgresql" or ctx.source != "postgresql":
            ctx.warnings.append(f"{table.name}: EXCLUDE constraint {label!r} not re-created "
                                f"({ctx.target} has no exclusion constraints)")
            continue
        if not exc.columns:
            ctx.warnings.append(f"{table.name}: EXCLUDE constraint {label!r} not re-created "
                                "(an element is an expression or an unusual operator)")
            continue
        sql = exclusion_sql(ctx.conn, table.name, exc, ctx=ctx)
        if sql is None:
            continue
        if exc.method == "gist" and ctx.later is None:  # scalar columns with = in GiST need btree_gist
            _try(ctx.conn, "CREATE EXTENSION IF NOT EXISTS btree_gist")
        if ctx.later is not None:
            _later(ctx, table.name, exc.name, "exclude", sql, optional=True,
                   unique=exc.columns if exc.is_unique else ())
            continue
        try:
            with ctx.conn.begin_nested():
                ctx.conn.exec_driver_sql(sql)
        except sa.exc.DBAPIError as err:
            ctx.warnings.append(f"{table.name}: EXCLUDE constraint {label!r} not re-created ({_first_line(err)})")


def exclusion_sql(conn: "Connection", table: str, exc: ExclusionConstraint, *, ctx: "_Ctx | None" = None) -> str | None:
    """ALTER TABLE … ADD [CONSTRAINT name] EXCLUDE USING method (col WITH op, …) [WHERE (…)]."""
    if not _ACCESS_METHOD.match(exc.method) or not all(_OPERATOR.match(op) for op in exc.operators):
        if ctx is not None:  # a schema file is input too: method and operators are words, not text
            ctx.warnings.append(f"{table}: EXCLUDE constraint {exc.name!r} not re-created (unusual method/operator)")
        return None
    q = lambda n: quote(conn, n)  # noqa: E731
    elements = ", ".join(f"{q(c)} WITH {op}" for c, op in zip(exc.columns, exc.operators))
    named = f"CONSTRAINT {q(exc.name)} " if exc.name else ""
    sql = f"ALTER TABLE {q(table)} ADD {named}EXCLUDE USING {exc.method} ({elements})"
    if exc.where:
        where = _reemit(exc.where, what=f"EXCLUDE {exc.name} predicate", ctx=ctx, table=table) if ctx else None
        if where is None:
            return None
        sql += f" WHERE ({where})"
    return sql


def _try(conn: "Connection", sql: str) -> bool:
    try:
        with conn.begin_nested():
            conn.exec_driver_sql(sql)
        return True
    except sa.exc.DBAPIError:
        return False


def savepoint(conn: "Connection") -> Any:
    """A savepoint around one DDL statement; none on MySQL, where DDL commits implicitly
    (a savepoint would be gone) and a failed statement leaves the transaction usable."""
    from contextlib import nullcontext
    return nullcontext() if conn.dialect.name == "mysql" else conn.begin_nested()


def _create_table(table: Table, ctx: _Ctx) -> None:
    """CREATE TABLE in a savepoint; on failure retry without CHECKs / defaults, with a warning."""
    for with_checks, with_defaults in ((True, True), (False, True), (False, False)):
        ctx.with_checks, ctx.with_defaults = with_checks, with_defaults
        if table.name in ctx.metadata.tables:  # prebuilt so inline FKs can resolve their targets
            ctx.metadata.remove(ctx.metadata.tables[table.name])
        sa_table = _sa_table(table, ctx)
        try:
            with savepoint(ctx.conn):
                ctx.conn.execute(sa.schema.CreateTable(sa_table))
        except sa.exc.DBAPIError as exc:
            ctx.metadata.remove(sa_table)
            if not with_defaults:
                raise
            ctx.warnings.append(f"{table.name}: retrying CREATE TABLE without "
                                f"{'CHECKs' if with_checks else 'defaults'} ({_first_line(exc)})")
            continue
        if ctx.later is not None:
            _later_keys(table, sa_table, ctx)
        _create_indexes(table, sa_table, ctx)
        _create_exclusions(table, ctx)
        _own_sequences(table, ctx)
        if ctx.alter_checks:
            _alter_checks(table, sa_table, ctx)
        return


def _own_sequences(table: Table, ctx: _Ctx) -> None:
    """ALTER SEQUENCE … OWNED BY, so the target's pg_get_serial_sequence finds a serial's sequence."""
    if ctx.source != "postgresql" or ctx.target != "postgresql":
        return
    q = lambda n: quote(ctx.conn, n)  # noqa: E731
    for col in table.columns:
        if col.sequence and ctx.sequence_users.get(col.sequence) == 1:
            ctx.conn.exec_driver_sql(f"ALTER SEQUENCE {q(col.sequence)} OWNED BY {q(table.name)}.{q(col.name)}")


def _later_keys(table: Table, sa_table: sa.Table, ctx: _Ctx) -> None:
    """The primary key and UNIQUE constraints of a bare table, as ALTER TABLE … ADD statements."""
    if table.primary_key:
        pk = sa.PrimaryKeyConstraint(*table.primary_key.columns, name=table.primary_key.name)
        sa_table.append_constraint(pk)
        _later(ctx, table.name, table.primary_key.name or f"{table.name}_pkey", "primary key",
               sa.schema.AddConstraint(pk), unique=table.primary_key.columns)
    for u in table.unique_constraints:
        uc = sa.UniqueConstraint(*u.columns, name=u.name)
        sa_table.append_constraint(uc)
        _later(ctx, table.name, u.name or f"{table.name}_{'_'.join(u.columns)}_key", "unique",
               sa.schema.AddConstraint(uc), unique=u.columns)


def _alter_checks(table: Table, sa_table: sa.Table, ctx: _Ctx) -> None:
    for check, source in _checks(table, ctx):
        sa_table.append_constraint(check)
        if ctx.later is not None:
            _later(ctx, table.name, check.name or f"CHECK {source}", "check", sa.schema.AddConstraint(check),
                   optional=True)
            continue
        try:
            with ctx.conn.begin_nested():
                ctx.conn.execute(sa.schema.AddConstraint(check))
        except sa.exc.DBAPIError as exc:
            ctx.warnings.append(f"{table.name}: CHECK {source!r} skipped ({_first_line(exc)})")


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    return str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__


def _pg_types(schema: Schema, ctx: _Ctx) -> None:
    """CREATE TYPE (ENUM), DOMAIN and SEQUENCE objects the tables refer to (same-dialect PostgreSQL)."""
    enums: dict[str, tuple[str, ...]] = {}
    domains: dict[str, Column] = {}
    for table in schema.data_tables:
        for col in table.columns:
            if col.enum_name and col.enum_values:
                enums.setdefault(col.enum_name, col.enum_values)
            if col.domain and col.domain_type_sql:
                domains.setdefault(col.domain, col)
            if col.sequence:
                ctx.sequence_users[col.sequence] = ctx.sequence_users.get(col.sequence, 0) + 1
    q = lambda n: quote(ctx.conn, n)  # noqa: E731
    for name, values in sorted(enums.items()):
        labels = ", ".join(sql_literal(v) for v in values)
        ctx.conn.exec_driver_sql(f"CREATE TYPE {q(name)} AS ENUM ({labels})")
    for name, col in sorted(domains.items()):
        _create_domain(name, col, ctx)
    for seq in sorted(ctx.sequence_users):
        ctx.conn.exec_driver_sql(f"CREATE SEQUENCE IF NOT EXISTS {q(seq)}")


def _create_domain(name: str, col: Column, ctx: _Ctx) -> None:
    base = col.domain_type_sql or ""
    if _UNSAFE_TYPE.search(base):
        ctx.warnings.append(f"DOMAIN {name!r}: base type {base!r} not copied")
        base = "text"
    checks = []
    for text in col.domain_checks:
        body = _domain_check(text)
        out = _reemit(body, what="DOMAIN CHECK", ctx=ctx, table=name, keywords=("VALUE",)) if body else None
        if out is not None:
            checks.append(f"CHECK ({out})")
    ctx.conn.exec_driver_sql(f"CREATE DOMAIN {quote(ctx.conn, name)} AS {base} {' '.join(checks)}".strip())


def _domain_check(text: str) -> str:
    """The expression of a DOMAIN check as the catalog gives it (`CHECK (…)` or bare)."""
    body = text.strip()
    match = re.match(r"(?is)^check\s*\((.*)\)\s*(not\s+valid)?$", body)
    return match.group(1) if match else body


def _create_views(schema: Schema, ctx: _Ctx, result: CreateResult) -> None:
    for view in (t for t in schema.tables if t.kind == TableKind.VIEW):
        sql = _view_sql(view, ctx)
        if sql is None:
            result.views_skipped.append(view.name)
            result.warnings.append(f"view {view.name!r}: definition does not transpile; skipped")
            continue
        try:
            with savepoint(ctx.conn):
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
    body = _reemit(body, what=f"view {view.name}", ctx=ctx, table=view.name, kind="query")
    return f"CREATE VIEW {quote(ctx.conn, view.name)} AS {body}" if body else None


def use_target_schema(conn: "Connection", schema: Schema) -> None:
    """Put the load in the source's PostgreSQL schema (`--schema sales` fills `sales` in the target).

    CREATE SCHEMA IF NOT EXISTS, then SET LOCAL search_path (this transaction only), so every
    unqualified name the load writes (tables, sequences, indexes) lands in that schema.
    """
    name = target_schema_name(conn, schema)
    if name is None:
        return
    conn.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {quote(conn, name)}")
    conn.exec_driver_sql(f"SET LOCAL search_path TO {quote(conn, name)}, public")


def target_schema_name(conn: "Connection", schema: Schema) -> str | None:
    """The non-default PostgreSQL schema the target tables belong in (None: the default one)."""
    if conn.dialect.name != "postgresql" or schema.dialect != "postgresql":
        return None
    return schema.name if schema.name and schema.name != "public" else None


def create_schema(conn: "Connection", *, schema: Schema, target_dialect: str,
                  fks_after_data: bool) -> CreateResult:
    """Create every data table (and views) of `schema` on `conn`, inside its transaction.

    With `fks_after_data`, FK constraints are left out and returned as
    `pending_fks` for `add_foreign_keys` once the rows are in.
    """
    result = CreateResult()
    if target_dialect == "mysql" and schema.dialect != "mysql":
        from dbsynth.load.ddl_mysql import align_fk_types
        schema = align_fk_types(schema, result.warnings)  # MySQL wants FK and parent columns of one integer type
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
    from dbsynth.load.ddl_mysql import mapping_notes
    result.warnings += mapping_notes(schema, source=ctx.source, target=target_dialect)
    return result


def create_bare_schema(conn: "Connection", *, schema: Schema) -> CreateResult:
    """`create_schema` for a parallel PostgreSQL load: types, sequences and tables without keys.

    The tables get their columns, NOT NULL, defaults, identity and generated columns only;
    primary keys, UNIQUE constraints, indexes, EXCLUDE constraints and CHECKs come back as
    `later` statements and FKs as `pending_fks`, to build once the rows are in (pg_restore's
    order). Views are left to `create_views`. Extensions are the caller's (`ensure_extensions`),
    so they do not land in the schema first on the search_path.
    """
    result = CreateResult()
    ctx = _Ctx(conn=conn, source=schema.dialect, target="postgresql", metadata=sa.MetaData(),
               warnings=result.warnings, inline_fks=False, alter_checks=True, later=result.later)
    if schema.dialect == "postgresql":
        _pg_types(schema, ctx)
    for table in schema.data_tables:
        _create_table(table, ctx)
        result.tables.append(table.name)
        result.pending_fks += [(table.name, fk) for fk in table.foreign_keys if fk.references_unique]
    skipped = [t.name for t in schema.tables if t.kind == TableKind.PARTITION]
    result.warnings += [f"partition {name!r} not created (rows go through its parent)" for name in skipped]
    from dbsynth.load.ddl_mysql import mapping_notes
    result.warnings += mapping_notes(schema, source=ctx.source, target="postgresql")
    return result


def create_views(conn: "Connection", *, schema: Schema, target_dialect: str) -> CreateResult:
    """The views of `schema` (after `create_bare_schema`, once the tables are in place)."""
    result = CreateResult()
    ctx = _Ctx(conn=conn, source=schema.dialect, target=target_dialect, metadata=sa.MetaData(),
               warnings=result.warnings, inline_fks=False)
    _create_views(schema, ctx, result)
    return result


_FK_ACTIONS = ("CASCADE", "SET NULL", "SET DEFAULT", "RESTRICT", "NO ACTION")


def fk_action(value: str | None) -> str | None:
    """An ON DELETE / ON UPDATE action from a fixed list (a schema file is input too): else none."""
    action = " ".join((value or "").upper().split())
    return action if action in _FK_ACTIONS else None


def fk_name(table: str, fk: ForeignKey, *, max_len: int = 63) -> str:
    return fk.name or f"{table}_{'_'.join(fk.columns)}_fkey"[:max_len]


def add_foreign_key_sql(conn: "Connection", table: str, fk: ForeignKey) -> str:
    """ALTER TABLE ... ADD CONSTRAINT ... FOREIGN KEY, validated against the rows already in."""
    q = lambda n: quote(conn, n)  # noqa: E731
    cols = ", ".join(q(c) for c in fk.columns)
    refs = ", ".join(q(c) for c in fk.referred_columns)
    sql = (f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(fk_name(table, fk))} FOREIGN KEY ({cols}) "
           f"REFERENCES {q(fk.referred_table)} ({refs})")
    sql += f" ON DELETE {fk_action(fk.on_delete)}" if fk_action(fk.on_delete) else ""
    sql += f" ON UPDATE {fk_action(fk.on_update)}" if fk_action(fk.on_update) else ""
    if fk.deferrable:
        sql += " DEFERRABLE INITIALLY " + ("DEFERRED" if fk.initially_deferred else "IMMEDIATE")
    return sql


def create_triggers(conn: "sa.Connection", *, schema: Schema, source_dialect: str) -> tuple[list[str], list[str]]:
    """Re-create the source's triggers (and, on PostgreSQL, their functions) on a schema dbsynth created.

    Same dialect only; called after the rows are in, so they never fire on the loaded
    data. The catalog's definitions are checked before they run: a CREATE TRIGGER /
    CREATE FUNCTION and nothing else, executed one statement per object (PostgreSQL:
    through a prepared statement, which refuses a second command; SQLite's driver runs
    one statement per call). Returns (created, skipped with the reason).
    """
    created: list[str] = []
    skipped: list[str] = []
    triggers = [(table.name, t) for table in schema.data_tables for t in table.triggers]
    if conn.dialect.name != source_dialect:
        return created, [f"{t.name} (cross-dialect)" for _, t in triggers]
    functions: dict[str, str] = {}  # signature -> "" when created, else why not
    for table, trig in triggers:
        reason = _trigger_refusal(trig.definition or "", conn.dialect.name)
        if not reason and trig.function and conn.dialect.name == "postgresql":
            if trig.function not in functions:
                functions[trig.function] = _create_function(conn, trig)
            reason = functions[trig.function]
        if not reason:
            reason = _execute_one(conn, trig.definition or "")
        if reason:
            skipped.append(f"{table}.{trig.name} ({reason})")
        else:
            created.append(trig.name)
    return created, skipped


_QUOTED = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"")


def _trigger_refusal(sql: str, dialect: str) -> str:
    """Why a catalog trigger definition is not run ('' when it is a plain CREATE TRIGGER)."""
    if not sql.strip():
        return "no definition in the catalog"
    if not re.match(r"(?is)^\s*create\s+(constraint\s+|temp\s+|temporary\s+)?trigger\s", sql):
        return "definition is not a CREATE TRIGGER"
    if dialect == "postgresql":
        bare = _QUOTED.sub("", sql)
        if ";" in bare or "$" in bare or not re.search(r"(?i)\bexecute\s+(function|procedure)\b", bare):
            return "definition is not a single CREATE TRIGGER"
    return ""


def _create_function(conn: "sa.Connection", trig: "Any") -> str:
    """CREATE OR REPLACE FUNCTION from pg_get_functiondef ('' when created, else why not)."""
    sql = trig.function_definition or ""
    if not sql:
        return f"function {trig.function} is not SQL or PL/pgSQL, so not copied"
    if not re.match(r"(?s)^CREATE OR REPLACE FUNCTION [^\n]+\n RETURNS trigger\n", sql):
        return f"function {trig.function} is not a trigger function definition"
    reason = _execute_one(conn, sql)
    return f"function {trig.function}: {reason}" if reason else ""


def _execute_one(conn: "sa.Connection", sql: str) -> str:
    """Run exactly one statement in a savepoint; '' on success, else the database's first line."""
    try:
        with savepoint(conn):
            if conn.dialect.name == "postgresql":
                # extended protocol: "cannot insert multiple commands into a prepared statement"
                conn.connection.driver_connection.execute(sql, prepare=True)
            else:
                conn.exec_driver_sql(sql)  # sqlite3 refuses a second statement in one call
        return ""
    except Exception as exc:  # driver errors of either dialect (psycopg, sqlite3, SQLAlchemy)
        if not _is_driver_error(exc):
            raise
        return _first_line(exc)


def _is_driver_error(exc: BaseException) -> bool:
    return isinstance(exc, sa.exc.SQLAlchemyError) or type(exc).__module__.startswith(("psycopg", "sqlite3", "pymysql"))
