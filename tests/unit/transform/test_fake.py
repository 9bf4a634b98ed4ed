"""Faker value generation: determinism, uniqueness, lengths, source-value avoidance, locales."""
from __future__ import annotations

import re
import time

import numpy as np
import pytest

from dbsynth.errors import ConfigError
from dbsynth.profile.types import PiiKind
from dbsynth.transform.fake import clip, fake_values, source_hashes, value_hash

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[a-z]+")


@pytest.mark.parametrize("kind", [*PiiKind, None])
def test_every_kind_is_deterministic_and_seed_dependent(kind: PiiKind | None) -> None:
    a = fake_values(kind=kind, n=30, seed=7)
    assert a == fake_values(kind=kind, n=30, seed=7)
    assert a != fake_values(kind=kind, n=30, seed=8)
    assert len(a) == 30 and all(isinstance(v, str) and v for v in a)


def test_unique_emails_are_distinct_and_valid() -> None:
    values = fake_values(kind=PiiKind.EMAIL, n=5000, seed=1, unique=True, max_length=30)
    assert len({v.casefold() for v in values}) == 5000
    assert all(_EMAIL.fullmatch(v) and len(v) <= 30 for v in values)


def test_unique_falls_back_to_suffixes_within_max_length() -> None:
    values = fake_values(kind=PiiKind.COUNTRY, n=600, seed=3, unique=True, max_length=12)
    assert len(set(values)) == 600 and max(map(len, values)) <= 12


def test_unique_impossible_within_max_length_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="distinct"):
        fake_values(kind=PiiKind.STATE, n=500, seed=3, unique=True, max_length=2)


@pytest.mark.parametrize("kind", [PiiKind.PHONE, PiiKind.STREET_ADDRESS, PiiKind.COMPANY, PiiKind.EMAIL, None])
def test_max_length_respected(kind: PiiKind | None) -> None:
    assert max(map(len, fake_values(kind=kind, n=300, seed=2, max_length=8))) <= 8


def test_avoid_hashes_excludes_source_values() -> None:
    first = fake_values(kind=PiiKind.FIRST_NAME, n=2000, seed=5)
    banned = set(first[:50])
    avoid = source_hashes([*banned, None, float("nan"), "  "])
    assert len(avoid) == len({b.casefold() for b in banned})
    again = fake_values(kind=PiiKind.FIRST_NAME, n=2000, seed=5, avoid_hashes=avoid)
    assert not banned & set(again) and len(again) == 2000


def test_value_hash_is_salted_short_and_normalised() -> None:
    h = value_hash("Luis@Embraer.com.br")
    assert re.fullmatch(r"[0-9a-f]{16}", h)
    assert h == value_hash("  luis@embraer.com.br ") != value_hash("luis@embraer.com")
    import hashlib
    assert h != hashlib.blake2b(b"luis@embraer.com.br", digest_size=8).hexdigest()


def test_free_text_tracks_requested_lengths() -> None:
    rng = np.random.default_rng(0)
    for lengths in (rng.integers(5, 40, 500), rng.integers(80, 400, 300)):
        texts = fake_values(kind=None, n=len(lengths), seed=4, lengths=lengths, max_length=350)
        got = np.array([len(t) for t in texts])
        want = np.minimum(lengths, 350)
        assert abs(got.mean() - want.mean()) <= 0.15 * want.mean()
        assert (got <= want).all()
    assert fake_values(kind=None, n=2, seed=1, lengths=np.array([0, 3]))[0] == ""


def test_locales() -> None:
    de = fake_values(kind=PiiKind.CITY, n=50, seed=1, locale="de_DE")
    us = fake_values(kind=PiiKind.CITY, n=50, seed=1, locale="en_US")
    assert de != us and len(set(de)) > 10
    assert len(fake_values(kind=PiiKind.STATE, n=5, seed=1, locale="ja_JP")) == 5  # no `state` provider
    with pytest.raises(ConfigError) as err:
        fake_values(kind=PiiKind.EMAIL, n=5, seed=1, locale="xx_XX")
    assert "xx_XX" in str(err.value) and err.value.hint


def test_clip_keeps_email_domain() -> None:
    assert clip("averyveryverylongname@example.com", max_length=16, kind=PiiKind.EMAIL) == "aver@example.com"


def test_hundred_thousand_emails_are_fast() -> None:
    start = time.perf_counter()
    values = fake_values(kind=PiiKind.EMAIL, n=100_000, seed=9, unique=True)
    assert len(set(values)) == 100_000
    assert time.perf_counter() - start < 10  # a few seconds on a loaded 2-core box


def test_names_avoid_the_source_without_suffixes() -> None:
    """A source holding the commonest names leaves Faker's other names, not `ROBERT 2`."""
    from faker import Faker

    from dbsynth.profile.types import PiiKind
    from dbsynth.transform.fake import fake_values, source_hashes

    provider = next(p for p in Faker("en_US").get_providers() if hasattr(p, "first_names"))
    common = [name.upper() for name in list(provider.first_names)[:400]]
    out = fake_values(kind=PiiKind.FIRST_NAME, n=600, seed=3, avoid_hashes=source_hashes(common))
    assert not {v.upper() for v in out} & set(common)
    assert not any(ch.isdigit() for v in out for ch in v) and len(set(out)) > 100
