"""`python -m benchmarks judge`: fidelity, formats and privacy under the shared judge.

For each shared dataset and seed: `dbsynth seed` SQLite → SQLite into a temp
dir, then `../shared/judge/judge.py quality|formats|privacy REAL SYN` (each
prints one JSON line). Writes benchmarks/results/judge-<timestamp>.json and,
with --markdown, the judge section of benchmarks/RESULTS.md (near the top,
between `<!-- judge:begin -->` / `<!-- judge:end -->`; `run` keeps it).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import mean
from typing import Callable

from benchmarks.datasets import DATASETS, ROOT, SHARED
from benchmarks.report import RESULTS_DIR, RESULTS_MD

JUDGE = ROOT.parent / "shared" / "judge" / "judge.py"
BEGIN, END = "<!-- judge:begin -->", "<!-- judge:end -->"
PROPERTIES = ("column_shapes", "column_pair_trends", "cardinality", "intertable_trends")
# (figure, bound, "min" = at least / "max" = at most): the issue 11 bar
TARGETS = {"quality": (0.90, "min"), "format_mean": (0.90, "min"), "format_min": (0.70, "min"),
           "vocab_min": (0.99, "min"), "privacy_gap": (2.0, "max")}


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("judge", help="seed SQLite → SQLite and score with ../shared/judge/judge.py")
    p.add_argument("--seeds", default="0,1,2", help="comma list of seeds (default 0,1,2)")
    p.add_argument("--datasets", default=",".join(SHARED), help="comma list of chinook,northwind,sakila")
    p.add_argument("--engine", default="copula", help="dbsynth engine (default copula)")
    p.add_argument("--markdown", action="store_true", help="also write the judge section of benchmarks/RESULTS.md")
    p.add_argument("--out", type=Path, default=None, help="results JSON (default benchmarks/results/judge-<ts>.json)")
    p.add_argument("--timeout", type=int, default=900, help="seconds one seed or judge command may run")


def _csv(text: str) -> list[str]:
    return [x.strip() for x in text.split(",") if x.strip()]


def _argv(args: argparse.Namespace) -> str:
    out = f"--seeds {args.seeds} --datasets {args.datasets} --engine {args.engine}"
    return out + (" --markdown" if args.markdown else "")


def _sh(cmd: list[str], timeout: int) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, cwd=ROOT)
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise RuntimeError(f"`{' '.join(cmd[1:4])} …` exited {done.returncode}: {tail}")
    return done.stdout


def _judge(command: str, real: Path, syn: Path, timeout: int) -> dict:
    lines = [x for x in _sh([sys.executable, str(JUDGE), command, str(real), str(syn)], timeout).splitlines()
             if x.strip().startswith("{")]
    return json.loads(lines[-1])


def measure_one(name: str, seed: int, engine: str, timeout: int) -> dict:
    """Seed one dataset once and score it with the three judge commands."""
    real = DATASETS / name / f"{name}.sqlite"
    with tempfile.TemporaryDirectory(prefix=f"judge-{name}-") as tmp:
        syn = Path(tmp) / "out.sqlite"
        cmd = [sys.executable, "-m", "dbsynth.cli", "seed", f"sqlite:///{real}", f"sqlite:///{syn}",
               "--seed", str(seed), "--engine", engine]
        t0 = time.perf_counter()
        _sh(cmd, timeout)
        wall = time.perf_counter() - t0
        quality, formats, privacy = (_judge(c, real, syn, timeout) for c in ("quality", "formats", "privacy"))
    return figures(quality, formats, privacy) | {"dataset": name, "seed": seed, "seed_seconds": round(wall, 2)}


def figures(quality: dict, formats: dict, privacy: dict) -> dict:
    """The reported figures of one run from the judge's three JSON lines."""
    cols = formats.get("columns", {})
    fmt_min = min(((v["format"], k) for k, v in cols.items() if "format" in v), default=(None, None))
    voc_min = min(((v["vocab"], k) for k, v in cols.items() if "vocab" in v), default=(None, None))
    gaps = [((t["synth"] - t["baseline"]) * 100, name) for name, t in privacy.items()
            if isinstance(t, dict) and "synth" in t]
    gap = max(gaps, default=(None, None))
    return {"quality": quality.get("overall"), **{k: quality.get(k) for k in PROPERTIES},
            "empty_tables": quality.get("empty_tables", []),
            "format_mean": formats.get("format_mean"), "format_min": formats.get("format_min"),
            "format_min_column": fmt_min[1], "vocab_mean": formats.get("vocab_mean"),
            "vocab_min": formats.get("vocab_min"), "vocab_min_column": voc_min[1],
            "privacy_gap": None if gap[0] is None else round(gap[0], 2), "privacy_gap_table": gap[1]}


