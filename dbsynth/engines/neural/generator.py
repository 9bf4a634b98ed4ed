"""The `neural` table generator (PyTorch): an autoregressive network per table, conditioned on the
context parent's scores, with the child counts as extra autoregressive columns.

It works in the core's score space (the same transforms, counts and matching
features as every generator), so the shared sampler, validator and loader work
unchanged. Tables too small to train on keep a copula draw (`net is None`): the
generator carries a fitted copula for them. Training runs once after every table
is prepared (`NeuralKind.finish`), sharing the time budget in proportion to rows.
"""
from __future__ import annotations

import time
from typing import Any, Callable, Mapping

import numpy as np
import torch

from dbsynth import artifacts
from dbsynth.engines.copula.generator import CopulaGenerator
from dbsynth.engines.neural.device import describe, resolve_device
from dbsynth.engines.neural.encoding import Token, decode, encode, make_token
from dbsynth.engines.neural.table_net import NetConfig, TableNet, sample_codes
from dbsynth.engines.neural.training import TrainSettings, train_table
from dbsynth.errors import ModelError
from dbsynth.relational.dependencies import compatible
from dbsynth.relational.generator import Draw, FitData, TableFiles
from dbsynth.relational.options import FitOptions
from dbsynth.relational.table import TableModel
from dbsynth.transform.columns import CategoricalTransform

NAME = "neural"
MIN_BUDGET_S = 0.5

Progress = Callable[[str], None]


class NeuralGenerator:
    """One table's network (or, for tables too small to train, its copula)."""

    def __init__(self, *, base: CopulaGenerator | None = None, tokens: list[Token] | None = None,
                 net: TableNet | None = None, training: dict[str, Any] | None = None,
                 min_rows: int = TrainSettings().min_rows) -> None:
        self.base = base or CopulaGenerator()
        self.tokens = tokens or []
        self.net = net
        self.training = training or {}
        self.calibrate = True  # match each column's source marginal at sampling time
        self.min_rows = min_rows
        self.data: tuple[np.ndarray, np.ndarray] | None = None  # (class codes, context) until trained

    def fit(self, data: FitData) -> None:
        self.base.fit(data)
        model = data.model
        self.tokens = _tokens(model)
        if len(data.frame) < self.min_rows or not self.tokens:
            return
        codes = np.stack([_encode(tok, model, data.own, data.counts) for tok in self.tokens], axis=1)
        for j, tok in enumerate(self.tokens):
            tok.marginal = (np.bincount(codes[:, j], minlength=tok.classes) / len(codes)).round(8).tolist()
        context = data.parent if data.parent is not None else np.zeros((len(data.frame), 0))
        self.data = (codes, context.astype(np.float32))

    def sample(self, model: TableModel, *, n: int, parent_scores: np.ndarray | None, rng: np.random.Generator,
               parent_values: dict[str, np.ndarray] | None = None,
               fixed: dict[str, np.ndarray] | None = None) -> Draw:
        if self.net is None:
            return self.base.sample(model, n=n, parent_scores=parent_scores, rng=rng, parent_values=parent_values,
                                    fixed=fixed)
        context = self._context(n, parent_scores)
        marginals = [np.asarray(t.marginal, dtype=float) for t in self.tokens] if self.calibrate else None
        codes = sample_codes(self.net, context, rng, marginals=marginals,
                             adjust=_Adjuster(self.tokens, model,
                                              model.forced_codes(parent_values or {}, fixed or {})))
        return self._decode(model, codes, rng)

    def _context(self, n: int, parent_scores: np.ndarray | None) -> np.ndarray:
        assert self.net is not None
        dim = self.net.config.context_dim
        if dim and parent_scores is not None and parent_scores.shape == (n, dim):
            return parent_scores
        return np.zeros((n, dim))  # repair draws without a parent row: the average context

    def _decode(self, model: TableModel, codes: np.ndarray, rng: np.random.Generator) -> Draw:
        n = len(codes)
        values: dict[str, np.ndarray] = {}
        own, counts = np.zeros((n, model.own_width)), np.zeros((n, len(model.counts)))
        slices = model.slices()
        for j, tok in enumerate(self.tokens):
            if tok.source == "own":
                tr = model.transforms[tok.index]
                z = decode(tok, tr, codes[:, j], rng)
                own[:, slices[tr.column]] = z
                values[tr.column] = tr.reverse_transform(z, rng=rng)
            else:
                spec = model.counts[tok.index]
                z = decode(tok, spec.transform, codes[:, j], rng)
                counts[:, tok.index] = np.asarray(spec.transform.reverse_transform(z, rng=rng), dtype=float)
        for tr in model.transforms:
            if tr.column not in values:  # constants (zero width)
                values[tr.column] = tr.reverse_transform(np.zeros((n, tr.width)), rng=rng)
        return values, own, counts

    # -- persistence: the copula's keys plus <stem>.neural.json and <stem>.pt ----
    def save(self, files: TableFiles) -> None:
        self.base.save(files)
        artifacts.write_json(files.path(".neural.json"), {
            "tokens": [t.to_dict() for t in self.tokens], "training": self.training,
            "net": None if self.net is None else self.net.config.to_dict()})
        if self.net is not None:
            # plain tensors only: loaded back with weights_only=True, never unpickled objects
            torch.save(self.net.state_dict(), files.path(".pt"))

    @classmethod
    def load(cls, files: TableFiles) -> "NeuralGenerator":
        base = CopulaGenerator.load(files)
        path = files.path(".neural.json")
        if not path.exists():
            return cls(base=base)
        data = artifacts.read_json(path)
        try:
            tokens = [Token(**t) for t in data["tokens"]]
            net = None
            if data["net"] is not None:
                net = TableNet(NetConfig.from_dict(data["net"]))
                # map_location: a model trained on a GPU samples on a machine without one
                net.load_state_dict(torch.load(files.path(".pt"), map_location="cpu", weights_only=True))
                net.eval()
        except (KeyError, TypeError, RuntimeError, OSError) as exc:
            raise ModelError(f"neural model {files.stem} in {files.directory} is corrupt: {exc}",
                             hint="re-run `dbsynth fit --engine neural` to write it again") from exc
        return cls(base=base, tokens=tokens, net=net, training=data.get("training", {}))


