"""Learned formats and the word model for non-personal text (transform/formats.py, transform/text.py)."""
from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
import pytest

from dbsynth.transform import formats as F
from dbsynth.transform.fake import source_hashes
from dbsynth.transform.text import learn_words, text_spec, draw_text

QUANTITIES = ["10 boxes x 20 bags", "24 - 12 oz bottles", "12 - 550 ml bottles", "48 - 6 oz jars",
              "36 boxes", "12 - 12 oz jars", "18 - 500 g pkgs.", "12 - 200 ml jars", "1 kg pkg.",
              "10 boxes x 12 pieces", "30 gift boxes", "24 - 500 g pkgs.", "12 - 250 g pkgs.",
              "24 - 12 oz bottles", "20 bags x 4 pieces", "32 - 500 g boxes", "16 - 2 kg boxes",
              "50 bags x 30 sausgs.", "24 - 50 g pkgs.", "12 - 100 g bars", "10 boxes x 8 pieces",
              "12 - 355 ml cans", "24 - 355 ml bottles", "750 cc per bottle", "12 - 75 cl bottles"]
TITLES = ["For Those About To Rock We Salute You", "Balls to the Wall", "Restless and Wild", "Let There Be Rock",
          "Big Ones", "Jagged Little Pill", "Facelift", "Warner 25 Anos", "Plays Metallica By Four Cellos",
          "Audioslave", "Out Of Exile", "Black Sabbath", "Black Sabbath Vol. 4 (Remaster)", "The Best Of Billy Cobham",
          "Alcohol Fueled Brewtality Live! [Disc 1]", "Alcohol Fueled Brewtality Live! [Disc 2]", "Black Album",
          "Body Count", "Chemical Wedding", "The Best Of Buddy Guy - The Millenium Collection", "Prenda Minha",
          "Sozinho Remix Ao Vivo", "Minha Historia", "Afrociberdelia", "Da Lama Ao Caos", "Acústico MTV",
          "Cássia Eller - Coleção Sem Limite [Disc 2]", "Cássia Eller - Sem Limite [Disc 1]", "Come Taste The Band",
          "Deep Purple In Rock", "Fireball", "Knocking at Your Back Door: The Best Of Deep Purple in the 80's",
          "Machine Head", "Purpendicular", "Slaves And Masters", "Stormbringer", "The Battle Rages On",
          "Vault: Def Leppard's Greatest Hits", "Outbreak", "Djavan Ao Vivo - Vol. 02", "Djavan Ao Vivo - Vol. 1",
          "Elis Regina-Minha História", "The Cream Of Clapton", "Unplugged", "Album Of The Year", "Angel Dust",
          "King For A Day Fool For A Lifetime", "The Real Thing", "Deixa Entrar", "In Your Honor [Disc 1]",
          "In Your Honor [Disc 2]", "One By One", "The Colour And The Shape", "My Generation - The Very Best Of The Who"]


def _spec(values: list[str], *, unique: bool = False, max_length: int | None = None) -> dict:
    spec = text_spec(pd.Series(values), max_length=max_length)
    spec.update(unique=unique, avoid=source_hashes(values), null_rate=0.0, max_length=max_length)
    return spec


def _draw(spec: dict, n: int, seed: int = 0) -> list[str]:
    return draw_text(spec, n=n, rng=np.random.default_rng(seed), seen=set()).tolist()


def _shapes(values: list[str]) -> pd.Series:
    return pd.Series([F.shape(v) for v in values]).value_counts(normalize=True)


def _fidelity(real: list[str], synth: list[str]) -> float:
    return 1 - 0.5 * _shapes(real).subtract(_shapes(synth), fill_value=0).abs().sum()


def test_phone_like_shapes_are_kept_and_new() -> None:
    rng = np.random.default_rng(1)
    phones = [f"({rng.integers(200, 999)}) 555-{rng.integers(0, 10_000):04d}" for _ in range(150)]
    phones += [f"{rng.integers(100, 999)}-{rng.integers(1000, 9999)}" for _ in range(50)]
    spec = _spec(phones)
    assert "format" in spec
    out = _draw(spec, 400)
    assert _fidelity(phones, out) > 0.9
    assert {F.shape(v) for v in out} <= {"(999) 999-9999", "999-9999"}
    assert all(v.split(")")[1].startswith(" 555-") for v in out if v.startswith("("))  # a literal stays
    assert not set(out) & set(phones)


def test_quantities_keep_their_format_and_vocabulary() -> None:
    spec = _spec(QUANTITIES)
    assert "format" in spec
    out = _draw(spec, 500)
    assert _fidelity(QUANTITIES, out) > 0.8
    words = Counter(w for v in out for w in v.split() if w.isalpha())
    assert {"boxes", "bags", "oz", "bottles"} <= set(words)
    assert any(v.count(" x ") == 1 and "boxes" in v and "bags" in v for v in out)


