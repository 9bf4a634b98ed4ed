"""The benchmark plan: which contender runs on which input, how often, and the figures kept.

Full schemas run PostgreSQL → PostgreSQL (so loading can be held against raw
COPY); the SDV-sized subsets run from a SQLite file holding only those tables
(SDV HMA, dbsynth and the naive baseline read the very same file). Quality is
judged once per contender (output is deterministic under the seed); timings
are repeated and summarised as median and min–max.
"""
from __future__ import annotations

import os
import platform
import shlex
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

from benchmarks import datasets as ds
from benchmarks.measure import run_task, summarise
from benchmarks.postgres import PgServer

SCALE_CONFIG = """# TPC-H: region (5 rows) and nation (25) are reference tables. Copied verbatim, they stop being
# the roots every other table hangs from, so --scale and the streaming batches start at
# customer / supplier / part. (Out of the box, --scale 0.1 rounds region to 0 rows.)
[tables.region]
copy = true
[tables.nation]
copy = true
"""


@dataclass
class Options:
    datasets: tuple[str, ...] = ds.SHARED
    engines: tuple[str, ...] = ("copula", "neural")
    contenders: tuple[str, ...] = ("dbsynth", "sdv_hma", "naive", "raw_copy")
    scopes: tuple[str, ...] = ("full", "subset")  # whole schemas PG → PG; SDV-sized subsets
    tpch: tuple[float, ...] = (0.01, 0.1)
    scale_sf: float | None = 1.0  # TPC-H scale factor of the `dbsynth seed` scale run; None: skip
    repeats: int = 3
    seed: int = 0
    quick: bool = False
    workdir: Path = Path("/tmp/dbsynth-bench")
    pg_url: str | None = None

    @classmethod
    def quick_mode(cls, **kw: Any) -> "Options":
        return cls(**{"tpch": (0.01,), "scale_sf": None, "repeats": 1, "quick": True, **kw})


@dataclass
class Results:
    command: str
    started: str
    machine: dict[str, Any]
    options: dict[str, Any]
    runs: list[dict[str, Any]] = field(default_factory=list)
    scale: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    phase_seconds: dict[str, float] = field(default_factory=dict)  # side_by_side, scale


Log = Callable[[str], None]


def machine() -> dict[str, Any]:
    return {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()}


def run_all(options: Options, *, command: str | None = None, log: Log = print) -> Results:
    """Every dataset × contender of `options`, then the TPC-H scale run."""
    started = time.perf_counter()
    res = Results(command=command or "python -m benchmarks " + " ".join(map(shlex.quote, sys.argv[1:])),
                  started=time.strftime("%Y-%m-%dT%H:%M:%S"), machine=machine(),
                  options={k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(options).items()
                           if k != "pg_url"})
    engines = usable_engines(options.engines, res.notes)
    server = PgServer.start(options.pg_url)
    try:
        for name in options.datasets:
            log(f"== {name}")
            source = ds.load_shared_pg(server, name) if "full" in options.scopes else ""
            if "full" in options.scopes:
                _full(res, server, options, engines, name, source, log)
            if "subset" in options.scopes:
                _subset(res, options, engines, name, log)
            if source:
                server.drop(source)
        for sf in options.tpch:
            log(f"== tpch sf{sf:g}")
            source = ds.load_tpch_pg(server, sf, options.workdir)
            _full(res, server, options, engines, f"tpch-sf{sf:g}", source, log)
            server.drop(source)
        res.phase_seconds["side_by_side"] = time.perf_counter() - started
        if options.scale_sf:
            t0 = time.perf_counter()
            _scale(res, server, options, log)
            res.phase_seconds["scale"] = time.perf_counter() - t0
    finally:
        server.close()
    res.seconds = time.perf_counter() - started
    return res


def usable_engines(names: tuple[str, ...], notes: list[str]) -> list[str]:
    from dbsynth.engines.registry import get_engine
    from dbsynth.errors import DbsynthError
    out = []
    for name in names:
        try:
            get_engine(name)
            out.append(name)
        except (DbsynthError, ImportError) as exc:
            notes.append(f"engine {name!r} not run: {str(exc).splitlines()[0]}")
    return out


def _repeat(options: Options, once: Callable[[int], dict[str, Any]]) -> list[dict[str, Any]]:
    """`once(i)` for each repeat; stops at the first failure (a failing contender fails every time)."""
    out = []
    for i in range(options.repeats):
        got = once(i)
        out.append(got)
        if not got.get("ok"):
            break
    return out


def _full(res: Results, server: PgServer, options: Options, engines: list[str], dataset: str, source: str,
          log: Log) -> None:
    """dbsynth PG → PG (+ raw COPY of its rows) and the naive baseline, on the whole schema."""
    judge = options.quick is False or not dataset.startswith("tpch") or dataset == "tpch-sf0.01"
    if "dbsynth" in options.contenders:
        for engine in engines:
            def once(i: int, engine: str = engine) -> dict[str, Any]:
                target = server.create("syn")
                copy_target = server.create("copy") if "raw_copy" in options.contenders else None
                spec = {"kind": "dbsynth", "source": source, "target": target, "copy_target": copy_target,
                        "engine": engine, "seed": options.seed, "judge": judge and i == 0}
                try:
                    return run_task(spec, workdir=options.workdir / "work")
                finally:
                    server.drop(target)
                    if copy_target:
                        server.drop(copy_target)
            _record(res, dataset, "full", f"dbsynth-{engine}", _repeat(options, once), log)
    if "naive" in options.contenders:
        spec = {"kind": "frames", "contender": "naive", "source": source, "seed": options.seed}
        _record(res, dataset, "full", "naive", _repeat(options, lambda i: run_task(
            {**spec, "judge": judge and i == 0}, workdir=options.workdir / "work")), log)


