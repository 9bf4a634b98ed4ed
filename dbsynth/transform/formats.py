"""Structured strings keep their formats: `10 boxes x 20 bags`, `(503) 555-9831`, `A9A 9A9`, `AAA-9999`.

A value is cut into tokens (letter runs by case, digit runs, blanks, single
other characters: the judge's tokenisation). The sequence of token classes is
the value's *format*; a column is structured when a few formats cover most of
its values. The model keeps, per format, its share and per position what the
tokens were like: a literal that is always the same (`-`, `x`, `http`), the
vocabulary of a position whose tokens repeat (`boxes`, `bags`, `oz`, with
frequencies), the exact length and the value range (a quantile grid) of a
digit run, and the case and lengths of a letter run whose tokens do not
repeat (those are drawn as new pronounceable letter runs, never copied).

Generation draws a format by its share and fills each position; a value that
equals a source value (by hash), repeats one already drawn (UNIQUE), or is
longer than the column allows is drawn again, and after a few rounds drawn
from the widened space (every digit run over its whole length, every letter
run generated), so new values run out only when the format space itself does.
"""
from __future__ import annotations

import bisect
import random
import re
from collections import Counter
from typing import Any, Callable, Iterable

import numpy as np

#: The judge's tokenisation: letter runs by case, digit runs, blanks, any other single character.
TOKEN = re.compile(r"[A-Z][a-z]+|[a-z]+|[A-Z]+|[0-9]+|\s+|.", re.S)
TOP_FORMATS = 20  # a column is structured when this many formats ...
COVERAGE = 0.8  # ... cover this share of its values
KEEP_COVERAGE = 0.995  # formats kept for generation (rarer ones are left out)
MAX_FORMATS = 60
MAX_LEARN = 20_000  # values read to learn a column's formats
MAX_TOKENS = 24  # longer values are text, not formats
CHAR_ORDER = 2
SMALL_VOCAB = 20  # fewer distinct words than this: an order-1 character model
ROUNDS = 8  # draws of rejected values before widening the space
_VOWELS, _CONSONANTS = "aeiou", "bcdfghklmnprstvwz"


def tokens(value: str) -> list[str]:
    return TOKEN.findall(value)


def token_class(tok: str) -> str:
    """'9999' for a digit run (exact length), 'Aa' / 'a' / 'A' for letter runs, ' ' for blanks, else the char."""
    if tok[0].isdigit():
        return "9" * len(tok)
    if tok[0].isspace():
        return " "
    if tok[0].isalpha() and tok.isascii():
        if tok[0].isupper() and len(tok) > 1 and tok[1:].islower():
            return "Aa"
        return "A" if tok.isupper() else "a"
    return tok


def shape(value: str) -> str:
    return "".join(token_class(t) for t in tokens(value))


def is_wordy(texts: list[str]) -> bool:
    """Prose-like: several words per value, nearly all of them plain words (titles, names, notes)."""
    words = [w for t in texts for w in t.split()]
    if not words:
        return False
    median = float(np.median([len(t.split()) for t in texts]))
    seen = Counter(words)  # each distinct word looked at once
    plain = sum(n for w, n in seen.items() if w.strip(".,;:!?'\"()").replace("'", "").replace("-", "").isalpha())
    return median >= 2 and plain / len(words) >= 0.75


def learn_formats(values: Iterable[Any], *, max_length: int | None = None,
                  prose_ok: bool = False) -> dict[str, Any] | None:
    """The column's formats, or None when its values do not follow a few formats (or are prose,
    unless ``prose_ok``)."""
    texts = [v for v in values if isinstance(v, str) and v != ""]
    if len(texts) > MAX_LEARN:  # a fixed sample is plenty for formats and keeps fitting fast
        pick = np.random.default_rng(0).choice(len(texts), size=MAX_LEARN, replace=False)
        texts = [texts[i] for i in sorted(pick)]
    if len(texts) < 3 or (is_wordy(texts) and not prose_ok):
        return None
    split = [tokens(t) for t in texts]
    if max(len(s) for s in split) > MAX_TOKENS:
        return None
    keys = [tuple(token_class(t) for t in s) for s in split]
    counts = Counter(keys)
    ranked = counts.most_common()
    top = sum(c for _, c in ranked[:TOP_FORMATS]) / len(texts)
    if top < COVERAGE and len(ranked) > 1:
        return None
    seen = Counter(t for s in split for t in s)  # a token repeating anywhere in the column is vocabulary
    formats, covered = [], 0
    for key, count in ranked[:MAX_FORMATS]:
        members = [s for s, k in zip(split, keys) if k == key]
        formats.append({"share": count / len(texts), "slots": [_slot(key[i], [m[i] for m in members], seen)
                                                               for i in range(len(key))]})
        covered += count
        if covered / len(texts) >= KEEP_COVERAGE:
            break
    total = sum(f["share"] for f in formats)
    for f in formats:
        f["share"] = f["share"] / total
    # new letter runs are modelled on the runs they replace (those that do not repeat), not on literals
    letters = sorted({t for s in split for t in s if t.isalpha() and len(t) > 1 and seen[t] == 1})
    return {"formats": formats, "chars": char_model(letters), "max_length": max_length}


