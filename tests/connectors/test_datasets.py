"""Reflection of the shared sample databases (SQLite files and their PostgreSQL loads)."""
from __future__ import annotations

from typing import Callable

import pandas as pd
import pytest

from connectors.base import open_connector
from dbsynth.schema.model import LogicalType, Schema, TableKind
from tests.conftest import dataset_path

pytestmark = pytest.mark.datasets

_CACHE: dict[str, Schema] = {}


def _reflect(url: str) -> Schema:
    if url not in _CACHE:
        conn = open_connector(url)
        try:
            _CACHE[url] = conn.reflect()
        finally:
            conn.close()
    return _CACHE[url]


def sqlite_schema(name: str) -> Schema:
    return _reflect(f"sqlite:///{dataset_path(name, f'{name}.sqlite')}")


@pytest.fixture()
def pg_schema(pg_dataset: Callable[[str], str]) -> Callable[[str], Schema]:
    return lambda name: _reflect(pg_dataset(name))


def _counts(schema: Schema) -> tuple[int, int, int, int, int]:
    tables = [t for t in schema.tables if t.kind != TableKind.VIEW]
    return (len(tables), sum(len(t.foreign_keys) for t in tables), sum(len(t.checks) for t in tables),
            sum(t.kind == TableKind.VIEW for t in schema.tables), sum(len(t.triggers) for t in schema.tables))


@pytest.mark.parametrize(("name", "expected"), [
    ("chinook", (11, 11, 0, 0, 0)), ("northwind", (13, 13, 7, 16, 0)), ("sakila", (16, 22, 2, 5, 30))])
def test_sqlite_counts(name: str, expected: tuple[int, ...]) -> None:
    schema = sqlite_schema(name)
    assert _counts(schema) == expected
    assert all(t.primary_key for t in schema.data_tables)
    assert not schema.warnings


@pytest.mark.postgres
@pytest.mark.parametrize(("name", "expected"), [
    ("chinook", (11, 11, 0, 0, 0)), ("northwind", (14, 13, 0, 0, 0)), ("sakila", (21, 40, 6, 7, 15))])
def test_postgres_counts(pg_schema: Callable[[str], Schema], name: str, expected: tuple[int, ...]) -> None:
    schema = pg_schema(name)
    assert schema.name == "public" and _counts(schema) == expected


def _fk(schema: Schema, table: str, column: str):
    return next(fk for fk in schema.table(table).foreign_keys if fk.columns == (column,))


def test_chinook_sqlite_shapes() -> None:
    s = sqlite_schema("chinook")
    boss = _fk(s, "Employee", "ReportsTo")
    assert boss.referred_table == "Employee" and boss.referred_columns == ("EmployeeId",) and boss.nullable
    assert s.table("PlaylistTrack").pk_columns == ("PlaylistId", "TrackId")
    assert {t.name: t.row_count for t in s.tables if t.name in ("Track", "InvoiceLine", "Album")} == {
        "Track": 3503, "InvoiceLine": 2240, "Album": 347}
    total = s.table("Invoice").column("Total")
    assert total.logical_type == LogicalType.DECIMAL and (total.precision, total.scale) == (10, 2)
    assert s.table("Invoice").column("InvoiceDate").logical_type == LogicalType.DATETIME


def test_northwind_sqlite_shapes() -> None:
    s = sqlite_schema("northwind")
    assert _fk(s, "Employees", "ReportsTo").referred_table == "Employees"
    details = s.table("Order Details")
    assert details.pk_columns == ("OrderID", "ProductID") and details.row_count == 2155
    assert len(details.checks) == 3 and len(s.table("Products").checks) == 4
    assert s.table("EmployeeTerritories").pk_columns == ("EmployeeID", "TerritoryID")
    assert s.table("CustomerCustomerDemo").row_count == 0 and s.table("CustomerDemographics").row_count == 0
    assert s.table("Customers").row_count == 93


