"""Address and contact columns drawn together per row's country, in the source's formats."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from dbsynth.relational.table import TableModel
from dbsynth.profile.types import PiiKind, SemanticType
from dbsynth.transform.fake import source_hashes
from dbsynth.transform.places import fill_places, learn_places, locale_for
from dbsynth.transform.pii_formats import ascii_slug, fill_shapes, learn_shapes

CA_POSTAL = re.compile(r"[A-Z]\d[A-Z] \d[A-Z]\d")
CA_PHONE = re.compile(r"\+1 \(\d{3}\) \d{3}-\d{4}")
DE_PHONE = re.compile(r"\+49 0\d+ \d+")

PII, CAT = SemanticType.PII, SemanticType.CATEGORICAL
KINDS = {"first": (PiiKind.FIRST_NAME, PII), "last": (PiiKind.LAST_NAME, PII), "city": (PiiKind.CITY, PII),
         "state": (PiiKind.STATE, CAT), "country": (PiiKind.COUNTRY, CAT), "postal": (PiiKind.POSTCODE, PII),
         "phone": (PiiKind.PHONE, PII), "email": (PiiKind.EMAIL, PII)}


def _source(n: int = 60) -> pd.DataFrame:
    """Canadian, US and German customers with the formats each country uses."""
    rng = np.random.default_rng(0)
    rows = []
    for i in range(n):
        first, last = f"Anna{chr(97 + i % 26)}", f"Berg{chr(97 + (i * 7) % 26)}"
        d = [int(x) for x in rng.integers(0, 10, size=10)]
        if i % 3 == 0:
            prov, letter = [("QC", "H"), ("AB", "T"), ("BC", "V")][i % 9 // 3]
            rows.append((first, last, "Townsville", prov, "Canada", f"{letter}{d[0]}A {d[1]}B{d[2]}",
                         f"+1 (514) {d[3]}{d[4]}{d[5]}-{d[6]}{d[7]}{d[8]}{d[9]}", f"{first}.{last}@gmail.com"))
        elif i % 3 == 1:
            rows.append((first, last, "Springfield", "CA", "USA", f"9{d[0]}{d[1]}{d[2]}{d[3]}",
                         f"+1 (650) {d[3]}{d[4]}{d[5]}-{d[6]}{d[7]}{d[8]}{d[9]}", f"{first.lower()}{last.lower()}@yahoo.com"))
        else:
            rows.append((first, last, "Berlin", None, "Germany", f"{d[0]}{d[1]}{d[2]}{d[3]}{d[4]}",
                         f"+49 0{d[3]}{d[4]} {d[5]}{d[6]}{d[7]}{d[8]}", f"{first.lower()}.{last.lower()}@web.de"))
    rows[2] = (*rows[2][:7], "annac.bergo@acme-widgets.com")  # a one-off company domain
    return pd.DataFrame(rows, columns=["first", "last", "city", "state", "country", "postal", "phone", "email"])


def _fakes(frame: pd.DataFrame, *, unique_email: bool = False) -> list[dict]:
    return [{"column": c, "kind": KINDS[c][0].value, "max_length": 40, "unique": unique_email and c == "email",
             "null_rate": 0.0, "lengths": [5.0], "avoid": source_hashes(frame[c].dropna().tolist())}
            for c in ("first", "last", "city", "postal", "phone", "email")]


def _sample(frame: pd.DataFrame, countries: list[str], states: list[object], *, locale: str = "en_US",
            seed: int = 1, unique_email: bool = False) -> dict[str, np.ndarray]:
    fakes = _fakes(frame, unique_email=unique_email)
    places = learn_places(fakes, frame, KINDS, categorical={"state", "country"})
    cols = {"country": np.array(countries, dtype=object), "state": np.array(states, dtype=object)}
    seen: dict[str, set] = {}
    fill_places(places, fakes, cols, len(countries), np.random.default_rng(seed), locale=locale,
                seen=lambda c: seen.setdefault(c, set()))
    return cols


def test_each_row_follows_its_country() -> None:
    src = _source()
    countries = ["Canada", "USA", "Germany"] * 40
    cols = _sample(src, countries, ["NY", "QC", "BY"] * 40)  # states that disagree with the country
    for i, country in enumerate(countries):
        if country == "Canada":
            assert cols["state"][i] in {"QC", "AB", "BC"}
            assert CA_POSTAL.fullmatch(cols["postal"][i]) and CA_PHONE.fullmatch(cols["phone"][i])
        elif country == "USA":
            assert cols["state"][i] == "CA" and re.fullmatch(r"9\d{4}", cols["postal"][i])
        else:
            assert cols["state"][i] is None and re.fullmatch(r"\d{5}", cols["postal"][i])
            assert DE_PHONE.fullmatch(cols["phone"][i])


def test_postal_code_follows_the_rows_state() -> None:
    src = _source()
    cols = _sample(src, ["Canada"] * 60, ["QC", "AB", "BC"] * 20)
    first = {"QC": "H", "AB": "T", "BC": "V"}
    assert all(p[0] == first[s] for s, p in zip(cols["state"], cols["postal"]))


def test_no_source_value_is_reproduced() -> None:
    src = _source()
    cols = _sample(src, ["Canada", "USA", "Germany"] * 100, [None] * 300)
    for c in ("first", "last", "postal", "phone", "email"):
        assert not set(cols[c].tolist()) & set(src[c].dropna().tolist()), c


def test_cities_are_the_sources_cities_of_the_rows_country() -> None:
    """A city is a place, not a person: drawn from the source's cities of the same country."""
    src = _source()
    countries = ["Canada", "USA", "Germany"] * 100
    cols = _sample(src, countries, [None] * 300)
    known = src.dropna(subset=["city"]).groupby("country")["city"].agg(set).to_dict()
    assert all(city in known[country] for city, country in zip(cols["city"], countries) if city is not None)
    assert len(set(cols["city"].tolist()) - {None}) > 1