def test_digit_runs_keep_length_and_range() -> None:
    exts = ["5467", "3457", "3355", "3453", "428", "465", "5176", "452", "3355"]
    out = _draw(_spec(exts), 300)
    assert {len(v) for v in out} <= {3, 4}
    assert sum(428 <= int(v) <= 5467 for v in out) >= 0.95 * len(out)  # the source's range, bar widening
    assert not set(out) & set(exts)


@pytest.mark.parametrize("pattern", ["AAA-9999", "A9A 9A9"])
def test_codes_with_separators_keep_their_shape(pattern: str) -> None:
    rng = np.random.default_rng(2)
    make = lambda: "".join(chr(65 + int(rng.integers(26))) if c == "A" else str(rng.integers(10)) if c == "9"
                           else c for c in pattern)
    real = [make() for _ in range(80)]
    out = _draw(_spec(real), 200)
    assert {F.shape(v) for v in out} == {F.shape(real[0])}


def test_formats_respect_max_length_and_uniqueness() -> None:
    rng = np.random.default_rng(3)
    real = [f"ITEM-{int(rng.integers(10, 100))}" if i % 3 else f"ITEM-{int(rng.integers(100, 1000))}"
            for i in range(60)]
    spec = _spec(real, unique=True, max_length=8)
    out = _draw(spec, 150)  # more than the 2-digit space holds: those rows widen within their format
    assert all(len(v) <= 8 for v in out)
    assert {F.shape(v) for v in out} == {"A-99", "A-999"}
    assert len(set(out)) == len(out)
    assert not set(out) & set(real)


def test_formats_are_deterministic_per_seed() -> None:
    spec = _spec(QUANTITIES)
    assert _draw(spec, 50, seed=4) == _draw(spec, 50, seed=4) != _draw(spec, 50, seed=5)


def test_prose_goes_to_the_word_model() -> None:
    assert "words" in _spec(TITLES)
    assert F.learn_formats(TITLES) is None


def test_word_model_never_emits_a_source_value() -> None:
    spec = _spec(TITLES)
    out = _draw(spec, 2000)
    source = {t.casefold() for t in TITLES}
    assert not {v.casefold() for v in out} & source
    assert len(set(out)) > 500  # new combinations, not a handful of repeats


def test_word_model_never_cuts_a_word() -> None:
    spec = _spec(TITLES, max_length=20)
    vocab = set(spec["words"]["vocab"])
    out = _draw(spec, 1000)
    assert all(0 < len(v) <= 20 for v in out)
    model_words = {w for v in out for w in v.split()}
    new = model_words - vocab  # words the character model made for values that had to change
    assert len(new) < 0.2 * len(model_words)
    assert all(w.isalpha() for w in new)


def test_word_model_keeps_the_length_distribution() -> None:
    spec = _spec(TITLES)
    out = _draw(spec, 3000)
    real = np.array([len(t.split()) for t in TITLES])
    synth = np.array([len(v.split()) for v in out])
    assert abs(np.median(synth) - np.median(real)) <= 1
    assert abs(synth.mean() - real.mean()) < 0.25 * real.mean()
    assert synth.max() <= real.max() + 3


def test_word_model_unique_and_deterministic() -> None:
    spec = _spec(TITLES, unique=True)
    a = _draw(spec, 500, seed=9)
    assert len(set(a)) == 500
    assert a == _draw(spec, 500, seed=9) != _draw(spec, 500, seed=10)


def test_one_word_values_get_new_words() -> None:
    names = ["Chai", "Chang", "Tofu", "Pavlova", "Konbu", "Ikura", "Queso", "Filo", "Geitost", "Gravad",
             "Spegesild", "Maxilaku", "Ipoh", "Chartreuse", "Tourtiere", "Escargots", "Camembert", "Mascarpone"]
    spec = {"words": learn_words(names, max_length=None), "avoid": source_hashes(names), "unique": True}
    out = _draw(spec, 60)
    assert len(set(out)) == 60 and not set(out) & set(names)
    assert all(v[0].isupper() for v in out)


def test_char_padded_values_stay_padded() -> None:
    langs = [w.ljust(20) for w in ["English", "Italian", "Japanese", "Mandarin", "French", "German"]]
    spec = {"words": learn_words(langs, max_length=20), "avoid": source_hashes(langs)}
    out = _draw(spec, 30)
    assert all(len(v) == 20 and v.rstrip() == v.rstrip().strip() for v in out)