def _subset(res: Results, options: Options, engines: list[str], dataset: str, log: Log) -> None:
    """The SDV-sized subset from one SQLite file: SDV HMA, dbsynth, naive (fit + sample, in memory)."""
    path = ds.subset_sqlite(dataset, options.workdir)
    source = f"sqlite:///{path}"
    plan: list[tuple[str, dict[str, Any]]] = []
    if "sdv_hma" in options.contenders:
        plan.append(("sdv_hma", {"kind": "frames", "contender": "sdv_hma"}))
    if "dbsynth" in options.contenders:
        plan += [(f"dbsynth-{e}", {"kind": "dbsynth", "engine": e}) for e in engines]
    if "naive" in options.contenders:
        plan.append(("naive", {"kind": "frames", "contender": "naive"}))
    for label, spec in plan:
        spec = {**spec, "source": source, "seed": options.seed}
        def once(i: int, spec: dict[str, Any] = spec) -> dict[str, Any]:
            return run_task({**spec, "judge": i == 0}, workdir=options.workdir / "work")
        _record(res, dataset, "subset", label, _repeat(options, once), log)


def _record(res: Results, dataset: str, scope: str, contender: str, runs: list[dict[str, Any]], log: Log) -> None:
    s = summarise_runs(runs)
    res.runs.append({"dataset": dataset, "scope": scope, "contender": contender, "repeats": runs, "summary": s})
    if s.get("error"):
        log(f"   {scope:6} {contender:16} FAILED: {s['error']}")
    else:
        fs = s.get("fit_sample") or {}
        log(f"   {scope:6} {contender:16} fit+sample {fs.get('median', float('nan')):.2f}s "
            f"quality {s.get('quality')}" + (f" judge failed: {s['judge_error']}" if s.get("judge_error") else ""))


def summarise_runs(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Median/min–max per figure over the repeats; quality figures from the judged repeat."""
    ok = [r for r in runs if r.get("ok")]
    if not ok:
        err = runs[-1] if runs else {}
        return {"error": err.get("error", "not run"), "where": err.get("where"), "log_tail": err.get("log_tail", "")}
    sec = lambda r, k: r["seconds"].get(k)  # noqa: E731
    rows = sum(ok[0]["rows"].values())
    out: dict[str, Any] = {"rows": rows, "repeats": len(ok)}
    for stage in ("fit", "sample", "validate", "load"):
        out[stage] = summarise([sec(r, stage) for r in ok])
    out["fit_sample"] = summarise([sec(r, "fit") + sec(r, "sample") + (sec(r, "validate") or 0) for r in ok])
    total = [sum(v for k, v in r["seconds"].items() if k in ("fit", "sample", "validate", "load")) for r in ok]
    out["rows_per_s"] = summarise([rows / t for t in total if t > 0])
    loads = [(sec(r, "load"), r.get("raw_copy_seconds", {}).get("load")) for r in ok]
    if all(a and b for a, b in loads):
        out["load_rows_per_s"] = summarise([rows / a for a, _ in loads])
        out["copy_rows_per_s"] = summarise([rows / b for _, b in loads])
        out["load_vs_copy"] = summarise([b / a for a, b in loads])
    out["peak_rss_mb"] = summarise([r["peak_rss_mb"] for r in ok])
    judged = next((r for r in ok if "quality" in r or "judge_error" in r), {})
    for key in ("quality", "cardinality", "violations", "properties"):
        out[key] = judged.get(key)
    out["detection"] = (judged.get("detection") or {}).get("score")
    out["detection_auc"] = (judged.get("detection") or {}).get("mean_auc")
    out["judge_error"] = next((r["judge_error"] for r in ok if r.get("judge_error")), None)
    if ok[0].get("violations") is not None:
        out["violations"] = ok[0]["violations"]
    return out


def _scale(res: Results, server: PgServer, options: Options, log: Log) -> None:
    """`dbsynth seed` TPC-H PG → PG at --scale 1 and 0.1, out of the box and with the TPC-H config."""
    sf = options.scale_sf or 1.0
    log(f"== scale run: tpch sf{sf:g}")
    source = ds.load_tpch_pg(server, sf, options.workdir)
    config_path = options.workdir / "tpch-scale.toml"
    config_path.write_text(SCALE_CONFIG)
    for config in (None, str(config_path)):
        for scale in (0.1, 1.0):
            target = server.create("seed")
            spec = {"kind": "seed", "source": source, "target": target, "scale": scale, "seed": options.seed,
                    "config": config}
            got = run_task(spec, workdir=options.workdir / "work", timeout=3600)
            server.drop(target)
            entry = {"sf": sf, "scale": scale, "config": "default" if config is None else "tpch-scale.toml",
                     "ok": got.get("ok", False), "wall_s": got.get("wall_s"),
                     "peak_rss_mb": got.get("process_peak_rss_mb"), "seconds": got.get("seconds"),
                     "rows": sum((got.get("rows") or {}).values()), "rows_by_table": got.get("rows"),
                     "error": None if got.get("ok") else got.get("error") or _last_error(got.get("log_tail", "")),
                     "where": got.get("where")}
            res.scale.append(entry)
            log(f"   config {entry['config']:16} scale {scale:<4} ok={entry['ok']} wall {entry['wall_s']:.1f}s "
                f"rss {entry['peak_rss_mb'] or 0:.0f} MB rows {entry['rows']}")
    server.drop(source)


def _last_error(tail: str) -> str:
    lines = [ln.strip() for ln in tail.splitlines() if ln.strip() and "Warning" not in ln and "to_pydatetime" not in ln]
    return lines[-1] if lines else "unknown failure"
