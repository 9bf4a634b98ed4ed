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
import random
import re
from collections import Counter, defaultdict
from typing import Any, Callable

import numpy as np
import pandas as pd

from dbsynth.transform import formats as F

MAX_LEARN = 20_000  # values read to learn a word model
UNIGRAM_MIX = 0.03  # share of steps that jump to the unigram distribution (new word pairs)
CHAINS = 4  # word chains drawn per value; the one closest to its template is kept
EXTEND = 4  # draws of a value's last word to find one that ended a source value
ROUNDS = 12
MAX_TEMPLATES = 5000  # the most common value templates kept
_LETTERS = re.compile(r"[A-Za-z]+")
_CORE = re.compile(r"([^A-Za-z]*)([A-Za-z]+)([^A-Za-z]*)")  # draws of a rejected value before it is changed word by word


FEW_VALUES = 30  # text columns with at most this many distinct values keep their shapes, prose or not


def text_spec(values: pd.Series, *, max_length: int | None, formats_only: bool = False) -> dict[str, Any]:
    """``{"format": …}`` or ``{"words": …}`` for a non-personal text column (empty when no text;
    ``formats_only``: a format or nothing, for values Faker makes otherwise, such as URLs)."""
    texts = [v for v in values.dropna().tolist() if isinstance(v, str)]
    if not texts:
        return {}
    fmt = F.learn_formats(texts, max_length=max_length)
    if fmt is None and len(set(texts)) <= FEW_VALUES:
        # a handful of company names or home pages: too few for a word model, and their
        # shapes (`Aa Aa S.A.`, `Aa s.r.o.`) are what they share
        fmt = F.learn_formats(texts, max_length=max_length, prose_ok=True)
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

    # the NULL rows first, as many as the source's share gives (randomly rounded): the shapes are then
    # dealt out over the rows that get a value, so a column with 5 values in 29 rows keeps its shares
    nulls = _null_rows(n, float(spec.get("null_rate", 0.0)), rng)
    m = int(n - nulls.sum())
    if spec.get("format"):
        values = F.draw_formats(spec["format"], n=m, rng=rng, accept=accept)
    else:
        values = draw_words(spec["words"], n=m, rng=rng, accept=accept)
    arr = np.full(n, None, dtype=object)
    filled = np.empty(m, dtype=object)
    filled[:] = values
    arr[~nulls] = filled
    return arr


def _null_rows(n: int, rate: float, rng: np.random.Generator) -> np.ndarray:
    """``n`` flags, floor(n·rate + u) of them set, at random rows."""
    k = min(int(np.floor(n * rate + rng.uniform())), n) if rate > 0 else 0
    out = np.zeros(n, dtype=bool)
    out[rng.choice(n, size=k, replace=False)] = True
    return out


# ---- the word model ------------------------------------------------------------

def learn_words(texts: list[str], *, max_length: int | None) -> dict[str, Any]:
    """Vocabulary, first words, bigram transitions, value templates (the shape of each word, as in
    `Aa a (Aa)`: word count, case and punctuation) and a character model for new words."""
    if len(texts) > MAX_LEARN:
        pick = np.random.default_rng(0).choice(len(texts), size=MAX_LEARN, replace=False)
        texts = [texts[i] for i in sorted(pick)]
    index: dict[str, int] = {}
    counts: Counter = Counter()
    starts: Counter = Counter()
    pairs: dict[int, Counter] = defaultdict(Counter)
    templates: Counter = Counter()
    ends: set[int] = set()
    shapes: list[str] = []  # per word id: a word's shape is computed once, not once per occurrence
    for t in texts:
        words = t.split()
        if not words:
            continue
        ids = [index.setdefault(w, len(index)) for w in words]
        for w, i in zip(words, ids):
            if i == len(shapes):  # a new word (ids are handed out in order of first sight)
                shapes.append(F.shape(w))
        counts.update(ids)
        starts[ids[0]] += 1
        templates[" ".join(shapes[i] for i in ids)] += 1
        ends.add(ids[-1])
        for a, b in zip(ids, ids[1:]):
            pairs[a][b] += 1
    vocab = list(index)
    widths = {len(t) for t in texts}
    pad = widths.pop() if len(widths) == 1 and all(t != t.rstrip() for t in texts) else None
    return {"vocab": vocab, "counts": [int(counts[i]) for i in range(len(vocab))],
            "starts": _pairs(starts), "next": {str(a): _pairs(c) for a, c in pairs.items()},
            "templates": [[k, int(c)] for k, c in templates.most_common(MAX_TEMPLATES)],
            "ends": sorted(ends), "chars": F.char_model(run for w in vocab for run in _LETTERS.findall(w)), "pad": pad, "max_length": max_length}