def summarise(runs: list[dict]) -> dict:
    """Per dataset: mean, min and max of every figure over the seeds (errors counted apart)."""
    out: dict[str, dict] = {}
    for name in dict.fromkeys(r["dataset"] for r in runs):
        mine = [r for r in runs if r["dataset"] == name]
        ok = [r for r in mine if not r.get("error")]
        entry: dict = {"seeds": [r["seed"] for r in ok], "errors": [r["error"] for r in mine if r.get("error")]}
        for key in ("quality", *PROPERTIES, "format_mean", "format_min", "vocab_mean", "vocab_min",
                    "privacy_gap", "seed_seconds"):
            vals = [r[key] for r in ok if r.get(key) is not None]
            entry[key] = {"mean": mean(vals), "min": min(vals), "max": max(vals)} if vals else None
        worst = {"format_min": min, "vocab_min": min, "privacy_gap": max}
        for key, pick in worst.items():  # the column/table behind the worst seed's figure
            scored = [r for r in ok if r.get(key) is not None]
            entry[f"{key}_where"] = pick(scored, key=lambda r: r[key]).get(f"{key}_column" if key != "privacy_gap"
                                                                           else "privacy_gap_table") if scored else None
        if entry["privacy_gap"] is not None and entry["privacy_gap"]["max"] <= 0:
            entry["privacy_gap_where"] = None  # no table above chance: none to name
        for key in ("format_min", "vocab_min"):
            if entry[key] is not None and entry[key]["min"] >= 1:
                entry[f"{key}_where"] = None  # every column perfect: none to name
        out[name] = entry
    return out


def passes(key: str, stat: dict | None) -> bool | None:
    """Every seed meets the target (judged on the worst seed)."""
    if stat is None or key not in TARGETS:
        return None
    bound, kind = TARGETS[key]
    return stat["min"] >= bound if kind == "min" else stat["max"] <= bound


def _cell(key: str, stat: dict | None, digits: int = 3) -> str:
    if stat is None:
        return "n/a"
    f = f"{{:.{digits}f}}"
    text = f.format(stat["mean"]) if stat["min"] == stat["max"] else \
        f"{f.format(stat['mean'])} ({f.format(stat['min'])}–{f.format(stat['max'])})"
    ok = passes(key, stat)
    return text if ok is None else f"{text} {'✅' if ok else '❌'}"


def markdown(summary: dict, *, command: str, started: str, commit: str, json_path: Path, wall: float,
             skipped: tuple[str, ...] = ()) -> str:
    lines = [BEGIN, "## Fidelity, formats and privacy (shared judge)", "",
             f"`{command}` on {started} (commit `{commit}`, wall time {wall / 60:.1f} min; results "
             f"`{json_path.name}`). Every dataset seeded SQLite → SQLite with `dbsynth seed --seed S`, then scored "
             "by `../shared/judge/judge.py quality|formats|privacy` — the one yardstick for these figures. "
             "Cells: mean over seeds (min–max); ✅/❌ = every seed meets the target.", "",
             "Targets (issue 11): quality ≥ 0.90, format_mean ≥ 0.90, format_min ≥ 0.70, vocab_min ≥ 0.99, "
             "privacy ≤ 2 points (max over tables of (synth − baseline) × 100).", "",
             "| dataset | seeds | quality | column shapes | pair trends | cardinality | intertable trends | "
             "format_mean | format_min (worst column) | vocab_mean | vocab_min (worst column) | "
             "privacy gap, points (worst table) | seed s |",
             "|---|---|" + "---:|" * 11]
    for name, e in summary.items():
        seeds = ",".join(map(str, e["seeds"])) or "—"
        where = {k: f" `{e[f'{k}_where']}`" if e.get(f"{k}_where") else "" for k in ("format_min", "vocab_min",
                                                                                    "privacy_gap")}
        lines.append(f"| {name} | {seeds} | {_cell('quality', e['quality'])} | "
                     + " | ".join(_cell(k, e[k]) for k in PROPERTIES)
                     + f" | {_cell('format_mean', e['format_mean'])} | {_cell('format_min', e['format_min'])}"
                       f"{where['format_min']} | {_cell('vocab_mean', e['vocab_mean'])} | "
                       f"{_cell('vocab_min', e['vocab_min'])}{where['vocab_min']} | "
                       f"{_cell('privacy_gap', e['privacy_gap'], 2)}{where['privacy_gap']} | "
                       f"{_cell('seed_seconds', e['seed_seconds'], 1)} |")
        lines += [f"| {name} | error | {err} |" + " |" * 11 for err in e["errors"]]
    if skipped:
        lines += ["", f"Skipped (dataset not found): {', '.join(skipped)}."]
    return "\n".join(lines + ["", END]) + "\n"