class NeuralKind:
    """The registered `neural` generator; `settings` tune training (tests use fast ones)."""

    name = NAME

    def __init__(self, settings: TrainSettings | None = None) -> None:
        self.settings = settings or TrainSettings()
        self._started: float | None = None

    def new(self, options: FitOptions) -> NeuralGenerator:
        if self._started is None:
            self._started = time.perf_counter()
        return NeuralGenerator(min_rows=self.settings.min_rows)

    def load(self, files: TableFiles) -> NeuralGenerator:
        return NeuralGenerator.load(files)

    def finish(self, generators: Mapping[str, Any], *, options: FitOptions, progress: Progress) -> dict[str, Any]:
        """Train every eligible table; the time budget is shared in proportion to rows."""
        device = resolve_device(options.device)
        start = time.perf_counter()
        prep = start - (self._started if self._started is not None else start)
        progress(f"neural engine: training on {describe(device)}")
        deadline = None if options.max_training_time is None else start + options.max_training_time
        todo = [(t, g) for t, g in generators.items() if isinstance(g, NeuralGenerator) and g.data is not None]
        left_rows = sum(len(g.data[0]) for _, g in todo)
        info: dict[str, dict[str, object]] = {}
        for i, (name, gen) in enumerate(todo):
            assert gen.data is not None
            codes, context = gen.data
            budget = None
            if deadline is not None:
                budget = max(MIN_BUDGET_S, (deadline - time.perf_counter()) * len(codes) / max(left_rows, 1))
            left_rows -= len(codes)
            config = NetConfig(classes=tuple(t.classes for t in gen.tokens), context_dim=context.shape[1])
            result = train_table(name=name, codes=codes, context=context, config=config, device=device,
                                 seed=options.seed * 1_000 + i, budget_s=budget, settings=self.settings,
                                 progress=progress)
            gen.net, gen.training, gen.data = result.net, result.info(), None
            info[name] = result.info()
        return {NAME: {"device": describe(device), "prepare_seconds": round(prep, 3),
                       "train_seconds": round(time.perf_counter() - start, 3), "tables": info}}


class _Adjuster:
    """Exact rules the network only approximates: columns copied from the parent row
    (an invoice's billing country) and functional dependencies (city → country)."""

    def __init__(self, tokens: list[Token], model: TableModel, forced: dict[str, np.ndarray]) -> None:
        pos = {t.column: j for j, t in enumerate(tokens) if t.source == "own" and t.kind == "codes"}
        self.forced: dict[int, Any] = {}
        self.masks: dict[int, tuple[int, np.ndarray]] = {}
        for col, codes in forced.items():  # copied from the parent row, or the family's trait
            if col in pos:
                self.forced[pos[col]] = lambda earlier, rows, c=np.asarray(codes, dtype=np.int64): c[rows]
        sizes = {t.column: len(t.categories) for t in model.transforms if isinstance(t, CategoricalTransform)}
        for fine, coarse, mapping, nulls in model.dependencies:
            if fine not in pos or coarse not in pos or pos[fine] in self.forced or pos[coarse] in self.forced:
                continue
            m = np.asarray(mapping, dtype=np.int64)
            compat = compatible(mapping, nulls, sizes.get(coarse, 0))  # (fine, coarse)
            if pos[fine] < pos[coarse] and (m >= 0).all():
                self.forced[pos[coarse]] = lambda earlier, rows, m=m, f=pos[fine]: m[earlier[:, f]]
            elif pos[fine] < pos[coarse]:  # a NULL fine value: the coarse values the source has with it
                self.masks[pos[coarse]] = (pos[fine], compat)
            else:
                self.masks[pos[fine]] = (pos[coarse], compat.T)

    def __call__(self, j: int, probs: np.ndarray, earlier: np.ndarray, rows: slice,
                 ) -> tuple[np.ndarray, np.ndarray | None]:
        if j in self.forced:
            return probs, self.forced[j](earlier, rows)
        if j in self.masks:
            other, compat = self.masks[j]  # compat: (other column's codes, this column's codes)
            keep = compat[earlier[:, other]][:, :probs.shape[1]]  # (rows, classes): pairs the source has
            masked = probs * keep
            ok = masked.sum(axis=1) > 0  # a row whose coarse value no fine value agrees with keeps its draw
            probs = np.where(ok[:, None], masked, probs)
        return probs, None


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
