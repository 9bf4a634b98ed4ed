"""`python -m benchmarks fuzz`: the schema fuzzer's long run (see dbsynth/fuzz).

Prints one line per failure as it happens, then a summary (schemas tried,
failures by category with the smallest seed showing each, wall time), and
writes benchmarks/results/fuzz-<timestamp>.json with every failure's seed,
reason, code location and DDL. Reproduce one with `--seed S --schemas 1`.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from pathlib import Path
from typing import Callable

from benchmarks.report import RESULTS_DIR


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("fuzz", help="seed random schemas SQLite → SQLite and PostgreSQL → PostgreSQL")
    p.add_argument("--schemas", type=int, default=1000, help="how many schemas (default 1000)")
    p.add_argument("--seed", type=int, default=0, help="first schema seed; schema k has seed SEED+k")
    p.add_argument("--dialects", default="sqlite,postgresql", help="comma list of sqlite,postgresql")
    p.add_argument("--profile", default="full", choices=("full", "plain", "structural"),
                   help="full: every feature; plain: no dirty data, exotic types, short codes or odd names; "
                        "structural: plain without CHECKs")
    p.add_argument("--max-tables", type=int, default=15)
    p.add_argument("--max-rows", type=int, default=300, help="largest source table (rows)")
    p.add_argument("--pg-url", default=None, help="superuser URL of a PostgreSQL server (default: a throwaway one)")
    p.add_argument("--out", type=Path, default=None, help="results JSON (default benchmarks/results/fuzz-<ts>.json)")
    p.add_argument("--quiet", action="store_true", help="no per-failure lines")
    p.add_argument("--timeout", type=int, default=60, help="seconds one `dbsynth seed` may run (a hang fails)")
    p.add_argument("--drop", default="", help="comma list of TABLE or TABLE.COLUMN to leave out (a minimised repro)")
    p.add_argument("--markdown", action="store_true",
                   help="also put the summary in benchmarks/RESULTS.md (its fuzz section; `run` keeps it)")
    p.add_argument("--minimise", action="store_true",
                   help="shrink the smallest failing schema of each category (tables, then columns)")


def run(args: argparse.Namespace, log: Callable[[str], None] = print) -> int:
    from dbsynth.fuzz.generate import Options
    from dbsynth.fuzz.runner import DIALECTS, environment, iterate, summarise
    dialects = tuple(d.strip() for d in args.dialects.split(",") if d.strip())
    unknown = set(dialects) - set(DIALECTS)
    if unknown or args.schemas < 1:
        raise SystemExit(f"error: dialects must be among {', '.join(DIALECTS)}; --schemas at least 1")
    options = Options.named(args.profile)
    options.max_tables, options.max_rows = max(args.max_tables, options.min_tables), max(args.max_rows, 3)
    started = dt.datetime.now(dt.timezone.utc)
    t0 = time.perf_counter()
    outcomes = []
    seeds = list(range(args.seed, args.seed + args.schemas))
    drop = tuple(d.strip() for d in args.drop.split(",") if d.strip())
    path = args.out or RESULTS_DIR / f"fuzz-{started.strftime('%Y%m%dT%H%M%S')}.json"
    path.parent.mkdir(parents=True, exist_ok=True)

    def save(summary: dict, wall: float, done: int) -> None:  # also every 10 schemas: a long run can be cut short
        path.write_text(json.dumps({
            "command": "python -m benchmarks fuzz " + " ".join(_argv(args)), "started": started.isoformat(),
            "wall_seconds": round(wall, 1), "schemas": done, "first_seed": args.seed, "profile": args.profile,
            "summary": summary, "failures": [o.to_json(with_ddl=True) for o in outcomes if not o.ok],
            "passed": [{"seed": o.seed, "dialect": o.dialect, "seconds": o.seconds} for o in outcomes if o.ok],
        }, indent=1, default=str))

    with environment(dialects, pg_admin_url=args.pg_url, timeout_s=max(args.timeout, 1)) as env:
        for o in iterate(seeds, dialects, options=options, drop=drop, env=env):
            outcomes.append(o)
            if not o.ok and not args.quiet:
                log(f"FAIL {o.line()}")
            done = len(outcomes) // len(dialects)
            if o.dialect == dialects[-1] and done % 10 == 0:
                save(summarise(outcomes), time.perf_counter() - t0, done)
        wall = time.perf_counter() - t0
        summary = summarise(outcomes)
        if args.minimise:
            _minimise(summary, outcomes, env, options, log)
    _print_summary(summary, len(seeds), wall, log)
    save(summary, wall, len(seeds))
    log(f"results: {path}")
    if args.markdown:
        log(f"report: {write_section(markdown(summary, schemas=len(seeds), wall=wall, json_path=path, args=args))}")
    return 1 if any(not o.ok for o in outcomes) else 0


BEGIN, END = "<!-- fuzz:begin -->", "<!-- fuzz:end -->"


def markdown(summary: dict, *, schemas: int, wall: float, json_path: Path, args: argparse.Namespace) -> str:
    lines = [BEGIN, "## Schema fuzzer (`python -m benchmarks fuzz`)", "",
             f"`python -m benchmarks fuzz {' '.join(_argv(args))}`: {schemas} random schemas, "
             f"wall time {wall / 60:.1f} min; results `{json_path.name}`.", "",
             "| dialect | passed | failed |", "|---|---:|---:|"]
    for dialect, d in summary["dialects"].items():
        lines.append(f"| {dialect} | {d['tried'] - d['failed']} | {d['failed']} |")
    if summary["categories"]:
        lines += ["", "| failures | category | smallest seed |", "|---:|---|---|"]
        for key, entry in summary["categories"].items():
            lines.append(f"| {entry['count']} | `{key}` | {entry['example']['seed']} |")
    return "\n".join(lines + ["", END]) + "\n"


def write_section(section: str, path: Path | None = None) -> Path:
    """Replace (or append) the fuzz section of RESULTS.md."""
    from benchmarks.report import RESULTS_MD
    path = path or RESULTS_MD
    text = path.read_text() if path.exists() else ""
    if BEGIN in text and END in text:
        head, _, rest = text.partition(BEGIN)
        text = head + section + rest.partition(END)[2].lstrip("\n")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text)
    return path


def section_of(path: Path) -> str | None:
    """The fuzz section of RESULTS.md, so a regenerated report can keep it."""
    from benchmarks.sections import marked_section
    return marked_section(path, BEGIN, END)


def _minimise(summary: dict, outcomes: list, env: object, options: object, log: Callable[[str], None]) -> None:
    from dbsynth.fuzz.generate import generate
    from dbsynth.fuzz.build import ddl
    from dbsynth.fuzz.minimise import without
    from dbsynth.fuzz.runner import shrink
    for key, entry in summary["categories"].items():
        seed = entry["example"]["seed"]
        o = next(x for x in outcomes if not x.ok and x.seed == seed and key.startswith(f"{x.dialect} {x.category}"))
        drop = shrink(o, env, options)
        small = without(generate(seed, options), drop)
        entry["minimised"] = {"seed": seed, "drop": drop, "tables": len(small.tables), "ddl": ddl(small, o.dialect),
                              "repro": f"python -m benchmarks fuzz --seed {seed} --schemas 1 --dialects {o.dialect}"
                                       + (f" --drop '{','.join(drop)}'" if drop else "")}
        log(f"minimised {key}: {len(small.tables)} table(s): {entry['minimised']['repro']}")


def _argv(args: argparse.Namespace) -> list[str]:
    out = [f"--schemas {args.schemas}", f"--seed {args.seed}", f"--dialects {args.dialects}",
           f"--profile {args.profile}", f"--max-tables {args.max_tables}", f"--max-rows {args.max_rows}"]
    return out


def _print_summary(summary: dict, schemas: int, wall: float, log: Callable[[str], None]) -> None:
    log("")
    log(f"schemas tried: {schemas}; wall time {wall:.0f}s")
    for dialect, d in summary["dialects"].items():
        log(f"  {dialect}: {d['tried'] - d['failed']} passed, {d['failed']} failed")
    if summary["categories"]:
        log("failures by category (count, smallest seed):")
    for key, entry in summary["categories"].items():
        ex = entry["example"]
        log(f"  {entry['count']:4d}  {key}  (seed {ex['seed']}: {ex['tables']} tables; {ex['reason'][:140]})")
