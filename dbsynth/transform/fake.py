"""Faker values for PII and free-text columns.

Source PII never reaches a model: the model keeps only salted hashes of the
source values (``source_hashes``) and generation rejects any fake value whose
hash is among them, so a synthetic e-mail can never equal a real one.

Speed: a fresh Faker call costs 5–90 µs, so e-mails are composed from small
pools of Faker parts with numpy draws, free text from a pool of Faker
sentences, and non-unique columns beyond ``POOL_SIZE`` rows draw from a pool
of Faker values (real data repeats names and cities too).
"""
from __future__ import annotations

import difflib
import hashlib
import math
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import numpy as np

from dbsynth.errors import ConfigError
from dbsynth.profile.types import PiiKind

if TYPE_CHECKING:
    from faker import Faker

#: Salt of ``value_hash`` (blake2b salt, ≤ 16 bytes). Changing it invalidates
#: the hashes stored in every saved model, so bump the version suffix if you do.
HASH_SALT = b"dbsynth/pii/v1"
#: Non-unique columns longer than this draw from a pool of this many Faker values.
POOL_SIZE = 20_000
#: Rounds of fresh draws for rejected/duplicate values before numbered suffixes.
REPAIR_ROUNDS = 4
REPAIR_CHUNK = 2000

# Faker providers to try in order: not every locale has every provider (ja_JP has no ``state``).
_METHODS: dict[PiiKind, tuple[str, ...]] = {
    PiiKind.FIRST_NAME: ("first_name",), PiiKind.LAST_NAME: ("last_name",), PiiKind.FULL_NAME: ("name",),
    PiiKind.PHONE: ("phone_number",), PiiKind.STREET_ADDRESS: ("street_address",),
    PiiKind.CITY: ("city",), PiiKind.POSTCODE: ("postcode", "zipcode"),
    PiiKind.STATE: ("state", "administrative_unit", "prefecture", "region", "city"),
    PiiKind.COUNTRY: ("country",), PiiKind.COMPANY: ("company",), PiiKind.IP_ADDRESS: ("ipv4",),
    PiiKind.URL: ("url",), PiiKind.CREDIT_CARD: ("credit_card_number",),
    PiiKind.NATIONAL_ID: ("ssn", "uuid4"), PiiKind.USERNAME: ("user_name",), PiiKind.PASSWORD: ("password",),
}

Drawer = Callable[[np.ndarray], list[str]]  # positions → one fresh value per position


_HASHER = hashlib.blake2b(digest_size=8, salt=HASH_SALT)  # copied per value: half the cost of a new one


def value_hash(value: str) -> str:
    """Salted blake2b of a value (16 hex chars); case and surrounding blanks do not count."""
    h = _HASHER.copy()
    h.update(str(value).strip().casefold().encode("utf-8"))
    return h.hexdigest()


def source_hashes(values: Iterable[object]) -> frozenset[str]:
    """Hashes of the non-null, non-blank source values (what a model may keep)."""
    try:  # a repeated value is hashed once (the set of hashes is the same); 1, 1.0 and True stay apart
        values = [v for _, v in dict.fromkeys((type(v), v) for v in values)]
    except TypeError:  # an unhashable value: every value, one by one
        pass
    return frozenset(value_hash(str(v)) for v in values if not _missing(v) and str(v).strip())


def _missing(v: object) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or str(v) in ("<NA>", "NaT")


def make_faker(*, locale: str, seed: int) -> "Faker":
    """A fresh, seeded Faker; an unknown locale is a ConfigError suggesting close ones."""
    from faker import Faker
    from faker.config import AVAILABLE_LOCALES

    try:
        fake = Faker(locale)
    except (AttributeError, ValueError, ImportError, TypeError) as exc:
        close = difflib.get_close_matches(str(locale).replace("-", "_"), AVAILABLE_LOCALES, n=4)
        raise ConfigError(f"unknown Faker locale {locale!r} ({exc})",
                          hint=f"try {', '.join(close) if close else 'en_US'}; "
                               "see faker.config.AVAILABLE_LOCALES") from None
    fake.seed_instance(seed)
    return fake


def fake_values(*, kind: PiiKind | None, n: int, seed: int, locale: str = "en_US",
                max_length: int | None = None, unique: bool = False,
                avoid_hashes: frozenset[str] = frozenset(), lengths: np.ndarray | None = None) -> list[str]:
    """``n`` Faker values of ``kind`` (None: free text of the target ``lengths``), deterministic per seed."""
    _check_args(n=n, max_length=max_length, lengths=lengths)
    if n == 0:
        return []
    fake = make_faker(locale=locale, seed=seed)
    rng = np.random.default_rng(seed)
    raw = _drawer(fake, rng, kind=kind, n=n, lengths=lengths, max_length=max_length, pooled=not unique)
    if kind in (PiiKind.FIRST_NAME, PiiKind.LAST_NAME) and avoid_hashes:
        raw = names_besides(fake, rng, kind, avoid_hashes) or raw
    draw: Drawer = lambda idx: [clip(v, max_length=max_length, kind=kind) for v in raw(idx)]
    values = draw(np.arange(n))
    if unique or avoid_hashes:
        values = _repair(values, draw, unique=unique, avoid=avoid_hashes, max_length=max_length, kind=kind)
    return values