def _slot(cls: str, toks: list[str], seen: Counter) -> dict[str, Any]:
    distinct = Counter(toks)
    if cls == " " or not (cls[0].isdigit() or cls in ("Aa", "a", "A")):
        return {"t": "lit", "v": distinct.most_common(1)[0][0]}
    if len(distinct) == 1 and len(toks) > 1 and not cls[0].isdigit():  # 'http', 'x': always the same word
        return {"t": "lit", "v": toks[0]}
    # tokens that repeat in the column are its vocabulary (boxes, bags, oz); the others are drawn new
    vocab = Counter({t: c for t, c in distinct.items() if seen[t] >= 2})
    new_share = 1 - sum(vocab.values()) / len(toks)
    if cls[0].isdigit():
        ints = np.asarray([int(t) for t in toks], dtype=float)
        grid = np.quantile(ints, np.linspace(0, 1, min(11, len(ints) + 1))).tolist()
        slot: dict[str, Any] = {"t": "num", "len": len(cls), "grid": grid}
    else:
        slot = {"t": "word", "case": cls, "lens": sorted(len(t) for t in toks)}
    if vocab:
        slot.update(vocab=_vocab(vocab), new=round(new_share, 4))
    return slot


def _vocab(distinct: Counter) -> list[list[Any]]:
    return [[tok, int(c)] for tok, c in distinct.most_common()]


# ---- generation ------------------------------------------------------------

def draw_formats(spec: dict[str, Any], *, n: int, rng: np.random.Generator,
                 accept: Callable[[str], bool], avoid: frozenset[str] = frozenset()) -> list[str]:
    """``n`` values in the column's formats; ``accept`` says whether a value is new enough (and
    records it): rejected ones are drawn again, then from the widened space. ``avoid`` (the source's
    value hashes) lets a format whose narrow space holds only source values go wide at once: its
    narrow draws would all be rejected (o_clerk's `Clerk#000000370`: 1000 clerks, all in the source)."""
    formats = spec["formats"]
    shares = np.cumsum([f["share"] for f in formats])
    limit = spec.get("max_length")
    compiled = _compiled(spec, avoid)
    out: list[str | None] = [None] * n
    pending = np.arange(n)
    # each row keeps its format: a narrow format is widened rather than traded for a common one
    which = systematic(shares, n, rng)
    r = random.Random(int(rng.integers(2**62)))  # per-character draws: Python's generator is much faster
    for round_ in range(2 * ROUNDS):
        if not len(pending):
            break
        wide = round_ >= ROUNDS
        if round_ >= ROUNDS + ROUNDS // 2:  # this format's space is spent: any format
            which[pending] = np.minimum(np.searchsorted(shares, rng.random(len(pending)) * shares[-1], side="right"),
                                        len(formats) - 1)
        left = []
        for f in np.unique(which[pending]).tolist():
            rows = pending[which[pending] == f]
            if not wide and compiled[f].spent:
                left.append(rows)
                continue
            values = compiled[f].fill(len(rows), rng, r, wide=wide)
            ok = np.array([(limit is None or len(v) <= limit) and accept(v) for v in values], dtype=bool)
            for i, v in zip(rows[ok].tolist(), np.asarray(values, dtype=object)[ok].tolist()):
                out[i] = v
            left.append(rows[~ok])
        pending = np.sort(np.concatenate(left)) if left else pending[:0]
    for i in pending.tolist():  # rare: try every format in turn, else the last draw stands (UNIQUE repair downstream)
        value = _fallback(formats, spec_chars(spec), r, limit=limit, accept=accept)
        out[i] = value[:limit] if limit else value
    return [v if v is not None else "" for v in out]


NARROW_CHECK = 20_000  # narrow spaces up to this many values are checked against the source once


class _Format:
    """One format's slots ready for column-wise draws (cumulative vocabulary shares, digit ranges)."""

    def __init__(self, fmt: dict[str, Any], chars: dict[str, Any], avoid: frozenset[str],
                 limit: int | None) -> None:
        self.fmt, self.chars = fmt, chars
        self.slots = [_Slot(slot) for slot in fmt["slots"]]
        self.spent = bool(avoid) and _narrow_spent(self.slots, avoid, limit)

    def fill(self, k: int, g: np.random.Generator, r: random.Random, *, wide: bool) -> list[str]:
        parts = [slot.draw(k, g, r, self.chars, wide=wide) for slot in self.slots]
        return ["".join(p) for p in zip(*parts)]


