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
        values = F.draw_formats(spec["format"], n=m, rng=rng, accept=accept, avoid=hashes)
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


class _Compiled:
    """The tables of one word model that do not depend on the random stream, built once per model
    and reused by every batch (a worker draws many batches from the same model)."""

    def __init__(self, model: dict[str, Any]) -> None:
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
        self.pad = model.get("pad")
        self.ends = set(model.get("ends", ()))
        self._cache: dict[tuple[int, str, str | None], tuple[list[int], list[float]] | None] = {}
        self.chains = _Chains(self)

    def follow(self, prev: int, shape: str, after: str | None = None) -> tuple[list[int], list[float]] | None:
        """Successors of ``prev`` (-1: first words) that have the template's shape and, given
        ``after``, are followed in the source by a word of that next shape (one step of lookahead)."""
        key = (prev, shape, after)
        if key not in self._cache:
            pairs = self.raw.get(prev, ())
            kept = [(k, c) for k, c in pairs if self.shapes[k] == shape
                    and (after is None or after in self.follow_shapes.get(k, ()))]
            self._cache[key] = ([k for k, _ in kept], _cum([c for _, c in kept])) if kept else None
        return self._cache[key]

    def raw_table(self, prev: int) -> tuple[list[int], list[float]] | None:
        return self.starts if prev < 0 else self.next.get(prev)

    def table(self, prev: int, shape: str, after: str | None) -> tuple[list[int], list[float]] | None:
        """The table a chain draws from after ``prev``: a word of the template's shape that the source
        has after ``prev`` (and before a word of shape ``after``), else of that shape, else any."""
        return self.follow(prev, shape, after) or self.follow(prev, shape) or self.raw_table(prev)


_COMPILED: dict[int, tuple[dict[str, Any], _Compiled]] = {}  # id(model) -> (model, tables); the model is
# held so that its id is not reused while cached
_COMPILED_MAX = 64


def _compiled(model: dict[str, Any]) -> _Compiled:
    hit = _COMPILED.get(id(model))
    if hit is not None and hit[0] is model:
        return hit[1]
    if len(_COMPILED) >= _COMPILED_MAX:
        _COMPILED.pop(next(iter(_COMPILED)))
    made = _Compiled(model)
    _COMPILED[id(model)] = (model, made)
    return made


