"""Typed configuration: TOML file < environment < CLI options.

Example (`dbsynth.toml`)::

    seed = 42
    scale = 2.0
    locale = "de_DE"
    edge_cases = 0.05          # 5% of the rows cover rare categories, NULLs, longest texts, min/max
    engine = "copula"

    [tables.Customer]
    rows = 500                 # root tables only
    context = "SupportRepId"   # context FK: its columns or the referred table
    [tables.Customer.columns]
    Email = "pii:email"
    Company = "categorical"

    [tables.Country]
    copy = true                # copied verbatim (small lookup tables are by default; false turns it off)

    [tables.AuditLog]
    skip = true

    [tables.Track]
    children = false           # `dbsynth subset`: rows of Track pull in no child rows
"""
from __future__ import annotations

import math
import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Mapping

from dbsynth.errors import ConfigError

_TABLE_KEYS = {"rows", "context", "copy", "skip", "columns", "children"}
MAX_SCALE = 100_000.0  # beyond this a typo (1e9) would only exhaust memory; planned rows are also capped


@dataclass(frozen=True)
class TableConfig:
    rows: int | None = None
    context: str | None = None
    copy: bool | None = None  # None: decided by reference-table detection (profile/reference.py)
    skip: bool = False
    columns: Mapping[str, str] = field(default_factory=dict)
    children: bool = True  # `dbsynth subset`: follow this table's rows down to their child rows


@dataclass(frozen=True)
class Config:
    seed: int = 0
    scale: float = 1.0
    locale: str = "en_US"
    engine: str = "copula"
    batch_rows: int = 50_000
    max_fit_rows: int = 200_000
    device: str = "auto"  # neural engine: auto | cpu | cuda
    max_training_time: float | None = None  # neural engine: seconds for all tables together
    workers: int | None = None  # processes sampling batches (None: the machine's cores; 1: in this process)
    executor: str = "local"  # local (process pool) | ray (dbsynth/execute)
    ray_address: str | None = None  # the Ray cluster for executor = "ray" (None: a local Ray)
    edge_cases: float = 0.0  # share of rows made to cover categories, NULLs, lengths, bounds (execute/edge_cases.py)
    tables: Mapping[str, TableConfig] = field(default_factory=dict)

    def row_counts(self) -> dict[str, int]:
        return {t: c.rows for t, c in self.tables.items() if c.rows is not None}

    def context_fks(self) -> dict[str, str]:
        return {t: c.context for t, c in self.tables.items() if c.context}

    def column_overrides(self) -> dict[str, dict[str, str]]:
        return {t: dict(c.columns) for t, c in self.tables.items() if c.columns}

    def copy_tables(self) -> frozenset[str]:
        return frozenset(t for t, c in self.tables.items() if c.copy is True)

    def no_copy_tables(self) -> frozenset[str]:
        """Tables with `copy = false`: never copied, even when detected as reference data."""
        return frozenset(t for t, c in self.tables.items() if c.copy is False)

    def skip_tables(self) -> frozenset[str]:
        return frozenset(t for t, c in self.tables.items() if c.skip)

    def no_children_tables(self) -> frozenset[str]:
        return frozenset(t for t, c in self.tables.items() if not c.children)

    def with_overrides(self, **cli: Any) -> "Config":
        """CLI options win; None means 'not given'."""
        return validate(replace(self, **{k: v for k, v in cli.items() if v is not None}))