class _Slot:
    def __init__(self, slot: dict[str, Any]) -> None:
        self.slot, self.kind = slot, slot["t"]
        vocab = slot.get("vocab") or []
        self.vocab = np.array([str(t) for t, _ in vocab], dtype=object)
        cum = np.cumsum([c for _, c in vocab], dtype=float)
        self.cum = cum / cum[-1] if len(cum) else cum
        self.new = float(slot.get("new", 1.0))
        if self.kind == "num":
            length = int(slot["len"])
            grid = slot["grid"]
            self.lo = 0 if length == 1 or min(grid) < 10 ** (length - 1) else 10 ** (length - 1)
            self.hi = 10 ** length - 1
            self.grid = np.asarray(grid, dtype=float)
            self.steps = np.linspace(0, 1, len(grid))
            self.scalar = length > 18  # beyond int64: drawn one by one with Python integers

    def draw(self, k: int, g: np.random.Generator, r: random.Random, chars: dict[str, Any], *,
             wide: bool) -> list[str]:
        if self.kind == "lit":
            return [self.slot["v"]] * k
        out = np.empty(k, dtype=object)
        use_vocab = (g.random(k) >= (max(0.5, self.new) if wide else self.new)) if len(self.vocab) \
            else np.zeros(k, dtype=bool)
        picked = np.flatnonzero(use_vocab)
        if len(picked):
            at = np.searchsorted(self.cum, g.random(len(picked)), side="right")
            out[picked] = self.vocab[np.minimum(at, len(self.vocab) - 1)]
        rest = np.flatnonzero(~use_vocab)
        if len(rest):
            out[rest] = self._fresh(len(rest), g, r, chars, wide=wide)
        return out.tolist()

    def _fresh(self, k: int, g: np.random.Generator, r: random.Random, chars: dict[str, Any], *,
               wide: bool) -> list[str]:
        if self.kind != "num":
            return [_word(self.slot, chars if not (wide and r.random() < 0.5) else {}, r) for _ in range(k)]
        if self.scalar:
            return [_number(self.slot, r, wide=wide) for _ in range(k)]
        if wide:
            ints = g.integers(self.lo, self.hi, size=k, endpoint=True)
        else:  # the source's distribution: inverse CDF through the quantile grid
            ints = np.rint(np.interp(g.random(k), self.steps, self.grid)).astype(np.int64)
        length = int(self.slot["len"])
        return [str(v).zfill(length) for v in np.clip(ints, self.lo, self.hi).tolist()]

    def narrow(self) -> list[str] | None:
        """Every token a narrow draw can give, or None when it can make new words (no end to them)."""
        if self.kind == "lit":
            return [self.slot["v"]]
        fresh: list[str] = []
        if self.new > 0 or not len(self.vocab):
            if self.kind != "num" or self.scalar:
                return None
            lo = max(int(np.rint(self.grid.min())), self.lo)
            hi = min(int(np.rint(self.grid.max())), self.hi)
            if hi - lo >= NARROW_CHECK:
                return None
            fresh = [str(v).zfill(int(self.slot["len"])) for v in range(lo, hi + 1)]
        return fresh + self.vocab.tolist()


def _narrow_spent(slots: list[_Slot], avoid: frozenset[str], limit: int | None) -> bool:
    """Whether every value a narrow draw can make is a source value (or too long)."""
    from itertools import product

    from dbsynth.transform.fake import value_hash

    choices = [s.narrow() for s in slots]
    if any(c is None for c in choices) or np.prod([float(len(c)) for c in choices]) > NARROW_CHECK:
        return False
    return not any((limit is None or len(v) <= limit) and value_hash(v) not in avoid
                   for v in ("".join(p) for p in product(*choices)))


_COMPILED: dict[int, tuple[dict[str, Any], frozenset[str], list[_Format]]] = {}  # id(spec) -> compiled
_COMPILED_MAX = 64


def _compiled(spec: dict[str, Any], avoid: frozenset[str]) -> list[_Format]:
    hit = _COMPILED.get(id(spec))
    if hit is not None and hit[0] is spec and (hit[1] is avoid or not (hit[1] or avoid)):
        return hit[2]
    if len(_COMPILED) >= _COMPILED_MAX:
        _COMPILED.pop(next(iter(_COMPILED)))
    chars = spec_chars(spec)
    made = [_Format(f, chars, avoid, spec.get("max_length")) for f in spec["formats"]]
    _COMPILED[id(spec)] = (spec, avoid, made)  # the spec is held so that its id is not reused
    return made


def spec_chars(spec: dict[str, Any]) -> dict[str, Any]:
    return {k: (v[0], np.cumsum(v[1]).tolist()) for k, v in spec.get("chars", {}).items()}


