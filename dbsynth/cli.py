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
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING, format="%(levelname)s %(message)s")


def run_guarded(fn: Callable[[], T]) -> T:
    """Run a command body; map failures to a one-line masked error."""
    try:
        return fn()
    except DbsynthError as exc:
        if _state["debug"]:
            raise
        err_console.print(f"error: {mask_url(str(exc))}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(code=2 if exc.__class__.__name__ == "ConfigError" else 1)
    except (typer.Exit, typer.Abort, KeyboardInterrupt):
        raise
    except Exception as exc:  # a bug or an untranslated driver error: still one line
        if _state["debug"]:
            raise
        msg = mask_url(f"{type(exc).__name__}: {exc}").splitlines()[0]
        err_console.print(f"error: unexpected failure: {msg} (re-run with --debug for the traceback)",
                          markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(code=1)


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


def main() -> None:
    try:
        app()
    except BrokenPipeError:  # `dbsynth inspect … | head`
        sys.exit(0)


if __name__ == "__main__":
    main()
