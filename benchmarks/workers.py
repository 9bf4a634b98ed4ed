"""Sample + validate throughput by executor and worker count (issue 12: 2 workers ≥ 1.7× one).

    python -m benchmarks.workers MODEL_DIR [--workers 1,2] [--ray] [--batch-rows N]

MODEL_DIR is written by `dbsynth fit` (e.g. of TPC-H SF0.1, see datasets.generate_tpch). Each
run consumes the validated stream (nothing is loaded) and reports rows/s of wall time and the
CPU seconds spent: the coordinator's own plus what the workers report (the CPU may be shared
with other processes, so the CPU figures say what a run cost where the wall time cannot).
"""
from __future__ import annotations

import argparse
import json
import time
from dataclasses import replace
from pathlib import Path
from typing import Any


def measure(model: Any, config: Any) -> dict[str, Any]:
    from dbsynth import pipeline

    t0, c0 = time.perf_counter(), time.process_time()
    chunks, merged = pipeline.validated_chunks(model, config=config, allow_drops=True)
    rows = sum(len(c.frame) for c in chunks)
    wall = time.perf_counter() - t0
    coordinator = time.process_time() - c0
    results = getattr(merged, "results", [])
    remote = config.executor == "ray" or (config.workers or 1) > 1 and len(results) > 1
    workers_cpu = sum(r.cpu_seconds for r in results) if remote else 0.0
    return {"executor": config.executor, "workers": config.workers, "batches": len(results), "rows": rows,
            "wall_s": round(wall, 2), "rows_per_s": round(rows / wall), "cpu_s": round(coordinator + workers_cpu, 2),
            "coordinator_cpu_s": round(coordinator, 2), "workers_cpu_s": round(workers_cpu, 2)}


def run(model_dir: Path, *, workers: list[int], ray: bool, batch_rows: int | None, seed: int = 0,
        ray_cpus: int = 2) -> list[dict[str, Any]]:
    from dbsynth.config import Config
    from dbsynth.engines.registry import load_model

    model = load_model(model_dir)
    base = Config(seed=seed, **({"batch_rows": batch_rows} if batch_rows else {}))
    out = [measure(model, replace(base, workers=n)) for n in workers]
    if ray:
        import ray as ray_module
        ray_module.init(num_cpus=ray_cpus, include_dashboard=False, log_to_driver=False)
        try:
            out.append(measure(model, replace(base, executor="ray")))
        finally:
            ray_module.shutdown()
    one = out[0]["rows_per_s"]
    for entry in out:
        entry["speedup"] = round(entry["rows_per_s"] / one, 2)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model_dir", type=Path)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--ray", action="store_true", help="also run on a local Ray with 2 CPUs")
    parser.add_argument("--batch-rows", type=int, default=None)
    args = parser.parse_args()
    for entry in run(args.model_dir, workers=[int(w) for w in args.workers.split(",")], ray=args.ray,
                     batch_rows=args.batch_rows):
        print(json.dumps(entry))


if __name__ == "__main__":
    main()
