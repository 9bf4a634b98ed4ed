"""`seed --mode append --only … --rows …`: the request, its table names, the target rows it reads (load/attach.py)."""
from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from dbsynth.config import Config, TableConfig
from dbsynth.errors import ConfigError, LoadError
from dbsynth.load.attach import Attach
from dbsynth.schema.model import Schema
from tests.e2e.test_safety import SMALL_SQL, make_sqlite


def _model(schema: Schema, **contexts: Any) -> Any:
    """A fitted model as read_given sees it: the schema and each table's context FK."""
    return SimpleNamespace(schema=schema, tables={t: SimpleNamespace(context=c) for t, c in contexts.items()})


@pytest.fixture()
def schema(tmp_path: Path) -> Schema:
    from dbsynth.commands import reflect
    return reflect(f"sqlite:///{make_sqlite(tmp_path / 'src.sqlite')}")


def test_only_is_comma_separated_repeatable_and_rows_are_table_equals_n() -> None:
    request = Attach.parse(["orders, customer", "orders"], ["orders=12"], mode="append")
    assert request.only == ("orders", "customer") and request.rows == {"orders": 12}
    assert Attach.parse(None, ["customer=5"], mode="fail").rows == {"customer": 5}  # --rows alone sets a count


@pytest.mark.parametrize("only, rows, mode, needle", [
    ("orders", [], "fail", "--only needs --mode append (got --mode fail)"),
    ("orders", [], "replace", "--only needs --mode append"),
    ("orders", ["customer=5"], "append", "--rows customer=5: customer is not among the --only tables (orders)"),
    ("orders", ["orders"], "append", "--rows 'orders' is not TABLE=N"),
    ("orders", ["orders=-3"], "append", "--rows 'orders=-3' is not TABLE=N"),
    (" , ", [], "append", "--only names no table"),
])
def test_bad_requests_are_one_line_naming_the_flag(only: str, rows: list[str], mode: str, needle: str) -> None:
    with pytest.raises(ConfigError) as err:
        Attach.parse(only, rows, mode=mode)
    assert needle in str(err.value) and "\n" not in str(err.value)


def test_rows_become_the_tables_rows_over_the_config_file() -> None:
    config = Config(tables={"orders": TableConfig(rows=3, context="customer")})
    out = Attach.parse("orders", ["orders=40"], mode="append").with_rows(config)
    assert out.tables["orders"].rows == 40 and out.tables["orders"].context == "customer"
    assert Attach().with_rows(config) is config


def test_unknown_tables_are_named_with_the_closest_one(schema: Schema) -> None:
    with pytest.raises(ConfigError, match="--only names table 'order', which the source does not have.*'orders'"):
        Attach.parse("order", [], mode="append").check_schema(schema)
    with pytest.raises(ConfigError, match="--rows names table 'custmer'.*'customer'"):
        Attach.parse(None, ["custmer=4"], mode="fail").check_schema(schema)


def test_the_referenced_tables_are_read_and_self_references_are_not(schema: Schema) -> None:
    assert Attach(only=("orders",)).referenced(schema) == ["customer"]
    assert Attach(only=("customer",)).referenced(schema) == []  # its referrer is itself, drawn
    assert Attach(only=("customer", "orders")).referenced(schema) == []


def test_the_target_rows_of_the_parents_are_read_whole(schema: Schema, tmp_path: Path) -> None:
    target = make_sqlite(tmp_path / "target.sqlite")
    request = Attach(only=("orders",))
    request.check_target(f"sqlite:///{target}", schema)
    given = request.read_given(f"sqlite:///{target}", _model(schema))
    assert set(given.frames) == {"customer"} and given.only == {"orders"}
    assert len(given.frames["customer"]) == 60 and list(given.frames["customer"]) == ["id", "email", "referrer",
                                                                                        "score"]


def test_a_target_without_the_parents_is_one_line(schema: Schema, tmp_path: Path) -> None:
    request = Attach(only=("orders",))
    with pytest.raises(LoadError, match="does not exist, so it has no rows to attach to"):
        request.check_target(f"sqlite:///{tmp_path / 'none.sqlite'}", schema)
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as con:
        con.execute("CREATE TABLE unrelated (x INTEGER)")
    with pytest.raises(LoadError, match="the target has no table 'customer', which the new rows refer to"):
        request.check_target(f"sqlite:///{other}", schema)
    narrow = tmp_path / "narrow.sqlite"
    with sqlite3.connect(narrow) as con:
        con.executescript(SMALL_SQL.replace("score REAL,", ""))
    with pytest.raises(LoadError, match="target table 'customer' lacks column\\(s\\) score"):
        request.check_target(f"sqlite:///{narrow}", schema)
    empty = tmp_path / "empty.sqlite"
    with sqlite3.connect(empty) as con:
        con.executescript(SMALL_SQL)
    with pytest.raises(LoadError, match="target table 'customer' has no rows, and orders.customer_id must refer"):
        request.read_given(f"sqlite:///{empty}", _model(schema))


def test_an_empty_context_parent_is_named_though_its_fk_may_be_null(schema: Schema, tmp_path: Path) -> None:
    empty = tmp_path / "empty.sqlite"
    with sqlite3.connect(empty) as con:
        con.executescript(SMALL_SQL.replace("customer_id INTEGER NOT NULL", "customer_id INTEGER NULL"))
    loose = schema.table("orders")
    loose = replace(loose, columns=tuple(replace(c, nullable=True) if c.name == "customer_id" else c
                                         for c in loose.columns))
    schema = replace(schema, tables=tuple(loose if t.name == "orders" else t for t in schema.tables))
    assert Attach(only=("orders",)).read_given(f"sqlite:///{empty}", _model(schema)).frames["customer"].empty
    context = SimpleNamespace(columns=["customer_id"])
    with pytest.raises(LoadError, match="new orders rows are drawn per customer row \\(its context FK\\)"):
        Attach(only=("orders",)).read_given(f"sqlite:///{empty}", _model(schema, orders=context))
