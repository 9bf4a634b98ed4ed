"""Deterministic masking of PII and free-text columns.

HMAC-SHA256(key, kind + source value) seeds the generator of each value, so
one source value gives one masked value in every table, every column of the
same kind and every run with the same key (joins on masked columns still
work; refreshes are stable). Values keep their kind and format: Faker values
of the profiled PII kind in the source's letter case, digits-for-digits for
phones, postcodes, card and ID numbers, free text of the source length. A
masked value never equals a source value of the same kind (redrawn), and a
UNIQUE column that would repeat one gets a deterministic numbered suffix.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
import string
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable

from dbsynth.profile.types import PiiKind, SemanticType
from dbsynth.transform.fake import _cut, _method, clip, make_faker

if TYPE_CHECKING:
    import pandas as pd

    from dbsynth.profile.types import TableProfile
    from dbsynth.schema.model import Schema

TEXT = "text"  # the kind of free-text columns
# kinds whose format is kept character by character: digits stay digits, letters letters
_SHAPED = {PiiKind.PHONE, PiiKind.POSTCODE, PiiKind.CREDIT_CARD, PiiKind.NATIONAL_ID, PiiKind.PASSWORD}
_ROUNDS = 20  # redraws when a masked value equals a source value of its kind


def new_key() -> str:
    return secrets.token_hex(16)


@dataclass(frozen=True)
class MaskedColumn:
    table: str
    column: str
    kind: str  # a PiiKind value or "text"
    unique: bool
    max_length: int | None


@dataclass
class Masker:
    key: str
    locale: str = "en_US"
    avoid: dict[str, set[str]] = field(default_factory=dict)  # kind -> source values (exact: never copied verbatim)
    _cache: dict[tuple[str, str, int | None], str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._fake = make_faker(locale=self.locale, seed=0)
        self._key = self.key.encode("utf-8")

    def _seed(self, kind: str, value: str, attempt: int) -> bytes:
        msg = f"{kind}\x00{value}\x00{attempt}".encode("utf-8")
        return hmac.new(self._key, msg, hashlib.sha256).digest()

    def value(self, kind: str, value: str, max_length: int | None = None) -> str:
        """The masked form of one source value, cut to `max_length` (cached: the same in every table)."""
        hit = self._cache.get((kind, value, max_length))
        if hit is not None:
            return hit
        avoid = self.avoid.get(kind, set())
        out = value
        for attempt in range(_ROUNDS):
            out = clip(self._draw(kind, value, self._seed(kind, value, attempt)), max_length=max_length,
                       kind=_pii(kind))
            if out not in avoid and out != value:
                break
        else:
            tail = str(int.from_bytes(self._seed(kind, value, _ROUNDS)[:3], "big") % 10_000)
            out = (out[:max_length - len(tail)] if max_length and max_length > len(tail) else out) + tail
        self._cache[(kind, value, max_length)] = out
        return out

    def forget(self, kind: str, hits: set[str]) -> None:
        """Drop the cached values of `kind` that `hits` (new avoid values) now rule out.

        Any other cached value stays right: its earlier attempts were in the
        avoid set before, so they still are, and its own draw is not a hit.
        """
        self._cache = {k: v for k, v in self._cache.items() if k[0] != kind or v not in hits}

    def _draw(self, kind: str, value: str, digest: bytes) -> str:
        if kind in _SHAPED_VALUES:
            return _shaped(value, digest)
        self._fake.seed_instance(int.from_bytes(digest[:8], "big"))
        if kind == TEXT:
            return _case_like(value, _text(self._fake, len(value)))
        if kind == PiiKind.EMAIL.value:
            return f"{self._fake.user_name()}{digest[8] % 100 or ''}@{self._fake.free_email_domain()}"
        if kind == PiiKind.IP_ADDRESS.value:
            return str(self._fake.ipv4())
        return _case_like(value, str(_method(self._fake, PiiKind(kind))()))


_SHAPED_VALUES = {k.value for k in _SHAPED}


def _shaped(value: str, digest: bytes) -> str:
    """Digits → digits, letters → letters of the same case, the rest kept; hex stays hex."""
    stream = hashlib.shake_256(digest).digest(max(len(value), 1) * 2)
    hexy = len(value) >= 16 and all(c in string.hexdigits for c in value)
    out = []
    for i, ch in enumerate(value):
        b = stream[i]
        if hexy:
            out.append("0123456789abcdef"[b % 16] if ch.islower() or ch.isdigit() else "0123456789ABCDEF"[b % 16])
        elif ch.isdigit():
            out.append(str(b % 10))
        elif ch.isalpha() and ch.isascii():
            letters = string.ascii_uppercase if ch.isupper() else string.ascii_lowercase
            out.append(letters[b % 26])
        else:
            out.append(ch)
    return "".join(out)


def _text(fake: Any, length: int) -> str:
    text = ""
    while len(text) < max(length, 1):
        text = f"{text} {fake.sentence(nb_words=6)}".strip()
    if length <= 3:
        return text[:max(length, 1)]
    out = _cut(text, length)
    return out.rstrip(".") if len(out) < len(text) else out


def _case_like(source: str, value: str) -> str:
    """The source's letter case: SAKILA's UPPER CASE names stay upper case."""
    letters = [c for c in source if c.isalpha()]
    if letters and all(c.isupper() for c in letters):
        return value.upper()
    if letters and all(c.islower() for c in letters):
        return value.lower()
    return value


# ---- which columns ---------------------------------------------------------

def columns_to_mask(schema: "Schema", profiles: dict[str, "TableProfile"], *,
                    reference: Iterable[str] = ()) -> tuple[list[MaskedColumn], list[str]]:
    """PII / free-text string columns outside keys; plus warnings for what cannot be masked.

    Lookup tables are copied as they are but for their contact PII (a shipper's phone), which
    `seed` regenerates too (profile/reference.regenerated_columns).
    """
    from dbsynth.profile.reference import regenerated_columns
    from dbsynth.schema.model import LogicalType
    lookup = set(reference)
    keyed = _key_columns(schema)
    out: list[MaskedColumn] = []
    warnings: list[str] = []
    for table in schema.data_tables:
        prof = profiles.get(table.name)
        if prof is None:
            continue
        only = set(regenerated_columns(prof)) if table.name in lookup else None
        uniques = {cols[0] for cols in table.unique_column_sets() if len(cols) == 1}
        for cp in prof.columns:
            if cp.semantic not in (SemanticType.PII, SemanticType.TEXT) or (only is not None and cp.name not in only):
                continue
            col = table.column(cp.name)
            if (table.name, cp.name) in keyed:
                warnings.append(f"{table.name}.{cp.name}: profiled {cp.semantic.value} but part of a key; kept as is")
                continue
            if col.logical_type != LogicalType.TEXT or col.generated:
                warnings.append(f"{table.name}.{cp.name}: profiled {cp.semantic.value} but of type "
                                f"{col.logical_type.value}; not masked (override it in the config)")
                continue
            kind = cp.pii_kind.value if cp.semantic == SemanticType.PII and cp.pii_kind else TEXT
            out.append(MaskedColumn(table.name, cp.name, kind, unique=cp.name in uniques or cp.declared_unique,
                                    max_length=col.length))
    return out, warnings


def _key_columns(schema: "Schema") -> set[tuple[str, str]]:
    """PK and FK columns on both sides: keys are kept so the rows still join."""
    out: set[tuple[str, str]] = set()
    for t in schema.data_tables:
        out.update((t.name, c) for c in t.pk_columns)
        for fk in t.foreign_keys:
            out.update((t.name, c) for c in fk.columns)
            out.update((fk.referred_table, c) for c in fk.referred_columns)
    return out


def produced(frames: dict[str, "pd.DataFrame"], columns: list[MaskedColumn]) -> dict[str, set[str]]:
    """The masked values per kind (blank values, kept as they are, aside)."""
    out: dict[str, set[str]] = {}
    for mc in columns:
        frame = frames.get(mc.table)
        if frame is not None and len(frame):
            out.setdefault(mc.kind, set()).update(v for v in frame[mc.column].dropna().astype(str) if _has_content(v))
    return out


def mask_frames(frames: dict[str, "pd.DataFrame"], columns: list[MaskedColumn], masker: Masker) -> None:
    """Replace the masked columns' values in place (NULLs stay NULL)."""
    for mc in columns:
        frame = frames.get(mc.table)
        if frame is None or frame.empty:
            continue
        frames[mc.table] = frame = frame.copy()
        source = frame[mc.column].astype(object).tolist()
        masked = [v if _null(v) or not _has_content(str(v)) else masker.value(mc.kind, str(v), mc.max_length)
                  for v in source]
        if mc.unique:
            masked = _distinct(source, masked, masker, mc)
        frame[mc.column] = masked


def _has_content(value: str) -> bool:
    """A blank or punctuation-only value ('', ' ', '-') holds nothing to mask: kept as it is."""
    return any(c.isalnum() for c in value)


def _null(v: Any) -> bool:
    import pandas as pd
    return v is None or (not isinstance(v, str) and bool(pd.isna(v)))


def _pii(kind: str) -> PiiKind | None:
    return PiiKind(kind) if kind != TEXT else None


def _distinct(source: list[Any], masked: list[Any], masker: Masker, mc: MaskedColumn) -> list[Any]:
    """A UNIQUE column: a masked value two source values share gets `-2`, `-3`… (in HMAC order, stable)."""
    by_masked: dict[str, list[str]] = {}
    for s, m in zip(source, masked):
        if m is not None and not _null(s) and _has_content(str(s)):
            by_masked.setdefault(m.casefold(), [])
            if str(s) not in by_masked[m.casefold()]:
                by_masked[m.casefold()].append(str(s))
    taken = set(by_masked)
    rename: dict[str, str] = {}
    for m, srcs in by_masked.items():
        if len(srcs) < 2:
            continue
        order = sorted(srcs, key=lambda s: masker._seed(mc.kind, s, -1))
        for s in order[1:]:
            base = masker.value(mc.kind, s, mc.max_length)
            for n in range(2, 1_000_000):
                cand = _with_suffix(base, n, mc)
                if cand.casefold() not in taken:
                    taken.add(cand.casefold())
                    rename[s] = cand
                    break
    return [rename.get(str(s), m) if m is not None and not _null(s) else m for s, m in zip(source, masked)]


def _with_suffix(base: str, n: int, mc: MaskedColumn) -> str:
    suffix = f"-{n}"
    if mc.kind == PiiKind.EMAIL.value and "@" in base:
        local, domain = base.rsplit("@", 1)
        room = (mc.max_length - len(domain) - 1 - len(suffix)) if mc.max_length else len(local)
        return f"{local[:max(room, 1)]}{suffix}@{domain}"
    room = (mc.max_length - len(suffix)) if mc.max_length else len(base)
    return f"{base[:max(room, 0)]}{suffix}"
