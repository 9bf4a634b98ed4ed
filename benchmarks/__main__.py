"""python -m benchmarks run [--datasets …] [--engines …] [--contenders …] [--quick] [--repeats N]
python -m benchmarks fuzz [--schemas 1000] [--seed S] [--dialects sqlite,postgresql] [--profile full|plain]
python -m benchmarks scale [--sf 1] [--scale 1] [--profile DIR] [--code CHECKOUT]
python -m benchmarks judge [--seeds 0,1,2] [--datasets chinook,northwind,sakila] [--engine copula] [--markdown]

`run` writes benchmarks/results/<timestamp>.json and regenerates benchmarks/RESULTS.md;
`fuzz` (the schema fuzzer) writes benchmarks/results/fuzz-<timestamp>.json;
`judge` (fidelity, formats, privacy under ../shared/judge/judge.py) writes benchmarks/results/judge-<timestamp>.json.
"""
from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from benchmarks import fuzz, report, scale, shared_judge
from benchmarks.datasets import SHARED
from benchmarks.suite import Options, run_all


def _csv(text: str) -> tuple[str, ...]:
    return tuple(x.strip() for x in text.split(",") if x.strip())


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m benchmarks", description="dbsynth vs SDV HMA vs naive vs raw COPY")
    sub = p.add_subparsers(dest="cmd", required=True)
    run = sub.add_parser("run", help="run the benchmarks and regenerate RESULTS.md")
    run.add_argument("--datasets", type=_csv, default=SHARED, help="comma list of chinook,northwind,sakila")
    run.add_argument("--engines", type=_csv, default=("copula", "neural"), help="dbsynth engines (missing ones are skipped)")
    run.add_argument("--contenders", type=_csv, default=("dbsynth", "sdv_hma", "naive", "raw_copy"))
    run.add_argument("--scopes", type=_csv, default=("full", "subset"), help="full (PG → PG) and/or subset (SDV-sized)")
    run.add_argument("--tpch", type=lambda s: tuple(float(x) for x in _csv(s)), default=None,
                     help="TPC-H scale factors for the side-by-side runs (default 0.01,0.1; quick 0.01; '' for none)")
    run.add_argument("--scale-sf", type=float, default=None, help="TPC-H SF of the seed scale run (default 1; quick: none)")
    run.add_argument("--no-scale-run", action="store_true")
    run.add_argument("--quick", action="store_true", help="1 repeat, TPC-H SF0.01 only, no scale run (< 10 min)")
    run.add_argument("--repeats", type=int, default=None, help="timing repeats (default 3; quick 1)")
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--workdir", type=Path, default=Path("/tmp/dbsynth-bench"))
    run.add_argument("--no-markdown", action="store_true", help="write the JSON only (RESULTS.md untouched)")
    again = sub.add_parser("render", help="regenerate RESULTS.md from a results JSON (no re-run)")
    again.add_argument("json", type=Path)
    fuzz.add_parser(sub)
    shared_judge.add_parser(sub)
    scale.add_parser(sub)
    return p


def options_from(args: argparse.Namespace) -> Options:
    base = Options.quick_mode() if args.quick else Options()
    kw = {"datasets": args.datasets, "engines": args.engines, "contenders": args.contenders, "scopes": args.scopes,
          "seed": args.seed, "workdir": args.workdir}
    unknown = set(args.datasets) - set(SHARED)
    if unknown:
        raise SystemExit(f"error: unknown dataset(s) {sorted(unknown)}; known: {', '.join(SHARED)}")
    if args.tpch is not None:
        kw["tpch"] = args.tpch
    if args.repeats is not None:
        kw["repeats"] = max(args.repeats, 1)
    if args.scale_sf is not None:
        kw["scale_sf"] = args.scale_sf
    if args.no_scale_run:
        kw["scale_sf"] = None
    return Options(**{**base.__dict__, **kw})


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parser().parse_args(argv)
    if args.cmd == "fuzz":
        return fuzz.run(args, log=lambda line: print(line, flush=True))
    if args.cmd == "scale":
        return scale.run(args, log=lambda line: print(line, flush=True))
    if args.cmd == "judge":
        return shared_judge.run(args, log=lambda line: print(line, flush=True))
    if args.cmd == "render":
        kept, judged = fuzz.section_of(report.RESULTS_MD), shared_judge.section_of(report.RESULTS_MD)
        print(f"report: {report.write_markdown(report.read_json(args.json), json_path=args.json.resolve())}")
        for section, keep in ((kept, fuzz.write_section), (judged, shared_judge.write_section)):
            if section:
                keep(section)
        return 0
    results = run_all(options_from(args), command="python -m benchmarks " + " ".join(map(shlex.quote, argv)),
                      log=lambda line: print(line, flush=True))
    path = report.write_json(results)
    print(f"results: {path}")
    if not args.no_markdown:
        kept = fuzz.section_of(report.RESULTS_MD)  # the fuzzer's section survives a regenerated report
        judged = shared_judge.section_of(report.RESULTS_MD)  # and so does the shared judge's
        print(f"report: {report.write_markdown(results, json_path=path)}")
        if kept:
            fuzz.write_section(kept)
        if judged:
            shared_judge.write_section(judged)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
