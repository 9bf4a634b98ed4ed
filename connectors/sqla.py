"""Shared SQLAlchemy-based connector: Inspector reflection, chunked reads, error translation.

Dialect connectors subclass `SqlaConnector` and override the small hooks
(`_create_engine`, `_catalog`, `_refine_column`, `_error_rules`); everything
else (building the frozen Schema, reading chunks into pandas) lives here once.
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, ClassVar, Iterator

from connectors.base import Capabilities, mask_url
from dbsynth.errors import ConnectorError, SchemaError
from dbsynth.schema.model import (CheckConstraint, Column, ExclusionConstraint, ForeignKey, Index, LogicalType, PrimaryKey,
                                  Schema, Table, TableKind, Trigger, UniqueConstraint)

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy.engine import Connection, Engine, Inspector

TableKey = tuple[str | None, str]


@dataclass
class Catalog:
    """Dialect facts the Inspector does not give, gathered once per reflect()."""

    triggers: dict[str, list[Trigger]] = field(default_factory=dict)
    parents: dict[str, str] = field(default_factory=dict)  # child table -> parent (partitions)
    sequences: dict[tuple[str, str], str] = field(default_factory=dict)  # (table, column) -> seq
    domains: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> inspector dict
    deferrable: dict[tuple[str, str], tuple[bool, bool]] = field(default_factory=dict)
    declared_types: dict[tuple[str, str], str] = field(default_factory=dict)  # SQLite decltype
    fk_actions: dict[tuple[str, tuple[str, ...]], tuple[str | None, str | None]] = field(
        default_factory=dict)  # (table, local columns) -> (ON DELETE, ON UPDATE)
    uniques: dict[str, list[UniqueConstraint]] = field(default_factory=dict)  # missed by Inspector
    exclusions: dict[str, list[ExclusionConstraint]] = field(default_factory=dict)  # PostgreSQL EXCLUDE
    defaults: dict[tuple[str, str], str] = field(default_factory=dict)  # (table, column) -> catalog text
    text_formats: dict[tuple[str, str], str] = field(default_factory=dict)  # SQLite dates' text format


@dataclass(frozen=True)
class ErrorRule:
    """A driver message pattern and the one-line reason + hint it becomes."""

    pattern: str
    reason: str
    hint: str


_COMMON_RULES = (
    ErrorRule(r"read-only|readonly|read only", "the database is opened read-only",
              "sources are read-only on purpose; write only to a target (read_only=False)"),
    ErrorRule(r"permission denied|insufficient privilege|access denied",
              "permission denied", "grant the role SELECT on the schema's tables (or use another role)"),
)


class SqlaConnector:
    """Base connector: reflection through the SQLAlchemy Inspector and chunked SELECTs."""

    dialect: ClassVar[str] = "generic"
    capabilities: ClassVar[Capabilities] = Capabilities(max_identifier_length=30, max_bind_params=999)

    def __init__(self, url: str, *, read_only: bool = True) -> None:
        self.url = url
        self.read_only = read_only
        with self._guard("connect to"):
            self.engine: Engine = self._create_engine()
            with self.engine.connect():
                pass  # fail at open, not at first query

    # -- hooks ---------------------------------------------------------------------------
    def _create_engine(self) -> "Engine":
        from sqlalchemy import create_engine
        return create_engine(self.url)

    def _catalog(self, conn: "Connection", schema: str | None) -> Catalog:
        return Catalog()

    def _refine_column(self, table: str, column: Column, raw: dict[str, Any],
                       pk: tuple[str, ...], catalog: Catalog) -> Column:
        return column

    def _error_rules(self) -> tuple[ErrorRule, ...]:
        return _COMMON_RULES

    def _schema_dialect(self) -> str:
        return self.dialect

    def _schema_name(self, inspector: "Inspector", schema: str | None) -> str | None:
        return schema

    def _other_schemas_with_tables(self, inspector: "Inspector", schema: str | None) -> list[str]:
        """Schemas other than `schema` that hold tables (named when `schema` has none)."""
        return []

    # -- public API ----------------------------------------------------------------------
    @property
    def display_url(self) -> str:
        return mask_url(self.url)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> "SqlaConnector":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def reflect(self, *, schema: str | None = None, row_counts: bool = True) -> Schema:
        """Reflect every table and view of `schema` (the default one when None) into a Schema."""
        from sqlalchemy import inspect
        with self._guard("reflect"), self.engine.connect() as conn:
            inspector = inspect(conn)
            self._check_schema(inspector, schema)
            name = self._schema_name(inspector, schema)
            catalog = self._catalog(conn, name)
            tables, warnings = _Reflector(self, inspector, catalog, name).tables()
            if not any(t.kind == TableKind.TABLE for t in tables):  # views alone: nothing to fill
                raise self._no_tables(inspector, name)
        if row_counts:
            tables = [replace(t, row_count=self.row_count(t)) if t.kind != TableKind.VIEW else t
                      for t in tables]
        return Schema(dialect=self._schema_dialect(), tables=tuple(sorted(tables, key=lambda t: t.name)),
                      name=name, warnings=tuple(warnings))

    def _no_tables(self, inspector: "Inspector", name: str | None) -> SchemaError:
        """An empty source is an error: seeding it would report success and write nothing."""
        where = f"schema {name!r} of {self.display_url}" if name else self.display_url
        others = self._other_schemas_with_tables(inspector, name)
        if others:
            return SchemaError(f"{where} has no tables; tables were found in schema(s): {', '.join(others)}",
                               hint=f"pass --schema {others[0]} to use that schema")
        return SchemaError(f"{where} has no tables", hint="point the URL at a database that holds tables")

    def row_count(self, table: Table) -> int:
        from sqlalchemy import func, select
        with self._guard(f"count rows of {table.name!r} in"), self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(_sa_table(table))).scalar_one())

    def read_table(self, table: Table, *, chunk_size: int = 50_000, columns: tuple[str, ...] | None = None,
                   where_in: tuple[str, list[Any]] | None = None) -> Iterator["pd.DataFrame"]:
        """Yield `table` as DataFrames of at most `chunk_size` rows (one empty frame if no rows).

        where_in: (column, values): only rows whose column holds one of the values, asked
        of the database in batches (a sample's families without reading the whole table).

        Values are normalised per logical type, the same for every dialect:
        integer → Int64, float/decimal → float64, boolean → boolean, date/datetime →
        datetime64[us] (datetime64[us, UTC] when the column has a time zone; SQLite text
        dates are parsed), everything else as the driver returns it (str, bytes,
        datetime.time, list for arrays…). Values a column cannot convert (SQLite's dynamic
        typing) leave that column raw rather than being coerced to NULL.
        """
        names = columns or table.column_names
        cols = tuple(table.column(c) for c in names)
        for frame in self._read_raw(table, names, chunk_size, where_in):
            yield coerce_frame(frame, cols)

    # -- internals -----------------------------------------------------------------------
    def _read_raw(self, table: Table, names: tuple[str, ...], chunk_size: int,
                  where_in: tuple[str, list[Any]] | None = None) -> Iterator["pd.DataFrame"]:
        import pandas as pd
        from sqlalchemy import column, select
        query = select(*[column(n) for n in names]).select_from(_sa_table(table))
        queries = [query]
        if where_in is not None:
            key, values = where_in
            # batches of bound values: SQLite caps the parameters of one statement
            queries = [query.where(column(key).in_(values[i:i + _IN_BATCH]))
                       for i in range(0, len(values), _IN_BATCH)]
        with self._guard(f"read table {table.name!r} from"), self.engine.connect() as conn:
            empty = True
            for q in queries:
                # stream_results: a server-side cursor where the driver has one (psycopg named cursor).
                result = conn.execution_options(stream_results=True, yield_per=chunk_size).execute(q)
                for rows in result.partitions(chunk_size):
                    empty = False
                    # Column by column, so pandas infers each dtype alone (a list column elsewhere
                    # would otherwise turn every column into object).
                    yield pd.DataFrame({n: [r[i] for r in rows] for i, n in enumerate(names)},
                                       columns=list(names))
            if empty:
                yield pd.DataFrame({n: pd.Series([], dtype=object) for n in names})

    def _check_schema(self, inspector: "Inspector", schema: str | None) -> None:
        if schema is None:
            return
        existing = inspector.get_schema_names()
        if schema not in existing:
            raise SchemaError(f"schema {schema!r} does not exist in {self.display_url}",
                              hint=f"existing schemas: {', '.join(sorted(existing))}")

    @contextmanager
    def _guard(self, action: str) -> Iterator[None]:
        """Translate every driver/SQLAlchemy error into one masked ConnectorError line."""
        from sqlalchemy.exc import SQLAlchemyError
        try:
            yield
        except SQLAlchemyError as exc:
            raise self._translate(exc, action) from None

    def _translate(self, exc: BaseException, action: str) -> ConnectorError:
        original = getattr(exc, "orig", None) or exc
        text = mask_url(str(original)).strip()
        for rule in self._error_rules():
            match = re.search(rule.pattern, text, flags=re.IGNORECASE)
            if match:
                reason = rule.reason.format(**match.groupdict())
                return ConnectorError(f"cannot {action} {self.display_url}: {reason}", hint=rule.hint)
        first = next((ln.strip() for ln in text.splitlines() if ln.strip()), type(original).__name__)
        return ConnectorError(f"cannot {action} {self.display_url}: {first}",
                              hint="check the URL and the database server's log")


def _sa_table(table: Table) -> Any:
    from sqlalchemy import table as sa_table
    return sa_table(table.name, schema=table.schema)


class _Reflector:
    """Builds frozen Tables from the Inspector's multi-table answers (few round trips)."""

    def __init__(self, conn: SqlaConnector, inspector: "Inspector", catalog: Catalog,
                 schema: str | None) -> None:
        self.conn, self.insp, self.catalog, self.schema = conn, inspector, catalog, schema
        self.warnings: list[str] = []

    def tables(self) -> tuple[list[Table], list[str]]:
        from sqlalchemy.engine.reflection import ObjectKind
        views = set(self.insp.get_view_names(schema=self.schema))
        columns = self._multi("columns", ObjectKind.TABLE | ObjectKind.VIEW)
        self.raw = {what: _safe(lambda w=what: self._multi(w), {}) for what in _MULTI}
        tables = [self._table(name, raw, name in views) for name, raw in columns.items()]
        return self._mark_unique_refs(tables), self.warnings

    def _multi(self, what: str, kind: Any = None) -> dict[str, Any]:
        from sqlalchemy.engine.reflection import ObjectKind
        getter = getattr(self.insp, f"get_multi_{what}")
        found = getter(schema=self.schema, kind=kind or ObjectKind.TABLE)
        return {key[1]: value for key, value in found.items()}

    def _get(self, what: str, table: str, default: Any) -> Any:
        return self.raw[what].get(table) or default

    def _table(self, name: str, raw_cols: list[dict[str, Any]], is_view: bool) -> Table:
        if is_view:
            return self._view(name, raw_cols)
        pk = self._pk(name)
        columns = tuple(self._column(name, raw, pk) for raw in raw_cols)
        parent = self.catalog.parents.get(name)
        if parent:
            self.warnings.append(f"table {name!r} is a partition/inheritance child of {parent!r}: "
                                 "it is not filled directly (rows go through the parent)")
        return Table(name=name, schema=self.schema, columns=columns,
                     kind=TableKind.PARTITION if parent else TableKind.TABLE,
                     primary_key=PrimaryKey(pk, name=self._pk_name(name)) if pk else None,
                     foreign_keys=self._fks(name, columns), unique_constraints=self._uniques(name),
                     checks=self._checks(name), indexes=self._indexes(name),
                     triggers=tuple(self.catalog.triggers.get(name, ())),
                     exclusions=tuple(self.catalog.exclusions.get(name, ())), parent_table=parent,
                     comment=self._comment(name))

    def _view(self, name: str, raw_cols: list[dict[str, Any]]) -> Table:
        columns = tuple(self._column(name, raw, ()) for raw in raw_cols)
        try:
            definition = self.insp.get_view_definition(name, schema=self.schema)
        except NotImplementedError:
            definition = None
        return Table(name=name, schema=self.schema, columns=columns, kind=TableKind.VIEW,
                     view_definition=definition, triggers=tuple(self.catalog.triggers.get(name, ())))

    def _column(self, table: str, raw: dict[str, Any], pk: tuple[str, ...]) -> Column:
        decl = self.catalog.declared_types.get((table, raw["name"]))
        col = column_from_reflection(raw, self.conn.engine.dialect, declared=decl,
                                     domains=self.catalog.domains)
        if raw["name"] in pk and col.nullable:
            col = replace(col, nullable=False)  # a PK column never holds NULL in practice
        return self.conn._refine_column(table, col, raw, pk, self.catalog)

    def _pk(self, table: str) -> tuple[str, ...]:
        return tuple(self._pk_raw(table).get("constrained_columns") or ())

    def _pk_name(self, table: str) -> str | None:
        return self._pk_raw(table).get("name")

    def _pk_raw(self, table: str) -> dict[str, Any]:
        return self._get("pk_constraint", table, {})

    def _fks(self, table: str, columns: tuple[Column, ...]) -> tuple[ForeignKey, ...]:
        nullable = {c.name: c.nullable for c in columns}
        return tuple(self._fk(table, raw, nullable) for raw in self._get("foreign_keys", table, []))

    def _fk(self, table: str, raw: dict[str, Any], nullable: dict[str, bool]) -> ForeignKey:
        opts = raw.get("options") or {}
        deferrable, deferred = self.catalog.deferrable.get(
            (table, raw.get("name") or ""),
            (bool(opts.get("deferrable")), str(opts.get("initially", "")).upper() == "DEFERRED"))
        local = tuple(raw["constrained_columns"])
        on_delete, on_update = self.catalog.fk_actions.get(
            (table, local), (_upper(opts.get("ondelete")), _upper(opts.get("onupdate"))))
        return ForeignKey(columns=local, referred_table=raw["referred_table"],
                          referred_columns=tuple(raw["referred_columns"]), name=raw.get("name"),
                          referred_schema=self._other_schema(raw.get("referred_schema")),
                          nullable=all(nullable.get(c, True) for c in local),
                          on_delete=on_delete, on_update=on_update,
                          deferrable=deferrable, initially_deferred=deferred)

    def _other_schema(self, referred: str | None) -> str | None:
        # Set only when the FK leaves the reflected schema (the Inspector says None for the
        # default one), so a clone into another schema keeps its FKs inside that schema.
        default = self.insp.default_schema_name
        target = referred or default
        return None if target == (self.schema or default) else target

    def _uniques(self, table: str) -> tuple[UniqueConstraint, ...]:
        found = [UniqueConstraint(tuple(u["column_names"]), name=u.get("name"))
                 for u in self._get("unique_constraints", table, [])]
        known = {u.columns for u in found}
        return tuple(found + [u for u in self.catalog.uniques.get(table, []) if u.columns not in known])

    def _checks(self, table: str) -> tuple[CheckConstraint, ...]:
        return tuple(CheckConstraint(c["sqltext"], name=c.get("name")) for c in self._get("check_constraints", table, []))

    def _indexes(self, table: str) -> tuple[Index, ...]:
        return tuple(_index(raw) for raw in self._get("indexes", table, [])
                     if not raw.get("duplicates_constraint"))

    def _comment(self, table: str) -> str | None:
        return self._get("table_comment", table, {}).get("text")

    def _mark_unique_refs(self, tables: list[Table]) -> list[Table]:
        keys = {t.name: set(map(frozenset, t.unique_column_sets())) for t in tables}
        columns = {t.name: set(t.column_names) for t in tables}
        return [replace(t, foreign_keys=tuple(self._unique_ref(t, fk, keys) for fk in t.foreign_keys
                                              if self._resolvable(t, fk, columns)))
                for t in tables]

    def _resolvable(self, table: Table, fk: ForeignKey, columns: dict[str, set[str]]) -> bool:
        """False (with a warning) for an FK whose parent table or columns are not in the database.

        Partial dumps and SQLite files (which do not check FK targets at CREATE time) hold
        them; the column is then an ordinary column.
        """
        if fk.referred_schema not in (None, self.schema):
            return True  # lives outside the reflected schema: the database vouches for it
        missing = ""
        if fk.referred_table not in columns:
            missing = f"table {fk.referred_table!r} does not exist"
        else:
            absent = [c for c in fk.referred_columns if c not in columns[fk.referred_table]]
            if absent:
                missing = f"{fk.referred_table!r} has no column {absent[0]!r}"
        if missing:
            self.warnings.append(f"foreign key {table.name}{fk.label} ignored: {missing}; "
                                 f"{', '.join(fk.columns)} seeded as plain column(s)")
        return not missing

    def _unique_ref(self, table: Table, fk: ForeignKey, keys: dict[str, set[frozenset[str]]]) -> ForeignKey:
        if fk.referred_schema not in (None, self.schema) or fk.referred_table not in keys:
            return fk  # lives outside the reflected schema: cannot check, trust the database
        if frozenset(fk.referred_columns) in keys[fk.referred_table]:
            return fk
        self.warnings.append(f"foreign key {table.name}{fk.label} references columns that are neither "
                             "a primary key nor UNIQUE: parents may repeat")
        return replace(fk, references_unique=False)


_MULTI = ("pk_constraint", "foreign_keys", "unique_constraints", "check_constraints", "indexes",
          "table_comment")


def _index(raw: dict[str, Any]) -> Index:
    names = raw.get("column_names") or []
    exprs = raw.get("expressions") or []
    expressions = tuple(str(e) for n, e in zip(names, exprs) if n is None) if exprs else ()
    options = raw.get("dialect_options") or {}
    where = options.get("postgresql_where") or options.get("sqlite_where")
    method = str(options.get("postgresql_using") or "").lower()
    return Index(name=raw.get("name") or "", columns=tuple(n for n in names if n is not None),
                 unique=bool(raw.get("unique")), expressions=expressions,
                 where=str(where) if where is not None else None,
                 method=method if method and method != "btree" else None)


def _upper(value: Any) -> str | None:
    return str(value).upper() if value else None


def _safe(fn: Any, default: Any) -> Any:
    try:
        return fn()
    except NotImplementedError:  # the dialect does not reflect this object kind
        return default


# -- types: SQLAlchemy type → logical Column, and frame normalisation ----------------------

def column_from_reflection(raw: dict[str, Any], dialect: Any, *, declared: str | None = None,
                           domains: dict[str, dict[str, Any]] | None = None) -> Column:
    """A Column from one Inspector column dict (DOMAIN columns are typed by their base type)."""
    sa_type = raw["type"]
    base = getattr(sa_type, "data_type", None) if _is_domain(sa_type) else None
    domain_info = (domains or {}).get(sa_type.name, {}) if base is not None else {}
    typ = base if base is not None else sa_type
    return Column(
        name=raw["name"], logical_type=logical_type(typ),
        type_sql=_compile(sa_type, dialect, declared), nullable=bool(raw.get("nullable", True)),
        default=None if raw.get("default") is None else str(raw["default"]),
        autoincrement=raw.get("autoincrement") is True or bool(raw.get("identity")),
        length=_int_attr(typ, "length"), precision=_int_attr(typ, "precision"),
        scale=_int_attr(typ, "scale"), enum_values=tuple(getattr(typ, "enums", None) or ()),
        enum_name=getattr(typ, "name", None) if logical_type(typ) == LogicalType.ENUM else None,
        domain=sa_type.name if base is not None else None,
        domain_checks=tuple(c["check"] for c in domain_info.get("constraints", [])),
        domain_type_sql=_compile(base, dialect, None) if base is not None else None,
        timezone=bool(getattr(typ, "timezone", False)), item_type=_item_type(typ, dialect),
        integer_bytes=integer_bytes(typ), comment=raw.get("comment"),
        identity=_identity(raw.get("identity")), generated=_generated(raw.get("computed")),
        generated_stored=bool((raw.get("computed") or {}).get("persisted", True)))


def _identity(raw: Any) -> str | None:
    if not raw:
        return None
    return "always" if raw.get("always") else "by default"


def _generated(raw: Any) -> str | None:
    text = (raw or {}).get("sqltext")
    return str(text) if text else None


def logical_type(sa_type: Any) -> LogicalType:
    """The logical type of a SQLAlchemy type instance (most specific class first)."""
    from sqlalchemy.sql import sqltypes as st
    order: tuple[tuple[type, LogicalType], ...] = (
        (st.Enum, LogicalType.ENUM), (st.Boolean, LogicalType.BOOLEAN),
        (st.Integer, LogicalType.INTEGER), (st.Float, LogicalType.FLOAT),
        (st.Numeric, LogicalType.DECIMAL), (st.DateTime, LogicalType.DATETIME),
        (st.Date, LogicalType.DATE), (st.Time, LogicalType.TIME),
        (st._AbstractInterval, LogicalType.INTERVAL), (st.Uuid, LogicalType.UUID),
        (st.JSON, LogicalType.JSON), (st.ARRAY, LogicalType.ARRAY), (st.String, LogicalType.TEXT),
        (st._Binary, LogicalType.BINARY))
    return next((lt for cls, lt in order if isinstance(sa_type, cls)), LogicalType.OTHER)


def integer_bytes(sa_type: Any) -> int | None:
    from sqlalchemy.sql import sqltypes as st
    if not isinstance(sa_type, st.Integer):
        return None
    if isinstance(sa_type, st.SmallInteger):
        return 2
    return 8 if isinstance(sa_type, st.BigInteger) else 4


def _is_domain(sa_type: Any) -> bool:
    return type(sa_type).__name__ == "DOMAIN" and hasattr(sa_type, "data_type")


def _compile(sa_type: Any, dialect: Any, declared: str | None) -> str:
    try:
        return str(sa_type.compile(dialect=dialect))
    except Exception:  # NullType and exotic types cannot be compiled: keep the declared text
        return declared or str(getattr(sa_type, "__visit_name__", "")).upper()


def _item_type(sa_type: Any, dialect: Any) -> str | None:
    item = getattr(sa_type, "item_type", None)
    return _compile(item, dialect, None) if item is not None else None


_IN_BATCH = 5_000  # values per IN list: under SQLite's parameter cap, small enough to plan fast


def _int_attr(sa_type: Any, name: str) -> int | None:
    value = getattr(sa_type, name, None)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def coerce_frame(frame: "pd.DataFrame", columns: tuple[Column, ...]) -> "pd.DataFrame":
    """Normalise driver values per logical type (see SqlaConnector.read_table)."""
    for col in columns:
        convert = _CONVERTERS.get(col.logical_type)
        if convert is None:
            continue
        try:
            frame[col.name] = convert(frame[col.name], col)
        except (ValueError, TypeError, OverflowError):
            pass  # SQLite's dynamic typing can store anything: keep the raw values
    return frame


def _to_int(series: "pd.Series", col: Column) -> Any:
    import pandas as pd
    if _kind(series) in ("integer", "empty"):  # C speed; OverflowError (beyond int64) keeps raw values
        return pd.array(series, dtype="Int64")
    return pd.array([None if _isnull(v) else _as_int(v) for v in series], dtype="Int64")


def _kind(series: "pd.Series") -> str:
    """pandas' view of the values (integer, floating, decimal, boolean, string, mixed…), skipping NULLs."""
    import pandas as pd
    if series.dtype.kind in "iu":
        return "integer"
    if series.dtype.kind == "f":
        return "floating"
    return pd.api.types.infer_dtype(series, skipna=True)


def _as_int(value: Any) -> int:
    if isinstance(value, float) and not value.is_integer():
        raise ValueError(f"{value!r} is not an integer")
    return int(value)


def _to_float(series: "pd.Series", col: Column) -> Any:
    import pandas as pd
    if _kind(series) in ("integer", "floating", "decimal", "mixed-integer-float", "empty"):
        return pd.to_numeric(series, errors="raise").astype("float64")  # C speed, Decimals included
    return pd.to_numeric(series.astype(object).map(lambda v: None if _isnull(v) else float(v)),
                         errors="raise").astype("float64")


def _to_bool(series: "pd.Series", col: Column) -> Any:
    import pandas as pd
    if _kind(series) in ("boolean", "empty"):
        return pd.array(series, dtype="boolean")
    return pd.array([None if _isnull(v) else _as_bool(v) for v in series], dtype="boolean")


def _as_bool(value: Any) -> bool:
    if isinstance(value, str):  # SQLite may hold 'true'/'f' text in a BOOLEAN column
        return value.strip().lower() in ("1", "t", "true", "y", "yes")
    return bool(value)


def _to_datetime(series: "pd.Series", col: Column) -> Any:
    import pandas as pd
    values = series.astype(object)
    try:
        parsed = pd.to_datetime(values, format="ISO8601", utc=col.timezone)
    except (ValueError, TypeError):
        parsed = pd.to_datetime(values, format="mixed", utc=col.timezone)
    # One unit everywhere (drivers and parsers disagree); µs covers years 1..9999.
    return parsed.astype("datetime64[us, UTC]" if col.timezone else "datetime64[us]")


def _isnull(value: Any) -> bool:
    import pandas as pd
    return value is None or (not isinstance(value, (list, tuple)) and bool(pd.isna(value)))


_CONVERTERS = {LogicalType.INTEGER: _to_int, LogicalType.FLOAT: _to_float,
               LogicalType.DECIMAL: _to_float, LogicalType.BOOLEAN: _to_bool,
               LogicalType.DATE: _to_datetime, LogicalType.DATETIME: _to_datetime}
