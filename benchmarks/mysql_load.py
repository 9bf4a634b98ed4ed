"""MySQL / MariaDB load throughput: `dbsynth load` vs raw `LOAD DATA LOCAL INFILE` of the same rows.

    python -m benchmarks.mysql_load [--repeat 3] [--dataset DIR]

Starts a throwaway MariaDB (dbsynth.testing.start_mysql; DBSYNTH_BENCH_MYSQL_URL uses an
existing server), loads the official MySQL Sakila (../shared/datasets/sakila, MariaDB filter
applied), fits and samples it once into a folder, then per repeat:

* dbsynth: `dbsynth.load.loader.load` of the folder's rows (read into memory first) into an
  empty database; the time is the load's own (schema creation, rows, FK verification,
  triggers, views: the summary's seconds);
* raw: the rows dbsynth loaded, exported to tab-separated files beforehand (untimed), sent
  with `FOREIGN_KEY_CHECKS=0` + one `LOAD DATA LOCAL INFILE` per table + COMMIT into empty
  copies of the same tables (`CREATE TABLE … LIKE`, untimed).

Prints one Markdown table row per contender (best of the repeats).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _connect(url: str, *, database: str | None = None) -> Any:
    import pymysql
    from sqlalchemy.engine import make_url
    u = make_url(url)
    return pymysql.connect(host=u.host or "127.0.0.1", port=u.port or 3306, user=u.username or "root",
                           password=u.password or "", database=database or u.database, local_infile=True,
                           charset="utf8mb4")


def _with_db(url: str, name: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + name


def _client(url: str, text: str) -> None:
    from sqlalchemy.engine import make_url
    u = make_url(url)
    subprocess.run(["mariadb", "--no-defaults", "-h", u.host or "127.0.0.1", "-P", str(u.port or 3306),
                    "-u", u.username or "root"], input=text.encode(), check=True, capture_output=True,
                   env=dict(os.environ, MYSQL_PWD=u.password or ""))


def _dbsynth(*args: str) -> str:
    out = subprocess.run([sys.executable, "-m", "dbsynth.cli", *args], capture_output=True, text=True, cwd=ROOT,
                         env=dict(os.environ, PYTHONPATH=str(ROOT)))
    if out.returncode:
        raise SystemExit(out.stdout + out.stderr)
    return out.stdout + out.stderr


def _create_db(admin: str) -> str:
    name = f"bench_{uuid.uuid4().hex[:8]}"
    conn = _connect(admin)
    with conn.cursor() as cur:
        cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
    conn.close()
    return name


def _export(admin: str, db: str, folder: Path) -> tuple[list[str], int]:
    """Each base table of `db` as a LOAD DATA text file (columns in table order); returns (tables, rows)."""
    from connectors.mysql_writer import load_data_text
    import pandas as pd
    conn = _connect(admin, database=db)
    tables, total = [], 0
    with conn.cursor() as cur:
        cur.execute("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s "
                    "AND TABLE_TYPE = 'BASE TABLE'", (db,))
        for (table,) in cur.fetchall():
            cur.execute(f"SELECT COLUMN_NAME, DATA_TYPE, EXTRA FROM information_schema.COLUMNS "
                        f"WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s ORDER BY ORDINAL_POSITION", (db, table))
            cols = [(c, t) for c, t, extra in cur.fetchall() if "GENERATED" not in extra.upper()]
            select = ", ".join(f"HEX(`{c}`)" if t in ("blob", "geometry", "longblob", "mediumblob") else f"`{c}`"
                               for c, t in cols)
            cur.execute(f"SELECT {select} FROM `{table}`")
            frame = pd.DataFrame(list(cur.fetchall()), columns=[c for c, _ in cols])
            (folder / f"{table}.tsv").write_bytes(load_data_text(frame))
            (folder / f"{table}.cols").write_text(",".join(f"{c}:{t}" for c, t in cols))
            tables.append(table)
            total += len(frame)
    conn.close()
    return tables, total


def _raw_load(admin: str, source_db: str, folder: Path, tables: list[str]) -> float:
    """Seconds for FOREIGN_KEY_CHECKS=0 + LOAD DATA per table + COMMIT into empty copies."""
    db = _create_db(admin)
    conn = _connect(admin, database=db)
    with conn.cursor() as cur:
        cur.execute("SET FOREIGN_KEY_CHECKS = 0")
        for table in tables:
            cur.execute(f"CREATE TABLE `{table}` LIKE `{source_db}`.`{table}`")
        started = time.perf_counter()
        cur.execute("START TRANSACTION")
        for table in tables:
            cols = [c.split(":") for c in (folder / f"{table}.cols").read_text().split(",")]
            targets = [f"@v{i}" if t in ("blob", "geometry", "longblob", "mediumblob") else f"`{c}`"
                       for i, (c, t) in enumerate(cols)]
            sets = [f"`{c}` = UNHEX(@v{i})" for i, (c, t) in enumerate(cols)
                    if t in ("blob", "geometry", "longblob", "mediumblob")]
            cur.execute(f"LOAD DATA LOCAL INFILE %s INTO TABLE `{table}` CHARACTER SET utf8mb4 "
                        f"({', '.join(targets)})" + (f" SET {', '.join(sets)}" if sets else ""),
                        (str(folder / f"{table}.tsv"),))
        conn.commit()
        seconds = time.perf_counter() - started
        cur.execute(f"DROP DATABASE `{db}`")
    conn.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dataset", default=str(ROOT.parent / "shared" / "datasets" / "sakila"))
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from dbsynth.testing import start_mysql

    admin = os.environ.get("DBSYNTH_BENCH_MYSQL_URL")
    stop = None
    if not admin:
        admin, stop = start_mysql(prefix="dbsynth-bench-mdb-")
    try:
        dataset = Path(args.dataset)
        for name in ("mysql-schema.sql", "mysql-data.sql"):
            _client(admin, (dataset / name).read_text().replace("/*!50705 ", "/*M!50705 "))
        work = Path(tempfile.mkdtemp(prefix="dbsynth-bench-mysql-"))
        _dbsynth("fit", _with_db(admin, "sakila"), "-o", str(work / "model"), "--seed", "0")
        _dbsynth("sample", str(work / "model"), "-o", str(work / "rows"), "--seed", "0")
        from dbsynth.load.files import read_chunks
        from dbsynth.load.loader import load
        schema, stream = read_chunks(work / "rows")
        chunks = list(stream)  # read once, before timing: the load is measured, not parquet
        best_load, best_raw, rows = float("inf"), float("inf"), 0
        for _ in range(args.repeat):
            db = _create_db(admin)
            summary = load(chunks=chunks, schema=schema, target_url=_with_db(admin, db), mode="fail")
            rows = sum(summary.rows.values())
            best_load = min(best_load, summary.seconds)
            (work / "tsv").mkdir(exist_ok=True)
            tables, exported = _export(admin, db, work / "tsv")
            assert exported == rows, (exported, rows)
            best_raw = min(best_raw, _raw_load(admin, db, work / "tsv", tables))
        version = _connect(admin).server_version
        print(f"| sakila (MySQL official, {version}) | {rows:,} | dbsynth load {best_load:.2f} s "
              f"({rows / best_load:,.0f} rows/s) | raw LOAD DATA {best_raw:.2f} s ({rows / best_raw:,.0f} rows/s) "
              f"| {best_raw / best_load:.0%} of raw |")
    finally:
        if stop:
            stop()


if __name__ == "__main__":
    main()
