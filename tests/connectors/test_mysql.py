"""MySQL / MariaDB connector: URL mapping, the missing-driver line, and reflection of a
fixture schema built here on the suite's throwaway MariaDB server."""
from __future__ import annotations

import sys

import pytest

from connectors.base import Capabilities, capabilities_for, dialect_of, open_connector
from connectors.mysql import pymysql_url
from dbsynth.errors import ConnectorError
from dbsynth.schema.model import LogicalType

FIXTURE = """
CREATE TABLE parent (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  tiny TINYINT UNSIGNED NOT NULL DEFAULT 3,
  flag TINYINT(1) NOT NULL DEFAULT 0,
  mood ENUM('happy', 'sad', 'ok') NOT NULL DEFAULT 'ok',
  tags SET('a', 'bb', 'ccc') NULL,
  price DECIMAL(6,2) NOT NULL,
  doubled DECIMAL(7,2) AS (price * 2) VIRTUAL,
  born DATE NULL,
  seen DATETIME NULL,
  code VARCHAR(20) CHARACTER SET latin1 COLLATE latin1_bin NULL,
  note TEXT,
  meta JSON NULL,
  qty INT NULL CHECK (qty >= 0),
  changed TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  CONSTRAINT price_positive CHECK (price > 0),
  FULLTEXT KEY ft_note (note)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE child (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  parent_id INT UNSIGNED NOT NULL,
  CONSTRAINT fk_child_parent FOREIGN KEY (parent_id) REFERENCES parent (id)
) ENGINE=InnoDB;
CREATE TRIGGER child_bi BEFORE INSERT ON child FOR EACH ROW SET NEW.parent_id = NEW.parent_id;
CREATE VIEW parent_view AS SELECT id, mood FROM parent;
SET SESSION sql_mode = '';
INSERT INTO parent (tiny, flag, mood, tags, price, born, seen, code, note) VALUES
  (200, 1, 'happy', 'a,bb', 10.50, '2020-01-02', '2020-01-02 03:04:05', 'x', 'first'),
  (1, 0, 'sad', NULL, 3.00, '0000-00-00', '0000-00-00 00:00:00', 'y', 'second');
INSERT INTO child (parent_id) VALUES (1), (1), (2);
"""


def test_urls_map_to_pymysql() -> None:
    assert pymysql_url("mysql://u@h/db") == "mysql+pymysql://u@h/db"
    assert pymysql_url("mariadb://u@h:3307/db") == "mysql+pymysql://u@h:3307/db"
    assert pymysql_url("mysql+mysqldb://u@h/db") == "mysql+mysqldb://u@h/db"
    assert dialect_of("mariadb://u@h/db") == "mysql"
    caps = capabilities_for("mariadb://u@h/db")
    assert isinstance(caps, Capabilities) and caps.foreign_key_checks_off and not caps.transactional_ddl


def test_missing_driver_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pymysql", None)  # import pymysql -> ImportError
    with pytest.raises(ConnectorError) as info:
        open_connector("mysql://root@127.0.0.1:1/db")
    text = str(info.value) + " " + str(getattr(info.value, "hint", ""))
    assert "dbsynth[mysql]" in text and "\n" not in str(info.value)


@pytest.fixture()
def fixture_url(mysql_databases) -> str:  # type: ignore[no-untyped-def]
    return mysql_databases.create("refl", sql=FIXTURE)


def test_reflection_of_mysql_features(fixture_url: str) -> None:
    with open_connector(fixture_url) as conn:  # type: ignore[attr-defined]
        schema = conn.reflect()
    parent, child = schema.table("parent"), schema.table("child")
    col = parent.column
    assert schema.dialect == "mysql"
    assert col("id").autoincrement and col("id").integer_bytes == 5  # INT UNSIGNED: past int32
    assert "UNSIGNED" in col("tiny").type_sql.upper() and col("tiny").integer_bytes == 2
    assert col("flag").logical_type == LogicalType.BOOLEAN
    assert col("mood").logical_type == LogicalType.ENUM and col("mood").enum_values == ("happy", "sad", "ok")
    assert col("tags").enum_values == ("a", "bb", "ccc") and col("tags").length == len("a,bb,ccc")
    assert col("doubled").generated and "price" in col("doubled").generated
    assert not col("doubled").generated_stored
    assert "COLLATE latin1_bin" in col("code").type_sql
    assert "ON UPDATE CURRENT_TIMESTAMP" in col("changed").type_sql
    assert {c.name for c in parent.checks} == {"price_positive", "qty"}  # table- and column-level
    assert col("meta").logical_type == LogicalType.JSON  # MariaDB: LONGTEXT + CHECK (json_valid(meta))
    assert {i.name: i.method for i in parent.indexes}["ft_note"] == "fulltext"
    assert child.foreign_keys[0].name == "fk_child_parent" and child.row_count == 3
    assert [t.name for t in child.triggers] == ["child_bi"]
    assert child.triggers[0].definition.startswith("CREATE TRIGGER `child_bi` BEFORE INSERT ON `child`")
    view = schema.table("parent_view")
    assert view.kind.value == "view" and "`parent`" in (view.view_definition or "")
    assert "refl_" not in (view.view_definition or "")  # the source database's name is not baked in
    zero = [w for w in schema.warnings if "zero date" in w]
    assert any(w.startswith("parent.born: 1 zero date") for w in zero)
    assert any(w.startswith("parent.seen: 1 zero date") for w in zero)


def test_zero_dates_read_as_null_and_source_is_read_only(fixture_url: str) -> None:
    from sqlalchemy.exc import SQLAlchemyError
    with open_connector(fixture_url) as conn:  # type: ignore[attr-defined]
        schema = conn.reflect(row_counts=False)
        frame = next(conn.read_table(schema.table("parent")))
        born = frame.set_index("id")["born"]
        assert str(born[1].date()) == "2020-01-02" and born.isna()[2]
        with pytest.raises(SQLAlchemyError), conn.engine.begin() as c:
            c.exec_driver_sql("INSERT INTO child (parent_id) VALUES (1)")


def test_load_data_text_escapes_and_nulls() -> None:
    import datetime as dt

    import pandas as pd

    from connectors.mysql_writer import load_data_text
    frame = pd.DataFrame({
        "s": ["tab\there", "back\\slash", None, "new\nline"],
        "b": pd.array([True, False, None, True], dtype="boolean"),
        "n": pd.array([1, None, 3, 4], dtype="Int64"),
        "t": pd.to_datetime(["2024-01-02 03:04:05+02:00", None, "2024-01-02 00:00:00+00:00",
                             "2024-06-01 12:00:00.5+00:00"], utc=True, format="ISO8601"),
        "x": pd.Series([b"\x00\xff", None, {"k": 1}, dt.timedelta(hours=-1, seconds=-5)], dtype=object),
    })
    lines = load_data_text(frame).decode().split("\n")
    assert lines[0] == "tab\\there\t1\t1\t2024-01-02 01:04:05.000\t00ff"  # UTC, hex bytes
    assert lines[1] == "back\\\\slash\t0\t\\N\t\\N\t\\N"
    assert lines[2] == '\\N\t\\N\t3\t2024-01-02 00:00:00.000\t{"k": 1}'
    assert lines[3] == "new\\nline\t1\t4\t2024-06-01 12:00:00.500\t-01:00:05.000000"
    assert lines[4] == "" and len(lines) == 5
