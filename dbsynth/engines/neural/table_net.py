"""The per-table autoregressive network (TabularARGN-style).

Column j's class distribution is predicted from a context embedding of the
parent row and the embeddings of columns 0..j-1: one small MLP head per
column, trained with teacher forcing, sampled column by column.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Callable

import numpy as np
import torch
from torch import nn


@dataclass(frozen=True)
class NetConfig:
    classes: tuple[int, ...]
    context_dim: int  # width of the parent's score vector (0: root table)
    embed: int = 12
    context_hidden: int = 48
    hidden: int = 128

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "classes": list(self.classes)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "NetConfig":
        return cls(**{**data, "classes": tuple(int(c) for c in data["classes"])})


class TableNet(nn.Module):
    def __init__(self, config: NetConfig) -> None:
        super().__init__()
        self.config = config
        c = config
        self.embeds = nn.ModuleList(nn.Embedding(k, c.embed) for k in c.classes)
        self.context = (nn.Sequential(nn.Linear(c.context_dim, c.context_hidden), nn.SiLU())
                        if c.context_dim else None)
        base = 1 + (c.context_hidden if c.context_dim else 0)  # 1: a constant input, so column 0 has one
        self.heads = nn.ModuleList(
            nn.Sequential(nn.Linear(base + c.embed * j, c.hidden), nn.SiLU(),
                          nn.Linear(c.hidden, c.hidden), nn.SiLU(), nn.Linear(c.hidden, k))
            for j, k in enumerate(c.classes))

    def base(self, context: torch.Tensor, n: int) -> torch.Tensor:
        ones = torch.ones((n, 1), device=context.device, dtype=context.dtype)
        if self.context is None:
            return ones
        return torch.cat([ones, self.context(context)], dim=1)

    def forward(self, codes: torch.Tensor, context: torch.Tensor) -> list[torch.Tensor]:
        """Logits of every column given the true earlier columns (teacher forcing)."""
        base = self.base(context, len(codes))
        emb = torch.cat([e(codes[:, j]) for j, e in enumerate(self.embeds)], dim=1)
        width = self.config.embed
        return [head(torch.cat([base, emb[:, :width * j]], dim=1)) for j, head in enumerate(self.heads)]

    def loss(self, codes: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        """Mean over rows of the summed per-column cross-entropy (nats per row)."""
        logits = self.forward(codes, context)
        parts = [nn.functional.cross_entropy(lg.float(), codes[:, j], reduction="mean")
                 for j, lg in enumerate(logits)]
        return torch.stack(parts).sum()


# adjust(column index, probabilities (m, classes), codes drawn so far (m, j), rows of the chunk) ->
#   (probabilities to draw from, forced codes or None)
Adjust = Callable[[int, np.ndarray, np.ndarray, slice], tuple[np.ndarray, np.ndarray | None]]
SAMPLE_CHUNK = 16_384  # rows per forward pass: bounds the (rows × classes) probability arrays


@torch.no_grad()
def sample_codes(net: TableNet, context: np.ndarray, rng: np.random.Generator, *,
                 marginals: list[np.ndarray] | None = None, adjust: Adjust | None = None) -> np.ndarray:
    """Draw every column in order for each context row; codes (n, columns).

    marginals: each column's class frequencies in the source; the predicted
    distributions are recalibrated so that, summed over the rows drawn
    together, they add up to it.
    """
    net.eval()
    n, k = len(context), len(net.config.classes)
    codes = np.zeros((n, k), dtype=np.int64)
    ctx = torch.as_tensor(context, dtype=torch.float32)
    for start in range(0, n, SAMPLE_CHUNK):
        rows = slice(start, min(n, start + SAMPLE_CHUNK))
        _sample_chunk(net, ctx[rows], codes, rows, rng, marginals, adjust)
    return codes


def _sample_chunk(net: TableNet, ctx: torch.Tensor, codes: np.ndarray, rows: slice, rng: np.random.Generator,
                  marginals: list[np.ndarray] | None, adjust: Adjust | None) -> None:
    m = len(ctx)
    inputs = net.base(ctx, m)
    width = net.config.embed
    for j, head in enumerate(net.heads):
        probs = torch.softmax(head(inputs).double(), dim=1).numpy()
        if marginals is not None:
            probs = calibrate(probs, marginals[j])
        forced = None
        if adjust is not None:
            probs, forced = adjust(j, probs, codes[rows, :j], rows)
        if forced is None:
            drawn = stratified_categorical(probs, rng)
        elif (forced >= 0).all():
            drawn = forced
        else:  # -1: this row is not forced (a NULL fine value leaves its coarse value free)
            drawn = np.where(forced >= 0, forced, stratified_categorical(probs, rng))
        codes[rows, j] = drawn
        emb = net.embeds[j](torch.as_tensor(drawn, dtype=torch.long))
        inputs = torch.cat([inputs, emb.reshape(m, width)], dim=1)


def stratified_categorical(probs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One class per row from its own distribution, with stratified uniforms across rows.

    Each row's draw has exactly its predicted distribution; across rows the
    uniforms cover [0, 1) evenly, so a small table (8 employees, 25 genres)
    keeps its marginal instead of losing it to sampling noise.
    """
    n = len(probs)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    u = (rng.permutation(n) + rng.uniform(size=n)) / n
    cum = np.cumsum(probs, axis=1)
    cum /= cum[:, -1:]
    return np.minimum((cum < u[:, None]).sum(axis=1), probs.shape[1] - 1).astype(np.int64)


CALIBRATION_ROUNDS = 5


def calibrate(probs: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Reweight classes (p(c|row)·w_c, renormalised per row) until the rows' average
    distribution matches `target`: the prior-shift correction.

    The network's conditionals are kept (a row's odds between two classes move by
    one common factor), while the column's marginal no longer drifts with the
    model's small errors, which a table of a few hundred rows shows at once.
    """
    target = np.asarray(target, dtype=float)
    if len(probs) == 0 or target.shape != probs.shape[1:] or target.sum() <= 0:
        return probs
    weights = np.ones_like(target)
    out = probs
    for _ in range(CALIBRATION_ROUNDS):
        mean = out.mean(axis=0)
        ratio = np.where(mean > 1e-12, target / np.maximum(mean, 1e-12), 1.0)
        weights = np.clip(weights * ratio, 1e-3, 1e3)
        out = probs * weights
        out /= np.maximum(out.sum(axis=1, keepdims=True), 1e-300)
    return out
