"""Load throughput: sequential loader vs the parallel loader (1, 2 jobs) vs raw COPY (issue 12, item 4).

    python -m benchmarks.parallel_load [--scale-factor 0.1] [--repeat 2]

TPC-H at the scale factor (tpchgen-cli) is loaded into a source database; its
rows, read back as 50k-row chunks, are what every contender loads into a fresh
empty database of the same server (the loader does not care that the rows are
real ones; sampling is left out so only the load is timed). Per contender:
wall seconds, rows/s, and CPU seconds of this process, of its worker processes
and of the PostgreSQL server (the postmaster and its backends), since the CPU
is shared with other work. raw COPY = the rows pre-serialised in memory and
COPYed by one connection into the source's schema without keys, then its
post-data section (keys, FKs) in the same transaction (benchmarks/contenders.py).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

from benchmarks.datasets import load_tpch_pg
from benchmarks.postgres import PgServer


def _ticks(pid: int) -> float:
    """utime + stime (+ reaped children's) of `pid` and its live children, in seconds."""
    hz = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for p in [pid] + _children(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(x) for x in fields[11:15 if p == pid else 13]) / hz
    return total


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _postmaster(url: str) -> int | None:
    import psycopg

    from dbsynth.load.parallel import libpq_url
    with psycopg.connect(libpq_url(url)) as conn:
        data = conn.execute("SELECT current_setting('data_directory')").fetchone()[0]  # type: ignore[index]
    try:
        return int(Path(data, "postmaster.pid").read_text().split()[0])
    except OSError:
        return None  # a server elsewhere: its CPU is not measured


def _cpu() -> tuple[float, float]:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime


def measure(name: str, fn: Callable[[], Any], rows: int, postmaster: int | None) -> dict[str, Any]:
    own0, kids0 = _cpu()
    server0 = _ticks(postmaster) if postmaster else 0.0
    t0 = time.perf_counter()
    result = fn()
    wall = time.perf_counter() - t0
    if isinstance(result, dict) and "load" in result:  # raw COPY times itself (not its schema set-up)
        wall = result["load"]
    own1, kids1 = _cpu()
    server1 = _ticks(postmaster) if postmaster else 0.0
    return {"contender": name, "seconds": round(wall, 3), "rows_per_s": round(rows / wall),
            "cpu_client_s": round(own1 - own0, 2), "cpu_workers_s": round(kids1 - kids0, 2),
            "cpu_server_s": round(server1 - server0, 2) if postmaster else None}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.parallel_load")
    p.add_argument("--scale-factor", type=float, default=0.1)
    p.add_argument("--repeat", type=int, default=2)
    p.add_argument("--out", default=None, help="JSON file for the figures")
    args = p.parse_args(argv)

    from benchmarks.contenders import raw_copy
    from connectors.base import open_connector
    from dbsynth.load.loader import load
    from dbsynth.load.parallel import _fan_out, begin_parallel_load, load_parallel
    from dbsynth.sample.types import TableChunk
    from dbsynth.schema.graph import build_plan

    server = PgServer.start()
    try:
        source = load_tpch_pg(server, args.scale_factor, Path(tempfile.gettempdir()) / "dbsynth-bench")
        conn = open_connector(source)
        schema = conn.reflect()
        order = list(build_plan(schema).order)
        chunks = [TableChunk(t, f) for t in order for f in conn.read_table(schema.table(t), chunk_size=50_000)]
        conn.close()
        import pandas as pd
        frames = {t: pd.concat([c.frame for c in chunks if c.table == t], ignore_index=True) for t in order}
        rows = sum(len(c.frame) for c in chunks)
        postmaster = _postmaster(source)

        def parallel1(url: str) -> None:  # the shadow-schema path with one worker (load_parallel goes sequential)
            job = begin_parallel_load(schema, url, "fail", jobs=1)
            assert job is not None
            _fan_out(job.sink_spec, chunks, 1, None)
            job.commit()

        runs: list[dict[str, Any]] = []
        contenders: dict[str, Callable[[str], Any]] = {
            "raw COPY (1 connection)": lambda url: raw_copy(frames=frames, order=order, like_url=source, empty_url=url),
            "sequential loader": lambda url: load(chunks=chunks, schema=schema, target_url=url),
            "parallel loader, 1 job": parallel1,
            "parallel loader, 2 jobs": lambda url: load_parallel(chunks=chunks, schema=schema, target_url=url, jobs=2),
        }
        for _ in range(args.repeat):
            for name, fn in contenders.items():
                url = server.create("load")
                runs.append(measure(name, lambda: fn(url), rows, postmaster))
                server.drop(url)
                print(json.dumps(runs[-1]), flush=True)
        summary = {}
        for name in contenders:
            mine = [r for r in runs if r["contender"] == name]
            summary[name] = {k: statistics.median(r[k] for r in mine) for k in mine[0]
                             if k != "contender" and mine[0][k] is not None}
        out = {"scale_factor": args.scale_factor, "rows": rows, "runs": runs, "median": summary}
        print(json.dumps(out["median"], indent=1))
        if args.out:
            Path(args.out).write_text(json.dumps(out, indent=1))
    finally:
        server.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