def test_a_spent_space_still_gives_no_source_value() -> None:
    words = ["Alpha", "Beta", "Gamma"]  # one-word values, every word a source value: only new words work
    spec = {"words": learn_words(words, max_length=None), "avoid": source_hashes(words), "unique": True}
    out = _draw(spec, 50)
    assert len(set(out)) == 50 and not {v.casefold() for v in out} & {w.casefold() for w in words}


HOME_PAGES = ["#CAJUN.HTM#", "#FORMAGGI.HTM#",
              "Mayumi's (on the World Wide Web)#http://www.microsoft.com/accessdev/sampleapps/mayumi.htm#",
              "G'day Mate (on the World Wide Web)#http://www.microsoft.com/accessdev/sampleapps/gdaymate.htm#",
              "Plutzer (on the World Wide Web)#http://www.microsoft.com/accessdev/sampleapps/plutzer.htm#"]


def test_few_odd_values_keep_their_shapes_without_a_source_value() -> None:
    # Northwind's Suppliers.HomePage: 5 values in 29 rows, one word of several letter runs among them
    spec = _spec(HOME_PAGES)
    spec["null_rate"] = 24 / 29
    out = draw_text(spec, n=29, rng=np.random.default_rng(3), seen=set()).tolist()
    values = [v for v in out if v is not None]
    assert len(values) == 5  # the source's NULL share, exactly: shapes are dealt over the rows with a value
    assert not set(values) & set(HOME_PAGES)
    assert _fidelity(HOME_PAGES, values) == 1.0


def test_a_word_of_several_letter_runs_is_renewed_in_place() -> None:
    words = ["#CAJUN.HTM#", "#FORMAGGI.HTM#", "#TOFU.HTM#"]
    spec = {"words": learn_words(words, max_length=None), "avoid": source_hashes(words), "unique": True}
    out = _draw(spec, 20)
    assert not set(out) & set(words)
    assert {F.shape(v) for v in out} == {F.shape(words[0])}


@pytest.mark.parametrize("rate", [0.0, 0.3, 1.0])
def test_null_share_is_the_sources(rate: float) -> None:
    spec = _spec(TITLES)
    spec["null_rate"] = rate
    out = draw_text(spec, n=200, rng=np.random.default_rng(1), seen=set())
    assert sum(v is None for v in out) == int(200 * rate)


def test_a_batch_is_the_same_whether_the_model_was_used_before_or_not() -> None:
    # word tables are compiled once per model and numbered in order of first use; a batch must not
    # depend on that (workers see different batches first), or outputs differ across worker counts
    from dbsynth.transform import text as T

    values = [f"{a} {b} {c}" for a in ("quickly", "slyly", "carefully") for b in ("final", "even", "bold")
              for c in ("deposits", "requests", "packages", "theodolites")] * 3
    spec = _spec(values)
    T._COMPILED.clear()
    cold = _draw(spec, 400, seed=9)
    T._COMPILED.clear()
    _draw(spec, 300, seed=1)  # other batches first: other tables laid out first
    _draw(dict(spec, words=spec["words"]), 50, seed=2)
    warm = _draw(spec, 400, seed=9)
    assert cold == warm


def test_column_wise_chains_follow_the_sources_word_pairs() -> None:
    spec = _spec(TITLES)
    pairs = {(a, b) for t in TITLES for a, b in zip(t.split(), t.split()[1:])}
    out = _draw(spec, 2000)
    drawn = [(a, b) for v in out for a, b in zip(v.split(), v.split()[1:])]
    # bar unigram jumps (UNIGRAM_MIX) and retries of rejected values (most titles are 2-4 words, so many
    # first draws are source titles), a pair is a source pair: 0.79-0.80 here, as the per-value chain gave
    assert sum(p in pairs for p in drawn) / len(drawn) > 0.75


def test_a_format_whose_narrow_space_is_all_source_values_goes_wide_at_once() -> None:
    clerks = [f"Clerk#{i:09d}" for i in range(1, 51)] * 20  # every clerk repeats: the vocabulary is the space
    spec = _spec(clerks)
    compiled = F._compiled(spec["format"], spec["avoid"])
    assert compiled[0].spent
    out = _draw(spec, 3000)
    assert not set(out) & set(clerks)
    assert {F.shape(v) for v in out} == {"Aa#999999999"}
    assert len(set(out)) > 2500  # widened digit runs, not a handful of values


def test_a_narrow_space_with_room_is_not_spent() -> None:
    codes = [f"ITEM-{i}" for i in range(10, 60, 5)]  # each once: digits 10..55 drawn from the range, 36 new
    spec = _spec(codes)
    assert not F._compiled(spec["format"], spec["avoid"])[0].spent
    out = _draw(spec, 200)
    assert not set(out) & set(codes)
    assert sum(10 <= int(v[5:]) <= 55 for v in out) == len(out)  # the narrow range still serves
