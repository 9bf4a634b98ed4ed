"""Run one contender in its own process and measure it.

Each task runs in a fresh `python -m benchmarks.measure SPEC OUT` process, so
no run warms another's caches and peak RSS is the whole process's. The worker
is started through `/usr/bin/time` (or `sh` when absent) rather than directly:
Linux carries the RSS high-water mark of the forking process across exec, so
a worker forked straight from this (large) orchestrator would report the
orchestrator's RSS as its own peak. Quality is judged in the worker after the
timed work; `peak_rss_mb` is taken before judging, `process_peak_rss_mb`
(from /usr/bin/time, when present) covers the whole process.
"""
from __future__ import annotations

import json
import math
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.datasets import ROOT
from dbsynth.errors import DbsynthError

TIME = "/usr/bin/time"


def summarise(values: list[float]) -> dict[str, float] | None:
    """Median and min–max of the repeats (None when nothing was measured)."""
    vals = [v for v in values if v is not None and math.isfinite(v)]
    if not vals:
        return None
    return {"median": statistics.median(vals), "min": min(vals), "max": max(vals), "n": len(vals)}


def run_task(spec: dict[str, Any], *, workdir: Path, timeout: float = 3600, code: Path | None = None) -> dict[str, Any]:
    """One task in a subprocess; returns its result with `wall_s` and `peak_rss_mb` of the whole process.

    code: another checkout whose dbsynth and connectors the worker imports (this harness's benchmarks package
    still drives it), to measure before and after a change with the same yardstick.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    tag = f"{spec['kind']}-{spec.get('contender', '')}-{time.time_ns()}"
    spec_path, out_path, log_path = (workdir / f"{tag}.{ext}" for ext in ("spec.json", "out.json", "log"))
    spec_path.write_text(json.dumps(spec))
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    cwd = ROOT
    if code is not None:  # benchmarks/ alone from here (a link), everything else from `code`
        cwd = workdir / f"{tag}.code"
        cwd.mkdir()
        (cwd / "benchmarks").symlink_to(ROOT / "benchmarks")
        env["PYTHONPATH"] = str(cwd) + os.pathsep + str(Path(code).resolve())
    t0 = time.perf_counter()
    rss_path = workdir / f"{tag}.rss"
    worker = [sys.executable, "-m", "benchmarks.measure", str(spec_path), str(out_path)]
    with open(log_path, "w") as log:
        proc = subprocess.Popen(_launcher(rss_path) + worker, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
        status = _wait(proc, timeout)
    wall = time.perf_counter() - t0
    process_rss = _read_rss(rss_path)
    if not out_path.exists():
        tail = log_path.read_text()[-1500:]
        return {"ok": False, "error": f"exit status {status}", "log_tail": tail, "wall_s": wall,
                "process_peak_rss_mb": process_rss}
    result = json.loads(out_path.read_text())
    result["wall_s"] = wall
    result["process_peak_rss_mb"] = process_rss if process_rss is not None else result.get("peak_rss_mb")
    return result


def _launcher(rss_path: Path) -> list[str]:
    if os.path.exists(TIME):
        return [TIME, "-f", "%M", "-o", str(rss_path)]
    return ["sh", "-c", '"$@"; exit $?', "sh"]  # sh forks the worker (no exec of the last command)


def _read_rss(path: Path) -> float | None:
    """Peak RSS in MiB from /usr/bin/time's %M (KiB); None when not measured."""
    try:
        lines = [ln for ln in path.read_text().split() if ln.isdigit()]
    except OSError:
        return None
    return int(lines[-1]) / 1024 if lines else None


def _wait(proc: subprocess.Popen, timeout: float) -> int:
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return -9


# --- inside the worker process ------------------------------------------------------------------

