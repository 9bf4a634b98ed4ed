"""Engines by name, sqlglot-style: `get_engine("copula")`, a "did you mean" on typos.

An engine is the relational core plus a table generator (dbsynth/relational/generator.py).
Generators come from three places, first found wins: `register(kind)` calls, the
built-ins below (imported only when asked for, so torch loads only for `neural`), and
other packages' entry points in the `dbsynth.generators` group, e.g. in their
pyproject.toml:

    [project.entry-points."dbsynth.generators"]
    diffusion = "my_package.diffusion:DiffusionKind"

where the object named is a `GeneratorKind` (or a class making one).
"""
from __future__ import annotations

import difflib
from importlib import import_module, metadata
from pathlib import Path
from typing import Any, Callable

from dbsynth.engines.base import Engine, FittedModel
from dbsynth.engines.fitted import FittedRelationalModel, RelationalEngine
from dbsynth.errors import ConfigError, ModelError
from dbsynth.relational.generator import ENTRY_POINT_GROUP, GeneratorKind

_KINDS: dict[str, Callable[[], GeneratorKind]] = {}  # registered in this process
_BUILTIN = {"copula": "dbsynth.engines.copula.generator:CopulaKind",
            "neural": "dbsynth.engines.neural.generator:NeuralKind"}
_NEEDS = {"neural": ("torch", "the neural engine needs PyTorch, which is not installed",
                     "pip install 'dbsynth[neural]' (or use --engine copula)")}


def register(kind: GeneratorKind | Callable[[], GeneratorKind], name: str | None = None) -> None:
    """Register a table generator (a `GeneratorKind`, or a factory of one) under its name."""
    if isinstance(kind, type) or not hasattr(kind, "new"):
        factory: Callable[[], GeneratorKind] = kind  # type: ignore[assignment]  (a class or a factory)
    else:
        factory = lambda k=kind: k  # noqa: E731  (an instance: shared)
    _KINDS[name or _name_of(kind)] = factory


def unregister(name: str) -> None:
    _KINDS.pop(name, None)


def _name_of(kind: Any) -> str:
    name = getattr(kind, "name", None)
    if not isinstance(name, str):
        raise ConfigError(f"table generator {kind!r} has no name", hint="give it a `name` attribute")
    return name


def _entry_points() -> dict[str, Any]:
    return {ep.name: ep for ep in metadata.entry_points(group=ENTRY_POINT_GROUP)}


def available() -> tuple[str, ...]:
    return tuple(sorted(set(_KINDS) | set(_BUILTIN) | set(_entry_points())))


def get_kind(name: str) -> GeneratorKind:
    """The table generator registered as `name`; ConfigError with the closest name on a typo."""
    if name in _KINDS:
        return _KINDS[name]()
    if name in _BUILTIN:
        return _instance(_load_builtin(name))
    points = _entry_points()
    if name in points:
        return _instance(points[name].load())
    close = difflib.get_close_matches(name, list(available()), n=1)
    hint = f"did you mean {close[0]!r}?" if close else f"available: {', '.join(available())}"
    raise ConfigError(f"unknown engine {name!r}", hint=hint)


def _load_builtin(name: str) -> Any:
    if name in _NEEDS:
        module, message, hint = _NEEDS[name]
        try:
            import_module(module)
        except ImportError as exc:
            raise ConfigError(message, hint=hint) from exc
    path, attr = _BUILTIN[name].split(":")
    return getattr(import_module(path), attr)


def _instance(obj: Any) -> GeneratorKind:
    return obj() if isinstance(obj, type) else obj


def get_engine(name: str) -> Engine:
    """The engine whose table generator is registered as `name`."""
    return RelationalEngine(get_kind(name))


def load_model(directory: Path) -> FittedModel:
    """Load a fitted model directory, dispatching on manifest.json's engine (generator) name."""
    from dbsynth.artifacts import read_manifest

    manifest = read_manifest(Path(directory))
    name = manifest.get("engine")
    if not isinstance(name, str) or name not in available():
        raise ModelError(f"model in {directory} was fitted with unknown engine {name!r}",
                         hint=f"available engines: {', '.join(available())}")
    return FittedRelationalModel.load(Path(directory), get_kind(name))


__all__ = ["register", "unregister", "get_engine", "get_kind", "load_model", "available"]
