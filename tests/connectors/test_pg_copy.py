"""The COPY reader (connectors/pg_copy.py) gives, value for value and dtype for dtype, the frames the
row-fetch read gives (PostgresConnector.copy_reads = False), on a real PostgreSQL."""
from __future__ import annotations

import math
from typing import Iterator

import numpy as np
import pandas as pd
import pytest

from connectors.base import open_connector
from connectors.pg_copy import unescape
from dbsynth import commands
from dbsynth.pipeline import read_frames
from tests.conftest import ROOT, PgDatabases

pytestmark = pytest.mark.postgres

# Values COPY's text format escapes or spells specially, next to every scalar type the row path coerces.
EDGE_SQL = r"""
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN posint AS integer CHECK (VALUE > 0);
CREATE TABLE edge (
  id int PRIMARY KEY, i2 smallint, i8 bigint, dom posint, f4 real, f8 double precision, num numeric(12, 4),
  anynum numeric, flag boolean, d date, ts timestamp, tstz timestamptz, t time, ttz timetz, iv interval,
  txt text, vc varchar(20), ch char(5), m mood, blob bytea, arr text[], js jsonb, u uuid, cash money);
INSERT INTO edge VALUES
  (1, -32768, 9223372036854775807, 7, 1.1, 0.1, 12345678.1234, 'NaN', true, '2024-02-29', '2024-02-29 23:59:59.999999',
   '2024-02-29 23:59:59.5+05:30', '12:34:56.789', '12:00+02', '1 year 2 mons 3 days 04:05:06.7',
   E'tab\there\nnew line\\back\\slash \\N and \r cr', 'x', 'ab', 'happy', '\x00ff5c0a', '{"a\\b","c,d","e\"f",NULL}',
   '{"k": "v\\n\t", "n": [1, 2.5]}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 12.34),
  (2, NULL, 5, NULL, 'Infinity', '-Infinity', NULL, 'Infinity', false, NULL, NULL, NULL, NULL, NULL, NULL,
   '\N', '', NULL, NULL, '', '{}', 'null', NULL, NULL),
  (3, 0, -1, 1, 'NaN', 'NaN', -0.0001, -1e-20, NULL, '0001-01-01', '1900-01-01 00:00', '1970-01-01 00:00+00',
   '00:00', '23:59:59-11', '-1 days', 'NULL', 'N', ' pad', 'sad', NULL, NULL, '[]', NULL, -0.5),
  (4, 1, 2, 3, 3.4028235e38, 2.2250738585072014e-308, 99999999.9999, 123456789012345678901234567890.123456789,
   true, '9999-12-31', '2262-04-11 23:47:16.854775', '1677-09-21 00:12:44+00', '23:59:59.999999', NULL, '00:00:00.000001',
   'é ü 漢字 😀', 'naïve', 'ü', 'ok', '\x', '{" lead"," "}', '{"deep": {"a": [null, true]}}',
   '00000000-0000-0000-0000-000000000000', 0);
CREATE TABLE onecol (t text);
INSERT INTO onecol VALUES (''), (NULL), (''), ('\N'), (E'\\');
CREATE TABLE "Mixed Case" ("Key" int PRIMARY KEY, "some col" text);
INSERT INTO "Mixed Case" SELECT g, 'v' || g FROM generate_series(1, 25) g;
"""


@pytest.fixture(scope="module")
def urls(pg_admin_url: str) -> Iterator[dict[str, str]]:
    dbs = PgDatabases(pg_admin_url)
    try:
        yield {"edge": dbs.create("copy_edge", sql=EDGE_SQL),
               "types": dbs.create("copy_types", sql_file=ROOT / "tests" / "fixtures" / "pg_types.sql")}
    finally:
        dbs.drop_all()


def _reads(url: str, table: str, **kw: object) -> tuple[list[pd.DataFrame], list[pd.DataFrame]]:
    fast, rows = open_connector(url), open_connector(url)
    rows.copy_reads = False
    try:
        schema = fast.reflect()
        if "mask_seed" in kw:  # one random stream per read: both readers see the same draws
            seed = kw.pop("mask_seed")
            copied = list(fast.read_table(schema.table(table), row_mask=_draws(seed), **kw))
            return copied, list(rows.read_table(schema.table(table), row_mask=_draws(seed), **kw))
        return list(fast.read_table(schema.table(table), **kw)), list(rows.read_table(schema.table(table), **kw))
    finally:
        fast.close()
        rows.close()


