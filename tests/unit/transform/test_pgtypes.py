"""Type value generators (transform/pgtypes.py) through their registry: fit on source-like values,
draw, and check every value parses as its type with the source's NULL share and shape."""
from __future__ import annotations

import datetime as dt
import ipaddress
import json
import re
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from dbsynth.profile.detect import profile_table
from dbsynth.profile.types import SemanticType
from dbsynth.schema.model import Column, LogicalType, PrimaryKey, Table
from dbsynth.transform import pgtypes
from dbsynth.transform.pgranges import RANGE_TYPES

N = 400


def col(name: str, type_sql: str, lt: LogicalType = LogicalType.OTHER, **kw: object) -> Column:
    return Column(name=name, logical_type=lt, type_sql=type_sql, **kw)  # type: ignore[arg-type]


def with_nulls(values: list[object], every: int = 5) -> pd.Series:
    return pd.Series([None if i % every == 0 else v for i, v in enumerate(values)], dtype=object)


def draw(column: Column, values: pd.Series, n: int = N, seed: int = 0, **kw: object) -> list[object]:
    spec = pgtypes.fit_spec(column, values, **kw)  # type: ignore[arg-type]
    assert spec is not None
    json.dumps(spec)  # the model artefact is JSON: no numpy scalars, no source objects
    return pgtypes.sample_spec(spec, n=n, rng=np.random.default_rng(seed), seen=set()).tolist()


def null_share(values: list[object]) -> float:
    return sum(v is None for v in values) / len(values)


def test_every_registered_type_draws_values_from_empty_params() -> None:
    """A column the source left empty still gets values of its type (NOT NULL needs them)."""
    for name in sorted(pgtypes._REGISTRY):
        lt = {"json": LogicalType.JSON, "array": LogicalType.ARRAY}.get(name, LogicalType.OTHER)
        out = draw(col("c", name, lt, nullable=False), pd.Series([], dtype=object), n=5)
        assert len(out) == 5 and all(v is not None for v in out), name


def test_jsonb_keeps_key_structure_and_types() -> None:
    rng = np.random.default_rng(1)
    docs = [{"user": f"u{i}", "score": int(rng.integers(0, 7)), "active": bool(i % 2),
             "addr": {"city": ["Oslo", "Rome", "Lima"][i % 3], "zip": 1000 + i},
             **({"note": "vip"} if i % 4 == 0 else {})} for i in range(300)]
    out = draw(col("doc", "JSONB", LogicalType.JSON), with_nulls(docs))
    assert abs(null_share(out) - 0.2) < 0.01
    parsed = [json.loads(v) for v in out if v is not None]
    assert all({"user", "score", "active", "addr"} <= set(d) <= {"user", "score", "active", "addr", "note"}
               for d in parsed)
    assert 0.15 < np.mean(["note" in d for d in parsed]) < 0.35  # optional key at its share
    assert all(isinstance(d["score"], int) and 0 <= d["score"] <= 6 for d in parsed)
    assert all(isinstance(d["active"], bool) for d in parsed)
    assert {d["addr"]["city"] for d in parsed} <= {"Oslo", "Rome", "Lima"}
    assert all(re.fullmatch(r"[a-z]\d{1,3}", d["user"]) for d in parsed)  # the shape, not the values


def test_json_text_from_sqlite_and_plain_text_stays_text() -> None:
    texts = pd.Series([json.dumps({"k": i, "v": "x"}) for i in range(50)], dtype=object)
    out = draw(col("meta", "JSON", LogicalType.JSON), texts, n=20)
    assert all(set(json.loads(v)) == {"k", "v"} for v in out)
    words = pd.Series(["hello", "world"] * 25, dtype=object)
    assert pgtypes.fit_spec(col("meta", "JSON", LogicalType.JSON), words) is None


def test_arrays_keep_length_and_element_distributions() -> None:
    rng = np.random.default_rng(2)
    lists = [[int(x) for x in rng.integers(0, 100, size=1 + i % 5)] for i in range(300)]
    out = draw(col("nums", "INTEGER[]", LogicalType.ARRAY, item_type="INTEGER"), with_nulls(lists, 10))
    present = [v for v in out if v is not None]
    assert abs(null_share(out) - 0.1) < 0.01
    assert all(isinstance(v, list) and 1 <= len(v) <= 5 for v in present)
    assert all(isinstance(x, int) and 0 <= x <= 99 for v in present for x in v)
    assert abs(np.mean([len(v) for v in present]) - np.mean([len(v) for v in lists])) < 0.3
    tags = [["red", "green", "blue"][: i % 4] for i in range(300)]
    out = draw(col("tags", "TEXT[]", LogicalType.ARRAY, item_type="TEXT"), pd.Series(tags, dtype=object))
    assert {x for v in out for x in v} <= {"red", "green", "blue"}
    assert any(v == [] for v in out)


