"""`python -m benchmarks scale`: one TPC-H `dbsynth seed` PostgreSQL → PostgreSQL, timed stage by stage.

    python -m benchmarks scale --sf 1                    # SF1 source, --scale 1, default config
    python -m benchmarks scale --sf 0.1 --profile /tmp/p # cProfile of the seed process (p.prof + top lines)
    python -m benchmarks scale --sf 1 --code ../other-checkout  # the same harness driving another checkout's dbsynth

Per stage (reflect, read+profile, fit, sample, validate, load): wall seconds and CPU seconds, the CPU
split into the seed process, its child processes (sampling workers) and the PostgreSQL server (the
postmaster and its backends, so COPY's server side is counted). Peak RSS of the seed process and of its
largest child. Then the raw-COPY yardstick for the very rows loaded: the target's tables are copied out
to files, and COPYed into an empty database with the target's schema (`pg_dump --section=pre-data`),
constraints and indexes added after (`--section=post-data`) in the same transaction, as pg_restore does;
`load / raw COPY` = raw seconds / dbsynth load seconds. Written to benchmarks/results/scale-<ts>.json.
"""
from __future__ import annotations

import argparse
import json
import os
import tempfile
import threading
import time
from bisect import bisect_left
from pathlib import Path
from typing import Any, Callable

STAGES = ("reflect", "read+profile", "fit", "sample", "validate", "load")
SAMPLE_EVERY = 0.1  # seconds between CPU samples in the seed process


def add_parser(sub: Any) -> None:
    p = sub.add_parser("scale", help="one TPC-H dbsynth seed PG → PG with wall and CPU seconds per stage")
    p.add_argument("--sf", type=float, default=1.0, help="TPC-H scale factor of the source (default 1)")
    p.add_argument("--scale", type=float, default=1.0, help="dbsynth seed --scale (default 1)")
    p.add_argument("--config", choices=("default", "tpch"), default="default",
                   help="tpch: region and nation copied (benchmarks.suite.SCALE_CONFIG)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--source-url", default=None, help="an already loaded TPC-H database (skips generating one)")
    p.add_argument("--code", type=Path, default=None, help="another checkout whose dbsynth to run (before/after)")
    p.add_argument("--profile", type=Path, default=None, help="cProfile the seed process into DIR")
    p.add_argument("--no-raw-copy", action="store_true", help="skip the raw COPY yardstick")
    p.add_argument("--workdir", type=Path, default=Path("/tmp/dbsynth-bench"))
    p.add_argument("--out", type=Path, default=None, help="JSON path (default benchmarks/results/scale-<ts>.json)")


def run(args: argparse.Namespace, *, log: Callable[[str], None] = print) -> int:
    from benchmarks import datasets as ds
    from benchmarks.measure import run_task
    from benchmarks.postgres import PgServer
    from benchmarks.suite import SCALE_CONFIG
    server = PgServer.start(os.environ.get("DBSYNTH_BENCH_POSTGRES_URL"))
    try:
        source = args.source_url or ds.load_tpch_pg(server, args.sf, args.workdir)
        config = None
        if args.config == "tpch":
            config = str(args.workdir / "tpch-scale.toml")
            Path(config).write_text(SCALE_CONFIG)
        target = server.create("scale")
        spec = {"kind": "seed_stages", "source": source, "target": target, "scale": args.scale, "seed": args.seed,
                "config": config, "profile": str(args.profile) if args.profile else None,
                "admin_url": server.admin_url}
        log(f"== dbsynth seed tpch sf{args.sf:g} --scale {args.scale:g} ({args.config} config)"
            + (f" with {args.code}" if args.code else ""))
        got = run_task(spec, workdir=args.workdir / "work", timeout=7200, code=args.code)
        result: dict[str, Any] = {"sf": args.sf, "scale": args.scale, "config": args.config, "seed": args.seed,
                                  "code": str(args.code or "this checkout"), **got}
        if got.get("ok") and not args.no_raw_copy:
            result["raw_copy"] = raw_copy_of(server, target, args.workdir)
            load_s = (got.get("stages") or {}).get("load", {}).get("wall_s")
            if load_s:
                result["load_vs_raw_copy"] = result["raw_copy"]["total_s"] / load_s
        server.drop(target)
        if not args.source_url:
            server.drop(source)
    finally:
        server.close()
    out = args.out or _results_path()
    out.write_text(json.dumps(result, indent=1, default=float))
    for line in stage_table(result):
        log(line)
    log(f"results: {out}")
    return 0 if result.get("ok") else 1


def _results_path() -> Path:
    from benchmarks.report import RESULTS_DIR
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    return RESULTS_DIR / f"scale-{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}.json"