def _table_config(name: str, raw: Any) -> TableConfig:
    if not isinstance(raw, dict):
        raise ConfigError(f"config [tables.{name}] must be a table", hint='e.g. [tables.Customer] rows = 100')
    unknown = set(raw) - _TABLE_KEYS
    if unknown:
        raise ConfigError(f"config [tables.{name}] has unknown key(s) {sorted(unknown)}",
                          hint=f"valid keys: {', '.join(sorted(_TABLE_KEYS))}")
    where = f"config [tables.{name}]"
    rows = raw.get("rows")
    if rows is not None and (not _is_int(rows) or rows < 0):
        raise ConfigError(f"{where} rows must be a non-negative integer, got {rows!r}", hint="e.g. rows = 100")
    for key in ("copy", "skip", "children"):  # a string "false" would be truthy: copy = "false" copied PII verbatim
        if key in raw and not isinstance(raw[key], bool):
            raise ConfigError(f"{where} {key} must be true or false (no quotes), got {raw[key]!r}",
                              hint=f"write {key} = true or {key} = false")
    context = raw.get("context")
    if context is not None and not isinstance(context, str):
        raise ConfigError(f"{where} context must be a text (a column or a table name), got {context!r}",
                          hint='e.g. context = "CustomerId"')
    columns = raw.get("columns", {})
    if not isinstance(columns, dict):
        raise ConfigError(f"{where} columns must be a table of column = \"type\"", hint='e.g. Email = "pii:email"')
    for col, kind in columns.items():
        if not isinstance(kind, str):
            raise ConfigError(f"{where} column {col!r} must be given as a text, got {kind!r}",
                              hint=f'e.g. {col} = "categorical"')
    return TableConfig(rows=rows, context=context, copy=raw.get("copy"), skip=raw.get("skip", False),
                       columns=dict(columns), children=raw.get("children", True))


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# the type each top-level key must have in the file (TOML integers are accepted where a float is asked)
_TYPES: dict[str, tuple[str, Any]] = {
    "seed": ("a whole number", _is_int), "scale": ("a number", _is_number),
    "locale": ("a text", lambda v: isinstance(v, str)), "engine": ("a text", lambda v: isinstance(v, str)),
    "batch_rows": ("a positive whole number of rows", _is_int),
    "max_fit_rows": ("a positive whole number of rows", _is_int),
    "device": ("a text", lambda v: isinstance(v, str)),
    "max_training_time": ("a number of seconds", _is_number),
    "workers": ("a positive whole number of processes", _is_int),
    "executor": ("a text", lambda v: isinstance(v, str)),
    "ray_address": ("a text", lambda v: isinstance(v, str)),
    "edge_cases": ("a share of rows between 0 and 1", _is_number),
}
_OPTIONAL = ("max_training_time", "workers", "ray_address")  # None: not set


def _from_mapping(raw: Mapping[str, Any], source: str) -> Config:
    known = {f.name for f in fields(Config)}
    unknown = set(raw) - known
    if unknown:
        raise ConfigError(f"{source}: unknown key(s) {sorted(unknown)}", hint=f"valid keys: {', '.join(sorted(known))}")
    if not isinstance(raw.get("tables", {}), dict):
        raise ConfigError(f"{source}: tables must be a table of [tables.NAME] sections", hint="e.g. [tables.Customer]")
    tables = {name: _table_config(name, t) for name, t in dict(raw.get("tables", {})).items()}
    values = {k: v for k, v in raw.items() if k != "tables"}
    for key, value in values.items():
        label, ok = _TYPES[key]
        if not ok(value):
            raise ConfigError(f"{source}: {key} must be {label}, got {value!r}",
                              hint=f"e.g. {key} = {_example(key)}")
    try:
        return Config(tables=tables, **values)
    except TypeError as exc:
        raise ConfigError(f"{source}: {exc}") from exc


def _example(key: str) -> str:
    default = Config.__dataclass_fields__[key].default
    if key in ("workers", "ray_address"):
        return {"workers": "4", "ray_address": '"ray://head:10001"'}[key]
    return f'"{default}"' if isinstance(default, str) else ("60" if default is None else str(default))