def test_sakila_sqlite_shapes() -> None:
    s = sqlite_schema("sakila")
    manager, store = _fk(s, "store", "manager_staff_id"), _fk(s, "staff", "store_id")
    assert (manager.referred_table, store.referred_table) == ("staff", "store")
    assert not manager.nullable and not store.nullable  # the NOT NULL cycle
    langs = [fk for fk in s.table("film").foreign_keys if fk.referred_table == "language"]
    assert sorted(fk.columns for fk in langs) == [("language_id",), ("original_language_id",)]
    assert s.table("film_actor").pk_columns == ("actor_id", "film_id")
    assert ("rental_date", "inventory_id", "customer_id") in s.table("rental").unique_column_sets()
    assert _fk(s, "payment", "rental_id").nullable and _fk(s, "payment", "rental_id").on_delete == "SET NULL"
    assert s.table("payment").row_count == 16049 and s.table("rental").row_count == 16044


def test_sqlite_read_table_with_space_and_text_dates() -> None:
    url = f"sqlite:///{dataset_path('northwind', 'northwind.sqlite')}"
    conn = open_connector(url)
    s = sqlite_schema("northwind")
    frames = list(conn.read_table(s.table("Order Details"), chunk_size=1000))
    assert [len(f) for f in frames] == [1000, 1000, 155]
    orders = pd.concat(conn.read_table(s.table("Orders")))
    assert pd.api.types.is_datetime64_any_dtype(orders["OrderDate"])
    assert orders["OrderDate"].min() == pd.Timestamp("1996-07-04")
    conn.close()


@pytest.mark.postgres
def test_chinook_northwind_postgres_shapes(pg_schema: Callable[[str], Schema]) -> None:
    c = pg_schema("chinook")
    assert _fk(c, "employee", "reports_to").referred_table == "employee"
    assert c.table("playlist_track").pk_columns == ("playlist_id", "track_id")
    assert c.table("track").row_count == 3503
    n = pg_schema("northwind")
    # SOURCE.md says the dump lacks the self-FK; it does declare fk_employees_employees.
    assert _fk(n, "employees", "reports_to").name == "fk_employees_employees"
    assert n.table("employee_territories").pk_columns == ("employee_id", "territory_id")
    assert n.table("customers").row_count == 91 and n.table("us_states").row_count == 51


@pytest.mark.postgres
def test_sakila_postgres_shapes(pg_schema: Callable[[str], Schema]) -> None:
    s = pg_schema("sakila")
    film = s.table("film")
    rating = film.column("rating")
    assert rating.enum_name == "mpaa_rating" and rating.enum_values == ("G", "PG", "PG-13", "R", "NC-17")
    year = film.column("release_year")
    assert year.domain == "year" and year.domain_checks == ("VALUE >= 1901 AND VALUE <= 2155",)
    assert film.column("special_features").item_type == "TEXT"
    assert film.column("special_features").logical_type == LogicalType.ARRAY
    assert film.column("fulltext").logical_type == LogicalType.OTHER
    assert film.column("film_id").autoincrement and film.column("film_id").sequence
    parts = [t for t in s.tables if t.kind == TableKind.PARTITION]
    assert [t.name for t in parts] == [f"payment_p2007_0{i}" for i in range(1, 7)]
    assert all(t.parent_table == "payment" and t.row_count == 0 for t in parts)
    assert len(s.warnings) == 6 and len(s.data_tables) == 15
    assert not _fk(s, "store", "manager_staff_id").nullable and not _fk(s, "staff", "store_id").nullable
    assert len([fk for fk in film.foreign_keys if fk.referred_table == "language"]) == 2
    assert s.table("film_actor").pk_columns == ("actor_id", "film_id")
    assert s.table("payment").row_count == 16049 and s.table("rental").row_count == 16044
    assert any("last_updated" in t.name for t in s.table("actor").triggers)
