"""Non-personal text learned from its column: structured formats or a word-level model.

A text column that is neither a category nor personal data is generated in
one of two ways (chosen at fit time by ``text_spec``):

- *formats* (transform/formats.py) when a few formats cover most values
  (codes, quantities, extensions, paths);
- *words* otherwise (product names, titles, descriptions, notes): a word
  bigram model learned from the column. It keeps the vocabulary with the
  source's capitalisation, the first-word distribution, the word-to-word
  transitions (mixed with the unigram distribution so that new combinations
  appear) and the distribution of words per value; a small character model
  makes new words for one-word values (`Chai` → `Chanise`).

Guarantees: a generated value never equals a source value (case-insensitive,
checked against the salted hashes the model keeps, and drawn again); words
are never cut (the maximum length is respected by stopping at a word
boundary; only a single word longer than the column is cut); UNIQUE columns
get distinct values; the same seed gives the same values.
"""
from __future__ import annotations

import bisect
from collections import Counter, defaultdict
from typing import Any, Callable

import numpy as np
import pandas as pd

from dbsynth.transform import formats as F

MAX_LEARN = 20_000  # values read to learn a word model
UNIGRAM_MIX = 0.1  # share of steps that jump to the unigram distribution (new word pairs)
EXTEND = 3  # words added at most to reach a word that can end a value
ROUNDS = 12  # draws of a rejected value before it is changed word by word


def text_spec(values: pd.Series, *, max_length: int | None, formats_only: bool = False) -> dict[str, Any]:
    """``{"format": …}`` or ``{"words": …}`` for a non-personal text column (empty when no text;
    ``formats_only``: a format or nothing, for values Faker makes otherwise, such as URLs)."""
    texts = [v for v in values.dropna().tolist() if isinstance(v, str)]
    if not texts:
        return {}
    fmt = F.learn_formats(texts, max_length=max_length)
    if fmt is not None:
        return {"format": fmt}
    if formats_only or not any(t.strip() for t in texts):
        return {}
    return {"words": learn_words(texts, max_length=max_length)}


def draw_text(spec: dict[str, Any], *, n: int, rng: np.random.Generator, seen: set[Any]) -> np.ndarray:
    """``n`` values of a fake spec carrying ``format`` or ``words``, none equal to a source value
    (``spec["avoid"]``: salted hashes), distinct from each other and from ``seen`` when UNIQUE;
    NULLs at the source's rate. ``seen`` is read, not changed (the caller records what it keeps)."""
    from dbsynth.transform.fake import value_hash

    unique, hashes = bool(spec.get("unique")), spec.get("avoid") or frozenset()
    batch: set[str] = set()

    def accept(value: str) -> bool:
        if not value.strip() or (hashes and value_hash(value) in hashes):
            return False
        if unique:
            if value in seen or value in batch:
                return False
            batch.add(value)
        return True

    if spec.get("format"):
        values = F.draw_formats(spec["format"], n=n, rng=rng, accept=accept)
    else:
        values = draw_words(spec["words"], n=n, rng=rng, accept=accept)
    arr = np.empty(n, dtype=object)
    arr[:] = values
    arr[rng.uniform(size=n) < float(spec.get("null_rate", 0.0))] = None
    return arr


# ---- the word model ------------------------------------------------------------

def learn_words(texts: list[str], *, max_length: int | None) -> dict[str, Any]:
    """Vocabulary, first words, bigram transitions, words per value and a character model."""
    if len(texts) > MAX_LEARN:
        pick = np.random.default_rng(0).choice(len(texts), size=MAX_LEARN, replace=False)
        texts = [texts[i] for i in sorted(pick)]
    index: dict[str, int] = {}
    counts: Counter = Counter()
    starts: Counter = Counter()
    pairs: dict[int, Counter] = defaultdict(Counter)
    sizes: Counter = Counter()
    ends: set[int] = set()
    for t in texts:
        words = t.split()
        if not words:
            continue
        ids = [index.setdefault(w, len(index)) for w in words]
        counts.update(ids)
        starts[ids[0]] += 1
        sizes[len(ids)] += 1
        ends.add(ids[-1])
        for a, b in zip(ids, ids[1:]):
            pairs[a][b] += 1
    vocab = list(index)
    widths = {len(t) for t in texts}
    pad = widths.pop() if len(widths) == 1 and all(t != t.rstrip() for t in texts) else None
    return {"vocab": vocab, "counts": [int(counts[i]) for i in range(len(vocab))],
            "starts": _pairs(starts), "next": {str(a): _pairs(c) for a, c in pairs.items()},
            "sizes": _pairs(sizes), "ends": sorted(ends), "chars": F.char_model(vocab), "pad": pad, "max_length": max_length}


