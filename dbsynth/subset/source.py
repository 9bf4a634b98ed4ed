"""Read-only access to the source for the subset: rows by condition, by key values, whole tables.

Every query runs in a transaction opened read-only on top of the connector's
own read-only session (PostgreSQL `SET TRANSACTION READ ONLY`, SQLite
`PRAGMA query_only`, MySQL's read-only session), and values come back
normalised exactly as `read_table` gives them (connectors/sqla.coerce_frame).
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Iterator, Sequence

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy.engine import Connection

    from dbsynth.schema.model import Table

IN_BATCH = 500  # key values per IN list (SQLite's bound-parameter cap is far above)
ARRAY_BATCH = 50_000  # key tuples per PostgreSQL unnest join (one array parameter per key column)


class SourceReader:
    def __init__(self, connector: Any) -> None:
        self.connector = connector
        self.engine = connector.engine
        self.q = self.engine.dialect.identifier_preparer.quote

    def _name(self, table: "Table") -> str:
        return f"{self.q(table.schema)}.{self.q(table.name)}" if table.schema else self.q(table.name)

    def _select(self, table: "Table") -> str:
        return f"SELECT {', '.join(self.q(c) for c in table.column_names)} FROM {self._name(table)}"

    @contextmanager
    def _read_only(self, action: str) -> Iterator["Connection"]:
        with self.connector._guard(action), self.engine.connect() as conn:
            dialect = conn.dialect.name
            trans = conn.begin()
            try:
                if dialect == "sqlite":  # the connection is a read-only source's: it stays so
                    conn.exec_driver_sql("PRAGMA query_only = ON")
                elif dialect == "postgresql":
                    conn.exec_driver_sql("SET TRANSACTION READ ONLY")
                yield conn
            finally:
                trans.rollback()  # nothing was (or could be) written; end the transaction cleanly

    def where(self, table: "Table", condition: str) -> "pd.DataFrame":
        """Rows of `table` matching the user's condition (checked by where.check_condition first)."""
        sql = f"{self._select(table)} WHERE (\n{condition}\n)"
        with self._read_only(f"run --where on table {table.name!r} of") as conn:
            if conn.dialect.name == "postgresql" or conn.dialect.name == "mysql":
                sql = sql.replace("%", "%%")  # pyformat drivers: a LIKE '%x' is a literal percent
            rows = conn.exec_driver_sql(sql, ()).fetchall()
        return self._frame(table, rows)

    def all(self, table: "Table") -> "pd.DataFrame":
        with self._read_only(f"read table {table.name!r} of") as conn:
            rows = conn.exec_driver_sql(self._select(table), ()).fetchall()
        return self._frame(table, rows)

    def distinct(self, table: "Table", column: str) -> list[Any]:
        """The distinct non-NULL values of one column."""
        sql = (f"SELECT DISTINCT {self.q(column)} FROM {self._name(table)} "
               f"WHERE {self.q(column)} IS NOT NULL")
        with self._read_only(f"read table {table.name!r} of") as conn:
            return [r[0] for r in conn.exec_driver_sql(sql, ()).fetchall()]

    def bounds(self, table: "Table", column: str) -> tuple[int, int] | None:
        """The smallest and largest value of an integer column (None for an empty one)."""
        col = self.q(column)
        with self._read_only(f"read table {table.name!r} of") as conn:
            row = conn.exec_driver_sql(f"SELECT MIN({col}), MAX({col}) FROM {self._name(table)}", ()).fetchone()
        if row is None or row[0] is None:
            return None
        return int(row[0]), int(row[1])

    def present(self, table: "Table", column: str, values: list[str]) -> set[str]:
        """Which of `values` the text column holds (a masked value must never be a source value).

        PostgreSQL gets the values as one text[] parameter joined with
        `unnest` (a hashed pass over the table per batch; an IN list of 500
        costs a pass per 500 on an unindexed free-text column, and a VALUES
        list of 10,000 rows costs SQLAlchemy seconds to compile).
        """
        import sqlalchemy as sa

        found: set[str] = set()
        with self._read_only(f"read table {table.name!r} of") as conn:
            if conn.dialect.name == "postgresql" and _is_text(table, column):
                col = _pct(f"t.{self.q(column)}")
                sql = (f"SELECT DISTINCT {col}::text FROM {_pct(self._name(table))} AS t "
                       f"JOIN unnest(%(v)s::text[]) AS w(v) ON {col}::text = w.v")
                for i in range(0, len(values), ARRAY_BATCH):
                    found.update(r[0] for r in conn.exec_driver_sql(sql, {"v": values[i:i + ARRAY_BATCH]}))
                return found
            source = sa.table(table.name, sa.column(column), schema=table.schema)
            col_ = source.c[column]
            for i in range(0, len(values), IN_BATCH):
                query = sa.select(col_).distinct().select_from(source).where(col_.in_(values[i:i + IN_BATCH]))
                found.update(str(r[0]) for r in conn.execute(query))
        return found

    def matching(self, table: "Table", columns: Sequence[str], values: list[tuple[Any, ...]]) -> "pd.DataFrame":
        """Rows whose `columns` hold one of the `values` tuples (asked in batches).

        PostgreSQL gets the wanted keys as one array parameter per column,
        cast to the column's own type and joined with `unnest`: a hash join
        reads an unindexed child table once per batch, where a long
        `(a, b) IN (…)` list costs every row a walk through the list (TPC-H's
        lineitem by part and supplier: minutes against seconds).
        """
        import sqlalchemy as sa

        rows: list[Any] = []
        with self._read_only(f"read table {table.name!r} of") as conn:
            if conn.dialect.name == "postgresql":
                sql = self._unnest_join(conn, table, columns)
                for i in range(0, len(values), ARRAY_BATCH):
                    part = values[i:i + ARRAY_BATCH]
                    params = {f"k{j}": [v[j] for v in part] for j in range(len(columns))}
                    rows += conn.exec_driver_sql(sql, params).fetchall()
                return self._frame(table, rows)
            cols = [sa.column(c) for c in table.column_names]
            source = sa.table(table.name, *cols, schema=table.schema)
            keys = [source.c[c] for c in columns]
            for i in range(0, len(values), IN_BATCH):
                part = values[i:i + IN_BATCH]
                if len(keys) == 1:
                    query = sa.select(*source.c).where(keys[0].in_([v[0] for v in part]))
                else:  # row values: (a, b) IN ((1, 2), …), SQLite 3.15+, MySQL
                    query = sa.select(*source.c).where(sa.tuple_(*keys).in_(part))
                rows += conn.execute(query).fetchall()
        return self._frame(table, rows)

    def _unnest_join(self, conn: "Connection", table: "Table", columns: Sequence[str]) -> str:
        """`SELECT t.* FROM table t JOIN unnest(%(k0)s::type0[], …) w ON t.a = w.k0 AND …` (pyformat).

        Each array is cast to its column's catalog type (format_type), so a
        CHAR(n) key compares padded, an enum as an enum, a numeric exactly.
        """
        types = _pg_column_types(conn, self._name(table))
        arrays = ", ".join(f"%(k{j})s::{types[c]}[]" for j, c in enumerate(columns))
        names = ", ".join(f"k{j}" for j in range(len(columns)))
        on = " AND ".join(f"t.{self.q(c)} = w.k{j}" for j, c in enumerate(columns))
        select = ", ".join(f"t.{self.q(c)}" for c in table.column_names)
        return (f"SELECT {_pct(select)} FROM {_pct(self._name(table))} AS t "
                f"JOIN unnest({arrays}) AS w({names}) ON {_pct(on)}")

    def _frame(self, table: "Table", rows: list[Any]) -> "pd.DataFrame":
        import pandas as pd

        from connectors.sqla import coerce_frame
        names = table.column_names
        if not rows:
            frame = pd.DataFrame({n: pd.Series([], dtype=object) for n in names})
        else:
            frame = pd.DataFrame({n: [r[i] for r in rows] for i, n in enumerate(names)}, columns=list(names))
        return coerce_frame(frame, tuple(table.column(n) for n in names))


def _is_text(table: "Table", column: str) -> bool:
    from dbsynth.schema.model import LogicalType
    return table.column(column).logical_type == LogicalType.TEXT


def _pct(sql: str) -> str:
    """Quoted identifiers inside a pyformat statement: a percent sign in a name is doubled."""
    return sql.replace("%", "%%")


def _pg_column_types(conn: "Connection", qualified_name: str) -> dict[str, str]:
    """Column name → its type as PostgreSQL spells it (`character(2)`, `numeric(15,2)`, `"Mood"`)."""
    sql = ("SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
           "WHERE attrelid = to_regclass(%(t)s) AND attnum > 0 AND NOT attisdropped")
    return {name: kind for name, kind in conn.exec_driver_sql(sql, {"t": qualified_name}).fetchall()}
