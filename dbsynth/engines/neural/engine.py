"""`NeuralEngine(settings)`: the relational core with the neural table generator (tests tune its training)."""
from __future__ import annotations

from dbsynth.engines.fitted import RelationalEngine
from dbsynth.engines.neural.generator import NAME, NeuralKind
from dbsynth.engines.neural.training import TrainSettings

__all__ = ["NAME", "NeuralEngine"]


class NeuralEngine(RelationalEngine):
    def __init__(self, settings: TrainSettings | None = None) -> None:
        super().__init__(NeuralKind(settings))
