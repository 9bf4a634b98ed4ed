"""Reference (lookup) table detection: small, referenced, no personal data; copy = true/false win."""
from __future__ import annotations

import pandas as pd
import pytest

from dbsynth.profile import profile_schema
from dbsynth.profile.reference import (copied_tables, find_reference_tables, is_birth_date, mark_reference,
                                       regenerated_columns)
from dbsynth.schema.model import Column, ForeignKey, LogicalType, PrimaryKey, Schema, Table

INT, TEXT = LogicalType.INTEGER, LogicalType.TEXT


def _table(name: str, cols: list[tuple[str, LogicalType]], fks: tuple[tuple[str, str], ...] = ()) -> Table:
    return Table(name=name, columns=tuple(Column(name=c, logical_type=t, type_sql=t.value) for c, t in cols),
                 primary_key=PrimaryKey((cols[0][0],)),
                 foreign_keys=tuple(ForeignKey(columns=(c,), referred_table=r, referred_columns=("id",))
                                    for c, r in fks))


def _schema_and_frames(n_big: int = 300) -> tuple[Schema, dict[str, pd.DataFrame]]:
    names = ["Rock", "Jazz", "Metal", "Blues", "Latin"]
    frames = {
        "genre": pd.DataFrame({"id": range(1, 6), "name": names}),
        "region": pd.DataFrame({"id": range(1, 5), "description": ["Eastern", "Western", "Northern", "Southern"]}),
        "territory": pd.DataFrame({"id": range(1, 9), "description": [f"Town {i}" for i in range(8)],
                                   "region_id": [1, 2, 3, 4] * 2}),
        "shipper": pd.DataFrame({"id": [1, 2, 3], "company_name": ["Speedy", "United", "Federal"],
                                 "phone": ["(503) 555-9831", "(503) 555-3199", "(503) 555-9931"]}),
        "employee": pd.DataFrame({"id": range(1, 6), "first_name": ["Ann", "Bob", "Cy", "Di", "Ed"],
                                  "title": ["Rep"] * 5}),
        "artist": pd.DataFrame({"id": range(1, n_big + 1), "label": [f"Band {i}" for i in range(n_big)]}),
        "unused": pd.DataFrame({"id": [1, 2], "label": ["a", "b"]}),
        "store": pd.DataFrame({"id": [1, 2], "manager_id": [1, 2]}),
        "track": pd.DataFrame({"id": range(1, 401), "genre_id": [1, 2, 3, 4, 5] * 80,
                               "artist_id": [i % n_big + 1 for i in range(400)],
                               "territory_id": [i % 8 + 1 for i in range(400)], "shipper_id": [1, 2, 3, 1] * 100,
                               "employee_id": [1, 2, 3, 4, 5] * 80, "store_id": [1, 2] * 200}),
    }
    tables = (
        _table("genre", [("id", INT), ("name", TEXT)]),
        _table("region", [("id", INT), ("description", TEXT)]),
        _table("territory", [("id", INT), ("description", TEXT), ("region_id", INT)], (("region_id", "region"),)),
        _table("shipper", [("id", INT), ("company_name", TEXT), ("phone", TEXT)]),
        _table("employee", [("id", INT), ("first_name", TEXT), ("title", TEXT)]),
        _table("artist", [("id", INT), ("label", TEXT)]),
        _table("unused", [("id", INT), ("label", TEXT)]),
        _table("store", [("id", INT), ("manager_id", INT)], (("manager_id", "employee"),)),
        _table("track", [("id", INT), ("genre_id", INT), ("artist_id", INT), ("territory_id", INT),
                         ("shipper_id", INT), ("employee_id", INT), ("store_id", INT)],
               (("genre_id", "genre"), ("artist_id", "artist"), ("territory_id", "territory"),
                ("shipper_id", "shipper"), ("employee_id", "employee"), ("store_id", "store"))),
    )
    return Schema(dialect="sqlite", tables=tables), frames


@pytest.fixture(scope="module")
def profiled() -> tuple[Schema, dict]:
    schema, frames = _schema_and_frames()
    return schema, profile_schema(schema=schema, frames=frames)


def test_lookup_tables_found(profiled: tuple[Schema, dict]) -> None:
    schema, profiles = profiled
    found = find_reference_tables(schema, profiles)
    # small, referenced, no personal data; a lookup table's own FK into another lookup table is fine
    assert set(found) == {"genre", "region", "territory", "shipper"}
    assert "referenced by track" in found["genre"]


@pytest.mark.parametrize("table,why", [
    ("employee", "person names are personal data"),
    ("artist", "300 rows: data, not a lookup"),
    ("unused", "nothing refers to it"),
    ("store", "its FK points at a table that is generated (its copied keys could dangle)"),
    ("track", "nothing refers to it and it is big"),
])
def test_not_lookup(profiled: tuple[Schema, dict], table: str, why: str) -> None:
    schema, profiles = profiled
    assert table not in find_reference_tables(schema, profiles), why


def test_lookup_chain_breaks_with_its_parent(profiled: tuple[Schema, dict]) -> None:
    """A territory is copied only while its region is: copy = false on region turns territory off too."""
    schema, profiles = profiled
    marked = mark_reference(schema, profiles, disabled=frozenset({"region"}))
    assert copied_tables(marked) == {"genre", "shipper"}
    assert marked["region"].reference is None and marked["territory"].reference is None


def test_config_forces_and_disables(profiled: tuple[Schema, dict]) -> None:
    schema, profiles = profiled
    marked = mark_reference(schema, profiles, forced=frozenset({"artist"}), disabled=frozenset({"genre"}))
    assert copied_tables(marked) == {"artist", "region", "territory", "shipper"}
    assert marked["artist"].reference == "copy = true in the config"
    assert marked["genre"].reference is None


def test_contact_pii_of_a_lookup_table_is_regenerated(profiled: tuple[Schema, dict]) -> None:
    _, profiles = profiled
    assert regenerated_columns(profiles["shipper"]) == ["phone"]  # the company name is copied, the phone not
    assert regenerated_columns(profiles["genre"]) == []


@pytest.mark.parametrize("name,expected", [("BirthDate", True), ("date_of_birth", True), ("dob", True),
                                           ("HireDate", False), ("birthplace_id", False), ("Births", False)])
def test_birth_date_names(name: str, expected: bool) -> None:
    assert is_birth_date(name) is expected


def test_a_one_to_one_parent_is_not_a_lookup_table() -> None:
    """account ← profile(account_id UNIQUE): each account has its own profile, the rows are data, not shared."""
    from dataclasses import replace

    from dbsynth.schema.model import UniqueConstraint
    account = _table("account", [("id", INT), ("name", TEXT)])
    child = replace(_table("profile", [("id", INT), ("account_id", INT)], (("account_id", "account"),)),
                    unique_constraints=(UniqueConstraint(columns=("account_id",)),))
    schema = Schema(dialect="sqlite", tables=(account, child))
    frames = {"account": pd.DataFrame({"id": range(1, 31), "name": [f"a{i}" for i in range(30)]}),
              "profile": pd.DataFrame({"id": range(1, 21), "account_id": range(1, 21)})}
    assert find_reference_tables(schema, profile_schema(schema=schema, frames=frames)) == {}