def _check_args(*, n: int, max_length: int | None, lengths: np.ndarray | None) -> None:
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    if max_length is not None and max_length < 1:
        raise ConfigError(f"max_length must be >= 1, got {max_length}", hint="check the column's length")
    if lengths is not None and len(lengths) != n:
        raise ValueError(f"lengths has {len(lengths)} entries for n={n}")


def clip(value: str, *, max_length: int | None, kind: PiiKind | None = None) -> str:
    """Cut to ``max_length``; e-mails lose characters from the local part so they stay e-mails."""
    if max_length is None or len(value) <= max_length:
        return value
    if kind == PiiKind.EMAIL and "@" in value:
        local, domain = value.rsplit("@", 1)
        room = max_length - len(domain) - 1
        if room >= 1:
            return f"{local[:room]}@{domain}"
    if kind is None:
        return _cut(value, max_length)
    return value[:max_length].rstrip() or value[:max_length]


# ---- drawing -------------------------------------------------------------

def _drawer(fake: "Faker", rng: np.random.Generator, *, kind: PiiKind | None, n: int,
            lengths: np.ndarray | None, max_length: int | None, pooled: bool) -> Drawer:
    if kind is None:
        return _text_drawer(fake, rng, lengths=lengths, max_length=max_length)
    if kind in _COMPOSED:
        return _COMPOSED[kind](fake, rng, n)
    method = _method(fake, kind)
    if not pooled:
        return lambda idx: [str(method()) for _ in range(len(idx))]
    return lambda idx: _pooled(method, rng, len(idx))


def names_besides(fake: "Faker", rng: np.random.Generator, kind: PiiKind,
                   avoid: frozenset[str]) -> Drawer | None:
    """The locale's first or last names, at their weights, less the source's own: 599 customers named
    like the commonest Americans would otherwise leave few Faker names to draw (and suffixes, `ROBERT 2`)."""
    attr = "first_names" if kind == PiiKind.FIRST_NAME else "last_names"
    found = next((getattr(p, attr) for p in fake.get_providers() if hasattr(p, attr)), None)
    if not found:
        return None
    weights = dict(found) if isinstance(found, dict) else {name: 1.0 for name in found}
    kept = [(name, float(w)) for name, w in weights.items() if value_hash(name) not in avoid]
    if len(kept) < 20:
        return None
    names = [name for name, _ in kept]
    p = np.array([w for _, w in kept])
    p = p / p.sum()
    return lambda idx: [names[i] for i in rng.choice(len(names), size=len(idx), p=p)]


def _method(fake: "Faker", kind: PiiKind) -> Callable[[], object]:
    for name in _METHODS[kind]:
        if hasattr(fake, name):
            return getattr(fake, name)
    raise ConfigError(f"Faker locale has no provider for {kind.value}",
                      hint="choose another locale (e.g. en_US) or override the column's semantic type")


def _pooled(method: Callable[[], object], rng: np.random.Generator, k: int) -> list[str]:
    if k <= POOL_SIZE:
        return [str(method()) for _ in range(k)]
    pool = [str(method()) for _ in range(POOL_SIZE)]
    return [pool[i] for i in rng.integers(0, POOL_SIZE, size=k)]


def _emails(fake: "Faker", rng: np.random.Generator, n: int) -> Drawer:
    """Faker-style e-mails (user name, sometimes digits, free-mail or company domain) in bulk."""
    users = [fake.user_name() for _ in range(min(n, 3000))]
    free = [fake.free_email_domain() for _ in range(12)]
    domains = free + [fake.domain_name() for _ in range(min(n, 400))]

    def draw(idx: np.ndarray) -> list[str]:
        k = len(idx)
        ui = rng.integers(0, len(users), size=k).tolist()
        # Half of the addresses use free-mail domains, like Faker's own email().
        di = np.where(rng.random(k) < 0.5, rng.integers(0, len(free), size=k),
                      rng.integers(len(free), len(domains), size=k)).tolist()
        nums = np.where(rng.random(k) < 0.3, rng.integers(1, 1000, size=k), 0).tolist()
        return [f"{users[u]}{num or ''}@{domains[d]}" for u, d, num in zip(ui, di, nums)]

    return draw


def _full_names(fake: "Faker", rng: np.random.Generator, n: int) -> Drawer:
    firsts = [fake.first_name() for _ in range(min(n, 2000))]
    lasts = [fake.last_name() for _ in range(min(n, 3000))]

    def draw(idx: np.ndarray) -> list[str]:
        fi = rng.integers(0, len(firsts), size=len(idx)).tolist()
        li = rng.integers(0, len(lasts), size=len(idx)).tolist()
        return [f"{firsts[f]} {lasts[la]}" for f, la in zip(fi, li)]

    return draw