def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _judge(schema: Any, real: dict, synth: dict) -> dict[str, Any]:
    """The judge's figures; a judge failure is recorded next to the timings instead of losing them."""
    from benchmarks.judge import quality
    try:
        q = quality(schema, _arrays_as_text(real), _arrays_as_text(_like_real(synth, real)))
    except Exception as exc:  # noqa: BLE001 - SDV/SDMetrics raise many types; the message is what we report
        return {"judge_error": f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"}
    return {"quality": q["overall"], "properties": q["properties"],
            "cardinality": q["properties"].get("Cardinality"),
            "empty_synthetic_tables": q["empty_synthetic_tables"]}


def _like_real(synth: dict, real: dict) -> dict:
    """Synthetic columns in the real column's dtype where they convert, as a database round trip would give.

    In-memory outputs differ (dbsynth's are object columns, SDV's typed); SDMetrics scores an object column of
    numbers or timestamps against a typed one as if they were different values, so every contender is cast alike.
    """
    out = {}
    for name, frame in synth.items():
        frame = frame.copy()
        for col in frame.columns:
            like = real.get(name)
            if like is None or col not in like or frame[col].dtype == like[col].dtype:
                continue
            try:
                frame[col] = frame[col].astype(like[col].dtype)
            except (TypeError, ValueError, OverflowError):
                pass  # left as is; the judge's own normalisation still applies
        out[name] = frame
    return out


def _arrays_as_text(frames: dict) -> dict:
    """PostgreSQL arrays / JSON come back as lists / dicts, which SDV's metadata detection refuses; score them as text."""
    out = {}
    for name, frame in frames.items():
        frame = frame.copy()
        for col in frame.columns:
            if frame[col].dtype == object and frame[col].map(lambda v: isinstance(v, (list, tuple, dict))).any():
                frame[col] = frame[col].map(lambda v: json.dumps(v, default=str) if isinstance(v, (list, tuple, dict)) else v)
        out[name] = frame
    return out


def _task_dbsynth(spec: dict[str, Any]) -> dict[str, Any]:
    from benchmarks.contenders import raw_copy, run_dbsynth
    run, schema = run_dbsynth(source=spec["source"], target=spec.get("target"), engine=spec.get("engine", "copula"),
                              seed=spec.get("seed", 0), scale=spec.get("scale", 1.0))
    out: dict[str, Any] = {"seconds": run.seconds, "rows": run.rows, "violations": run.violations,
                           "validation": run.extra.get("validation"), "peak_rss_mb": _peak_mb()}
    if spec.get("copy_target") and spec.get("target"):
        from dbsynth.schema.graph import build_plan
        out["raw_copy_seconds"] = raw_copy(frames=run.frames, order=list(build_plan(schema).order),
                                           like_url=spec["target"], empty_url=spec["copy_target"])
    if spec.get("judge"):
        out.update(_judge_urls(spec["source"], spec.get("target"), run.frames))
        out["detection"] = detection_score(spec["source"], spec.get("target"))
    return out


def _judge_urls(source: str, target: str | None, frames: dict) -> dict[str, Any]:
    """Judge the rows as stored in the target (the load round trip included) when there is one."""
    from benchmarks.judge import read_all
    schema, real = read_all(source)
    synth = read_all(target)[1] if target else frames
    return _judge(schema, real, synth)


def _task_frames(spec: dict[str, Any]) -> dict[str, Any]:
    """sdv_hma / naive: the source is read first (not timed), then fit + sample."""
    from benchmarks import contenders
    from benchmarks.judge import read_all
    schema, real = read_all(spec["source"])
    fn = contenders.run_sdv_hma if spec["contender"] == "sdv_hma" else contenders.run_naive
    run = fn(schema=schema, real=real, seed=spec.get("seed", 0))
    out: dict[str, Any] = {"seconds": run.seconds, "rows": run.rows, "peak_rss_mb": _peak_mb()}
    if spec.get("judge"):
        out.update(_judge(schema, real, run.frames))
        out["violations"] = contenders.count_violations(schema, run.frames)
    return out


def _task_seed(spec: dict[str, Any]) -> dict[str, Any]:
    """`dbsynth seed SOURCE TARGET --scale X`: the CLI's command body, streaming into the target."""
    from rich.console import Console

    from dbsynth import commands
    with open(os.devnull, "w") as sink:
        got = commands.seed(source=spec["source"], target=spec["target"], mode="fail", keep_triggers=False,
                            alembic_config=None, schema=None, model_dir=None,
                            console=Console(file=sink), seed=spec.get("seed", 0), scale=spec.get("scale", 1.0),
                            config_path=spec.get("config"))
    return {"seconds": got["seconds"], "rows": got["rows"], "peak_rss_mb": _peak_mb()}


def detection_score(real_url: str, synthetic_url: str | None) -> dict[str, float | None] | None:
    """`dbsynth report`'s detection section: mean per-table score (1 = indistinguishable) and mean AUC.

    None when `dbsynth.report` is not installed or fails (another engineer's module; reported, not fixed here).
    """
    try:
        from dbsynth.report.runner import build_report
    except ImportError:
        return None
    if synthetic_url is None:
        return None
    try:
        data = build_report(real=real_url, synthetic=synthetic_url).data
    except (TypeError, DbsynthError, ValueError) as exc:
        print(f"detection unavailable: {exc}", file=sys.stderr)
        return None
    scores = [t["score"] for t in data.get("detection", {}).values()
              if isinstance(t, dict) and isinstance(t.get("score"), (int, float))]
    return {"score": statistics.fmean(scores) if scores else None,
            "mean_auc": (data.get("detection_summary") or {}).get("mean_auc")}


def _task_seed_stages(spec: dict[str, Any]) -> dict[str, Any]:
    from benchmarks.scale import task_seed_stages
    return task_seed_stages(spec)


TASKS = {"dbsynth": _task_dbsynth, "frames": _task_frames, "seed": _task_seed, "seed_stages": _task_seed_stages}


def worker_main(spec_path: str, out_path: str) -> None:
    import warnings
    warnings.simplefilter("ignore")
    spec = json.loads(Path(spec_path).read_text())
    try:
        result = TASKS[spec["kind"]](spec)
        result["ok"] = True
    except Exception as exc:  # noqa: BLE001 - a contender's failure is a result to report, with where it failed
        import traceback
        frames = traceback.extract_tb(exc.__traceback__)[-4:]
        where = [f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in frames]
        result = {"ok": False, "error": f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}",
                  "where": where, "peak_rss_mb": _peak_mb()}
        traceback.print_exc()
    Path(out_path).write_text(json.dumps(result, default=float))
    if not result["ok"]:
        sys.exit(1)


if __name__ == "__main__":
    worker_main(sys.argv[1], sys.argv[2])
