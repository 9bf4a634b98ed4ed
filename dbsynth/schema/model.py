"""Typed, frozen picture of a relational schema.

Logical types, not dialect types, drive modelling; the dialect's own type
string is kept too so a same-dialect clone is exact. Everything is frozen so
stages can share one Schema without defensive copies.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import Enum

from dbsynth.errors import SchemaError


class LogicalType(str, Enum):
    INTEGER = "integer"
    FLOAT = "float"
    DECIMAL = "decimal"
    BOOLEAN = "boolean"
    TEXT = "text"
    ENUM = "enum"
    DATE = "date"
    DATETIME = "datetime"
    TIME = "time"
    INTERVAL = "interval"
    UUID = "uuid"
    JSON = "json"
    BINARY = "binary"
    ARRAY = "array"
    OTHER = "other"


class TableKind(str, Enum):
    TABLE = "table"
    VIEW = "view"
    PARTITION = "partition"  # child of an inherited / partitioned table


@dataclass(frozen=True)
class Column:
    name: str
    logical_type: LogicalType
    type_sql: str
    nullable: bool = True
    default: str | None = None
    autoincrement: bool = False  # identity, serial or SQLite rowid alias
    length: int | None = None  # max characters for text / binary
    precision: int | None = None
    scale: int | None = None
    enum_values: tuple[str, ...] = ()
    enum_name: str | None = None  # PostgreSQL ENUM type name
    domain: str | None = None  # PostgreSQL DOMAIN name
    domain_checks: tuple[str, ...] = ()  # the DOMAIN's CHECK expressions, verbatim (use VALUE)
    domain_type_sql: str | None = None  # the DOMAIN's base type, e.g. "integer"
    timezone: bool = False
    item_type: str | None = None  # element type of ARRAY columns
    integer_bytes: int | None = None  # 2, 4, 8 for smallint/int/bigint bounds
    sequence: str | None = None  # PostgreSQL sequence behind a serial default (bare name, table's schema)
    identity: str | None = None  # "always" / "by default": GENERATED … AS IDENTITY
    generated: str | None = None  # GENERATED ALWAYS AS (expr): the expression; never written
    generated_stored: bool = True  # STORED (PostgreSQL always) or VIRTUAL (SQLite)
    comment: str | None = None
    text_format: str | None = None  # dates held as text (SQLite): the source's format (transform/datefmt.py)


@dataclass(frozen=True)
class PrimaryKey:
    columns: tuple[str, ...]
    name: str | None = None


@dataclass(frozen=True)
class UniqueConstraint:
    columns: tuple[str, ...]
    name: str | None = None


@dataclass(frozen=True)
class CheckConstraint:
    sqltext: str
    name: str | None = None


@dataclass(frozen=True)
class Index:
    name: str
    columns: tuple[str, ...]
    unique: bool = False
    expressions: tuple[str, ...] = ()  # functional index parts, kept verbatim
    where: str | None = None  # partial index predicate: unique only where it holds
    method: str | None = None  # PostgreSQL access method when not btree (gist, gin, hash, …)


@dataclass(frozen=True)
class ExclusionConstraint:
    """PostgreSQL EXCLUDE USING method (column WITH operator, …) [WHERE predicate].

    No two rows (where the predicate holds) may have every column pair "match"
    under its operator: `=` for equality, `&&` for overlapping ranges, ….
    """

    columns: tuple[str, ...]
    operators: tuple[str, ...]
    method: str = "gist"
    name: str | None = None
    where: str | None = None

    @property
    def is_unique(self) -> bool:
        """Only `=` operators and no predicate: the same rule as UNIQUE over the columns."""
        return bool(self.columns) and not self.where and all(op == "=" for op in self.operators)


@dataclass(frozen=True)
class ForeignKey:
    columns: tuple[str, ...]
    referred_table: str
    referred_columns: tuple[str, ...]
    name: str | None = None
    referred_schema: str | None = None
    nullable: bool = False  # every local column nullable: the edge can be NULL-then-back-filled
    on_delete: str | None = None
    on_update: str | None = None
    deferrable: bool = False
    initially_deferred: bool = False
    references_unique: bool = True  # False: points at columns that are not PK/UNIQUE (flagged)

    @property
    def label(self) -> str:
        return f"({', '.join(self.columns)}) -> {self.referred_table}({', '.join(self.referred_columns)})"


@dataclass(frozen=True)
class Trigger:
    name: str
    definition: str | None = None
    function: str | None = None  # PostgreSQL: the trigger function's signature, e.g. public.audit()
    function_definition: str | None = None  # its pg_get_functiondef text (plpgsql / sql only)


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    schema: str | None = None
    kind: TableKind = TableKind.TABLE
    primary_key: PrimaryKey | None = None
    foreign_keys: tuple[ForeignKey, ...] = ()
    unique_constraints: tuple[UniqueConstraint, ...] = ()
    checks: tuple[CheckConstraint, ...] = ()
    indexes: tuple[Index, ...] = ()
    triggers: tuple[Trigger, ...] = ()
    exclusions: tuple[ExclusionConstraint, ...] = ()
    parent_table: str | None = None  # for partitions / inheritance children
    view_definition: str | None = None
    row_count: int | None = None
    comment: str | None = None

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise SchemaError(f"table {self.name!r} has no column {name!r}",
                          hint=f"columns are: {', '.join(self.column_names)}")

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def pk_columns(self) -> tuple[str, ...]:
        return self.primary_key.columns if self.primary_key else ()

    def unique_column_sets(self) -> list[tuple[str, ...]]:
        """Every column set the database keeps unique (PK, UNIQUE, unique indexes)."""
        sets = [self.pk_columns] if self.pk_columns else []
        sets += [u.columns for u in self.unique_constraints]
        # a partial unique index binds only the rows its predicate selects: see partial_unique_indexes
        sets += [i.columns for i in self.indexes if i.unique and i.columns and not i.expressions
                 and not i.where]
        # EXCLUDE (a WITH =, b WITH =) without a predicate is a UNIQUE (a, b) under another name
        sets += [x.columns for x in self.exclusions if x.is_unique]
        out: list[tuple[str, ...]] = []
        for s in sets:
            if s not in out:
                out.append(s)
        return out

    def partial_unique_indexes(self) -> list[Index]:
        return [i for i in self.indexes if i.unique and i.columns and not i.expressions and i.where]

    @property
    def written_columns(self) -> tuple[str, ...]:
        """Columns a load writes: generated columns are computed by the database."""
        return tuple(c.name for c in self.columns if not c.generated)

    @property
    def is_data_table(self) -> bool:
        """Tables dbsynth fills: not views, not partitions (rows go through the parent)."""
        return self.kind == TableKind.TABLE


@dataclass(frozen=True)
class Schema:
    dialect: str
    tables: tuple[Table, ...]
    name: str | None = None  # PostgreSQL schema reflected, e.g. "public"
    warnings: tuple[str, ...] = field(default=())

    def table(self, name: str) -> Table:
        for t in self.tables:
            if t.name == name:
                return t
        raise SchemaError(f"schema has no table {name!r}",
                          hint="run `dbsynth inspect URL` to list the tables")

    def has_table(self, name: str) -> bool:
        return any(t.name == name for t in self.tables)

    @property
    def data_tables(self) -> tuple[Table, ...]:
        return tuple(t for t in self.tables if t.is_data_table)

    def with_tables(self, tables: tuple[Table, ...]) -> "Schema":
        return replace(self, tables=tables)
