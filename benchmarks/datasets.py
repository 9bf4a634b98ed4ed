"""Benchmark inputs: the shared sample databases, their SDV-sized subsets, and TPC-H.

Shared datasets come from `../shared/datasets` (or DBSYNTH_DATASETS) in both
forms: the SQLite file and `postgres.sql` loaded into a fresh PostgreSQL
database. TPC-H is generated with the `tpchgen-cli` package (CSV) and loaded
with COPY, the standard primary keys, and the standard foreign keys added
after the data (including the composite `lineitem (l_partkey, l_suppkey) →
partsupp`).
"""
from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass, replace
from pathlib import Path

from benchmarks.postgres import PgServer, psql
from dbsynth.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
DATASETS = Path(os.environ.get("DBSYNTH_DATASETS", ROOT.parent / "shared" / "datasets"))
SHARED = ("chinook", "northwind", "sakila")

# The largest subsets SDV's HMASynthesizer accepts (≤ 5 tables, depth ≤ 2), SQLite table names.
SUBSETS: dict[str, tuple[str, ...]] = {
    "chinook": ("Invoice", "Track", "InvoiceLine", "Playlist", "PlaylistTrack"),
    "northwind": ("Orders", "Products", "Order Details"),
    "sakila": ("film", "actor", "film_actor", "category", "film_category"),
}


@dataclass(frozen=True)
class Dataset:
    name: str
    sqlite: Path | None
    postgres_sql: Path | None


def shared_dataset(name: str) -> Dataset:
    folder = DATASETS / name
    if name not in SHARED or not folder.is_dir():
        raise ConfigError(f"shared dataset {name!r} not found under {DATASETS}",
                          hint=f"known: {', '.join(SHARED)}; set DBSYNTH_DATASETS to the datasets folder")
    sql = folder / "postgres.sql"
    return Dataset(name=name, sqlite=folder / f"{name}.sqlite", postgres_sql=sql if sql.exists() else None)


def load_shared_pg(server: PgServer, name: str) -> str:
    """A fresh database holding the dataset's postgres.sql; returns its URL."""
    ds = shared_dataset(name)
    if ds.postgres_sql is None:
        raise ConfigError(f"dataset {name!r} has no postgres.sql")
    return server.create(name, sql_file=ds.postgres_sql)


def subset_sqlite(name: str, directory: Path) -> Path:
    """A SQLite copy of the SDV-sized subset: those tables, their rows, and only the FKs among them."""
    from dbsynth.load.loader import load
    from dbsynth.sample.types import TableChunk
    from benchmarks.judge import read_all
    keep = SUBSETS[name]
    src = shared_dataset(name).sqlite
    schema, frames = read_all(f"sqlite:///{src}")
    tables = tuple(replace(t, foreign_keys=tuple(fk for fk in t.foreign_keys if fk.referred_table in keep),
                           triggers=()) for t in schema.data_tables if t.name in keep)
    subset = schema.with_tables(tables)
    out = directory / f"{name}-subset.sqlite"
    out.unlink(missing_ok=True)
    chunks = [TableChunk(table=t.name, frame=frames[t.name]) for t in _parents_first(tables)]
    load(chunks=chunks, schema=subset, target_url=f"sqlite:///{out}", mode="fail")
    return out


def _parents_first(tables: tuple) -> list:
    from dbsynth.schema.graph import build_plan
    from dbsynth.schema.model import Schema
    order = build_plan(Schema(dialect="sqlite", tables=tables)).order
    by_name = {t.name: t for t in tables}
    return [by_name[n] for n in order]


# --- TPC-H -----------------------------------------------------------------------------------

TPCH_TABLES = ("region", "nation", "part", "supplier", "partsupp", "customer", "orders", "lineitem")

