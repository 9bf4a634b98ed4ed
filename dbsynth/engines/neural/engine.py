"""The `neural` engine: copula bookkeeping (keys, counts, matching) plus a network per table."""
from __future__ import annotations

import time
from typing import Callable, Mapping

import numpy as np
import pandas as pd
import torch

from dbsynth import artifacts
from dbsynth.engines.base import FitOptions
from dbsynth.engines.copula.engine import TablePlan, _Fitter
from dbsynth.engines.copula.table import TableModel
from dbsynth.engines.neural.cardinality import count_scores
from dbsynth.engines.neural.device import describe, resolve_device
from dbsynth.engines.neural.encoding import Token, encode, make_token
from dbsynth.engines.neural.model import NAME, NeuralModel, NeuralTableModel
from dbsynth.engines.neural.table_net import NetConfig
from dbsynth.engines.neural.training import TrainSettings, train_table
from dbsynth.profile.types import TableProfile
from dbsynth.relations.apply import kept_relations
from dbsynth.schema.graph import LoadPlan
from dbsynth.schema.model import Schema, Table

MIN_BUDGET_S = 0.5

Progress = Callable[[str], None]


class NeuralEngine:
    """Autoregressive per-table networks conditioned on the parent row (PyTorch)."""

    name = NAME

    def __init__(self, settings: TrainSettings | None = None) -> None:
        self.settings = settings or TrainSettings()

    def fit(self, *, schema: Schema, plan: LoadPlan, frames: Mapping[str, pd.DataFrame],
            profiles: Mapping[str, TableProfile], options: FitOptions,
            progress: Progress | None = None) -> NeuralModel:
        device = resolve_device(options.device)
        note = progress or (lambda _msg: None)
        start = time.perf_counter()
        fitter = _NeuralFitter(schema=schema, plan=plan, frames=frames, profiles=profiles, options=options,
                               min_rows=self.settings.min_rows)
        tables: dict[str, TablePlan] = {}
        for name in fitter.order:
            note(f"fitting {name} (transforms, keys)")
            tables[name] = fitter.fit_table(schema.table(name))
        prep = time.perf_counter() - start
        note(f"neural engine: training on {describe(device)}")
        trained = self._train_all(fitter, tables, device, options, note)
        rows = {t: len(frames.get(t, ())) for t in fitter.order}
        meta = {"fit_seconds": round(time.perf_counter() - start, 3), "row_counts": rows,
                "fingerprint": artifacts.source_fingerprint(schema=schema, row_counts=rows),
                "warnings": fitter.warnings,
                "neural": {"device": describe(device), "prepare_seconds": round(prep, 3),
                           "train_seconds": round(time.perf_counter() - start - prep, 3), "tables": trained}}
        meta["relations"] = kept_relations(schema, frames, tables, fitter.warnings)  # dbsynth/relations
        return NeuralModel(schema=schema, plan=plan, tables=tables, options=options, meta=meta)

    def _train_all(self, fitter: "_NeuralFitter", tables: dict[str, TablePlan], device: torch.device,
                   options: FitOptions, note: Progress) -> dict[str, dict[str, object]]:
        """Train every eligible table; the time budget is shared in proportion to rows."""
        deadline = None if options.max_training_time is None else time.perf_counter() + options.max_training_time
        todo = [t for t in fitter.order if t in fitter.data]
        left_rows = sum(len(fitter.data[t][0]) for t in todo)
        info: dict[str, dict[str, object]] = {}
        for i, name in enumerate(todo):
            codes, context, tokens = fitter.data[name]
            budget = None
            if deadline is not None:
                budget = max(MIN_BUDGET_S, (deadline - time.perf_counter()) * len(codes) / max(left_rows, 1))
            left_rows -= len(codes)
            config = NetConfig(classes=tuple(t.classes for t in tokens), context_dim=context.shape[1])
            result = train_table(name=name, codes=codes, context=context, config=config, device=device,
                                 seed=options.seed * 1_000 + i, budget_s=budget, settings=self.settings,
                                 progress=note)
            model = tables[name].model
            assert isinstance(model, NeuralTableModel)
            model.net, model.training = result.net, result.info()
            info[name] = result.info()
        return info


class _NeuralFitter(_Fitter):
    """The copula fitter (transforms, keys, counts, matching) that also keeps each table's
    training data for its network: class codes and the context parent's scores."""

    def __init__(self, *, min_rows: int, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.min_rows = min_rows
        self.data: dict[str, tuple[np.ndarray, np.ndarray, list[Token]]] = {}

    def fit_table(self, table: Table) -> TablePlan:
        tp = super().fit_table(table)
        if tp.copy_rows is not None:
            return tp
        frame = self.frames[table.name]
        tokens = _tokens(tp.model)
        tp.model = NeuralTableModel.wrap(tp.model, tokens=tokens)
        self.models[table.name] = tp.model
        if len(frame) < self.min_rows or not tokens:
            return tp
        own = self.scores[table.name]
        counts = count_scores(model=tp.model, frame=frame, frames=self.frames, context=self.context, rng=self.rng)
        codes = np.stack([_encode(tok, tp.model, own, counts) for tok in tokens], axis=1)
        for j, tok in enumerate(tokens):
            tok.marginal = (np.bincount(codes[:, j], minlength=tok.classes) / len(codes)).round(8).tolist()
        parent = self._parent_scores(frame, self.context.get(table.name))
        context = parent if parent is not None else np.zeros((len(frame), 0))
        self.data[table.name] = (codes, context.astype(np.float32), tokens)
        return tp


def _tokens(model: TableModel) -> list[Token]:
    own = [make_token(t, source="own", index=i) for i, t in enumerate(model.transforms)]
    counts = [make_token(c.transform, source="count", index=i) for i, c in enumerate(model.counts)]
    return [t for t in own + counts if t is not None]


def _encode(token: Token, model: TableModel, own: np.ndarray, counts: np.ndarray) -> np.ndarray:
    if token.source == "own":
        tr = model.transforms[token.index]
        return encode(token, tr, own[:, model.slices()[tr.column]])
    spec = model.counts[token.index]
    offset = sum(c.transform.width for c in model.counts[:token.index])
    return encode(token, spec.transform, counts[:, offset:offset + spec.transform.width])
