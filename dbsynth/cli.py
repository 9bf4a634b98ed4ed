"""The `dbsynth` command line (typer + rich).

Every command turns a DbsynthError into one line `error: …` and a non-zero
exit; an unexpected exception does the same (masked) unless --debug asks
for the traceback.
"""
from __future__ import annotations

import logging
import sys
from enum import Enum
from typing import Callable, Optional, TypeVar

import typer
from rich.console import Console

from connectors.base import mask_url
from dbsynth.errors import DbsynthError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Seed staging databases with synthetic data learned from a production schema.")
console = Console()
err_console = Console(stderr=True)
_state = {"debug": False}
T = TypeVar("T")


class InspectFormat(str, Enum):
    text = "text"
    json = "json"
    mermaid = "mermaid"
    dot = "dot"


@app.callback()
def _root(debug: bool = typer.Option(False, "--debug", help="Show tracebacks on errors."),
          verbose: bool = typer.Option(False, "--verbose", "-v", help="Log progress details.")) -> None:
    _state["debug"] = debug
    from dbsynth import interrupts
    interrupts.install()  # a Ctrl-C is remembered even where Python swallows its exception
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING, format="%(levelname)s %(message)s")


def run_guarded(fn: Callable[[], T]) -> T:
    """Run a command body; map failures to a one-line masked error."""
    from dbsynth import interrupts
    try:
        result = fn()
    except KeyboardInterrupt:  # Ctrl-C outside a load: nothing had been written
        _error_line("interrupted (Ctrl-C); no database was changed")
        raise typer.Exit(code=130)
    except DbsynthError as exc:
        if _state["debug"]:
            raise
        _error_line(str(exc))
        raise typer.Exit(code=_exit_code(exc))
    except (typer.Exit, typer.Abort):
        raise
    except MemoryError:
        _error_line("out of memory (re-run with a smaller --scale, or set batch_rows lower in the config)")
        raise typer.Exit(code=1)
    except Exception as exc:  # a bug or an untranslated driver error: still one line
        if _state["debug"]:
            raise
        msg = mask_url(f"{type(exc).__name__}: {exc}").splitlines()[0]
        err_console.print(f"error: unexpected failure: {msg} (re-run with --debug for the traceback)",
                          markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(code=1)
    if interrupts.hit():  # a Ctrl-C swallowed somewhere, or one held while a load committed
        _error_line("interrupted (Ctrl-C) as the command finished; what it wrote is complete")
        raise typer.Exit(code=130)
    return result


def _error_line(text: str) -> None:
    line = " ".join(mask_url(text).split())  # one line, whatever the message held
    err_console.print(f"error: {line}", markup=False, highlight=False, soft_wrap=True)


def _exit_code(exc: DbsynthError) -> int:
    from dbsynth.errors import ConfigError, Interrupted
    if isinstance(exc, Interrupted):
        return 130  # 128 + SIGINT, as shells expect
    return 2 if isinstance(exc, ConfigError) else 1


@app.command()
def inspect(
    url: str = typer.Argument(..., help="Database URL, e.g. sqlite:///app.db or postgresql://user@host/db"),
    schema: Optional[str] = typer.Option(None, "--schema", help="PostgreSQL schema (default: public)."),
    fmt: InspectFormat = typer.Option(InspectFormat.text, "--format", "-f", help="Output format."),
    profile: bool = typer.Option(False, "--profile", help="Also show each column's semantic type."),
    config: Optional[str] = typer.Option(None, "--config", "-c", help="TOML config (column overrides)."),
) -> None:
    """Reflect a database: tables, row counts, keys, FKs, cycles and the load plan."""
    from dbsynth import commands
    run_guarded(lambda: commands.inspect(url=url, schema=schema, fmt=fmt.value, profile=profile,
                                         config_path=config, console=console))


class SampleFormat(str, Enum):
    parquet = "parquet"
    csv = "csv"


class LoadMode(str, Enum):
    fail = "fail"
    append = "append"
    replace = "replace"


_CONFIG = typer.Option(None, "--config", "-c", help="TOML config file (per-table overrides).")
_SEED = typer.Option(None, "--seed", help="Random seed: same seed, same output (default 0).")
_SCALE = typer.Option(None, "--scale", help="Multiply root-table row counts (default 1.0).")
_MODE = typer.Option(LoadMode.fail, "--mode", help="fail if the target has rows | append | replace.")
_TRIGGERS = typer.Option(False, "--keep-triggers", help="Let target triggers fire during the load.")
_ALEMBIC = typer.Option(None, "--alembic-config", help="Run `alembic upgrade head` with this alembic.ini first.")
_STRICT = typer.Option(False, "--strict", help="Fail (rolled back) when a source trigger cannot be re-created.")
_DEVICE = typer.Option(None, "--device", help="Neural engine: auto (CUDA when present) | cpu | cuda.")
_MAX_TRAIN = typer.Option(None, "--max-training-time", help="Neural engine: training time budget in seconds.")
_ALLOW_DROPS = typer.Option(False, "--allow-drops", help="Accept tables that lost more than 1% of their rows "
                            "to constraint checks (or ended short of their planned count); named either way.")


@app.command()
def fit(source: str = typer.Argument(..., help="Source database URL (read only)."),
        out: str = typer.Option(..., "--out", "-o", help="Model directory to write."),
        engine: Optional[str] = typer.Option(None, "--engine", help="Engine name (default copula)."),
        seed: Optional[int] = _SEED, config: Optional[str] = _CONFIG,
        schema: Optional[str] = typer.Option(None, "--schema", help="PostgreSQL schema."),
        device: Optional[str] = _DEVICE, max_training_time: Optional[float] = _MAX_TRAIN) -> None:
    """Learn a model of the source database."""
    from dbsynth import commands
    run_guarded(lambda: commands.fit(source=source, out=out, config_path=config, schema=schema,
                                     console=console, engine=engine, seed=seed,
                                     device=device, max_training_time=max_training_time))


@app.command()
def sample(model_dir: str = typer.Argument(..., help="Model directory written by `dbsynth fit`."),
           out: str = typer.Option(..., "--out", "-o", help="Folder for the synthetic rows."),
           fmt: SampleFormat = typer.Option(SampleFormat.parquet, "--format", help="parquet or csv."),
           scale: Optional[float] = _SCALE, seed: Optional[int] = _SEED,
           config: Optional[str] = _CONFIG, allow_drops: bool = _ALLOW_DROPS) -> None:
    """Sample and validate synthetic rows into a folder."""
    from dbsynth import commands
    run_guarded(lambda: commands.sample(model_dir=model_dir, out=out, fmt=fmt.value, config_path=config,
                                        console=console, scale=scale, seed=seed, allow_drops=allow_drops))


@app.command()
def load(folder: str = typer.Argument(..., help="Folder written by `dbsynth sample`."),
         target: str = typer.Argument(..., help="Target database URL."),
         mode: LoadMode = _MODE, keep_triggers: bool = _TRIGGERS,
         alembic_config: Optional[str] = _ALEMBIC, strict: bool = _STRICT) -> None:
    """Load a sample folder into a database in one transaction."""
    from dbsynth import commands
    run_guarded(lambda: commands.load(folder=folder, target=target, mode=mode.value, keep_triggers=keep_triggers,
                                      alembic_config=alembic_config, console=console, strict=strict))


@app.command()
def seed(source: str = typer.Argument(..., help="Source database URL (read only)."),
         target: str = typer.Argument(..., help="Target (staging) database URL."),
         scale: Optional[float] = _SCALE, seed: Optional[int] = _SEED, mode: LoadMode = _MODE,
         engine: Optional[str] = typer.Option(None, "--engine", help="Engine name (default copula)."),
         config: Optional[str] = _CONFIG, keep_triggers: bool = _TRIGGERS,
         alembic_config: Optional[str] = _ALEMBIC,
         schema: Optional[str] = typer.Option(None, "--schema", help="PostgreSQL schema of the source."),
         model_dir: Optional[str] = typer.Option(None, "--save-model", help="Also save the fitted model here."),
         device: Optional[str] = _DEVICE, max_training_time: Optional[float] = _MAX_TRAIN,
         report: Optional[str] = typer.Option(None, "--report", help="After the load, write PREFIX.json and "
                                              "PREFIX.html (see `dbsynth report`)."),
         strict: bool = _STRICT, allow_drops: bool = _ALLOW_DROPS) -> None:
    """Fit, sample, validate and load in one go."""
    from dbsynth import commands
    run_guarded(lambda: commands.seed(source=source, target=target, mode=mode.value, keep_triggers=keep_triggers,
                                      alembic_config=alembic_config, config_path=config, schema=schema,
                                      model_dir=model_dir, console=console, scale=scale, seed=seed, engine=engine,
                                      device=device, max_training_time=max_training_time, report_prefix=report,
                                      strict=strict, allow_drops=allow_drops))


@app.command("report")
def report_cmd(real: str = typer.Argument(..., help="Real database URL or `dbsynth sample` folder (read only)."),
               synthetic: str = typer.Argument(..., help="Synthetic database URL or sample folder."),
               json_out: Optional[str] = typer.Option(None, "--json", help="Write the JSON report here."),
               html_out: Optional[str] = typer.Option(None, "--html", help="Write the self-contained HTML page here."),
               min_quality: Optional[float] = typer.Option(None, "--min-quality", min=0.0, max=1.0,
                                                           help="Exit 1 when the overall quality is below this."),
               target: Optional[str] = typer.Option(None, "--target", help="TABLE.COLUMN for TSTR vs TRTR.")) -> None:
    """Quality, privacy and validity of a synthetic database; exit 1 on a violation or low quality."""
    from dbsynth import commands
    code = run_guarded(lambda: commands.report(real=real, synthetic=synthetic, json_path=json_out, html_path=html_out,
                                               min_quality=min_quality, target=target, console=console))
    if code:
        raise typer.Exit(code=code)


@app.command()
def demo(out: Optional[str] = typer.Option(None, "--out", help="SQLite file to write "
                                           "(default demo-output/chinook-synthetic.sqlite).")) -> None:
    """Seed a synthetic copy of the bundled Chinook database into a new SQLite file."""
    from dbsynth import commands
    run_guarded(lambda: commands.demo(out=out, console=console))


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:  # before a command body ran
        err_console.print("error: interrupted (Ctrl-C); no database was changed", markup=False, highlight=False)
        sys.exit(130)
    except BrokenPipeError:  # `dbsynth inspect … | head`
        sys.exit(0)


if __name__ == "__main__":
    main()