TPCH_DDL = """
CREATE TABLE region (r_regionkey integer PRIMARY KEY, r_name char(25) NOT NULL, r_comment varchar(152));
CREATE TABLE nation (n_nationkey integer PRIMARY KEY, n_name char(25) NOT NULL, n_regionkey integer NOT NULL,
  n_comment varchar(152));
CREATE TABLE part (p_partkey integer PRIMARY KEY, p_name varchar(55) NOT NULL, p_mfgr char(25) NOT NULL,
  p_brand char(10) NOT NULL, p_type varchar(25) NOT NULL, p_size integer NOT NULL, p_container char(10) NOT NULL,
  p_retailprice numeric(15,2) NOT NULL, p_comment varchar(23) NOT NULL);
CREATE TABLE supplier (s_suppkey integer PRIMARY KEY, s_name char(25) NOT NULL, s_address varchar(40) NOT NULL,
  s_nationkey integer NOT NULL, s_phone char(15) NOT NULL, s_acctbal numeric(15,2) NOT NULL,
  s_comment varchar(101) NOT NULL);
CREATE TABLE partsupp (ps_partkey integer NOT NULL, ps_suppkey integer NOT NULL, ps_availqty integer NOT NULL,
  ps_supplycost numeric(15,2) NOT NULL, ps_comment varchar(199) NOT NULL, PRIMARY KEY (ps_partkey, ps_suppkey));
CREATE TABLE customer (c_custkey integer PRIMARY KEY, c_name varchar(25) NOT NULL, c_address varchar(40) NOT NULL,
  c_nationkey integer NOT NULL, c_phone char(15) NOT NULL, c_acctbal numeric(15,2) NOT NULL,
  c_mktsegment char(10) NOT NULL, c_comment varchar(117) NOT NULL);
CREATE TABLE orders (o_orderkey integer PRIMARY KEY, o_custkey integer NOT NULL, o_orderstatus char(1) NOT NULL,
  o_totalprice numeric(15,2) NOT NULL, o_orderdate date NOT NULL, o_orderpriority char(15) NOT NULL,
  o_clerk char(15) NOT NULL, o_shippriority integer NOT NULL, o_comment varchar(79) NOT NULL);
CREATE TABLE lineitem (l_orderkey integer NOT NULL, l_partkey integer NOT NULL, l_suppkey integer NOT NULL,
  l_linenumber integer NOT NULL, l_quantity numeric(15,2) NOT NULL, l_extendedprice numeric(15,2) NOT NULL,
  l_discount numeric(15,2) NOT NULL, l_tax numeric(15,2) NOT NULL, l_returnflag char(1) NOT NULL,
  l_linestatus char(1) NOT NULL, l_shipdate date NOT NULL, l_commitdate date NOT NULL, l_receiptdate date NOT NULL,
  l_shipinstruct char(25) NOT NULL, l_shipmode char(10) NOT NULL, l_comment varchar(44) NOT NULL,
  PRIMARY KEY (l_orderkey, l_linenumber));
"""

# TPC-H specification 1.4.2.3, added after the data as pg_restore would.
TPCH_FKS = """
ALTER TABLE nation ADD FOREIGN KEY (n_regionkey) REFERENCES region;
ALTER TABLE supplier ADD FOREIGN KEY (s_nationkey) REFERENCES nation;
ALTER TABLE customer ADD FOREIGN KEY (c_nationkey) REFERENCES nation;
ALTER TABLE partsupp ADD FOREIGN KEY (ps_partkey) REFERENCES part;
ALTER TABLE partsupp ADD FOREIGN KEY (ps_suppkey) REFERENCES supplier;
ALTER TABLE orders ADD FOREIGN KEY (o_custkey) REFERENCES customer;
ALTER TABLE lineitem ADD FOREIGN KEY (l_orderkey) REFERENCES orders;
ALTER TABLE lineitem ADD FOREIGN KEY (l_partkey, l_suppkey) REFERENCES partsupp (ps_partkey, ps_suppkey);
"""


def tpchgen() -> str:
    found = shutil.which("tpchgen-cli")
    if not found:
        raise ConfigError("tpchgen-cli not found", hint="pip install tpchgen-cli (dev extra)")
    return found


def generate_tpch(scale_factor: float, directory: Path) -> Path:
    """CSV files (with header) for every TPC-H table at `scale_factor`; cached per scale factor."""
    out = directory / f"tpch-sf{scale_factor:g}"
    if all((out / f"{t}.csv").exists() for t in TPCH_TABLES):
        return out
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run([tpchgen(), "csv", "-s", f"{scale_factor:g}", "-o", str(out), "--overwrite"],
                   check=True, capture_output=True)
    return out


def load_tpch_pg(server: PgServer, scale_factor: float, directory: Path) -> str:
    """A fresh database with TPC-H at `scale_factor` (keys as the specification); returns its URL."""
    files = generate_tpch(scale_factor, directory)
    url = server.create(f"tpch_sf{scale_factor:g}".replace(".", "_"))
    psql(url, TPCH_DDL)
    for table in TPCH_TABLES:
        path = (files / f"{table}.csv").resolve()
        psql(url, f"\\copy {table} FROM '{path}' WITH (FORMAT csv, HEADER true)")
    psql(url, TPCH_FKS + "ANALYZE;")
    return url
