"""Fitted neural models: per-table networks inside the copula's table plans.

A `NeuralTableModel` is a copula `TableModel` (same transforms, keys, counts,
matching features, so the shared streaming sampler, validator and loader work
unchanged) whose `sample` draws the table's own columns and child counts from
its autoregressive network instead of the Gaussian copula. Tables too small to
train on keep the copula draw (`net is None`).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import torch

from dbsynth import artifacts
from dbsynth.engines.copula.engine import CopulaModel, TablePlan
from dbsynth.engines.copula.dependencies import compatible
from dbsynth.engines.copula.table import TableModel
from dbsynth.engines.neural.encoding import Token, decode
from dbsynth.engines.neural.table_net import NetConfig, TableNet, sample_codes
from dbsynth.errors import ModelError
from dbsynth.transform.columns import CategoricalTransform

NAME = "neural"


@dataclass
class NeuralTableModel(TableModel):
    tokens: list[Token] = field(default_factory=list)
    net: TableNet | None = None
    training: dict[str, Any] = field(default_factory=dict)
    calibrate: bool = True  # match each column's source marginal at sampling time

    @classmethod
    def wrap(cls, base: TableModel, **extra: Any) -> "NeuralTableModel":
        return cls(**{f.name: getattr(base, f.name) for f in fields(TableModel)}, **extra)

    def sample(self, *, n: int, parent_scores: np.ndarray | None, rng: np.random.Generator,
               parent_values: dict[str, np.ndarray] | None = None,
               fixed: dict[str, np.ndarray] | None = None,
               ) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
        """Same contract as the copula TableModel: values, own scores, raw child counts."""
        if self.net is None:
            return super().sample(n=n, parent_scores=parent_scores, rng=rng, parent_values=parent_values,
                                  fixed=fixed)
        context = self._context(n, parent_scores)
        marginals = [np.asarray(t.marginal, dtype=float) for t in self.tokens] if self.calibrate else None
        codes = sample_codes(self.net, context, rng, marginals=marginals,
                             adjust=_Adjuster(self, self.forced_codes(parent_values or {}, fixed or {})))
        return self._decode(codes, rng)

    def _context(self, n: int, parent_scores: np.ndarray | None) -> np.ndarray:
        assert self.net is not None
        dim = self.net.config.context_dim
        if dim and parent_scores is not None and parent_scores.shape == (n, dim):
            return parent_scores
        return np.zeros((n, dim))  # repair draws without a parent row: the average context

    def _decode(self, codes: np.ndarray, rng: np.random.Generator,
                ) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
        n = len(codes)
        values: dict[str, np.ndarray] = {}
        own, counts = np.zeros((n, self.own_width)), np.zeros((n, len(self.counts)))
        slices = self.slices()
        for j, tok in enumerate(self.tokens):
            if tok.source == "own":
                tr = self.transforms[tok.index]
                z = decode(tok, tr, codes[:, j], rng)
                own[:, slices[tr.column]] = z
                values[tr.column] = tr.reverse_transform(z, rng=rng)
            else:
                spec = self.counts[tok.index]
                z = decode(tok, spec.transform, codes[:, j], rng)
                counts[:, tok.index] = np.asarray(spec.transform.reverse_transform(z, rng=rng), dtype=float)
        for tr in self.transforms:
            if tr.column not in values:  # constants (zero width)
                values[tr.column] = tr.reverse_transform(np.zeros((n, tr.width)), rng=rng)
        return values, own, counts

    def neural_dict(self) -> dict[str, Any]:
        return {"tokens": [t.to_dict() for t in self.tokens], "training": self.training,
                "net": None if self.net is None else self.net.config.to_dict()}


class _Adjuster:
    """Exact rules the network only approximates: columns copied from the parent row
    (an invoice's billing country) and functional dependencies (city → country)."""

    def __init__(self, model: NeuralTableModel, forced: dict[str, np.ndarray]) -> None:
        pos = {t.column: j for j, t in enumerate(model.tokens) if t.source == "own" and t.kind == "codes"}
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


class NeuralModel(CopulaModel):
    """A fitted neural model; sampled by the shared streaming sampler."""

    engine = NAME

    def save(self, directory: Path) -> None:
        directory = Path(directory)
        super().save(directory)
        doc = artifacts.read_manifest(directory)
        doc["engine"] = NAME  # the copula writer names itself; this directory loads as neural
        (directory / artifacts.MANIFEST).write_text(json.dumps(doc, indent=2, default=str))
        for name, stem in doc["tables"].items():
            model = self.tables[name].model
            if not isinstance(model, NeuralTableModel):
                continue
            artifacts.write_json(directory / "tables" / f"{stem}.neural.json", model.neural_dict())
            if model.net is not None:
                # plain tensors only: loaded back with weights_only=True, never unpickled objects
                torch.save(model.net.state_dict(), directory / "tables" / f"{stem}.pt")

    @classmethod
    def load(cls, directory: Path) -> "NeuralModel":
        directory = Path(directory)
        base = CopulaModel.load(directory)
        doc = artifacts.read_manifest(directory)
        tables = {name: _load_table(directory, stem, base.tables[name]) for name, stem in doc["tables"].items()}
        meta = {**base.meta, **{k: doc[k] for k in ("neural",) if k in doc}}
        return cls(schema=base.schema, plan=base.plan, tables=tables, options=base.options, meta=meta)


def _load_table(directory: Path, stem: str, tp: TablePlan) -> TablePlan:
    path = directory / "tables" / f"{stem}.neural.json"
    if not path.exists():
        return tp  # copied reference tables have no network
    data = artifacts.read_json(path)
    try:
        tokens = [Token(**t) for t in data["tokens"]]
        net = None
        if data["net"] is not None:
            net = TableNet(NetConfig.from_dict(data["net"]))
            # map_location: a model trained on a GPU samples on a machine without one
            state = torch.load(directory / "tables" / f"{stem}.pt", map_location="cpu", weights_only=True)
            net.load_state_dict(state)
            net.eval()
    except (KeyError, TypeError, RuntimeError, OSError) as exc:
        raise ModelError(f"neural model of table {tp.name!r} in {directory} is corrupt: {exc}",
                         hint="re-run `dbsynth fit --engine neural` to write it again") from exc
    tp.model = NeuralTableModel.wrap(tp.model, tokens=tokens, net=net, training=data.get("training", {}))
    return tp