def stage_table(result: dict[str, Any]) -> list[str]:
    """The per-stage lines of a result, as Markdown."""
    if not result.get("ok"):
        return [f"failed: {result.get('error')} {result.get('where') or ''}"]
    lines = ["| stage | wall s | CPU s (seed process) | CPU s (child processes) | CPU s (PostgreSQL) |",
             "|---|---:|---:|---:|---:|"]
    for stage, fig in result["stages"].items():
        lines.append(f"| {stage} | {fig['wall_s']:.1f} | {fig['cpu_s']:.1f} | {fig['children_cpu_s']:.1f} "
                     f"| {fig['server_cpu_s']:.1f} |")
    rows = sum(result.get("rows", {}).values())
    lines.append(f"| **total** | {result['total_s']:.1f} | {result['cpu_total_s']:.1f} | "
                 f"{result['children_cpu_total_s']:.1f} | {result['server_cpu_total_s']:.1f} |")
    lines.append(f"rows {rows:,}; peak RSS seed process {result.get('process_peak_rss_mb') or 0:.0f} MiB, "
                 f"largest child {result.get('max_child_rss_mb') or 0:.0f} MiB")
    raw = result.get("raw_copy")
    if raw:
        load = result["stages"].get("load", {}).get("wall_s") or float("nan")
        lines.append(f"raw COPY of the same {raw['rows']:,} rows: {raw['copy_s']:.1f} s COPY + {raw['post_s']:.1f} s "
                     f"constraints = {raw['total_s']:.1f} s ({raw['rows'] / raw['total_s']:,.0f} rows/s); "
                     f"dbsynth load {load:.1f} s ({rows / load:,.0f} rows/s): load at "
                     f"{result.get('load_vs_raw_copy', 0):.0%} of raw COPY")
    return lines


# --- raw COPY of the loaded rows ------------------------------------------------------------------

def raw_copy_of(server: Any, target: str, workdir: Path) -> dict[str, Any]:
    """COPY the target's rows out to files, then time COPYing them into an empty twin (+ constraints)."""
    import psycopg

    from benchmarks.contenders import _dump_section
    from benchmarks.postgres import psql
    twin = server.create("rawcopy")
    pre, post = _dump_section(target, "pre-data"), _dump_section(target, "post-data")
    psql(twin, file=pre)
    post_sql = "\n".join(ln for ln in post.read_text().splitlines() if not ln.startswith("\\"))
    pre.unlink()
    post.unlink()
    tmp = Path(tempfile.mkdtemp(prefix="rawcopy-", dir=workdir))
    files: list[tuple[str, Path]] = []
    rows = 0
    with psycopg.connect(target) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")]
        for name in tables:
            path = tmp / f"{name}.copy"
            with open(path, "wb") as fh, conn.cursor().copy(f'COPY "{name}" TO STDOUT') as copy:
                for block in copy:
                    fh.write(block)
            rows += conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
            files.append((name, path))
    t0 = time.perf_counter()
    with psycopg.connect(twin) as conn, conn.cursor() as cur:
        for name, path in files:
            with open(path, "rb") as fh, cur.copy(f'COPY "{name}" FROM STDIN') as copy:
                while block := fh.read(1 << 20):
                    copy.write(block)
        copied = time.perf_counter() - t0
        cur.execute(post_sql)
        conn.commit()
    total = time.perf_counter() - t0
    for _, path in files:
        path.unlink()
    tmp.rmdir()
    server.drop(twin)
    return {"rows": rows, "copy_s": copied, "post_s": total - copied, "total_s": total}


# --- inside the seed process ----------------------------------------------------------------------

class CpuSampler:
    """CPU seconds of this process, its children and the PostgreSQL server, sampled every SAMPLE_EVERY s."""

    def __init__(self, server_pid: int | None) -> None:
        self.server_pid = server_pid
        self.samples: list[tuple[float, float, float, float]] = []  # (t, self, children, server)
        self.max_child_rss_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> "CpuSampler":
        self.sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()

    def _loop(self) -> None:
        while not self._stop.wait(SAMPLE_EVERY):
            self.sample()

    def sample(self) -> None:
        me = os.getpid()
        children = _descendants(me)
        child_cpu = sum(_cpu(pid) for pid in children) + _reaped_cpu(me)
        for pid in children:
            self.max_child_rss_kb = max(self.max_child_rss_kb, _hwm_kb(pid))
        server = 0.0
        if self.server_pid:
            server = _cpu(self.server_pid) + _reaped_cpu(self.server_pid) + sum(
                _cpu(pid) for pid in _descendants(self.server_pid))
        self.samples.append((time.perf_counter(), time.process_time(), child_cpu, server))

    def at(self, t: float) -> tuple[float, float, float]:
        """CPU counters at time t, interpolated between samples."""
        times = [s[0] for s in self.samples]
        i = min(max(bisect_left(times, t), 1), len(times) - 1)
        (t0, *a), (t1, *b) = self.samples[i - 1], self.samples[i]
        w = 0.0 if t1 == t0 else min(max((t - t0) / (t1 - t0), 0.0), 1.0)
        return tuple(x + (y - x) * w for x, y in zip(a, b))  # type: ignore[return-value]


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat(pid: int) -> list[str]:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return []
    return text.rsplit(")", 1)[1].split()