def _from_env() -> dict[str, Any]:
    """DBSYNTH_SEED, DBSYNTH_SCALE, DBSYNTH_LOCALE, DBSYNTH_ENGINE, DBSYNTH_DEVICE."""
    casts = {"seed": int, "scale": float, "locale": str, "engine": str, "device": str}
    out: dict[str, Any] = {}
    for key, cast in casts.items():
        raw = os.environ.get(f"DBSYNTH_{key.upper()}")
        if raw is not None:
            try:
                out[key] = cast(raw)
            except ValueError:
                raise ConfigError(f"environment variable DBSYNTH_{key.upper()}={raw!r} is not a valid {cast.__name__}")
    return out


def load_config(path: str | Path | None = None) -> Config:
    """Read the TOML file (if any), then apply DBSYNTH_* environment variables."""
    raw: dict[str, Any] = {}
    if path is not None:
        p = Path(path)
        if not p.is_file():
            raise ConfigError(f"config file {str(p)!r} does not exist", hint="pass an existing TOML file to --config")
        try:
            raw = tomllib.loads(p.read_text())
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {str(p)!r} is not valid TOML: {exc}") from exc
    config = _from_mapping(raw, str(path or "config"))
    return validate(replace(config, **_from_env()))


def validate(config: Config) -> Config:
    """Range checks that the types alone do not make."""
    for key, (label, ok) in _TYPES.items():  # CLI and library callers too, not only the file
        value = getattr(config, key)
        if not (value is None and key in _OPTIONAL) and not ok(value):
            raise ConfigError(f"{key} must be {label}, got {value!r}")
    if config.seed < 0:
        raise ConfigError(f"--seed must be zero or a positive whole number, got {config.seed}", hint="e.g. --seed 42")
    _check_locale(config.locale)
    if not math.isfinite(config.scale) or config.scale <= 0:
        raise ConfigError(f"--scale must be a positive number, got {config.scale}",
                          hint="e.g. --scale 0.5 or --scale 3")
    if config.scale > MAX_SCALE:
        raise ConfigError(f"--scale {config.scale:g} is beyond the largest supported ({MAX_SCALE:g})",
                          hint="set [tables.NAME] rows in the config for a very large root table")
    if config.max_training_time is not None and not math.isfinite(config.max_training_time):
        raise ConfigError(f"--max-training-time must be a finite number of seconds, got {config.max_training_time}")
    if config.max_training_time is not None and config.max_training_time <= 0:
        raise ConfigError(f"--max-training-time must be a positive number of seconds, got {config.max_training_time}")
    for key in ("batch_rows", "max_fit_rows"):
        value = getattr(config, key)
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ConfigError(f"{key} must be a positive whole number of rows, got {value!r}",
                              hint=f"e.g. {key} = {Config.__dataclass_fields__[key].default} in the config file")
    if config.workers is not None and config.workers <= 0:
        raise ConfigError(f"--workers must be a positive whole number, got {config.workers}", hint="e.g. --workers 4")
    if config.executor not in ("local", "ray"):
        raise ConfigError(f"unknown executor {config.executor!r}", hint="use --executor local or --executor ray")
    if not 0 <= config.edge_cases <= 1:
        raise ConfigError(f"--edge-cases must be a share of rows between 0 and 1, got {config.edge_cases:g}",
                          hint="e.g. --edge-cases 0.05 for 5% of the rows")
    if config.device not in ("auto", "cpu", "cuda") and not config.device.startswith("cuda:"):
        raise ConfigError(f"unknown device {config.device!r}", hint="use --device auto, cpu or cuda")
    return config


def _check_locale(locale: str) -> None:
    """A Faker locale that does not exist would only fail deep inside fitting."""
    try:
        from faker.config import AVAILABLE_LOCALES
    except ImportError:  # pragma: no cover - Faker is a dependency
        return
    if locale not in AVAILABLE_LOCALES:
        import difflib
        close = difflib.get_close_matches(locale, AVAILABLE_LOCALES, n=1)
        raise ConfigError(f"unknown locale {locale!r}",
                          hint=f"did you mean {close[0]!r}?" if close else "e.g. en_US, de_DE, fr_FR")
