"""Typed configuration: TOML file < environment < CLI options.

Example (`dbsynth.toml`)::

    seed = 42
    scale = 2.0
    locale = "de_DE"
    engine = "copula"

    [tables.Customer]
    rows = 500                 # root tables only
    context = "SupportRepId"   # context FK: its columns or the referred table
    [tables.Customer.columns]
    Email = "pii:email"
    Company = "categorical"

    [tables.Country]
    copy = true                # reference table copied verbatim

    [tables.AuditLog]
    skip = true
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Mapping

from dbsynth.errors import ConfigError

_TABLE_KEYS = {"rows", "context", "copy", "skip", "columns"}


@dataclass(frozen=True)
class TableConfig:
    rows: int | None = None
    context: str | None = None
    copy: bool = False
    skip: bool = False
    columns: Mapping[str, str] = field(default_factory=dict)


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
    tables: Mapping[str, TableConfig] = field(default_factory=dict)

    def row_counts(self) -> dict[str, int]:
        return {t: c.rows for t, c in self.tables.items() if c.rows is not None}

    def context_fks(self) -> dict[str, str]:
        return {t: c.context for t, c in self.tables.items() if c.context}

    def column_overrides(self) -> dict[str, dict[str, str]]:
        return {t: dict(c.columns) for t, c in self.tables.items() if c.columns}

    def copy_tables(self) -> frozenset[str]:
        return frozenset(t for t, c in self.tables.items() if c.copy)

    def skip_tables(self) -> frozenset[str]:
        return frozenset(t for t, c in self.tables.items() if c.skip)

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
    rows = raw.get("rows")
    if rows is not None and (not isinstance(rows, int) or rows < 0):
        raise ConfigError(f"config [tables.{name}] rows must be a non-negative integer, got {rows!r}")
    return TableConfig(rows=rows, context=raw.get("context"), copy=bool(raw.get("copy", False)),
                       skip=bool(raw.get("skip", False)), columns=dict(raw.get("columns", {})))


def _from_mapping(raw: Mapping[str, Any], source: str) -> Config:
    known = {f.name for f in fields(Config)}
    unknown = set(raw) - known
    if unknown:
        raise ConfigError(f"{source}: unknown key(s) {sorted(unknown)}", hint=f"valid keys: {', '.join(sorted(known))}")
    tables = {name: _table_config(name, t) for name, t in dict(raw.get("tables", {})).items()}
    values = {k: v for k, v in raw.items() if k != "tables"}
    try:
        return Config(tables=tables, **values)
    except TypeError as exc:
        raise ConfigError(f"{source}: {exc}") from exc


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
    if config.scale <= 0:
        raise ConfigError(f"--scale must be positive, got {config.scale}", hint="e.g. --scale 0.5 or --scale 3")
    if config.max_training_time is not None and config.max_training_time <= 0:
        raise ConfigError(f"--max-training-time must be a positive number of seconds, got {config.max_training_time}")
    for key in ("batch_rows", "max_fit_rows"):
        value = getattr(config, key)
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ConfigError(f"{key} must be a positive whole number of rows, got {value!r}",
                              hint=f"e.g. {key} = {Config.__dataclass_fields__[key].default} in the config file")
    if config.device not in ("auto", "cpu", "cuda") and not config.device.startswith("cuda:"):
        raise ConfigError(f"unknown device {config.device!r}", hint="use --device auto, cpu or cuda")
    return config