def _cpu(pid: int) -> float:
    f = _stat(pid)
    return (int(f[11]) + int(f[12])) / _TICK if f else 0.0  # utime + stime


def _reaped_cpu(pid: int) -> float:
    f = _stat(pid)
    return (int(f[13]) + int(f[14])) / _TICK if f else 0.0  # cutime + cstime (children already waited for)


def _hwm_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            f = _stat(int(entry.name))
            if f:
                children.setdefault(int(f[1]), []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def server_pid(admin_url: str) -> int | None:
    """The postmaster of the benchmark server (the parent of a backend), when it runs on this machine."""
    import psycopg
    try:
        with psycopg.connect(admin_url) as conn:
            backend = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
            f = _stat(int(backend))
            return int(f[1]) if f else None
    except psycopg.Error:
        return None


def task_seed_stages(spec: dict[str, Any]) -> dict[str, Any]:
    """`dbsynth seed` with every StageTimer interval recorded, CPU sampled alongside."""
    import resource

    from rich.console import Console

    from dbsynth import commands, pipeline
    intervals: list[tuple[str, float, float]] = []
    original_add = pipeline.StageTimer.add

    def add(self: Any, stage: str, started: float) -> None:
        intervals.append((stage, started, time.perf_counter()))
        original_add(self, stage, started)

    pipeline.StageTimer.add = add  # type: ignore[method-assign]
    load_window: list[tuple[float, float]] = []
    _wrap_load(load_window)
    profiler = None
    if spec.get("profile"):
        import cProfile
        profiler = cProfile.Profile()
    with CpuSampler(server_pid(spec["admin_url"])) as cpu, open(os.devnull, "w") as sink:
        t0 = time.perf_counter()
        if profiler:
            profiler.enable()
        got = commands.seed(source=spec["source"], target=spec["target"], mode="fail", keep_triggers=False,
                            alembic_config=None, schema=None, model_dir=None, console=Console(file=sink),
                            seed=spec.get("seed", 0), scale=spec.get("scale", 1.0), config_path=spec.get("config"))
        if profiler:
            profiler.disable()
        t1 = time.perf_counter()
    if profiler:
        _write_profile(profiler, Path(spec["profile"]))
    stages = stage_figures(intervals, load_window, got["seconds"], cpu)
    whole = [b - a for a, b in zip(cpu.at(t0), cpu.at(t1))]
    children_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"seconds": got["seconds"], "rows": got["rows"], "stages": stages, "total_s": t1 - t0,
            "cpu_total_s": whole[0], "children_cpu_total_s": whole[1], "server_cpu_total_s": whole[2],
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "max_child_rss_mb": max(children_rss, cpu.max_child_rss_kb) / 1024}


def _wrap_load(window: list[tuple[float, float]]) -> None:
    """Record when the loader runs (seed's load stage is that window less sample and validate)."""
    from dbsynth.load import loader
    original = loader.load

    def load(*a: Any, **kw: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return original(*a, **kw)
        finally:
            window.append((t0, time.perf_counter()))

    loader.load = load  # type: ignore[assignment]


def stage_figures(intervals: list[tuple[str, float, float]], load_window: list[tuple[float, float]],
                  seconds: dict[str, float], cpu: CpuSampler) -> dict[str, dict[str, float]]:
    """Wall and CPU seconds per stage; load = its window less the sample/validate intervals inside it."""
    out: dict[str, dict[str, float]] = {}
    for stage in STAGES:
        spans = [(a, b) for s, a, b in intervals if s == stage]
        if stage == "load":
            spans = load_window
        tot = [0.0, 0.0, 0.0]
        for a, b in spans:
            for k, (x, y) in enumerate(zip(cpu.at(a), cpu.at(b))):
                tot[k] += y - x
        if stage == "load":
            inner = [(a, b) for s, a, b in intervals if s in ("sample", "validate")
                     and any(wa <= a and b <= wb for wa, wb in load_window)]
            for a, b in inner:
                for k, (x, y) in enumerate(zip(cpu.at(a), cpu.at(b))):
                    tot[k] -= y - x
        if spans or stage in seconds:
            out[stage] = {"wall_s": seconds.get(stage, 0.0), "cpu_s": max(tot[0], 0.0),
                          "children_cpu_s": max(tot[1], 0.0), "server_cpu_s": max(tot[2], 0.0)}
    return out


def _write_profile(profiler: Any, directory: Path) -> None:
    import io
    import pstats
    directory.mkdir(parents=True, exist_ok=True)
    profiler.dump_stats(directory / "seed.prof")
    for key in ("cumulative", "tottime"):
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats(key).print_stats(60)
        (directory / f"seed-{key}.txt").write_text(text.getvalue())