def _pairs(counter: Counter) -> list[list[int]]:
    return [[int(k), int(c)] for k, c in sorted(counter.items())]


class _Sampler:
    """Cumulative tables of one word model, drawn with bisect (fast per-row draws)."""

    def __init__(self, model: dict[str, Any], rng: np.random.Generator) -> None:
        self.m, self.rng = model, rng
        # per-word draws use Python's generator (a numpy scalar draw costs ~1 µs), seeded from ``rng``
        self.r = random.Random(int(rng.integers(2**62)))
        self.vocab: list[str] = model["vocab"]
        self.shapes = [F.shape(w) for w in self.vocab]
        counts = model["counts"]
        by_shape: dict[str, list[int]] = defaultdict(list)
        for i, sh in enumerate(self.shapes):
            by_shape[sh].append(i)
        self.by_shape = {sh: (ids, _cum([counts[i] for i in ids])) for sh, ids in by_shape.items()}
        self.starts = _pairs_of(model["starts"])
        self.next = {int(k): _pairs_of(v) for k, v in model["next"].items()}
        self.raw = {int(k): v for k, v in model["next"].items()}
        self.raw[-1] = model["starts"]
        self.follow_shapes = {k: {self.shapes[b] for b, _ in v} for k, v in self.raw.items() if k >= 0}
        self.chars = {k: (v[0], _cum(v[1])) for k, v in model["chars"].items()}
        self.templates = [t.split(" ") for t, _ in model["templates"]]
        self.template_counts = [c for _, c in model["templates"]]
        self.limit = model.get("pad") or model.get("max_length")
        self.ends = set(model.get("ends", ()))
        self._cache: dict[tuple[int, str, str | None], tuple[list[int], list[float]] | None] = {}

    def plan(self, n: int) -> list[list[str]]:
        """Templates for ``n`` values in the source's proportions (systematic sampling: a small
        table gets its templates' shares nearly exactly, not a random draw of them)."""
        picks = F.systematic(np.cumsum(self.template_counts, dtype=float), n, self.rng)
        return [self.templates[i] for i in picks]

    def value(self, template: list[str], mix: float = UNIGRAM_MIX) -> str:
        """A value following ``template``: the best of a few word chains (fluent first, the
        template's shapes as closely as the source's word pairs allow)."""
        best, miss = [], len(template) + 1
        for _ in range(CHAINS):
            ids = self._chain(template, mix)
            wrong = sum(i < 0 or self.shapes[i] != sh for i, sh in zip(ids, template))
            if wrong < miss:
                best, miss = ids, wrong
            if wrong == 0:
                break
        words = [self.vocab[i] if i >= 0 else self.new_word(sh) for i, sh in zip(best, template)]
        return self.fit(words)

    def _chain(self, template: list[str], mix: float) -> list[int]:
        rng = self.r
        ids: list[int] = []
        for pos, sh in enumerate(template):
            last = pos == len(template) - 1
            prev = ids[-1] if ids else -1
            after = template[pos + 1] if not last else None
            # a word that follows the last one in the source, of the template's shape if one does
            table = self._follow(prev, sh, after) or self._follow(prev, sh) or self.raw_table(prev)
            if table is None or rng.random() < mix:
                table = self.by_shape.get(sh)
            word = -1
            for _ in range(EXTEND if last else 1):  # the last word: preferably one that ended a value
                word = _draw(table, rng) if table is not None else -1
                if word in self.ends:
                    break
            ids.append(word)
        return ids

    def raw_table(self, prev: int) -> tuple[list[int], list[float]] | None:
        return self.starts if prev < 0 else self.next.get(prev)

    def _follow(self, prev: int, shape: str, after: str | None = None) -> tuple[list[int], list[float]] | None:
        """Successors of ``prev`` (-1: first words) that have the template's shape and, given
        ``after``, are followed in the source by a word of that next shape (one step of lookahead)."""
        key = (prev, shape, after)
        if key not in self._cache:
            pairs = self.raw.get(prev, ())
            kept = [(k, c) for k, c in pairs if self.shapes[k] == shape
                    and (after is None or after in self.follow_shapes.get(k, ()))]
            self._cache[key] = ([k for k, _ in kept], _cum([c for _, c in kept])) if kept else None
        return self._cache[key]

    def fit(self, words: list[str]) -> str:
        """Join, dropping words from the end (never cutting one) to stay within the limit."""
        text = " ".join(words)
        limit = self.limit
        while limit and len(text) > limit and len(words) > 1:
            words = words[:-1]
            text = " ".join(words)
        if limit and len(text) > limit:  # one word longer than the column: a shorter word, else cut
            short = [w for w in self.vocab if len(w) <= limit]
            text = short[self.r.randrange(len(short))] if short else text[:limit]
        pad = self.m.get("pad")
        return text.ljust(pad) if pad else text

    def mutate(self, value: str) -> str:
        """Change one word for a new one of the same shape: a value that is not in the source."""
        words = value.split() or [""]
        i = self.r.randrange(len(words))
        words[i] = self.new_word(F.shape(words[i]), like=words[i])
        return self.fit(words)

    def numbered(self, value: str, accept: Callable[[str], bool]) -> str:
        """``value`` with a number appended (words dropped from the end to make room)."""
        words = value.split() or ["x"]
        for k in range(2, 10_000_000):
            suffix = f" {k}"
            room = (self.limit - len(suffix)) if self.limit else None
            while room is not None and len(" ".join(words)) > room and len(words) > 1:
                words = words[:-1]
            base = " ".join(words)
            candidate = (base[:room] if room is not None and room > 0 else base) + suffix
            pad = self.m.get("pad")
            candidate = candidate.ljust(pad) if pad else candidate
            if accept(candidate):
                return candidate
        return value

    def new_word(self, shape: str, like: str | None = None) -> str:
        """A new word for a shape: letters from the character model, punctuation kept around them."""
        m = _CORE.fullmatch(like if like is not None else shape)
        if m is None and like is not None and _LETTERS.search(like):
            # a word of several letter runs (`#CAJUN.HTM#`, `G'day`): the longest run is replaced, the
            # rest kept, so the shape stays the source's
            run = max(_LETTERS.finditer(like), key=lambda r: len(r.group()))
            word = F.new_word(self.chars, self.r, like=run.group())
            return like[:run.start()] + word + like[run.end():]
        if m is None or not m.group(2).isalpha():
            table = self.by_shape.get(shape)
            return self.vocab[_draw(table, self.r)] if table else (like or shape)
        core = m.group(2)
        word = F.new_word(self.chars, self.r, like="AA" if core in ("A",) or (core.isupper() and len(core) > 1)
                          else core)
        return f"{m.group(1)}{word}{m.group(3)}"


