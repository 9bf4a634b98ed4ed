"""MySQL → MySQL quality next to PG → PG and SQLite → SQLite of the same rows (the shared judge).

    python -m benchmarks.mysql_quality [--seed 0] [--dataset DIR]

Starts a throwaway MariaDB and PostgreSQL (dbsynth.testing; nothing else is touched), loads the
official MySQL Sakila 1.5 (../shared/datasets/sakila, MariaDB filter applied) and exports it to
SQLite unmasked (`dbsynth subset --percent 100 --no-mask`): that file is the real side of every
score. Then, from those same rows:

* MySQL → MySQL: `dbsynth seed` MariaDB → MariaDB, the target exported the same way;
* PG → PG: the export loaded into PostgreSQL (`subset --no-mask`), seeded PostgreSQL → PostgreSQL,
  exported;
* SQLite → SQLite: the export seeded directly;

and `../shared/judge/judge.py quality REAL SYN`, whole and without `staff` (`--tables`), for each.
Prints one Markdown table row per run. About 6 minutes on 2 cores.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
JUDGE = ROOT.parent / "shared" / "judge" / "judge.py"
PROPERTIES = ("overall", "column_shapes", "column_pair_trends", "cardinality", "intertable_trends")


def _dbsynth(*args: str) -> None:
    out = subprocess.run([sys.executable, "-m", "dbsynth.cli", *args], capture_output=True, text=True, cwd=ROOT,
                         env=dict(os.environ, PYTHONPATH=str(ROOT)))
    if out.returncode:
        raise SystemExit(f"dbsynth {args[0]} failed:\n{out.stdout}{out.stderr}")


def _export(url: str, path: Path) -> Path:
    """An unmasked full copy of `url` in SQLite (what the judge reads)."""
    _dbsynth("subset", url, f"sqlite:///{path}", "--percent", "100", "--no-mask")
    return path


def _judge(real: Path, syn: Path, tables: list[str] | None = None) -> dict[str, float]:
    cmd = [sys.executable, str(JUDGE), "quality", str(real), str(syn)]
    if tables:
        cmd += ["--tables", ",".join(tables)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _tables(path: Path) -> list[str]:
    import sqlite3
    with sqlite3.connect(path) as con:
        return [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table' "
                                          "AND name NOT LIKE 'sqlite_%' ORDER BY name")]


def _mysql(dataset: Path, work: Path, seed: str) -> tuple[Path, Path]:
    """(real, synthetic) SQLite exports of MySQL Sakila and its MySQL → MySQL seed."""
    from benchmarks.mysql_load import _client, _connect, _with_db
    from dbsynth.testing import start_mysql

    admin, stop = start_mysql(prefix="dbsynth-bench-mdb-")
    try:
        for name in ("mysql-schema.sql", "mysql-data.sql"):  # mariadb-compat.sed, as the suite's fixture
            _client(admin, (dataset / name).read_text().replace("/*!50705 ", "/*M!50705 "))
        conn = _connect(admin)
        with conn.cursor() as cur:
            cur.execute("CREATE DATABASE dst CHARACTER SET utf8mb4")
        conn.close()
        _dbsynth("seed", _with_db(admin, "sakila"), _with_db(admin, "dst"), "--seed", seed)
        return _export(_with_db(admin, "sakila"), work / "real.sqlite"), _export(_with_db(admin, "dst"),
                                                                                  work / "mysql.sqlite")
    finally:
        stop()


def _postgres(real: Path, work: Path, seed: str) -> Path:
    """The SQLite export of a PostgreSQL → PostgreSQL seed of `real`'s rows."""
    from dbsynth.testing import start_cluster

    url, stop = start_cluster(prefix="dbsynth-bench-pg-")
    base = url.rsplit("/", 1)[0]
    try:
        for db in ("src", "dst"):
            subprocess.run(["psql", url, "-c", f"CREATE DATABASE {db}"], check=True, capture_output=True)
        _dbsynth("subset", f"sqlite:///{real}", f"{base}/src", "--percent", "100", "--no-mask")
        _dbsynth("seed", f"{base}/src", f"{base}/dst", "--seed", seed)
        return _export(f"{base}/dst", work / "pg.sqlite")
    finally:
        stop()


def _sqlite(real: Path, work: Path, seed: str) -> Path:
    out = work / "sqlite.sqlite"
    _dbsynth("seed", f"sqlite:///{real}", f"sqlite:///{out}", "--seed", seed)
    return out


def _row(label: str, scores: dict[str, float]) -> str:
    return f"| {label} | " + " | ".join(f"{scores[p]:.4f}" for p in PROPERTIES) + " |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", default="0")
    parser.add_argument("--dataset", type=Path, default=ROOT.parent / "shared" / "datasets" / "sakila")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    work = Path(tempfile.mkdtemp(prefix="dbsynth-bench-mysqlq-"))
    real, mysql = _mysql(args.dataset, work, args.seed)
    runs: list[tuple[str, Callable[[], Path]]] = [("MySQL → MySQL", lambda: mysql),
                                                  ("PG → PG", lambda: _postgres(real, work, args.seed)),
                                                  ("SQLite → SQLite", lambda: _sqlite(real, work, args.seed))]
    without_staff = [t for t in _tables(real) if t != "staff"]
    print("| run (MySQL Sakila 1.5 rows) | " + " | ".join(PROPERTIES) + " |")
    print("|---" * (len(PROPERTIES) + 1) + "|")
    for label, make in runs:
        syn = make()
        print(_row(label, _judge(real, syn)), flush=True)
        print(_row(f"{label}, without `staff`", _judge(real, syn, without_staff)), flush=True)


if __name__ == "__main__":
    main()