def test_emails_are_built_from_the_rows_names_and_source_domains() -> None:
    src = _source()
    cols = _sample(src, ["Canada", "USA", "Germany"] * 50, [None] * 150, unique_email=True)
    assert len(set(cols["email"].tolist())) == 150
    for first, last, country, email in zip(cols["first"], cols["last"], cols["country"], cols["email"]):
        local, domain = email.split("@")
        # the one-off company domain (a German row's acme-widgets.com) is faked with its suffix kept
        assert {"Canada": "gmail.com", "USA": "yahoo.com", "Germany": "web.de"}[country] == domain \
            or (country == "Germany" and domain.endswith(".com"))
        assert domain != "acme-widgets.com"
        assert ascii_slug(first)[:1] in local and ascii_slug(last)[:3] in local.replace(".", "")


def test_configured_locale_applies_to_its_country_only() -> None:
    from faker.providers.address.de_DE import Provider

    german = set(Provider.cities)
    src = _source()
    cols = _sample(src, ["Canada", "Germany"] * 100, [None] * 200, locale="de_DE")
    ca = [c for c, k in zip(cols["city"], cols["country"]) if k == "Canada"]
    de = [c for c, k in zip(cols["city"], cols["country"]) if k == "Germany"]
    assert sum(c in german for c in de) > 0.9 * len(de)
    assert sum(c in german for c in ca) < 0.1 * len(ca)


def test_locale_for_country_names() -> None:
    assert locale_for("Canada", "de_DE") == "en_CA"
    assert locale_for("Germany", "de_DE") == "de_DE"
    assert locale_for("Canada", "fr_CA") == "fr_CA"  # the configured locale of that country wins
    assert locale_for("Brazil", "en_US") == "pt_BR"
    assert locale_for("Atlantis", "de_DE") == "de_DE"  # unknown: the configured locale
    assert locale_for(None, "en_US") == "en_US"


@pytest.mark.parametrize("values,pattern", [
    (["(503) 555-9831", "(212) 221-3546", "(415) 882-8080"], r"\(\d{3}\) \d{3}-\d{4}"),
    (["+1-555-263-2914x381", "+1-555-223-2214x12"], r"\+1-\d{3}-\d{3}-\d{4}x\d{2,3}"),
    (["+49 0711-020361", "+49 0711-482991"], r"\+49 0\d{3}-\d{6}"),
])
def test_phone_formats_are_kept(values: list[str], pattern: str) -> None:
    out = fill_shapes(learn_shapes(values, kind="phone"), 200, np.random.default_rng(0))
    assert all(re.fullmatch(pattern, v) for v in out)
    assert len(set(out)) > 150


def test_postcode_letters_are_new() -> None:
    out = fill_shapes(learn_shapes(["H2G 1A7", "T6G 2C7", "V6C 1G8"], kind="postcode"), 300,
                      np.random.default_rng(0))
    assert all(CA_POSTAL.fullmatch(v) for v in out)
    assert len({v[1:] for v in out}) > 200  # only the first letter follows the source


def test_max_length_and_case_are_honoured() -> None:
    src = _source()
    src["last"] = src["last"].str.upper()
    fakes = _fakes(src)
    for f in fakes:
        f["max_length"] = 12
    places = learn_places(fakes, src, KINDS, categorical={"state", "country"})
    cols = {"country": np.array(["Canada", "USA"] * 50, dtype=object), "state": np.array([None] * 100)}
    fill_places(places, fakes, cols, 100, np.random.default_rng(3), locale="en_US", seen=lambda c: set())
    assert all(len(v) <= 12 for c in ("email", "city", "phone") for v in cols[c] if v is not None)
    assert all(v == v.upper() for v in cols["last"])
    assert all(f.get("row") for f in fakes)