def _draws(seed: int):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    return lambda n: rng.random(n) < 0.3


def assert_same_frames(copied: list[pd.DataFrame], fetched: list[pd.DataFrame]) -> None:
    assert [len(f) for f in copied] == [len(f) for f in fetched]
    for a, b in zip(copied, fetched):
        assert list(a.columns) == list(b.columns)
        for col in a.columns:
            assert a[col].dtype == b[col].dtype, col
            if a[col].dtype == object:
                for x, y in zip(a[col].tolist(), b[col].tolist()):
                    assert type(x) is type(y), (col, x, y)
                    assert x == y or (isinstance(x, float) and math.isnan(x) and math.isnan(y)), (col, x, y)
            else:
                pd.testing.assert_series_equal(a[col], b[col], check_exact=True)


@pytest.mark.parametrize("table", ["edge", "onecol", "Mixed Case"])
def test_copy_read_equals_row_fetch_on_edge_values(urls: dict[str, str], table: str) -> None:
    copied, fetched = _reads(urls["edge"], table)
    assert_same_frames(copied, fetched)
    if table == "edge":
        row = copied[0].set_index("id")
        assert row.loc[1, "txt"] == "tab\there\nnew line\\back\\slash \\N and \r cr"
        assert row.loc[2, "txt"] == "\\N" and row.loc[2, "vc"] == ""  # the text '\N' is not NULL, '' is not NULL
        assert row.loc[1, "blob"] == b"\x00\xff\\\n" and row.loc[1, "arr"] == ["a\\b", "c,d", 'e"f', None]
        assert np.isinf(row.loc[2, "f4"]) and pd.isna(row.loc[3, "f8"]) and pd.isna(row.loc[1, "anynum"])
        assert str(copied[0]["tstz"].dtype) == "datetime64[us, UTC]" and str(copied[0]["i8"].dtype) == "Int64"
    if table == "onecol":
        assert copied[0]["t"].tolist() == ["", None, "", "\\N", "\\"]


def test_copy_read_equals_row_fetch_on_every_pg_type(urls: dict[str, str]) -> None:
    copied, fetched = _reads(urls["types"], "pgt")
    assert_same_frames(copied, fetched)
    assert len(copied[0]) == 200


def test_chunks_where_in_and_row_masks_match_the_row_path(urls: dict[str, str]) -> None:
    copied, fetched = _reads(urls["types"], "pgt", chunk_size=30, where_in=("id", list(range(5, 180, 3))))
    assert_same_frames(copied, fetched)
    assert [len(f) for f in copied] == [30, 29]  # 59 keys asked
    copied, fetched = _reads(urls["types"], "pgt", chunk_size=40, mask_seed=1)
    assert_same_frames(copied, fetched)
    assert 30 < sum(map(len, copied)) < 90


def test_stopping_mid_copy_leaves_the_connection_usable(urls: dict[str, str]) -> None:
    conn = open_connector(urls["types"])
    try:
        table = conn.reflect().table("pgt")
        for _ in range(3):  # more times than a pool would hide a broken connection
            first = next(iter(conn.read_table(table, chunk_size=10)))
            assert len(first) == 10
        assert sum(map(len, conn.read_table(table))) == 200
    finally:
        conn.close()


def test_unescape_undoes_copy_text_escapes() -> None:
    assert unescape(r"a\tb\nc\\d\re\bf\fg\vh") == "a\tb\nc\\d\re\bf\fg\vh"
    assert unescape(r"\\N") == "\\N"


def test_read_frames_samples_big_tables_the_same_through_copy(urls: dict[str, str],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from connectors.postgresql import PostgresConnector
    schema = commands.reflect(urls["types"])
    fast = read_frames(urls["types"], schema, tables=["pgt"], max_rows=50, seed=4)
    monkeypatch.setattr(PostgresConnector, "copy_reads", False)
    monkeypatch.setattr(PostgresConnector, "reads_row_masks", False)
    rows = read_frames(urls["types"], schema, tables=["pgt"], max_rows=50, seed=4)
    assert 20 < len(fast["pgt"]) < 90
    assert_same_frames([fast["pgt"]], [rows["pgt"]])
