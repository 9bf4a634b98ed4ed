"""The `dbsynth` command line (typer + rich).

Every command turns a DbsynthError into one line `error: …` and a non-zero
exit; an unexpected exception does the same (masked) unless --debug asks
for the traceback.
"""
from __future__ import annotations

import logging
import sys
from enum import Enum
from typing import Any, Callable, Optional, TypeVar

import typer
from rich.console import Console
from typer.core import TyperArgument, TyperCommand, TyperGroup

try:  # recent typer releases carry their own copy of click
    from typer._click import exceptions as click_exc
except ImportError:  # pragma: no cover - older typer on top of click
    from click import exceptions as click_exc

from connectors.base import mask_url
from dbsynth.errors import DbsynthError

_NO_ARGS = getattr(click_exc, "NoArgsIsHelpError", ())


class _Command(TyperCommand):
    """Help as git and pg_dump write it: `dbsynth seed [OPTIONS] SOURCE TARGET`, no `<str>` types."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            if isinstance(param, TyperArgument):
                param.display_type_rich = lambda **_: ""  # type: ignore[method-assign]

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        return [piece.strip("{}") for piece in super().collect_usage_pieces(ctx)]


class _Group(TyperGroup):
    """The root command: usage errors print one `error: …` line like every other failure."""

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except _NO_ARGS as exc:  # bare `dbsynth`: the help, as git does
            err_console.print(exc.ctx.get_help() if exc.ctx else str(exc), markup=False, highlight=False)
            sys.exit(exc.exit_code)
        except click_exc.UsageError as exc:
            sys.exit(_usage_error(exc))
        except click_exc.ClickException as exc:
            _error_line(_lower_first(exc.format_message()))
            sys.exit(exc.exit_code)
        except typer.Abort:
            _error_line("aborted")
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


app = typer.Typer(cls=_Group, add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  pretty_exceptions_enable=False,
                  help="Seed staging databases with synthetic data learned from a production schema.",
                  epilog="See `dbsynth COMMAND --help` for a command's options.")
console = Console()
err_console = Console(stderr=True)
_state = {"debug": False}
T = TypeVar("T")


class InspectFormat(str, Enum):
    text = "text"
    json = "json"
    mermaid = "mermaid"
    dot = "dot"


def _show_version(value: bool) -> None:
    if value:
        from dbsynth import __version__
        typer.echo(f"dbsynth {__version__}")
        raise typer.Exit()


@app.callback()
def _root(debug: bool = typer.Option(False, "--debug", help="Show tracebacks on errors."),
          verbose: bool = typer.Option(False, "--verbose", "-v", help="Show dbsynth's debug messages."),
          version: bool = typer.Option(False, "--version", callback=_show_version, is_eager=True,
                                       help="Show the version and exit.")) -> None:
    _state["debug"] = debug
    from dbsynth import interrupts
    interrupts.install()  # a Ctrl-C is remembered even where Python swallows its exception
    _setup_logging(verbose)


OWN_LOGGERS = ("dbsynth", "connectors")  # -v shows these; libraries (alembic, Faker…) stay at warnings


def _setup_logging(verbose: bool) -> None:
    """dbsynth's own loggers print `debug: …` with -v; library loggers keep Python's default (warnings only)."""
    for name in OWN_LOGGERS:
        logger = logging.getLogger(name)
        for old in [h for h in logger.handlers if getattr(h, "dbsynth_cli", False)]:
            logger.removeHandler(old)  # a second in-process run (tests) replaces the first one's handler
        handler = logging.StreamHandler()  # stderr
        handler.dbsynth_cli = True  # type: ignore[attr-defined]
        handler.setFormatter(_LowerLevelFormatter())
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG if verbose else logging.WARNING)


class _LowerLevelFormatter(logging.Formatter):
    """`debug: …`, `warning: …`: the same lower-case prefixes as `error: …`."""

    def format(self, record: logging.LogRecord) -> str:
        return f"{record.levelname.lower()}: {record.getMessage()}"


def _lower_first(text: str) -> str:
    """Click's "Missing argument 'X'." as "missing argument 'X'" (git's style)."""
    text = text.strip().rstrip(".")
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _usage_error(exc: "click_exc.UsageError") -> int:
    """One line: what was wrong, and where the help is."""
    where = exc.ctx.command_path if exc.ctx else "dbsynth"
    message = exc.format_message().replace("Value error, ", "")  # typer's validator says it twice
    _error_line(f"{_lower_first(message)} (see `{where} --help`)")
    return exc.exit_code


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


@app.command(cls=_Command, short_help="Show a database's tables, keys, FKs and load plan.")
def inspect(
    url: str = typer.Argument(..., metavar="URL", help="Database URL, e.g. sqlite:///app.db or postgresql://user@host/db"),
    schema: Optional[str] = typer.Option(None, "--schema", metavar="NAME", help="PostgreSQL schema (default: public)."),
    fmt: InspectFormat = typer.Option(InspectFormat.text, "--format", "-f", metavar="[text|json|mermaid|dot]",
                                   help="Output format (default text).", show_default=False),
    profile: bool = typer.Option(False, "--profile", help="Also show each column's semantic type."),
    config: Optional[str] = typer.Option(None, "--config", "-c", metavar="FILE", help="TOML config (column overrides)."),
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


_CONFIG = typer.Option(None, "--config", "-c", metavar="FILE", help="TOML config file (per-table overrides).")
_SEED = typer.Option(None, "--seed", metavar="N", help="Random seed: same seed, same output (default 0).")
_SCALE = typer.Option(None, "--scale", metavar="X", help="Multiply root-table row counts (default 1.0).")
_MODE = typer.Option(LoadMode.fail, "--mode", metavar="[fail|append|replace]", show_default=False,
                     help="fail (default): refuse a target holding rows; append: add to them; replace: empty it first.")
_TRIGGERS = typer.Option(False, "--keep-triggers", help="Let target triggers fire during the load.")
_ALEMBIC = typer.Option(None, "--alembic-config", metavar="FILE", help="Run `alembic upgrade head` with this alembic.ini first.")
_STRICT = typer.Option(False, "--strict", help="Fail (rolled back) when a source trigger cannot be re-created.")
_DEVICE = typer.Option(None, "--device", metavar="[auto|cpu|cuda]",
                       help="Neural engine: where to train (default auto: CUDA when present).")
_MAX_TRAIN = typer.Option(None, "--max-training-time", metavar="S", help="Neural engine: training time budget in seconds.")
ENGINES = ("copula", "neural")  # the built-in ones; checked (with a "did you mean") by the registry
_ENGINE = typer.Option(None, "--engine", metavar="[" + "|".join(ENGINES) + "]",
                       help="Model engine (default copula; neural needs torch).")
_WORKERS = typer.Option(None, "--workers", metavar="N", min=1,
                        help="Processes sampling and validating batches (default: the machine's cores; 1 runs them "
                             "in this process). A PostgreSQL target of a run of several batches is loaded through "
                             "N parallel COPY connections into a shadow schema, still all-or-nothing.")
_EXECUTOR = typer.Option(None, "--executor", metavar="[local|ray]",
                         help="Where batches run: local processes (default) or Ray tasks (pip install 'dbsynth[ray]').")
_RAY_ADDRESS = typer.Option(None, "--ray-address", metavar="ADDR", help="Ray cluster for --executor ray "
                            "(default: start a local Ray).")
_EDGE_CASES = typer.Option(None, "--edge-cases", metavar="SHARE",
                           help="Make this share of rows (e.g. 0.05) cover every source category, NULLs, "
                                "longest texts, min/max values and parents with no or the most children.")
_ALLOW_DROPS = typer.Option(False, "--allow-drops", help="Accept tables that lost more than 1% of their rows "
                            "to constraint checks (or ended short of their planned count); named either way.")


@app.command(cls=_Command)
def fit(source: str = typer.Argument(..., metavar="SOURCE", help="Source database URL (read only)."),
        out: str = typer.Option(..., "--out", "-o", metavar="DIR", help="Model directory to write."),
        engine: Optional[str] = _ENGINE, seed: Optional[int] = _SEED, config: Optional[str] = _CONFIG,
        schema: Optional[str] = typer.Option(None, "--schema", metavar="NAME", help="PostgreSQL schema."),
        device: Optional[str] = _DEVICE, max_training_time: Optional[float] = _MAX_TRAIN) -> None:
    """Learn a model of the source database."""
    from dbsynth import commands
    run_guarded(lambda: commands.fit(source=source, out=out, config_path=config, schema=schema,
                                     console=console, engine=engine, seed=seed,
                                     device=device, max_training_time=max_training_time))


@app.command(cls=_Command)
def sample(model_dir: str = typer.Argument(..., metavar="MODEL_DIR", help="Model directory written by `dbsynth fit`."),
           out: str = typer.Option(..., "--out", "-o", metavar="DIR", help="Folder for the synthetic rows."),
           fmt: SampleFormat = typer.Option(SampleFormat.parquet, "--format", metavar="[parquet|csv]",
                                             show_default=False, help="File format (default parquet)."),
           scale: Optional[float] = _SCALE, seed: Optional[int] = _SEED,
           config: Optional[str] = _CONFIG, allow_drops: bool = _ALLOW_DROPS,
           workers: Optional[int] = _WORKERS, executor: Optional[str] = _EXECUTOR,
           ray_address: Optional[str] = _RAY_ADDRESS,
           edge_cases: Optional[float] = _EDGE_CASES) -> None:
    """Sample and validate synthetic rows into a folder."""
    from dbsynth import commands
    run_guarded(lambda: commands.sample(model_dir=model_dir, out=out, fmt=fmt.value, config_path=config,
                                        console=console, scale=scale, seed=seed, allow_drops=allow_drops,
                                        workers=workers, executor=executor, ray_address=ray_address,
                                        edge_cases=edge_cases))


@app.command(cls=_Command)
def load(folder: str = typer.Argument(..., metavar="FOLDER", help="Folder written by `dbsynth sample`."),
         target: str = typer.Argument(..., metavar="TARGET", help="Target database URL."),
         mode: LoadMode = _MODE, keep_triggers: bool = _TRIGGERS,
         alembic_config: Optional[str] = _ALEMBIC, strict: bool = _STRICT,
         workers: Optional[int] = _WORKERS) -> None:
    """Load a sample folder into a database in one transaction."""
    from dbsynth import commands
    run_guarded(lambda: commands.load(folder=folder, target=target, mode=mode.value, keep_triggers=keep_triggers,
                                      alembic_config=alembic_config, console=console, strict=strict,
                                      workers=workers))


@app.command(cls=_Command)
def seed(source: str = typer.Argument(..., metavar="SOURCE", help="Source database URL (read only)."),
         target: str = typer.Argument(..., metavar="TARGET", help="Target (staging) database URL."),
         scale: Optional[float] = _SCALE, seed: Optional[int] = _SEED, mode: LoadMode = _MODE,
         engine: Optional[str] = _ENGINE,
         config: Optional[str] = _CONFIG, keep_triggers: bool = _TRIGGERS,
         alembic_config: Optional[str] = _ALEMBIC,
         schema: Optional[str] = typer.Option(None, "--schema", metavar="NAME", help="PostgreSQL schema of the source."),
         model_dir: Optional[str] = typer.Option(None, "--save-model", metavar="DIR", help="Also save the fitted model here."),
         device: Optional[str] = _DEVICE, max_training_time: Optional[float] = _MAX_TRAIN,
         report: Optional[str] = typer.Option(None, "--report", metavar="PREFIX", help="After the load, write PREFIX.json and "
                                              "PREFIX.html (see `dbsynth report`)."),
         strict: bool = _STRICT, allow_drops: bool = _ALLOW_DROPS,
         workers: Optional[int] = _WORKERS, executor: Optional[str] = _EXECUTOR,
         ray_address: Optional[str] = _RAY_ADDRESS,
         edge_cases: Optional[float] = _EDGE_CASES,
         only: Optional[list[str]] = typer.Option(None, "--only", metavar="TABLE[,TABLE…]",
                                                  help="With --mode append: draw only these tables, attached to the "
                                                       "rows already in the target (their parents are read from it)."),
         rows: Optional[list[str]] = typer.Option(None, "--rows", metavar="TABLE=N",
                                                  help="Rows of TABLE (repeatable); a child's count spreads over its "
                                                       "parents by the learned children-per-parent shape.")) -> None:
    """Fit, sample, validate and load in one go."""
    from dbsynth import commands
    run_guarded(lambda: commands.seed(source=source, target=target, mode=mode.value, keep_triggers=keep_triggers,
                                      alembic_config=alembic_config, config_path=config, schema=schema,
                                      model_dir=model_dir, console=console, scale=scale, seed=seed, engine=engine,
                                      device=device, max_training_time=max_training_time, report_prefix=report,
                                      strict=strict, allow_drops=allow_drops, workers=workers, executor=executor,
                                      ray_address=ray_address, edge_cases=edge_cases, only=only, rows=rows))


@app.command(cls=_Command, short_help="Copy a referentially complete, masked slice of real rows.")
def subset(source: str = typer.Argument(..., metavar="SOURCE", help="Source database URL (read only)."),
           target: str = typer.Argument(..., metavar="TARGET", help="Target (staging) database URL."),
           where: Optional[list[str]] = typer.Option(None, "--where", metavar="\"TABLE: CONDITION\"",
                                                     help="Start rows: TABLE's rows matching the SQL condition "
                                                          "(run read-only on the source; repeatable)."),
           percent: Optional[float] = typer.Option(None, "--percent", metavar="P",
                                                   help="Start rows: a seeded random P% of each root table."),
           seed: Optional[int] = _SEED,
           mask: bool = typer.Option(True, "--mask/--no-mask", show_default=False,
                                     help="Replace PII and free text (default on)."),
           mask_key: Optional[str] = typer.Option(None, "--mask-key", metavar="KEY", envvar="DBSYNTH_MASK_KEY",
                                                  help="Masking key: same key, same masked values (default: "
                                                       "a random key, printed once)."),
           remap_keys: bool = typer.Option(False, "--remap-keys", help="Renumber integer keys (same numbering in "
                                           "every FK; fixed by the mask key, or the seed with --no-mask)."),
           mode: LoadMode = _MODE, config: Optional[str] = _CONFIG, keep_triggers: bool = _TRIGGERS,
           alembic_config: Optional[str] = _ALEMBIC,
           schema: Optional[str] = typer.Option(None, "--schema", metavar="NAME", help="PostgreSQL schema of the source."),
           strict: bool = _STRICT) -> None:
    """Copy the rows matching --where (or a --percent of the root tables), every row they need and their
    children into TARGET, with PII and free text masked, in one transaction."""
    from dbsynth import commands
    run_guarded(lambda: commands.subset(source=source, target=target, where=list(where or []), percent=percent,
                                        mask=mask, mask_key=mask_key, mode=mode.value, config_path=config,
                                        schema=schema, keep_triggers=keep_triggers, alembic_config=alembic_config,
                                        console=console, err_console=err_console, strict=strict, seed=seed,
                                        remap_keys=remap_keys))


@app.command("report", cls=_Command, short_help="Score a synthetic database against the real one.")
def report_cmd(real: str = typer.Argument(..., metavar="REAL", help="Real database URL or `dbsynth sample` folder (read only)."),
               synthetic: str = typer.Argument(..., metavar="SYNTHETIC", help="Synthetic database URL or sample folder."),
               json_out: Optional[str] = typer.Option(None, "--json", metavar="FILE", help="Write the JSON report here."),
               html_out: Optional[str] = typer.Option(None, "--html", metavar="FILE", help="Write the self-contained HTML page here."),
               min_quality: Optional[float] = typer.Option(None, "--min-quality", min=0.0, max=1.0, metavar="X",
                                                           help="Exit 1 when the overall quality is below this."),
               target: Optional[str] = typer.Option(None, "--target", metavar="TABLE.COLUMN", help="TABLE.COLUMN for TSTR vs TRTR."),
               model: Optional[str] = typer.Option(None, "--model", metavar="DIR",
                                                   help="Model directory (`dbsynth fit --out`) whose reference tables "
                                                        "and kept relations the report lists and checks."),
               subset: bool = typer.Option(False, "--subset", help="SYNTHETIC is a `dbsynth subset` slice: fewer "
                                           "rows than REAL is no loss (a subset target is detected by itself too).")) -> None:
    """Quality, privacy and validity of a synthetic database; exit 1 on a violation or low quality."""
    from dbsynth import commands
    code = run_guarded(lambda: commands.report(real=real, synthetic=synthetic, json_path=json_out, html_path=html_out,
                                               min_quality=min_quality, target=target, console=console, model=model,
                                               subset=subset))
    if code:
        raise typer.Exit(code=code)


@app.command(cls=_Command, short_help="Seed a synthetic copy of the bundled Chinook database.")
def demo(out: Optional[str] = typer.Option(None, "--out", metavar="PATH", help="SQLite file to write "
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