@pytest.mark.parametrize("type_name", sorted(RANGE_TYPES))
def test_ranges_are_ordered_and_non_empty(type_name: str) -> None:
    from psycopg.types.range import Range
    base = {"int": lambda i: i, "num": lambda i: Decimal(i) / 4, "date": lambda i: dt.date(2024, 1, 1) +
            dt.timedelta(days=i), "ts": lambda i: dt.datetime(2024, 1, 1) + dt.timedelta(hours=i),
            "tstz": lambda i: dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(hours=i)}
    make = base[RANGE_TYPES[type_name][0]]
    values = [Range(make(i), make(i + 1 + i % 7)) for i in range(200)]
    out = draw(col("r", type_name.upper()), with_nulls(values, 8))
    assert abs(null_share(out) - 0.125) < 0.01
    pattern = re.compile(r'^\[("?)([^,"]+)\1,("?)([^,"]+)\3\)$')
    for text in (v for v in out if v is not None):
        m = pattern.match(text)
        assert m, text
        lo, up = m.group(2), m.group(4)
        if type_name in ("int4range", "int8range", "numrange"):
            assert float(lo) < float(up)
        else:
            assert pd.Timestamp(lo) < pd.Timestamp(up)


def test_tstzrange_keeps_granularity_for_bookings() -> None:
    from psycopg.types.range import Range
    start = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
    values = pd.Series([Range(start + dt.timedelta(days=i // 10), start + dt.timedelta(days=i // 10, hours=2))
                        for i in range(300)], dtype=object)
    out = draw(col("during", "TSTZRANGE", nullable=False), values)
    assert null_share(out) == 0
    for text in out:
        lo, up = (pd.Timestamp(x.strip('"')) for x in text[1:-1].split(","))
        assert lo.hour == 0 and lo.minute == 0 and up - lo == pd.Timedelta(hours=2)


def test_network_and_hardware_addresses() -> None:
    ips = [ipaddress.ip_address(f"10.0.{i % 250}.{i % 200 + 1}") if i % 4 else
           ipaddress.ip_address(f"2001:db8::{i:x}") for i in range(200)]
    out = [v for v in draw(col("ip", "INET"), with_nulls(ips)) if v is not None]
    parsed = [ipaddress.ip_interface(v) for v in out]
    assert 0.15 < np.mean([p.version == 6 for p in parsed]) < 0.35
    assert all(p.ip in ipaddress.ip_network("10.0.0.0/16") for p in parsed if p.version == 4)
    nets = [ipaddress.ip_network(f"192.168.{i % 250}.0/24") for i in range(200)]
    out = draw(col("net", "CIDR"), pd.Series(nets, dtype=object))
    assert all(ipaddress.ip_network(v, strict=True).prefixlen == 24 for v in out)  # host bits zero
    macs = [f"08:00:2b:01:02:{i % 256:02x}" for i in range(100)]
    out = draw(col("mac", "MACADDR"), pd.Series(macs, dtype=object))
    assert all(re.fullmatch(r"08:00:2b(:[0-9a-f]{2}){3}", v) for v in out)


def test_scalars_interval_money_bits_bytes_point_tsvector_uuid() -> None:
    durs = pd.Series([pd.Timedelta(minutes=i) + pd.Timedelta(days=i % 3) for i in range(1, 200)])
    for text in draw(col("dur", "INTERVAL", LogicalType.INTERVAL), durs):
        days, secs = re.fullmatch(r"(-?\d+) days (-?[\d.]+) seconds", text).groups()  # type: ignore[union-attr]
        total = int(days) * 86400 + float(secs)
        assert 60 <= total <= 2 * 86400 + 199 * 60 and total % 60 == 0
    money = draw(col("price", "MONEY"), pd.Series([f"${i * 1.25:,.2f}" for i in range(1, 200)]))
    assert all(1.25 <= float(v) <= 248.75 for v in money)
    bits = draw(col("flags", "BIT(8)", length=8), pd.Series([format(i % 256, "08b") for i in range(100)]))
    assert all(re.fullmatch(r"[01]{8}", v) for v in bits)
    vbits = draw(col("v", "BIT VARYING(16)", length=16), pd.Series(["1011"[: 1 + i % 4] for i in range(100)]))
    assert all(re.fullmatch(r"[01]{0,4}", v) for v in vbits)
    blobs = draw(col("b", "BYTEA", LogicalType.BINARY), pd.Series([bytes(16)] * 50, dtype=object))
    assert all(isinstance(v, bytes) and len(v) == 16 for v in blobs)
    points = draw(col("pos", "point"), pd.Series([f"({i * 0.5},{i % 17})" for i in range(100)]))
    assert all(0 <= float(p[1:-1].split(",")[0]) <= 49.5 for p in points)
    vectors = pd.Series([f"'dog':2 'item':{i % 5 + 3} 'lazi':1" for i in range(100)])
    for v in draw(col("tsv", "TSVECTOR"), vectors):
        assert set(re.findall(r"'([^']+)'", v)) <= {"dog", "item", "lazi"}
    ids = draw(col("ref", "UUID", LogicalType.UUID), pd.Series(["x"] * 10))
    assert len(set(ids)) == len(ids) and all(len(v) == 36 for v in ids)


def test_unique_column_draws_distinct_values() -> None:
    macs = pd.Series([f"08:00:2b:01:02:{i:02x}" for i in range(100)])
    out = draw(col("mac", "MACADDR"), macs, unique=True, n=300)
    assert len(set(out)) == 300


def test_seeded_draws_are_deterministic() -> None:
    docs = pd.Series([{"a": i, "b": ["x", "y"][i % 2]} for i in range(50)], dtype=object)
    c = col("doc", "JSONB", LogicalType.JSON)
    assert draw(c, docs, seed=7) == draw(c, docs, seed=7)
    assert draw(c, docs, seed=7) != draw(c, docs, seed=8)


def test_profile_routes_types_and_keeps_text_blobs_as_text() -> None:
    table = Table(name="t", columns=(col("id", "INTEGER", LogicalType.INTEGER), col("ip", "INET"),
                                     col("blob", "BLOB", LogicalType.BINARY),
                                     col("email", "CITEXT", LogicalType.TEXT)),
                  primary_key=PrimaryKey(("id",)))
    frame = pd.DataFrame({"id": range(60), "ip": [f"10.0.0.{i}" for i in range(60)],
                          "blob": [f"text {i}" for i in range(60)],
                          "email": [f"user{i}@example.com" for i in range(60)]})
    prof = profile_table(table=table, frame=frame)
    assert prof.column("ip").semantic == SemanticType.OTHER and "inet" in prof.column("ip").reason
    assert prof.column("blob").semantic != SemanticType.OTHER  # SQLite BLOB holding text
    assert prof.column("email").semantic == SemanticType.PII  # citext is text


def test_numbers_in_money_or_bit_columns_stay_numbers() -> None:
    """SQLite and MySQL sources declare MONEY / BIT but hold numbers: the copula models those."""
    assert pgtypes.fit_spec(col("m", "MONEY"), pd.Series([1.5, 2.25, 3.0] * 10)) is None
    assert pgtypes.fit_spec(col("b", "BIT"), pd.Series([0, 1, 1] * 10)) is None


def test_range_bounds_reads_generated_literals_and_driver_ranges() -> None:
    from psycopg.types.range import Range

    from dbsynth.transform.pgranges import range_bounds
    lo, up = range_bounds('["2024-01-01 00:00:00+00","2024-01-01 02:00:00+00")', "tstzrange")  # type: ignore[misc]
    assert up - lo == 7200
    assert range_bounds(Range(1, 5), "int4range") == (1.0, 5.0)
    assert range_bounds("(,5)", "int4range") == (None, 5.0)
    assert range_bounds("empty", "daterange") is None


@pytest.mark.parametrize("name", sorted(pgtypes._REGISTRY))
def test_dirty_values_never_crash_a_generator(name: str) -> None:
    """SQLite stores anything anywhere: a generator either declines the column or draws valid output."""
    lt = {"json": LogicalType.JSON, "jsonb": LogicalType.JSON, "array": LogicalType.ARRAY}.get(name, LogicalType.OTHER)
    dirty = pd.Series(["", "abc", 5, 2.5, b"\x00", {"a": 1}, [1, "x"], "[1,2)", "(,)", "empty", "-infinity",
                       "1.2.3.4/99", "((1,2)", True] * 3, dtype=object)
    spec = pgtypes.fit_spec(col("c", name, lt, item_type="TEXT" if name == "array" else None), dirty)
    if spec is not None:
        json.dumps(spec)
        assert len(pgtypes.sample_spec(spec, n=20, rng=np.random.default_rng(0))) == 20
