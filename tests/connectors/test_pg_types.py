"""Reading PostgreSQL's non-scalar types from a source: reflection names every type (point too) and
read_table gives values the type generators can learn from."""
from __future__ import annotations

import datetime as dt
import ipaddress
import warnings
from typing import Iterator

import pandas as pd
import pytest

from connectors.base import open_connector
from dbsynth.profile.detect import profile_table
from dbsynth.profile.types import SemanticType
from dbsynth.schema.model import Schema
from dbsynth.transform import pgtypes
from tests.conftest import ROOT, PgDatabases

pytestmark = pytest.mark.postgres

GENERATED = {"doc": "jsonb", "meta": "json", "ip": "inet", "net": "cidr", "mac": "macaddr", "dur": "interval",
             "price": "money", "flags": "bit", "vflags": "bit varying", "blob": "bytea", "nums": "array",
             "tags": "array", "span": "int4range", "days": "daterange", "slot": "tstzrange", "pos": "point",
             "tsv": "tsvector", "nr": "numrange", "booked": "tstzrange", "ds": "array"}


@pytest.fixture(scope="module")
def source(pg_admin_url: str) -> Iterator[tuple[Schema, pd.DataFrame]]:
    dbs = PgDatabases(pg_admin_url)
    url = dbs.create("pgtypes_read", sql_file=ROOT / "tests" / "fixtures" / "pg_types.sql")
    conn = open_connector(url)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no "Did not recognize type 'point'" on the user's terminal
            schema = conn.reflect()
        yield schema, next(conn.read_table(schema.table("pgt")))
    finally:
        conn.close()
        dbs.drop_all()


def test_reflection_keeps_each_type_name(source: tuple[Schema, pd.DataFrame]) -> None:
    table = source[0].table("pgt")
    assert table.column("pos").type_sql == "point"  # SQLAlchemy has no class for it: the catalog's name
    assert table.column("vflags").type_sql.upper().startswith("BIT VARYING")
    assert table.column("email").type_sql.upper() == "CITEXT"
    kinds = {c: pgtypes.type_kind(table.column(c)) for c in GENERATED}
    assert kinds == {c: "json" if k in ("jsonb", "json") else k for c, k in GENERATED.items()}


def test_read_values_have_python_types(source: tuple[Schema, pd.DataFrame]) -> None:
    frame = source[1]
    first = {c: frame[c].dropna().iloc[0] for c in frame.columns}
    assert isinstance(first["doc"], dict) and isinstance(first["nums"], list)
    assert isinstance(first["blob"], bytes) and isinstance(first["ip"], (ipaddress.IPv4Address,
                                                                         ipaddress.IPv6Address))
    assert hasattr(first["span"], "isempty") and isinstance(first["days"].lower, dt.date)
    assert isinstance(first["dur"], (pd.Timedelta, dt.timedelta))
    assert len(frame) == 200


def test_profile_sends_every_type_to_its_generator(source: tuple[Schema, pd.DataFrame]) -> None:
    schema, frame = source
    profile = profile_table(table=schema.table("pgt"), frame=frame)
    for column in GENERATED:
        assert profile.column(column).semantic == SemanticType.OTHER, column
    assert profile.column("email").semantic == SemanticType.PII  # citext is text: faked e-mails