def _usernames(fake: "Faker", rng: np.random.Generator, n: int) -> Drawer:
    users = [fake.user_name() for _ in range(min(n, 3000))]

    def draw(idx: np.ndarray) -> list[str]:
        k = len(idx)
        nums = np.where(rng.random(k) < 0.4, rng.integers(1, 10_000, size=k), 0).tolist()
        return [f"{users[u]}{num or ''}" for u, num in zip(rng.integers(0, len(users), size=k).tolist(), nums)]

    return draw


# Kinds built from pools of Faker parts: fast, and a large space of distinct values.
_COMPOSED: dict[PiiKind, Callable[["Faker", np.random.Generator, int], Drawer]] = {
    PiiKind.EMAIL: _emails, PiiKind.FULL_NAME: _full_names, PiiKind.USERNAME: _usernames,
}


def _text_drawer(fake: "Faker", rng: np.random.Generator, *, lengths: np.ndarray | None,
                 max_length: int | None) -> Drawer:
    pool = [fake.sentence(nb_words=int(w)) for w in rng.integers(4, 16, size=500)]
    targets = None if lengths is None else np.clip(np.nan_to_num(np.asarray(lengths, float)), 0, max_length)

    def draw(idx: np.ndarray) -> list[str]:
        if targets is None:
            return [pool[i] for i in rng.integers(0, len(pool), size=len(idx))]
        return free_text(pool, rng, targets[idx].round().astype(int))

    return draw


def free_text(pool: list[str], rng: np.random.Generator, lengths: np.ndarray) -> list[str]:
    """Texts of (about) the given lengths, joined from random pool sentences and cut at a word."""
    mean = float(np.mean([len(s) for s in pool])) + 1
    counts = np.ceil(lengths / mean).astype(int) + 1
    picks = rng.integers(0, len(pool), size=int(counts.sum())).tolist()
    out, pos = [], 0
    for length, count in zip(lengths.tolist(), counts.tolist()):
        text = " ".join(pool[i] for i in picks[pos:pos + count])
        while len(text) < length:  # short sentences: keep adding
            text += " " + pool[picks[(pos + len(text)) % len(picks)]]
        out.append(_cut(text, length))
        pos += count
    return out


def _cut(text: str, length: int) -> str:
    if length <= 0:
        return ""
    cut = text[:length]
    space = cut.rfind(" ")
    # Prefer a word boundary, unless it would shorten the text noticeably.
    if len(text) > length and space >= 0.85 * length:
        cut = cut[:space]
    return cut.rstrip(" ,;") or cut


# ---- uniqueness and source-value avoidance --------------------------------

def _repair(values: list[str], draw: Drawer, *, unique: bool, avoid: frozenset[str],
            max_length: int | None, kind: PiiKind | None) -> list[str]:
    """Replace duplicates (when ``unique``) and avoided values: fresh draws first, then suffixes."""
    seen: set[str] = set()

    def accept(v: str) -> bool:
        key = v.strip().casefold()
        if (unique and key in seen) or (avoid and value_hash(v) in avoid):
            return False
        seen.add(key)
        return True

    pending = [i for i, v in enumerate(values) if not accept(v)]
    for _ in range(REPAIR_ROUNDS):
        if not pending:
            break
        pending = _redraw(values, pending, draw, accept)
    counters: dict[str, int] = {}
    for i in pending:
        values[i] = _suffixed(values[i], accept, counters, max_length=max_length, kind=kind)
    return values


def _redraw(values: list[str], pending: list[int], draw: Drawer, accept: Callable[[str], bool]) -> list[int]:
    """One round of fresh draws, in chunks; stops early once draws mostly fail (space exhausted)."""
    left: list[int] = []
    for start in range(0, len(pending), REPAIR_CHUNK):
        chunk = pending[start:start + REPAIR_CHUNK]
        fresh = draw(np.asarray(chunk))
        failed = [i for i, v in zip(chunk, fresh) if not _take(values, i, v, accept)]
        left += failed
        if len(failed) > 0.9 * len(chunk):
            return left + pending[start + REPAIR_CHUNK:]
    return left


def _take(values: list[str], i: int, v: str, accept: Callable[[str], bool]) -> bool:
    if accept(v):
        values[i] = v
        return True
    return False


def _suffixed(base: str, accept: Callable[[str], bool], counters: dict[str, int], *,
              max_length: int | None, kind: PiiKind | None) -> str:
    """``base`` with the next numbered suffix that is accepted, still within ``max_length``."""
    sep = "" if kind in (PiiKind.EMAIL, PiiKind.USERNAME, PiiKind.PASSWORD) else " "
    local, at, domain = base.rpartition("@") if kind == PiiKind.EMAIL and "@" in base else (base, "", "")
    start = counters.get(base, 2)
    for k in range(start, start + 10_000_000):
        counters[base] = k + 1
        suffix = f"{sep}{k}"
        tail = f"{at}{domain}"
        room = (max_length - len(tail) - len(suffix)) if max_length else len(local)
        if room < 0 or (max_length and len(suffix) > max_length):
            break
        candidate = f"{local[:room]}{suffix}{tail}".strip()
        if accept(candidate):
            return candidate
    raise ConfigError(f"cannot make distinct values within {max_length} characters",
                      hint="widen the column or turn off uniqueness for it")
