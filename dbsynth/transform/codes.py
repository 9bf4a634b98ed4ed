"""Short codes (CHAR(2) country codes, IATA airline codes): drawn from the space the column holds.

Faking words and suffixing them cannot make 120 distinct values within two
characters; the code space can. The model keeps per-length, per-position
alphabets (which characters were seen where), never the codes themselves.
When that space is too small for the rows asked for, it widens step by step:
each position's whole character class (A–Z for a position that held A–E),
then every class the column uses at every position, then longer codes up to
the declared length. Beyond that the request is impossible and says so.
"""
from __future__ import annotations

import string
from typing import Any, Iterable

import numpy as np
import pandas as pd

from dbsynth.errors import ConfigError

CODE_MAX_LENGTH = 8  # tokens no longer than this, of letters, digits and a few separators, are codes
_SEPARATORS = frozenset("-_./#")
MAX_ENUMERATED = 10_000_000  # spaces up to this size are drawn exactly without replacement
_CLASSES = (string.ascii_uppercase, string.ascii_lowercase, string.digits)


def is_code_column(values: Iterable[Any]) -> bool:
    """Short tokens of letters and digits (separators allowed, never only separators)."""
    texts = [v for v in values if isinstance(v, str)]
    if not texts:
        return False
    tokens = all(0 < len(t) <= CODE_MAX_LENGTH and t.isascii() and any(ch.isalnum() for ch in t)
                 and all(ch.isalnum() or ch in _SEPARATORS for ch in t) for t in texts)
    # words ('Eastern', 'blue') are better faked; codes have digits, capitals only, or are tiny
    return tokens and (max(map(len, texts)) <= 3 or any(ch.isdigit() for t in texts for ch in t)
                       or all(t.upper() == t for t in texts))


def learn_codes(values: pd.Series, *, max_length: int | None) -> dict[str, Any]:
    """Per-length position alphabets, length shares and the share of distinct values."""
    texts = [str(v) for v in values.dropna()]
    by_length: dict[int, list[set[str]]] = {}
    counts: dict[int, int] = {}
    for t in texts:
        slots = by_length.setdefault(len(t), [set() for _ in range(len(t))])
        for i, ch in enumerate(t):
            slots[i].add(ch)
        counts[len(t)] = counts.get(len(t), 0) + 1
    lengths = sorted(by_length)
    total = max(sum(counts.values()), 1)
    return {"lengths": lengths, "length_p": [counts[k] / total for k in lengths],
            "alphabets": {str(k): ["".join(sorted(s)) for s in by_length[k]] for k in lengths},
            "distinct_share": len(set(texts)) / total if texts else 1.0, "max_length": max_length}


def draw_codes(spec: dict[str, Any], *, n: int, rng: np.random.Generator, unique: bool,
               seen: set[Any] | None = None, column: str = "column") -> np.ndarray:
    """`n` codes shaped like the source's: all new (not in `seen`) when `unique`, else repeating
    about as often as the source's did."""
    seen = seen or set()
    if n == 0:
        return np.empty(0, dtype=object)
    k = n if unique else max(1, min(n, int(round(n * float(spec.get("distinct_share", 1.0))))))
    space = _space_for(spec, need=k + len(seen), column=column)
    # lengths in the source's shares where the space is the observed one (not by capacity)
    shares = spec.get("length_p") if len(space) == len(spec["lengths"]) else None
    pool = _distinct(space, k, rng, seen, shares=shares)
    if unique:
        return pool
    out = np.empty(n, dtype=object)
    out[:] = pool[rng.permutation(np.resize(np.arange(len(pool)), n))]
    return out


def _space_for(spec: dict[str, Any], *, need: int, column: str) -> list[list[str]]:
    """The narrowest space (list of per-position alphabets, one entry a length) holding `need` codes."""
    lengths = [int(x) for x in spec["lengths"]]
    observed = [list(spec["alphabets"][str(k)]) for k in lengths]
    steps = [observed, [[_class_of(a) for a in alpha] for alpha in observed]]
    union = "".join(c for c in _CLASSES if any(set(c) & set(a) for alpha in observed for a in alpha))
    union = union or string.ascii_uppercase
    steps.append([[union] * k for k in lengths])
    longest = max(lengths)
    limit = int(spec.get("max_length") or longest)
    steps.append([[union] * k for k in range(min(lengths), max(limit, longest) + 1)])
    # the source's letters are spent (676 two-letter codes for 697 rows): any letter or digit the column holds
    every = "".join(_CLASSES)
    steps.append([[every] * k for k in range(min(lengths), max(limit, longest) + 1)])
    for step in steps:
        if _capacity(step) >= need:
            return step
    raise ConfigError(f"cannot make {need} distinct codes for column {column!r} within {limit} characters",
                      hint="widen the column, lower --scale, or turn off uniqueness for it")


def _class_of(alphabet: str) -> str:
    return "".join(c for c in _CLASSES if set(c) & set(alphabet)) or alphabet


def _capacity(space: list[list[str]]) -> int:
    return sum(int(np.prod([len(a) for a in alpha], dtype=float)) for alpha in space)


def _distinct(space: list[list[str]], k: int, rng: np.random.Generator, seen: set[Any],
              shares: list[float] | None = None) -> np.ndarray:
    """k distinct codes from `space`, none in `seen`; lengths in `shares` (as far as each length's
    capacity allows), else in proportion to capacity."""
    sizes = [int(np.prod([len(a) for a in alpha], dtype=float)) for alpha in space]
    weights = np.asarray(sizes, dtype=float)
    if shares is not None:
        weights = np.minimum(np.asarray(shares, dtype=float) * (k + len(seen)), weights / 2) + 1e-9
    out: list[str] = []
    taken = set(seen)
    for _ in range(20):
        want = k - len(out)
        if want <= 0:
            break
        which = rng.choice(len(space), size=want, p=weights / weights.sum())
        for j in np.unique(which):
            m, got = int((which == j).sum()), 0
            for code in _sample_space(space[j], sizes[j], m + min(m, 64), rng):
                if code not in taken and len(out) < k and got < m:  # at most this length's draws
                    taken.add(code)
                    out.append(code)
                    got += 1
    if len(out) < k:  # a nearly full space: walk what is left of it
        out += _remaining(space, sizes, k - len(out), rng, taken)
    if len(out) < k:
        raise ConfigError(f"cannot make {k} new distinct codes: the code space holds {sum(sizes)}",
                          hint="widen the column, lower --scale, or turn off uniqueness for it")
    result = np.empty(len(out), dtype=object)
    result[:] = out
    return result


def _remaining(space: list[list[str]], sizes: list[int], k: int, rng: np.random.Generator,
               taken: set[Any]) -> list[str]:
    out: list[str] = []
    for j in rng.permutation(len(space)):
        if sizes[j] > MAX_ENUMERATED:
            continue
        for code in _sample_space(space[j], sizes[j], sizes[j], rng):
            if code not in taken:
                taken.add(code)
                out.append(code)
                if len(out) == k:
                    return out
    return out


def _sample_space(alphabets: list[str], size: int, m: int, rng: np.random.Generator) -> list[str]:
    if size <= MAX_ENUMERATED:
        idx = rng.choice(size, size=min(m, size), replace=False)
    else:
        idx = rng.integers(0, size, size=m)
    codes = []
    for i in idx.tolist():
        chars = []
        for alpha in reversed(alphabets):  # mixed radix, last position fastest
            i, r = divmod(i, len(alpha))
            chars.append(alpha[r])
        codes.append("".join(reversed(chars)))
    return codes
