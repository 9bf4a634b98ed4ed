"""Engines by name, sqlglot-style: `get_engine("copula")`, a "did you mean" on typos."""
from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any, Callable

from dbsynth.engines.base import Engine, FittedModel
from dbsynth.errors import ConfigError, ModelError

EngineFactory = Callable[[], Engine]
ModelLoader = Callable[[Path], FittedModel]
_ENGINES: dict[str, EngineFactory] = {}
_LOADERS: dict[str, ModelLoader] = {}


def register(name: str, *, factory: EngineFactory, loader: ModelLoader) -> None:
    """Register an engine (third parties call this from their package import)."""
    _ENGINES[name] = factory
    _LOADERS[name] = loader


def _ensure_builtin() -> None:
    if "copula" not in _ENGINES:
        from dbsynth.engines.copula import engine as copula  # registers itself

        register("copula", factory=copula.CopulaEngine, loader=copula.CopulaModel.load)
    if "neural" not in _ENGINES:
        # torch is imported only when the neural engine is actually used
        register("neural", factory=_neural_engine, loader=_neural_loader)


def _neural_module() -> Any:
    try:
        import torch  # noqa: F401
    except ImportError as exc:
        raise ConfigError("the neural engine needs PyTorch, which is not installed",
                          hint="pip install 'dbsynth[neural]' (or use --engine copula)") from exc
    from dbsynth.engines.neural import engine

    return engine


def _neural_engine() -> Engine:
    return _neural_module().NeuralEngine()


def _neural_loader(directory: Path) -> FittedModel:
    return _neural_module().NeuralModel.load(directory)


def available() -> tuple[str, ...]:
    _ensure_builtin()
    return tuple(sorted(_ENGINES))


def get_engine(name: str) -> Engine:
    """The engine registered as `name`; ConfigError with the closest name on a typo."""
    _ensure_builtin()
    if name not in _ENGINES:
        close = difflib.get_close_matches(name, list(_ENGINES), n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"available: {', '.join(available())}"
        raise ConfigError(f"unknown engine {name!r}", hint=hint)
    return _ENGINES[name]()


def load_model(directory: Path) -> FittedModel:
    """Load a fitted model directory, dispatching on manifest.json's engine name."""
    from dbsynth.artifacts import read_manifest

    manifest = read_manifest(Path(directory))
    _ensure_builtin()
    name = manifest.get("engine")
    if name not in _LOADERS:
        raise ModelError(f"model in {directory} was fitted with unknown engine {name!r}",
                         hint=f"available engines: {', '.join(available())}")
    return _LOADERS[name](Path(directory))


__all__ = ["register", "get_engine", "load_model", "available"]
