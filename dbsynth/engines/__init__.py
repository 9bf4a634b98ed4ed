"""Model engines: `get_engine(name)` / `load_model(directory)` (see registry)."""
from dbsynth.engines.base import Engine, FitOptions, FittedModel, SampleOptions

__all__ = ["Engine", "FitOptions", "FittedModel", "SampleOptions"]