def _pairs(counter: Counter) -> list[list[int]]:
    return [[int(k), int(c)] for k, c in sorted(counter.items())]


class _Sampler:
    """Cumulative tables of one word model, drawn with bisect (fast per-row draws)."""

    def __init__(self, model: dict[str, Any], rng: np.random.Generator) -> None:
        self.m, self.rng = model, rng
        self.vocab: list[str] = model["vocab"]
        self.unigram = _cum(model["counts"])
        self.starts = _table(model["starts"])
        self.sizes = _table(model["sizes"])
        self.next = {int(k): _table(v) for k, v in model["next"].items()}
        self.chars = {k: (v[0], _cum(v[1])) for k, v in model["chars"].items()}
        self.limit = model.get("pad") or model.get("max_length")
        self.ends = set(model.get("ends", ()))

    def value(self) -> str:
        rng = self.rng
        k = _draw(self.sizes, rng)
        ids = [_draw(self.starts, rng)]
        while len(ids) < k:
            follow = self.next.get(ids[-1])
            if follow is None or rng.random() < UNIGRAM_MIX:
                ids.append(_draw_cum(self.unigram, rng))
            else:
                ids.append(_draw(follow, rng))
        for _ in range(EXTEND):  # a value ends on a word that ended one in the source ('of' does not)
            if ids[-1] in self.ends or ids[-1] not in self.next:
                break
            ids.append(_draw(self.next[ids[-1]], rng))
        return self.fit([self.vocab[i] for i in ids])

    def fit(self, words: list[str]) -> str:
        """Join, dropping words from the end (never cutting one) to stay within the limit."""
        text = " ".join(words)
        limit = self.limit
        while limit and len(text) > limit and len(words) > 1:
            words = words[:-1]
            text = " ".join(words)
        if limit and len(text) > limit:  # one word longer than the column: a shorter word, else cut
            short = [w for w in self.vocab if len(w) <= limit]
            text = short[int(self.rng.integers(len(short)))] if short else text[:limit]
        pad = self.m.get("pad")
        return text.ljust(pad) if pad else text

    def mutate(self, value: str) -> str:
        """Change one word for a new one (character model) or add a word: a value not in the source."""
        words = value.split() or [""]
        i = int(self.rng.integers(len(words)))
        fresh = self.new_word(words[i])
        if self.rng.random() < 0.5 or len(words) == 1:
            words[i] = fresh
        else:
            words.insert(i + 1, fresh)
        return self.fit(words)

    def new_word(self, like: str) -> str:
        return F.new_word(self.chars, self.rng, like=like)


def draw_words(model: dict[str, Any], *, n: int, rng: np.random.Generator,
               accept: Callable[[str], bool]) -> list[str]:
    """``n`` texts from the word model; rejected ones (source values, duplicates) are drawn again,
    then changed word by word."""
    s = _Sampler(model, rng)
    out = []
    for _ in range(n):
        value = s.value()
        tries = 0
        while not accept(value):
            tries += 1
            value = s.value() if tries < ROUNDS else s.mutate(value)
            if tries > ROUNDS + 50:  # space exhausted: UNIQUE repair happens downstream
                break
        out.append(value)
    return out


def _cum(counts: list[int]) -> list[float]:
    return np.cumsum(np.asarray(counts, dtype=float)).tolist()


def _table(pairs: list[list[int]]) -> tuple[list[int], list[float]]:
    return [int(k) for k, _ in pairs], _cum([c for _, c in pairs])


def _draw(table: tuple[list[int], list[float]], rng: np.random.Generator) -> int:
    keys, cum = table
    return keys[min(bisect.bisect_right(cum, rng.random() * cum[-1]), len(keys) - 1)]


def _draw_cum(cum: list[float], rng: np.random.Generator) -> int:
    return min(bisect.bisect_right(cum, rng.random() * cum[-1]), len(cum) - 1)