def systematic(cum: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` indices in the proportions of the cumulative weights ``cum``, shuffled: systematic
    sampling, so a small table gets the source's shares nearly exactly rather than a random draw."""
    points = (rng.random() + np.arange(n)) / max(n, 1) * cum[-1]
    return rng.permutation(np.minimum(np.searchsorted(cum, points, side="right"), len(cum) - 1))


def _fallback(formats: list[dict[str, Any]], chars: dict[str, Any], rng: random.Random, *,
              limit: int | None, accept: Callable[[str], bool]) -> str:
    value = ""
    for fmt in formats:
        for _ in range(ROUNDS):
            value = _fill(fmt, chars, rng, wide=True)
            if (limit is None or len(value) <= limit) and accept(value):
                return value
    return value


def _fill(fmt: dict[str, Any], chars: dict[str, Any], rng: random.Random, *, wide: bool) -> str:
    return "".join(_token(slot, chars, rng, wide=wide) for slot in fmt["slots"])


def _token(slot: dict[str, Any], chars: dict[str, Any], rng: random.Random, *, wide: bool) -> str:
    kind = slot["t"]
    if kind == "lit":
        return slot["v"]
    if slot.get("vocab") and rng.random() >= (max(0.5, slot["new"]) if wide else slot["new"]):
        return _pick_vocab(slot["vocab"], rng)
    if kind == "num":
        return _number(slot, rng, wide=wide)
    return _word(slot, chars if not (wide and rng.random() < 0.5) else {}, rng)  # wide: also pronounceable


def _pick_vocab(vocab: list[list[Any]], rng: random.Random) -> str:
    cum = np.cumsum([c for _, c in vocab]).tolist()
    return str(vocab[min(bisect.bisect_right(cum, rng.random() * cum[-1]), len(vocab) - 1)][0])


def _number(slot: dict[str, Any], rng: random.Random, *, wide: bool) -> str:
    length = int(slot["len"])
    grid = slot["grid"]
    lo_len = 0 if length == 1 else 10 ** (length - 1)
    if min(grid) < lo_len:  # leading zeros were seen: any digits
        lo_len = 0
    hi_len = 10 ** length - 1
    if wide:
        value = rng.randint(lo_len, hi_len)
    else:  # the source's distribution: inverse CDF through the quantile grid
        value = int(round(float(np.interp(rng.random(), np.linspace(0, 1, len(grid)), grid))))
    return str(min(max(value, lo_len), hi_len)).zfill(length)


def _word(slot: dict[str, Any], chars: dict[str, Any], rng: random.Random) -> str:
    """A new letter run in the position's case, from the column's character model (else pronounceable)."""
    lens = slot["lens"]
    k = int(lens[rng.randrange(len(lens))])
    like = {"A": "AA", "Aa": "Aa", "a": "a"}[slot["case"]]
    if chars and k > 1:
        return new_word(chars, rng, like=like, longest=max(lens) + 2)
    start = rng.randrange(2)
    word = "".join((_CONSONANTS if (i + start) % 2 == 0 else _VOWELS)[rng.randrange(5 if (i + start) % 2 else 17)]
                   for i in range(k))
    return _cased(word, like)


# ---- a character model for new words -----------------------------------------

def char_model(words: Iterable[str]) -> dict[str, list[Any]]:
    """Character transitions (order 2; order 1 for a small vocabulary) over lower-cased alphabetic
    words ('^' starts, '$' ends)."""
    words = [w for w in words if w.isalpha()]
    order = CHAR_ORDER if len(words) >= SMALL_VOCAB else 1  # a few words: order 1, or it only copies them
    trans: dict[str, Counter] = {}
    for w in words:
        s = "^" * order + w.casefold() + "$"
        for i in range(order, len(s)):
            trans.setdefault(s[i - order:i], Counter())[s[i]] += 1
    return {ctx: ["".join(c), [int(c[ch]) for ch in c]] for ctx, c in trans.items()}


def new_word(chars: dict[str, tuple[str, list[float]]], rng: random.Random, *, like: str,
             longest: int = 14) -> str:
    """A word from the character model (tables with cumulative counts), cased like ``like``."""
    order = len(next(iter(chars))) if chars else 1
    ctx, out = "^" * order, ""
    for _ in range(4 * longest):
        entry = chars.get(ctx)
        if entry is None or len(out) >= longest:
            break
        alphabet, cum = entry
        ch = alphabet[min(bisect.bisect_right(cum, rng.random() * cum[-1]), len(alphabet) - 1)]
        if ch == "$":
            if len(out) >= 3 or len(alphabet) == 1:
                break
            continue
        out += ch
        ctx = (ctx + ch)[-order:]
    return _cased(out or "ana", like)


def _cased(word: str, like: str) -> str:
    if like.isupper() and len(like) > 1:
        return word.upper()
    return word.capitalize() if like[:1].isupper() else word
