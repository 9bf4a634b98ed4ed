"""SQLite connector against a real database file built in tmp_path."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from connectors.base import open_connector
from connectors.sqlite import SqliteConnector
from dbsynth.errors import ConnectorError, SchemaError
from dbsynth.schema.model import LogicalType, TableKind

DDL = """
CREATE TABLE "Dept Group" ("GroupId" INTEGER PRIMARY KEY, "Name" VARCHAR(40) NOT NULL UNIQUE);
CREATE TABLE "Employee" (
  id INTEGER PRIMARY KEY,
  "groupId" INTEGER NOT NULL REFERENCES "Dept Group"("GroupId") ON DELETE CASCADE,
  boss INTEGER REFERENCES "Employee"(id),
  salary NUMERIC(10,2) CHECK (salary >= 0),
  hired DATETIME, born DATE, active BOOLEAN DEFAULT 1, code TEXT);
CREATE TABLE "Assignment" (emp_id INTEGER NOT NULL, project TEXT NOT NULL, hours REAL,
  PRIMARY KEY (emp_id, project), FOREIGN KEY (emp_id) REFERENCES "Employee"(id));
CREATE TABLE "Hours Log" (emp_id INTEGER, project TEXT, day DATE,
  FOREIGN KEY (emp_id, project) REFERENCES "Assignment"(emp_id, project) DEFERRABLE INITIALLY DEFERRED,
  CONSTRAINT project_set CHECK (length(project) > 0));
