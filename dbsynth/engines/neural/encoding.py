"""Columns as tokens for the autoregressive network, in the copula's score space.

Every modelled column (and every child-count column) becomes one categorical
token. Categories, and numbers/datetimes with a small support, are their own
codes; other numbers and datetimes are quantile bins of their normal score
plus a uniform position inside the bin (the transform's empirical CDF maps that
back to a value, so the marginal is exact and the network only has to learn
which bin). NULL is one more class. Decoding yields the same normal scores the
copula would produce, so children, matching and the shared sampler see one
score space whichever engine drew the parent.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from scipy.special import ndtr, ndtri

from dbsynth.transform.columns import (CategoricalTransform, ColumnTransform, NumericTransform,
                                       codes_from_scores, interval_scores)

MAX_CLASSES = 512  # more categories than this are binned on their score like a number
BINS = 48
_EPS = 1e-6


@dataclass
class Token:
    column: str
    source: str  # "own" (model.transforms[index]) | "count" (model.counts[index])
    index: int
    kind: str  # "codes" | "bins"
    values: int  # value classes; NULL, when the column has any, is class `values`
    nullable: bool
    marginal: list[float] = field(default_factory=list)  # class frequencies in the source

    @property
    def classes(self) -> int:
        return self.values + int(self.nullable)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _cdf(transform: ColumnTransform) -> np.ndarray | None:
    if isinstance(transform, CategoricalTransform):
        return transform.cdf
    if isinstance(transform, NumericTransform) and transform.support is not None:
        return transform.cdf
    return None


def make_token(transform: ColumnTransform, *, source: str, index: int) -> Token | None:
    """The token of one column; None for zero-width (constant) columns."""
    if transform.width == 0:
        return None
    cdf = _cdf(transform)
    nullable = transform.has_null_indicator
    if cdf is not None and len(cdf) <= MAX_CLASSES:
        return Token(transform.column, source, index, "codes", len(cdf), nullable)
    return Token(transform.column, source, index, "bins", BINS, nullable)


def encode(token: Token, transform: ColumnTransform, z: np.ndarray) -> np.ndarray:
    """Class per row from the transform's scores (n, width)."""
    cdf = _cdf(transform)
    if token.kind == "codes" and cdf is not None:
        codes = codes_from_scores(z[:, 0], cdf)
    else:
        codes = np.clip(np.floor(ndtr(z[:, 0]) * token.values), 0, token.values - 1).astype(int)
    if token.nullable:
        nulls = z[:, 1] > ndtri(1 - transform.null_rate)
        codes = np.where(nulls, token.values, codes)
    return codes.astype(np.int64)


def decode(token: Token, transform: ColumnTransform, codes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Scores (n, width) of sampled classes: a random point inside the class's CDF interval."""
    n = len(codes)
    nulls = codes >= token.values if token.nullable else np.zeros(n, dtype=bool)
    value = np.where(nulls, 0, codes)
    out = np.zeros((n, transform.width))
    cdf = _cdf(transform)
    if token.kind == "codes" and cdf is not None:
        out[:, 0] = interval_scores(value, cdf, rng)
    else:
        u = (value + rng.uniform(size=n)) / token.values
        out[:, 0] = ndtri(np.clip(u, _EPS, 1 - _EPS))
    if token.nullable:
        out[nulls, 0] = 0.0  # the transform gives NULL rows a middle value score
        out[:, 1] = interval_scores(nulls.astype(int), np.array([1 - transform.null_rate, 1.0]), rng)
    return out