def test_table_without_country_uses_global_formats_and_configured_locale() -> None:
    src = _source().drop(columns=["country", "state"])
    kinds = {k: v for k, v in KINDS.items() if k in src}
    fakes = _fakes(src)
    places = learn_places(fakes, src, kinds, categorical=set())
    cols: dict = {}
    fill_places(places, fakes, cols, 50, np.random.default_rng(0), locale="en_US", seen=lambda c: set())
    assert all(CA_PHONE.fullmatch(v) or DE_PHONE.fullmatch(v) for v in cols["phone"])


def test_places_survive_a_model_round_trip() -> None:
    src = _source()
    fakes = _fakes(src)
    model = TableModel(name="t", rows=len(src), fakes=fakes,
                       places=learn_places(fakes, src, KINDS, categorical={"state", "country"}))
    back = TableModel.from_dict(model.to_dict(), model.arrays())
    assert back.places == model.places and all(f.get("row") for f in back.fakes)


def test_city_agrees_with_the_rows_state() -> None:
    """Where the state is a category, a faked city is one of that state's source cities."""
    src = pd.DataFrame({"city": ["Montréal", "Québec", "Calgary", "Edmonton", "Vancouver"] * 6,
                        "state": ["QC", "QC", "AB", "AB", "BC"] * 6, "country": ["Canada"] * 30})
    kinds = {"city": (PiiKind.CITY, PII), "state": (PiiKind.STATE, CAT), "country": (PiiKind.COUNTRY, CAT)}
    fakes = [{"column": "city", "kind": "city", "max_length": 40, "unique": False, "null_rate": 0.0,
              "lengths": [5.0], "avoid": source_hashes(src["city"].tolist())}]
    places = learn_places(fakes, src, kinds, categorical={"state", "country"})
    states = ["QC", "AB", "BC"] * 40
    cols = {"country": np.array(["Canada"] * 120, dtype=object), "state": np.array(states, dtype=object)}
    fill_places(places, fakes, cols, 120, np.random.default_rng(0), locale="en_US", seen=lambda c: set())
    by_state = src.groupby("state")["city"].agg(set).to_dict()
    assert all(city in by_state[state] for city, state in zip(cols["city"], states))


@pytest.mark.parametrize("seed", range(5))
def test_a_small_table_gets_each_phone_template_at_its_share(seed: int) -> None:
    # Chinook's 8 employees: 7 phones written `+1 (780) …`, one `1 (780) …`; an i.i.d. draw gave 2 or 0
    values = ["+1 (780) 428-9482"] * 7 + ["1 (780) 836-9987"]
    out = fill_shapes(learn_shapes(values, kind="phone"), 8, np.random.default_rng(seed))
    assert sum(v.startswith("+1 (") for v in out) == 7
    assert sum(re.fullmatch(r"1 \(\d{3}\) \d{3}-\d{4}", v) is not None for v in out) == 1


@pytest.mark.parametrize("seed", range(5))
def test_phone_and_fax_of_a_row_share_their_template(seed: int) -> None:
    # the employee whose phone lacks `+` lacks it on the fax too, in the source and in the output
    n = 8
    src = pd.DataFrame({"country": ["Canada"] * n,
                        "phone": [f"+1 (403) 262-34{i}{i}" for i in range(n - 1)] + ["1 (780) 836-9987"],
                        "fax": [f"+1 (403) 262-33{i}{i}" for i in range(n - 1)] + ["1 (780) 836-9543"]})
    kinds = {"country": (PiiKind.COUNTRY, CAT), "phone": (PiiKind.PHONE, PII), "fax": (PiiKind.PHONE, PII)}
    fakes = [{"column": c, "kind": "phone", "max_length": 24, "unique": False, "null_rate": 0.0,
              "lengths": [17.0], "avoid": source_hashes(src[c].tolist())} for c in ("phone", "fax")]
    places = learn_places(fakes, src, kinds, categorical={"country"})
    cols = {"country": np.array(["Canada"] * n, dtype=object)}
    fill_places(places, fakes, cols, n, np.random.default_rng(seed), locale="en_US", seen=lambda c: set())
    plus = [(p.startswith("+"), f.startswith("+")) for p, f in zip(cols["phone"], cols["fax"])]
    assert sorted(plus) == [(False, False)] + [(True, True)] * (n - 1)