CREATE TABLE loose (x TEXT REFERENCES "Employee"(code));
CREATE INDEX ix_emp_code ON "Employee"(code);
CREATE UNIQUE INDEX ux_log ON "Hours Log"(emp_id, day);
CREATE VIEW "Emp View" AS SELECT id, salary FROM "Employee";
CREATE TRIGGER emp_t AFTER INSERT ON "Employee" BEGIN SELECT 1; END;
INSERT INTO "Dept Group" VALUES (1, 'ops'), (2, 'dev');
"""
ROWS = 257


@pytest.fixture()
def db(tmp_path: Path) -> Path:
    path = tmp_path / "my db.sqlite"
    con = sqlite3.connect(path)
    con.executescript(DDL)
    con.executemany(
        'INSERT INTO "Employee" VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        [(i, 1 + i % 2, None if i == 1 else 1, i * 1.5, f"2020-01-{1 + i % 28:02d} 10:00:00.000",
          "1990-05-17", i % 2, f"c{i}") for i in range(1, ROWS + 1)])
    con.commit()
    con.close()
    return path


def test_registered_and_capabilities(db: Path) -> None:
    conn = open_connector(f"sqlite:///{db}")
    assert isinstance(conn, SqliteConnector) and conn.read_only
    assert conn.capabilities.defer_foreign_keys_pragma and conn.capabilities.transactional_ddl
    assert not conn.capabilities.copy and conn.capabilities.max_identifier_length > 10_000
    conn.close()


def test_reflect_tables_columns_and_keys(db: Path) -> None:
    schema = open_connector(f"sqlite:///{db}").reflect()
    assert schema.dialect == "sqlite" and schema.name is None
    assert [t.name for t in schema.tables] == sorted(t.name for t in schema.tables)
    emp = schema.table("Employee")
    assert emp.row_count == ROWS and emp.pk_columns == ("id",)
    ident = emp.column("id")
    assert ident.autoincrement and not ident.nullable and ident.integer_bytes == 8
    salary = emp.column("salary")
    assert salary.logical_type == LogicalType.DECIMAL and (salary.precision, salary.scale) == (10, 2)
    assert emp.column("hired").logical_type == LogicalType.DATETIME
    assert emp.column("born").logical_type == LogicalType.DATE
    assert emp.column("active").logical_type == LogicalType.BOOLEAN and emp.column("active").default == "1"
    assert [c.sqltext for c in emp.checks] == ["salary >= 0"]
    assert [i.name for i in emp.indexes] == ["ix_emp_code"]
    assert [t.name for t in emp.triggers] == ["emp_t"] and "AFTER INSERT" in emp.triggers[0].definition
    group = schema.table("Dept Group")
    assert group.column("Name").length == 40 and group.column("Name").type_sql == "VARCHAR(40)"
    assert group.unique_column_sets() == [("GroupId",), ("Name",)]


def test_reflect_foreign_keys(db: Path) -> None:
    schema = open_connector(f"sqlite:///{db}").reflect()
    fks = {fk.referred_table: fk for fk in schema.table("Employee").foreign_keys}
    assert fks["Dept Group"].columns == ("groupId",) and fks["Dept Group"].on_delete == "CASCADE"
    assert not fks["Dept Group"].nullable
    assert fks["Employee"].columns == ("boss",) and fks["Employee"].nullable  # self-reference
    (log_fk,) = schema.table("Hours Log").foreign_keys
    assert log_fk.columns == ("emp_id", "project") and log_fk.referred_columns == ("emp_id", "project")
    assert log_fk.deferrable and log_fk.initially_deferred and log_fk.references_unique
    assert schema.table("Assignment").pk_columns == ("emp_id", "project")
    assert schema.table("Hours Log").primary_key is None
    assert schema.table("Hours Log").checks[0].name == "project_set"
    (loose,) = schema.table("loose").foreign_keys
    assert not loose.references_unique
    assert any("loose" in w and "neither" in w for w in schema.warnings)


def test_reflect_view(db: Path) -> None:
    schema = open_connector(f"sqlite:///{db}").reflect()
    view = schema.table("Emp View")
    assert view.kind == TableKind.VIEW and view.row_count is None
    assert view.column_names == ("id", "salary") and "SELECT" in view.view_definition
    assert "Emp View" not in {t.name for t in schema.data_tables}


def test_reflect_without_row_counts(db: Path) -> None:
    schema = open_connector(f"sqlite:///{db}").reflect(row_counts=False)
    assert all(t.row_count is None for t in schema.tables)


def test_chunked_read_all_rows_typed(db: Path) -> None:
    conn = open_connector(f"sqlite:///{db}")
    emp = conn.reflect().table("Employee")
    chunks = list(conn.read_table(emp, chunk_size=100))
    assert [len(c) for c in chunks] == [100, 100, 57]
    frame = pd.concat(chunks, ignore_index=True)
    assert frame["id"].tolist() == list(range(1, ROWS + 1))
    assert str(frame["id"].dtype) == "Int64" and frame["boss"].isna().sum() == 1
    assert frame["salary"].dtype == "float64" and frame["salary"].iloc[1] == 3.0
    assert pd.api.types.is_datetime64_any_dtype(frame["hired"])
    assert frame["hired"].iloc[0] == pd.Timestamp("2020-01-02 10:00:00")
    assert pd.api.types.is_datetime64_any_dtype(frame["born"])
    assert str(frame["active"].dtype) == "boolean" and frame["active"].sum() == (ROWS + 1) // 2


def test_read_columns_subset_and_quoting(db: Path) -> None:
    conn = open_connector(f"sqlite:///{db}")
    group = conn.reflect().table("Dept Group")
    (frame,) = conn.read_table(group, columns=("Name",))
    assert frame.columns.tolist() == ["Name"] and frame["Name"].tolist() == ["ops", "dev"]
    (empty,) = conn.read_table(conn.reflect().table("Hours Log"))
    assert len(empty) == 0 and empty.columns.tolist() == ["emp_id", "project", "day"]


def test_source_is_read_only(db: Path) -> None:
    conn = open_connector(f"sqlite:///{db}")
    with pytest.raises(DBAPIError, match="readonly"):
        with conn.engine.begin() as c:
            c.execute(text("INSERT INTO \"Dept Group\" VALUES (3, 'qa')"))
    assert conn.row_count(conn.reflect().table("Dept Group")) == 2


def test_target_is_writable(db: Path) -> None:
    conn = open_connector(f"sqlite:///{db}", read_only=False)
    with conn.engine.begin() as c:
        c.execute(text("INSERT INTO \"Dept Group\" VALUES (3, 'qa')"))
    assert conn.row_count(conn.reflect().table("Dept Group")) == 3


def test_missing_file_is_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "x.db"
    with pytest.raises(ConnectorError, match="SQLite database file .*x.db.* does not exist") as err:
        open_connector(f"sqlite:///{missing}")
    assert err.value.hint and not missing.exists()


def test_not_a_database(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_text("hello, this is not sqlite" * 100)
    with pytest.raises(ConnectorError, match="not a SQLite database"):
        open_connector(f"sqlite:///{junk}").reflect()


def test_fk_to_missing_table_or_column_is_a_plain_column_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "partial.sqlite"
    with sqlite3.connect(path) as con:
        con.executescript("""
            CREATE TABLE orders (order_id INTEGER PRIMARY KEY, ship_via INTEGER REFERENCES shippers (shipper_id),
                                 agent INTEGER REFERENCES agents (nope));
            CREATE TABLE agents (id INTEGER PRIMARY KEY);
            CREATE TABLE lines (order_id INTEGER NOT NULL REFERENCES orders (order_id), n INTEGER);
        """)
    schema = open_connector(f"sqlite:///{path}").reflect()
    assert schema.table("orders").foreign_keys == ()
    assert [fk.referred_table for fk in schema.table("lines").foreign_keys] == ["orders"]
    text = " ".join(schema.warnings)
    assert "table 'shippers' does not exist" in text and "'agents' has no column 'nope'" in text


def test_generated_columns_and_partial_indexes_are_reflected(tmp_path: Path) -> None:
    path = tmp_path / "gen.sqlite"
    with sqlite3.connect(path) as con:
        con.executescript("""
            CREATE TABLE t (id INTEGER PRIMARY KEY, a INT, b INT, total INT GENERATED ALWAYS AS (a + b) STORED,
                            code TEXT, active BOOLEAN);
            CREATE UNIQUE INDEX ux_active ON t (code) WHERE active;
        """)
    table = open_connector(f"sqlite:///{path}").reflect().table("t")
    assert table.column("total").generated == "a + b" and table.written_columns == ("id", "a", "b", "code", "active")
    assert [(i.name, i.where) for i in table.indexes] == [("ux_active", "active")]


def test_empty_database_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.sqlite"
    sqlite3.connect(path).close()
    with pytest.raises(SchemaError, match="has no tables"):
        open_connector(f"sqlite:///{path}").reflect()


def test_uuid_and_binary_names_are_not_read_by_affinity(tmp_path: Path) -> None:
    """SQLAlchemy reads UUID / BYTEA / VARBINARY(16) as NUMERIC and LONGBLOB as NullType (SQLite affinity)."""
    path = tmp_path / "t.sqlite"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, u UUID, g GUID, a VARBINARY(16), b LONGBLOB, "
                    "c BYTEA, d BLOB, n NUMERIC(8,2), x TEXT)")
    conn = open_connector(f"sqlite:///{path}", read_only=True)
    try:
        table = conn.reflect().table("t")
    finally:
        conn.close()
    lt = {c.name: c.logical_type for c in table.columns}
    assert lt["u"] == lt["g"] == LogicalType.UUID
    assert lt["a"] == lt["b"] == lt["c"] == lt["d"] == LogicalType.BINARY
    assert lt["n"] == LogicalType.DECIMAL and lt["x"] == LogicalType.TEXT
    assert table.column("a").type_sql == "VARBINARY(16)"  # the declared type, re-created verbatim


def test_reflect_text_date_formats_and_write_them_back(db: Path, tmp_path: Path) -> None:
    """Dates held as text keep the source's format: reflected per column, used by the SQLite writer."""
    from sqlalchemy import create_engine

    from connectors.generic_writer import WriterContext
    from connectors.sqlite_writer import SqliteWriter
    from dbsynth.schema.graph import build_plan

    schema = open_connector(f"sqlite:///{db}").reflect()
    emp = schema.table("Employee")
    assert emp.column("hired").text_format == "%Y-%m-%d %H:%M:%S.%3f"
    assert emp.column("born").text_format == "%Y-%m-%d"
    assert emp.column("code").text_format is None and schema.table("Hours Log").column("day").text_format is None
    dst = tmp_path / "out.sqlite"
    with sqlite3.connect(dst) as con:
        con.execute("CREATE TABLE t (hired DATETIME, born DATE, day DATE)")
    table = type(emp)("t", (emp.column("hired"), emp.column("born"), schema.table("Hours Log").column("day")))
    frame = pd.DataFrame({"hired": pd.to_datetime(["2021-03-04 05:06:07.891", None]),
                          "born": pd.to_datetime(["1961-02-03", "1970-01-01"]),
                          "day": pd.to_datetime(["2001-02-03", None])})
    engine = create_engine(f"sqlite:///{dst}")
    with engine.begin() as conn:
        SqliteWriter(WriterContext(conn=conn, schema=schema, plan=build_plan(schema))).write(table, frame)
    with sqlite3.connect(dst) as con:
        assert con.execute("SELECT hired, born, day FROM t").fetchall() == [
            ("2021-03-04 05:06:07.891", "1961-02-03", "2001-02-03"), (None, "1970-01-01", None)]
    engine.dispose()