def replace_section(text: str, section: str) -> str:
    """Put the judge section in place of the old one, else just before the first `## ` heading."""
    if BEGIN in text and END in text:
        head, _, rest = text.partition(BEGIN)
        tail = rest.partition(END)[2].lstrip("\n")
        return head + section + ("\n" + tail if tail else "")
    at = text.find("\n## ")
    if at < 0:
        return text.rstrip("\n") + ("\n\n" if text.strip() else "") + section
    return text[:at + 1] + section + "\n" + text[at + 1:]


def write_section(section: str, path: Path | None = None) -> Path:
    path = path or RESULTS_MD
    path.write_text(replace_section(path.read_text() if path.exists() else "", section))
    return path


def section_of(path: Path) -> str | None:
    """The judge section of RESULTS.md, so a regenerated report can keep it."""
    from benchmarks.sections import marked_section
    return marked_section(path, BEGIN, END)


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              cwd=ROOT, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def run(args: argparse.Namespace, log: Callable[[str], None] = print) -> int:
    names = _csv(args.datasets)
    unknown = set(names) - set(SHARED)
    if unknown:
        raise SystemExit(f"error: unknown dataset(s) {sorted(unknown)}; known: {', '.join(SHARED)}")
    if not JUDGE.is_file():
        raise SystemExit(f"error: the shared judge is not at {JUDGE}; it lives in ../shared/judge/judge.py")
    seeds = [int(s) for s in _csv(args.seeds)]
    started = dt.datetime.now(dt.timezone.utc)
    command = f"python -m benchmarks judge {_argv(args)}"
    t0, runs, skipped = time.perf_counter(), [], []
    for name in names:
        if not (DATASETS / name / f"{name}.sqlite").is_file():
            log(f"skip {name}: {DATASETS / name / (name + '.sqlite')} not found (set DBSYNTH_DATASETS)")
            skipped.append(name)
            continue
        for seed in seeds:
            try:
                r = measure_one(name, seed, args.engine, args.timeout)
            except (RuntimeError, subprocess.TimeoutExpired, ValueError) as exc:
                r = {"dataset": name, "seed": seed, "error": str(exc)[:300]}
                log(f"{name} seed {seed}: error: {r['error']}")
            else:
                log(f"{name} seed {seed}: quality {r['quality']}, format_mean {r['format_mean']}, format_min "
                    f"{r['format_min']} ({r['format_min_column']}), vocab_min {r['vocab_min']}, privacy gap "
                    f"{r['privacy_gap']} ({r['privacy_gap_table']}), seed {r['seed_seconds']}s")
            runs.append(r)
    wall = time.perf_counter() - t0
    summary = summarise(runs)
    path = args.out or RESULTS_DIR / f"judge-{started.strftime('%Y%m%dT%H%M%S')}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    commit = _commit()
    path.write_text(json.dumps({"command": command, "started": started.isoformat(timespec="seconds"),
                                "commit": commit, "engine": args.engine, "wall_seconds": round(wall, 1), "skipped": skipped,
                                "targets": TARGETS, "summary": summary, "runs": runs}, indent=1))
    log(f"results: {path}")
    if args.markdown:
        section = markdown(summary, command=command, started=started.strftime("%Y-%m-%d %H:%M UTC"),
                           commit=commit, json_path=path, wall=wall, skipped=tuple(skipped))
        log(f"report: {write_section(section)}")
    return 1 if any(r.get("error") for r in runs) else 0
