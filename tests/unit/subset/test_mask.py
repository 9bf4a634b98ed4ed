"""Deterministic masking: one source value, one masked value of the same kind and format."""
from __future__ import annotations

import re

import pandas as pd

from dbsynth.subset.mask import TEXT, MaskedColumn, Masker, mask_frames


def test_same_key_same_value_other_key_other_value() -> None:
    a, b, c = Masker(key="k1"), Masker(key="k1"), Masker(key="k2")
    for kind, value in [("email", "luisg@embraer.com.br"), ("last_name", "Gonçalves"), (TEXT, "For Those About To Rock")]:
        assert a.value(kind, value) == b.value(kind, value) != value
        assert a.value(kind, value) != c.value(kind, value)


def test_kinds_and_formats_are_kept() -> None:
    m = Masker(key="k")
    assert re.fullmatch(r"[^@\s]+@[^@\s]+\.[a-z]+", m.value("email", "frank@example.com"))
    phone = m.value("phone", "+49 0711 2842222")
    assert re.fullmatch(r"\+\d\d \d{4} \d{7}", phone) and phone != "+49 0711 2842222"
    assert re.fullmatch(r"[A-Z]\d[A-Z] \d[A-Z]\d", m.value("postcode", "T5K 2N1"))
    assert m.value("first_name", "PENELOPE").isupper()  # Sakila's upper-case names stay upper case
    text = m.value(TEXT, "A Epic Drama of a Feminist And a Mad Scientist who must Battle a Teacher in The Canadian Rockies")
    assert 60 <= len(text) <= 96
    password = m.value("password", "8cb2237d0679ca88db6464eac60da96345513964")
    assert re.fullmatch(r"[0-9a-f]{40}", password)


def test_avoided_source_values_are_redrawn() -> None:
    m = Masker(key="k")
    first = m.value("country", "Germany")
    m2 = Masker(key="k", avoid={"country": {first}})
    assert m2.value("country", "Germany") != first


def test_unique_and_max_length_are_respected() -> None:
    frame = pd.DataFrame({"email": [f"user{i}@example.org" for i in range(300)] + [None]})
    frames = {"t": frame}
    mc = MaskedColumn("t", "email", "email", unique=True, max_length=18)
    mask_frames(frames, [mc], Masker(key="k"))
    out = frames["t"]["email"]
    assert out.isna().sum() == 1 and out.dropna().str.len().max() <= 18
    assert out.dropna().str.casefold().is_unique
    assert not set(out.dropna()) & set(frame["email"].dropna())


def test_repeated_source_value_masks_to_one_value() -> None:
    frames = {"a": pd.DataFrame({"c": ["x@y.org", "z@y.org", "x@y.org"]}), "b": pd.DataFrame({"d": ["x@y.org"]})}
    m = Masker(key="k")
    mask_frames(frames, [MaskedColumn("a", "c", "email", False, None), MaskedColumn("b", "d", "email", False, None)], m)
    assert frames["a"]["c"][0] == frames["a"]["c"][2] == frames["b"]["d"][0] != frames["a"]["c"][1]


def test_blank_values_are_kept() -> None:
    frames = {"a": pd.DataFrame({"phone": [" ", "", "-", "+1 555 0100"]})}
    mask_frames(frames, [MaskedColumn("a", "phone", "phone", unique=False, max_length=None)], Masker(key="k"))
    out = frames["a"]["phone"].tolist()
    assert out[:3] == [" ", "", "-"] and re.fullmatch(r"\+\d \d{3} \d{4}", out[3]) and out[3] != "+1 555 0100"


def test_forgetting_hits_redraws_only_them_and_agrees_with_a_fresh_masker() -> None:
    sources = [f"order {i} shipped late" for i in range(200)]
    grown = Masker(key="k")
    first = {v: grown.value(TEXT, v) for v in sources}
    hits = {first[v] for v in sources[::7]}  # as if the source held these masked values
    grown.avoid.setdefault(TEXT, set()).update(hits)
    grown.forget(TEXT, hits)
    fresh = Masker(key="k", avoid={TEXT: set(hits)})
    again = {v: grown.value(TEXT, v) for v in sources}
    assert again == {v: fresh.value(TEXT, v) for v in sources}
    assert not hits & set(again.values())
    assert all(again[v] == first[v] for v in sources if first[v] not in hits)