class _Chains:
    """Word chains for many values at once: one numpy step per word position over every value.

    Every table a chain draws from (``_Compiled.table`` of a (previous word, shape, next shape) key,
    or all words of a shape) gets a number; their cumulative counts are laid end to end (each offset
    by the totals before it), so one ``searchsorted`` draws from each row's table.
    The draws are the per-value chain's (same tables, same rules), only made column by column."""

    def __init__(self, c: _Compiled) -> None:
        self.c = c
        self.shape_id: dict[str, int] = {}
        for sh in c.shapes:
            self.shape_id.setdefault(sh, len(self.shape_id))
        width = max((len(t) for t in c.templates), default=0)
        self.tmpl = np.full((len(c.templates), width + 1), -1, dtype=np.int64)  # -1 pads (and ends) a row
        for i, t in enumerate(c.templates):
            self.tmpl[i, :len(t)] = [self.shape_id.setdefault(sh, len(self.shape_id)) for sh in t]
        self.tmpl_len = np.array([len(t) for t in c.templates], dtype=np.int64)
        self.shape_names = list(self.shape_id)
        self.word_shape = np.array([self.shape_id[sh] for sh in c.shapes], dtype=np.int64)
        self.word_len = np.array([len(w) for w in c.vocab], dtype=np.int64)
        self.vocab = np.array(c.vocab + [""], dtype=object)  # index -1: no word
        self.is_end = np.zeros(len(c.vocab) + 1, dtype=bool)  # index -1 (no word) is never an end
        self.is_end[[e for e in c.ends if 0 <= e < len(c.vocab)]] = True
        # laid-out tables: word ids and their cumulative counts, table t's counts offset by the totals of
        # the tables before it (whole numbers: a draw does not depend on where its table was laid out)
        self.words, self.edges = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        self.starts: list[int] = [0]
        self.base: list[int] = [0]
        self.totals: list[int] = []
        self.start = np.zeros(1, dtype=np.int64)
        self.offset, self.total = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        self.pending: list[tuple[np.ndarray, np.ndarray]] = []
        self.by_object: dict[int, int] = {}
        self.held: list[Any] = []
        self.key_table: dict[int, int] = {}  # chain key -> table number (-1: none)
        self.shape_table = np.array([self._add(c.by_shape.get(sh)) for sh in self.shape_names], dtype=np.int64)

    def _add(self, table: tuple[list[int], list[float]] | None) -> int:
        """The number of a table (the same table object, reached by several keys, is laid out once)."""
        if table is None or not table[0]:
            return -1
        known = self.by_object.get(id(table))
        if known is not None:
            return known
        keys, cum = table
        t = len(self.starts) - 1
        counts = np.rint(np.asarray(cum, dtype=float)).astype(np.int64)  # whole counts, cumulative
        self.pending.append((np.asarray(keys, dtype=np.int64), self.base[-1] + counts))
        self.totals.append(int(counts[-1]))
        self.base.append(self.base[-1] + int(counts[-1]))
        self.starts.append(self.starts[-1] + len(keys))
        self.by_object[id(table)] = t
        self.held.append(table)  # keeps id(table) from being reused
        return t

    def _tables_for(self, keys: np.ndarray) -> np.ndarray:
        """Table numbers of chain keys (made on first sight, kept for later batches)."""
        uniq, inv = np.unique(keys, return_inverse=True)
        s = len(self.shape_names) + 1
        out = np.empty(len(uniq), dtype=np.int64)
        for j, k in enumerate(uniq.tolist()):
            t = self.key_table.get(k)
            if t is None:
                prev, rest = divmod(k, s * s)
                shape, after = divmod(rest, s)
                t = self._add(self.c.table(prev - 1, self.shape_names[shape - 1],
                                           self.shape_names[after - 1] if after else None))
                self.key_table[k] = t
            out[j] = t
        return out[np.asarray(inv).reshape(-1)]

    def _flatten(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The laid-out tables; those added since the last call are appended (not laid out anew)."""
        if self.pending:
            self.words = np.concatenate([self.words] + [k for k, _ in self.pending])
            self.edges = np.concatenate([self.edges] + [e for _, e in self.pending])
            self.start = np.asarray(self.starts, dtype=np.int64)
            self.offset = np.asarray(self.base[:-1], dtype=np.int64)
            self.total = np.asarray(self.totals, dtype=np.int64)
            self.pending = []
        return self.words, self.edges, self.start

    def _draw(self, tables: np.ndarray, u: np.ndarray) -> np.ndarray:
        """One word per row from its table (``u`` uniform in [0, 1)); -1 where the row has none."""
        words, edges, start = self._flatten()
        out = np.full(len(tables), -1, dtype=np.int64)
        ok = tables >= 0
        if ok.any():
            t = tables[ok]
            pick = self.offset[t] + (u[ok] * self.total[t]).astype(np.int64)  # a count below the table's total
            at = np.searchsorted(edges, pick, side="right")
            out[ok] = words[np.minimum(at, start[t + 1] - 1)]
        return out

    def chain(self, tix: np.ndarray, rng: np.random.Generator, mix: float) -> np.ndarray:
        """Word ids (rows × positions, -1 past a value's end or where no word fits) for templates ``tix``."""
        lens = self.tmpl_len[tix]
        width = int(lens.max()) if len(tix) else 0
        ids = np.full((len(tix), width), -1, dtype=np.int64)
        prev = np.full(len(tix), -1, dtype=np.int64)
        s = len(self.shape_names) + 1
        for pos in range(width):
            act = np.flatnonzero(lens > pos)
            shape = self.tmpl[tix[act], pos]
            after = self.tmpl[tix[act], pos + 1]  # -1 at a value's last word
            tables = self._tables_for((prev[act] + 1) * s * s + (shape + 1) * s + (after + 1))
            jump = rng.random(len(act)) < mix
            tables = np.where(jump | (tables < 0), self.shape_table[shape], tables)
            word = self._draw(tables, rng.random(len(act)))
            last = np.flatnonzero(after < 0)
            if len(last):  # the last word: preferably one that ended a source value (EXTEND draws)
                word[last] = self._last_words(tables[last], word[last], rng)
            ids[act, pos] = word
            prev[act] = word
        return ids

    def _last_words(self, tables: np.ndarray, first: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        tries = [first] + [self._draw(tables, rng.random(len(tables))) for _ in range(EXTEND - 1)]
        cand = np.stack(tries, axis=1)
        ended = self.is_end[cand]
        pick = np.where(ended.any(axis=1), ended.argmax(axis=1), EXTEND - 1)
        return cand[np.arange(len(cand)), pick]

    def misses(self, tix: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """Per row, positions whose word is missing or not of the template's shape."""
        shape = self.tmpl[tix, :ids.shape[1]]
        inside = shape >= 0
        got = np.where(ids >= 0, self.word_shape[np.maximum(ids, 0)], -2)
        return ((got != shape) & inside).sum(axis=1)

    def best(self, tix: np.ndarray, rng: np.random.Generator, mix: float) -> np.ndarray:
        """The best of CHAINS chains per row (fewest misses; a perfect chain stops the row's tries)."""
        ids = self.chain(tix, rng, mix)
        miss = self.misses(tix, ids)
        for _ in range(CHAINS - 1):
            redo = np.flatnonzero(miss > 0)
            if not len(redo):
                break
            again = self.chain(tix[redo], rng, mix)
            again_miss = self.misses(tix[redo], again)
            better = again_miss < miss[redo]
            rows = redo[better]
            ids[rows] = -1
            ids[rows, :again.shape[1]] = again[better]
            miss[rows] = again_miss[better]
        return ids


class _Sampler:
    """One batch's draws from a word model: whole columns through ``_Chains``, the rare value that
    needs more (a new word, a rejected value) word by word with bisect."""

    def __init__(self, model: dict[str, Any], rng: np.random.Generator) -> None:
        self.m, self.rng = model, rng
        c = self.c = _compiled(model)
        # per-word draws use Python's generator (a numpy scalar draw costs ~1 µs), seeded from ``rng``
        self.r = random.Random(int(rng.integers(2**62)))
        self.vocab, self.shapes, self.by_shape = c.vocab, c.shapes, c.by_shape
        self.chars, self.templates, self.limit, self.ends = c.chars, c.templates, c.limit, c.ends

    def plan(self, n: int) -> np.ndarray:
        """Template numbers for ``n`` values in the source's proportions (systematic sampling: a small
        table gets its templates' shares nearly exactly, not a random draw of them)."""
        return F.systematic(np.cumsum(self.c.template_counts, dtype=float), n, self.rng)

    def values(self, tix: np.ndarray, mix: float = UNIGRAM_MIX) -> list[str]:
        """One value per template number, all chains drawn column-wise."""
        ch = self.c.chains
        ids = ch.best(tix, self.rng, mix)
        lens = ch.tmpl_len[tix]
        # words kept per row: as many as fit the limit (never cut a word), at least one
        if self.limit:
            widths = np.where(ids >= 0, ch.word_len[np.maximum(ids, 0)] + 1, 0).cumsum(axis=1) - 1
            inside = np.arange(ids.shape[1])[None, :] < lens[:, None]
            keep = np.maximum(((widths <= self.limit) & inside).sum(axis=1), 1)
            too_long = widths[:, 0] > self.limit  # a first word longer than the column
        else:
            keep, too_long = lens, np.zeros(len(lens), dtype=bool)
        words = ch.vocab[ids].tolist()
        out = [" ".join(row[:k]) for row, k in zip(words, keep.tolist())]
        missing = ((ids < 0) & (np.arange(ids.shape[1])[None, :] < lens[:, None])).any(axis=1)
        for i in np.flatnonzero(missing).tolist():  # a word no table gives: a new one of its shape
            template = self.templates[int(tix[i])]
            row = ids[i, :len(template)].tolist()
            out[i] = self.fit([self.vocab[w] if w >= 0 else self.new_word(sh) for w, sh in zip(row, template)])
        for i in np.flatnonzero(too_long & ~missing).tolist():
            out[i] = self.fit([out[i]])
        pad = self.c.pad
        if pad:
            done = (missing | too_long).tolist()  # fit() padded those
            out = [v if d else v.ljust(pad) for v, d in zip(out, done)]
        return out

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
            table = self.c.table(prev, sh, after)
            if table is None or rng.random() < mix:
                table = self.by_shape.get(sh)
            word = -1
            for _ in range(EXTEND if last else 1):  # the last word: preferably one that ended a value
                word = _draw(table, rng) if table is not None else -1
                if word in self.ends:
                    break
            ids.append(word)
        return ids

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
    tix = s.plan(n)
    out = s.values(tix)
    pending = [i for i, v in enumerate(out) if not accept(v)]
    for tries in range(1, ROUNDS):  # retries mix in more unigram draws: new pairs of source words
        if not pending:
            break
        again = s.values(tix[pending], min(0.5, UNIGRAM_MIX + 0.05 * tries))
        left = []
        for i, value in zip(pending, again):
            out[i] = value
            if not accept(value):
                left.append(i)
        pending = left
    for i in pending:  # then new words, word by word
        value, tries = out[i], ROUNDS - 1
        while not accept(value):
            tries += 1
            value = s.mutate(value)
            if tries > ROUNDS + 50:  # the space is spent: a numbered value, never a source value
                value = s.numbered(value, accept)
                break
        out[i] = value
    return out


def _cum(counts: list[int]) -> list[float]:
    return np.cumsum(np.asarray(counts, dtype=float)).tolist()


def _pairs_of(pairs: list[list[int]]) -> tuple[list[int], list[float]]:
    return [int(k) for k, _ in pairs], _cum([c for _, c in pairs])


def _draw(table: tuple[list[int], list[float]], rng: random.Random) -> int:
    keys, cum = table
    return keys[min(bisect.bisect_right(cum, rng.random() * cum[-1]), len(keys) - 1)]