def draw_words(model: dict[str, Any], *, n: int, rng: np.random.Generator,
               accept: Callable[[str], bool]) -> list[str]:
    """``n`` texts from the word model; rejected ones (source values, duplicates) are drawn again
    with the same template, then changed word by word."""
    s = _Sampler(model, rng)
    out = []
    for template in s.plan(n):
        value = s.value(template)
        tries = 0
        while not accept(value):
            tries += 1
            # retries mix in more unigram draws: new pairs of source words before new words
            value = s.value(template, min(0.5, UNIGRAM_MIX + 0.05 * tries)) if tries < ROUNDS else s.mutate(value)
            if tries > ROUNDS + 50:  # the space is spent: a numbered value, never a source one
                value = s.numbered(value, accept)
                break
        out.append(value)
    return out


def _cum(counts: list[int]) -> list[float]:
    return np.cumsum(np.asarray(counts, dtype=float)).tolist()


def _pairs_of(pairs: list[list[int]]) -> tuple[list[int], list[float]]:
    return [int(k) for k, _ in pairs], _cum([c for _, c in pairs])


def _draw(table: tuple[list[int], list[float]], rng: random.Random) -> int:
    keys, cum = table
    return keys[min(bisect.bisect_right(cum, rng.random() * cum[-1]), len(keys) - 1)]


