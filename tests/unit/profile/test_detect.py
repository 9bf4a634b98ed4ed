"""Semantic types on hand-made frames and on the shared sample databases."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from dbsynth.errors import ConfigError
from dbsynth.profile import PiiKind, SemanticType, TableProfile, profile_schema, profile_table
from dbsynth.schema.model import (Column, ForeignKey, LogicalType, PrimaryKey, Schema, Table,
                                  UniqueConstraint)
from tests.conftest import dataset_path

_TYPES = (("INT", LogicalType.INTEGER), ("DEC", LogicalType.DECIMAL), ("NUMERIC", LogicalType.DECIMAL),
          ("REAL", LogicalType.FLOAT), ("TIMESTAMP", LogicalType.DATETIME), ("DATETIME", LogicalType.DATETIME),
          ("DATE", LogicalType.DATE), ("BOOL", LogicalType.BOOLEAN), ("BLOB", LogicalType.BINARY),
          ("CHAR", LogicalType.TEXT), ("TEXT", LogicalType.TEXT))


def _logical(type_sql: str) -> LogicalType:
    return next((lt for needle, lt in _TYPES if needle in type_sql.upper()), LogicalType.OTHER)


def _reflect(insp: sa.Inspector, name: str) -> Table:
    """Minimal reflection so these tests do not depend on the connector package."""
    pk = insp.get_pk_constraint(name)["constrained_columns"]
    cols = tuple(Column(name=c["name"], logical_type=_logical(str(c["type"])), type_sql=str(c["type"]))
                 for c in insp.get_columns(name))
    fks = tuple(ForeignKey(columns=tuple(f["constrained_columns"]), referred_table=f["referred_table"],
                           referred_columns=tuple(f["referred_columns"])) for f in insp.get_foreign_keys(name))
    return Table(name=name, columns=cols, primary_key=PrimaryKey(tuple(pk)) if pk else None, foreign_keys=fks)


def _profile_db(path: Path) -> dict[str, TableProfile]:
    engine = sa.create_engine(f"sqlite:///{path}")
    try:
        insp = sa.inspect(engine)
        tables = tuple(_reflect(insp, t) for t in insp.get_table_names())
    finally:
        engine.dispose()
    with sqlite3.connect(path) as con:
        frames = {t.name: pd.read_sql(f'SELECT * FROM "{t.name}"', con) for t in tables}
    return profile_schema(schema=Schema(dialect="sqlite", tables=tables), frames=frames)


@pytest.fixture(scope="module")
def chinook() -> dict[str, TableProfile]:
    return _profile_db(dataset_path("chinook", "chinook.sqlite"))


@pytest.fixture(scope="module")
def sakila() -> dict[str, TableProfile]:
    return _profile_db(dataset_path("sakila", "sakila.sqlite"))


def _label(profiles: dict[str, TableProfile], table: str, column: str) -> str:
    c = profiles[table].column(column)
    return f"pii:{c.pii_kind.value}" if c.semantic == SemanticType.PII else c.semantic.value


@pytest.mark.parametrize("table,column,expected", [
    ("Customer", "CustomerId", "key"), ("Customer", "SupportRepId", "key"),
    ("Customer", "Email", "pii:email"), ("Customer", "FirstName", "pii:first_name"),
    ("Customer", "LastName", "pii:last_name"), ("Customer", "Phone", "pii:phone"),
    ("Customer", "Fax", "pii:phone"), ("Customer", "Address", "pii:street_address"),
    # Cities are fine-grained quasi-identifiers with large value sets: Faker, never copied.
    ("Customer", "City", "pii:city"), ("Customer", "Country", "categorical"),
    ("Customer", "State", "categorical"), ("Customer", "PostalCode", "pii:postcode"),
    ("Customer", "Company", "pii:company"), ("Track", "Name", "text"), ("Track", "Composer", "categorical"),
    ("Track", "Milliseconds", "numeric"), ("Genre", "Name", "text"),
    ("Invoice", "BillingCountry", "categorical"), ("Invoice", "BillingCity", "categorical"), ("Customer", "City", "pii:city"),
    ("Invoice", "InvoiceDate", "datetime"), ("Invoice", "Total", "numeric"),
    ("InvoiceLine", "Quantity", "constant"), ("PlaylistTrack", "TrackId", "key"),
])
def test_chinook_decisions(chinook: dict[str, TableProfile], table: str, column: str, expected: str) -> None:
    assert _label(chinook, table, column) == expected, chinook[table].column(column).reason


@pytest.mark.parametrize("table,column,expected", [
    ("film", "description", "text"), ("film", "title", "text"), ("film", "rating", "categorical"),
    ("film", "rental_duration", "categorical"), ("film", "length", "numeric"),
    ("customer", "email", "pii:email"), ("address", "phone", "pii:phone"),
    ("address", "address2", "constant"), ("payment", "amount", "categorical"),
    ("payment", "payment_date", "datetime"), ("country", "country", "pii:country"),
    ("city", "city", "pii:city"), ("staff", "username", "pii:username"),
    ("staff", "password", "pii:password"), ("actor", "first_name", "pii:first_name"),
    ("language", "name", "categorical"),  # a 6-row lookup table: categories (issue 11)
])
def test_sakila_decisions(sakila: dict[str, TableProfile], table: str, column: str, expected: str) -> None:
    assert _label(sakila, table, column) == expected, sakila[table].column(column).reason


def test_stats_and_reasons_on_real_data(chinook: dict[str, TableProfile]) -> None:
    email = chinook["Customer"].column("Email")
    assert email.reason == "name matches 'email'"
    assert email.distinct == 59 and email.unique and email.null_rate == 0.0
    assert 0 < email.min_length <= email.max_length <= 60
    company = chinook["Customer"].column("Company")
    assert company.null_rate == pytest.approx(49 / 59)
    assert chinook["Customer"].column("CustomerId").declared_unique
    assert chinook["Customer"].rows == 59


# ---- hand-made frames -----------------------------------------------------

def _table(*cols: Column, pk: tuple[str, ...] = (), uniques: tuple[tuple[str, ...], ...] = ()) -> Table:
    return Table(name="t", columns=cols, primary_key=PrimaryKey(pk) if pk else None,
                 unique_constraints=tuple(UniqueConstraint(u) for u in uniques))


def _col(name: str, lt: LogicalType = LogicalType.TEXT) -> Column:
    return Column(name=name, logical_type=lt, type_sql=lt.value)


def test_value_patterns_detect_pii_in_neutrally_named_columns() -> None:
    n = 50
    frame = pd.DataFrame({
        "contact": [f"user{i}@example.com" for i in range(n - 2)] + ["n/a", None],
        "c2": [f"+1 (555) {100 + i:03d}-{1000 + i}" for i in range(n)],
        "c3": [f"10.0.{i}.{i + 1}" for i in range(n)],
        "c4": ["4111 1111 1111 1111", "5500 0000 0000 0004", "3400 0000 0000 009"] * 16 + [None, None],
        "c5": [f"{123 + i}-45-{6789 + i}" for i in range(n)],
        "c6": [f"https://site{i}.org/page" for i in range(n)],
    })
    prof = profile_table(table=_table(*(_col(c) for c in frame.columns)), frame=frame)
    kinds = {c.name: c.pii_kind for c in prof.columns}
    assert kinds == {"contact": PiiKind.EMAIL, "c2": PiiKind.PHONE, "c3": PiiKind.IP_ADDRESS,
                     "c4": PiiKind.CREDIT_CARD, "c5": PiiKind.NATIONAL_ID, "c6": PiiKind.URL}
    assert prof.column("contact").reason == "98% of values match e-mail pattern"  # 48 of 49
    assert prof.column("c4").null_rate == pytest.approx(2 / n)


def test_invalid_card_numbers_are_not_cards() -> None:
    frame = pd.DataFrame({"code": [f"4111 1111 1111 11{i:02d}" for i in range(40) if (i % 10) != 1]})
    prof = profile_table(table=_table(_col("code")), frame=frame)
    assert prof.column("code").pii_kind != PiiKind.CREDIT_CARD


def test_types_keys_numbers_dates_and_text() -> None:
    rng = np.random.default_rng(0)
    n = 400
    frame = pd.DataFrame({
        "id": np.arange(n), "order_id": np.arange(n) + 1000, "rating": rng.integers(1, 6, n),
        "price": rng.normal(10, 2, n), "qty": rng.integers(0, 200, n), "flag": rng.random(n) < 0.5,
        "day": [f"2024-01-{1 + i % 28:02d}" for i in range(n)],
        "stamp": [f"2024-02-01T10:{i % 60:02d}:00" for i in range(n)],
        "at": [f"{i % 24:02d}:30" for i in range(n)],
        "kind": rng.choice(["a", "b", "c"], n),
        "notes": [" ".join(rng.choice(["lorem", "ipsum", "dolor", "sit", "amet"], 12)) + str(i) for i in range(n)],
        "payload": ['{"a": 1}'] * n, "empty": [None] * n, "same": ["x"] * n,
    })
    lts = {"id": LogicalType.INTEGER, "order_id": LogicalType.INTEGER, "rating": LogicalType.INTEGER,
           "price": LogicalType.FLOAT, "qty": LogicalType.INTEGER, "flag": LogicalType.BOOLEAN,
           "payload": LogicalType.JSON}
    table = _table(*(_col(c, lts.get(c, LogicalType.TEXT)) for c in frame.columns), pk=("id",),
                   uniques=(("order_id",),))
    prof = profile_table(table=table, frame=frame)
    got = {c.name: c.semantic.value for c in prof.columns}
    assert got == {"id": "key", "order_id": "key", "rating": "categorical", "price": "numeric",
                   "qty": "numeric", "flag": "boolean", "day": "date", "stamp": "datetime", "at": "time",
                   "kind": "categorical", "notes": "text", "payload": "other", "empty": "constant",
                   "same": "constant"}
    assert prof.column("empty").null_rate == 1.0 and prof.column("kind").distinct == 3
    assert prof.column("order_id").declared_unique and prof.column("order_id").reason.startswith("unique")


def test_person_table_name_and_high_cardinality_country() -> None:
    frame = pd.DataFrame({"name": [f"Person {i}" for i in range(100)],
                          "country": [f"Country {i}" for i in range(100)]})
    table = Table(name="customers", columns=(_col("name"), _col("country")))
    prof = profile_table(table=table, frame=frame)
    assert prof.column("name").pii_kind == PiiKind.FULL_NAME
    assert prof.column("country").pii_kind == PiiKind.COUNTRY


def test_overrides_apply_and_are_flagged() -> None:
    frame = pd.DataFrame({"Notes": ["a", "b"] * 10, "City": ["x", "y"] * 10, "Fax": ["1", "2"] * 10})
    table = _table(_col("Notes"), _col("City"), _col("Fax"))
    prof = profile_table(table=table, frame=frame,
                         overrides={"Notes": "text", "City": "Categorical", "Fax": "pii:phone"})
    assert [(c.semantic, c.pii_kind, c.overridden) for c in prof.columns] == [
        (SemanticType.TEXT, None, True), (SemanticType.CATEGORICAL, None, True),
        (SemanticType.PII, PiiKind.PHONE, True)]
    assert prof.column("City").reason == "override"


@pytest.mark.parametrize("overrides,needle", [
    ({"Notes": "texty"}, "t.Notes"), ({"Notes": "pii:nickname"}, "t.Notes"),
    ({"Notes": "pii"}, "t.Notes"), ({"Nope": "text"}, "t.Nope"),
])
def test_bad_overrides_raise_config_error(overrides: dict[str, str], needle: str) -> None:
    table = _table(_col("Notes"))
    with pytest.raises(ConfigError) as err:
        profile_table(table=table, frame=pd.DataFrame({"Notes": ["a"]}), overrides=overrides)
    assert needle in str(err.value)
    if "Nope" not in overrides:
        assert "pii:email" in err.value.hint and "categorical" in err.value.hint


def test_profile_schema_checks_override_tables_and_handles_missing_frames() -> None:
    schema = Schema(dialect="sqlite", tables=(_table(_col("a")),))
    out = profile_schema(schema=schema, frames={})
    assert out["t"].rows == 0 and out["t"].column("a").semantic == SemanticType.CONSTANT
    with pytest.raises(ConfigError, match="unknown table 'zzz'"):
        profile_schema(schema=schema, frames={}, overrides={"zzz": {"a": "text"}})


def test_long_unique_text_in_a_small_table_is_free_text_not_a_category() -> None:
    # Northwind's 9 employees' notes: dealt out as categories they would reach the target verbatim
    notes = [f"Employee {i} holds a BA in subject {i} from a college in 19{60 + i} and speaks {i} languages."
             for i in range(9)]
    frame = pd.DataFrame({"id": range(9), "title": ["Rep", "Rep", "Manager"] * 3, "notes": notes})
    table = _table(_col("id", LogicalType.INTEGER), _col("title"), _col("notes"), pk=("id",))
    prof = profile_table(table=table, frame=frame)
    assert prof.column("notes").semantic == SemanticType.TEXT
    assert prof.column("title").semantic == SemanticType.CATEGORICAL


def test_small_table_urls_that_spell_the_rows_names_are_personal() -> None:
    # Northwind's PhotoPath `http://accweb/emmployees/davolio.bmp`: a copy carries the real surnames
    last = ["Davolio", "Fuller", "Leverling", "Peacock", "Buchanan", "Suyama", "King", "Callahan", "Dodsworth"]
    paths = [f"http://accweb/emmployees/{n.lower()}.bmp" for n in last[:5]] + \
            ["http://accweb/emmployees/davolio.bmp"] * 4
    frame = pd.DataFrame({"id": range(9), "LastName": last, "PhotoPath": paths,
                          "Link": [f"http://intranet/team/{k}.html" for k in "abcabcabc"]})
    table = _table(_col("id", LogicalType.INTEGER), _col("LastName"), _col("PhotoPath"), _col("Link"), pk=("id",))
    prof = profile_table(table=table, frame=frame)
    photo = prof.column("PhotoPath")
    assert (photo.semantic, photo.pii_kind) == (SemanticType.PII, PiiKind.URL)
    assert "davolio" in photo.reason
    assert prof.column("Link").semantic == SemanticType.CATEGORICAL  # no name in it: a small table's category
    without_names = profile_table(table=table, frame=frame.assign(LastName=["X"] * 9))
    assert without_names.column("PhotoPath").semantic == SemanticType.CATEGORICAL
