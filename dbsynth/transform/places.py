"""Address and contact columns that agree inside a row.

Drawn independently, a customer's city, state, postal code, country and
phone disagree (a Canadian in a German city with a US phone). Here they are
drawn together, per row, from the row's (synthetic) country:

* a city is drawn from the source's cities of the row's country, at their
  frequencies (a place, not a person; Faker's cities only for a country the
  source never shows);
* street address and a faked state come from Faker's locale for that
  country (``Canada`` → ``en_CA``); a configured ``locale`` replaces the
  default locale of its own country only, and is the fallback for countries
  Faker lacks and tables without a country column;
* phone and postal code follow the source's formats for that country
  (:mod:`dbsynth.transform.pii_formats`), with that country's share of NULLs;
* a city or state that is modelled as a category keeps the source's
  vocabulary, redrawn from that country's values where the row's pair was
  never seen in the source (no ``RM`` state for the United Kingdom);
* e-mails are built from the row's synthetic names and the source's domains
  (for the row's country where known).

Fit: :func:`learn_places` adds a ``places`` description to a table model and
marks the fake specs it takes over (``row: True``); sample:
:func:`fill_places` fills those columns after the plain fakes.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from dbsynth.profile.pii import TAILS, name_tokens, pii_kind_from_name
from dbsynth.profile.types import PiiKind, SemanticType
from dbsynth.transform import pii_formats as F

if TYPE_CHECKING:
    from faker import Faker

#: kinds drawn per row from the row's country
PLACE_KINDS = frozenset({PiiKind.CITY, PiiKind.STATE, PiiKind.POSTCODE, PiiKind.PHONE,
                         PiiKind.STREET_ADDRESS, PiiKind.EMAIL, PiiKind.FIRST_NAME, PiiKind.LAST_NAME,
                         PiiKind.FULL_NAME})
#: kinds drawn in the source's templates (pii_formats.py)
_SHAPED = frozenset({PiiKind.PHONE, PiiKind.POSTCODE})
#: order inside a group: states before the postal codes and phones that follow them, names before e-mails
_ORDER = {"state": 0, "first_name": 1, "last_name": 1, "full_name": 1, "email": 3}
#: distinct values a pool of Faker values holds per locale (Faker calls are slow)
POOL = 2000
#: the same for columns that must be unique
UNIQUE_POOL = 200_000

# English country names (and common variants) → Faker locale; ISO codes go through the locale's territory.
COUNTRY_LOCALES: dict[str, str] = {
    "usa": "en_US", "us": "en_US", "united states": "en_US", "united states of america": "en_US",
    "america": "en_US", "canada": "en_CA", "brazil": "pt_BR", "brasil": "pt_BR", "germany": "de_DE",
    "deutschland": "de_DE", "norway": "no_NO", "czech republic": "cs_CZ", "czechia": "cs_CZ",
    "austria": "de_AT", "belgium": "nl_BE", "denmark": "da_DK", "portugal": "pt_PT", "france": "fr_FR",
    "finland": "fi_FI", "hungary": "hu_HU", "ireland": "en_IE", "italy": "it_IT", "netherlands": "nl_NL",
    "the netherlands": "nl_NL", "holland": "nl_NL", "poland": "pl_PL", "spain": "es_ES", "sweden": "sv_SE",
    "united kingdom": "en_GB", "uk": "en_GB", "great britain": "en_GB", "england": "en_GB",
    "scotland": "en_GB", "wales": "en_GB", "australia": "en_AU", "argentina": "es_AR", "chile": "es_CL",
    "india": "en_IN", "mexico": "es_MX", "switzerland": "de_CH", "venezuela": "es_VE", "colombia": "es_CO",
    "japan": "ja_JP", "china": "zh_CN", "taiwan": "zh_TW", "russia": "ru_RU", "russian federation": "ru_RU",
    "new zealand": "en_NZ", "greece": "el_GR", "turkey": "tr_TR", "ukraine": "uk_UA", "romania": "ro_RO",
    "israel": "he_IL", "south korea": "ko_KR", "korea": "ko_KR", "philippines": "en_PH", "thailand": "th_TH",
    "slovakia": "sk_SK", "slovenia": "sl_SI", "croatia": "hr_HR", "bulgaria": "bg_BG", "indonesia": "id_ID",
    "vietnam": "vi_VN", "iran": "fa_IR", "egypt": "ar_EG", "saudi arabia": "ar_SA", "nepal": "ne_NP",
    "bangladesh": "bn_BD", "georgia": "ka_GE", "armenia": "hy_AM", "azerbaijan": "az_AZ", "estonia": "et_EE",
    "latvia": "lv_LV", "lithuania": "lt_LT", "iceland": "is_IS", "luxembourg": "lb_LU", "malta": "mt_MT",
    "cyprus": "el_CY", "nigeria": "en_NG", "kenya": "en_KE", "pakistan": "en_PK", "sri lanka": "si_LK",
    "albania": "sq_AL", "north macedonia": "mk_MK", "macedonia": "mk_MK", "uzbekistan": "uz_UZ",
    "south africa": "zu_ZA", "liechtenstein": "de_LI", "algeria": "fr_DZ", "ethiopia": "am_ET",
    "united arab emirates": "ar_AE", "uae": "ar_AE", "jordan": "ar_JO", "bahrain": "ar_BH",
}

# Faker providers per kind, first that exists wins (abbreviations first where the source abbreviates).
_STATE_ABBR = ("state_abbr", "province_abbr", "administrative_unit", "state", "province", "region")
_STATE_FULL = ("state", "administrative_unit", "province", "region", "prefecture", "city")
_PROVIDERS = {PiiKind.CITY: ("city",), PiiKind.STREET_ADDRESS: ("street_address",),
              PiiKind.FIRST_NAME: ("first_name",), PiiKind.LAST_NAME: ("last_name",)}


def locale_for(country: object, configured: str) -> str:
    """Faker locale of a country name or ISO code; the configured locale for its own country and the unknown."""
    from faker.config import AVAILABLE_LOCALES

    name = "" if country is None else str(country).strip().lower()
    loc = COUNTRY_LOCALES.get(name)
    if loc is None and len(name) in (2, 3):
        loc = next((x for x in sorted(AVAILABLE_LOCALES) if x.lower().endswith("_" + name[:2])), None)
    if loc is None or loc not in AVAILABLE_LOCALES:
        return configured
    return configured if _territory(configured) == _territory(loc) else loc


def _territory(locale: str) -> str:
    return locale.rpartition("_")[2].upper() if "_" in locale else ""


# ---- fit ---------------------------------------------------------------------

def learn_places(fakes: list[dict[str, Any]], frame: pd.DataFrame, kinds: dict[str, tuple[PiiKind, SemanticType]],
                 categorical: set[str]) -> dict[str, Any]:
    """The table's address groups (a country column and the columns drawn from it); marks taken-over fakes.

    ``kinds``: each column's PII/name kind and semantic type; ``categorical``:
    columns modelled as categories (a modelled city or state is only fixed).
    """
    # a column with learned formats (an employee's `923 7 ST NW`) keeps them rather than Faker's shape
    faked = {f["column"]: f for f in fakes if not f.get("code") and not f.get("format")}
    countries = [c for c, (k, _) in kinds.items() if k == PiiKind.COUNTRY and c in frame]
    groups: dict[str | None, dict[str, Any]] = {}
    for col, (kind, _) in kinds.items():
        if kind not in PLACE_KINDS or col not in frame:
            continue
        mode = "fake" if col in faked else "category" if col in categorical and kind in (
            PiiKind.CITY, PiiKind.STATE) else None
        if mode is None:
            continue
        country = _country_of(col, countries)
        if mode == "category" and country is None:
            continue  # nothing to agree with
        spec = _learn_column(col, kind, mode, frame, country, kinds)
        groups.setdefault(country, {"country": country, "columns": {}})["columns"][col] = spec
        if mode == "fake":
            faked[col]["row"] = True
            spec["unique"] = bool(faked[col].get("unique"))
    for group in groups.values():
        _learn_by_state(group, frame)
        group["columns"] = dict(sorted(group["columns"].items(), key=lambda kv: _ORDER.get(kv[1]["kind"], 2)))
    return {"groups": list(groups.values())} if groups else {}


def _learn_by_state(group: dict[str, Any], frame: pd.DataFrame) -> None:
    """Postal code and phone shapes per (country, state) too, where the state is a category: an Alberta
    postal code starts with T, its phones with area codes 403/780."""
    states = [c for c, s in group["columns"].items() if s["kind"] == "state" and s["mode"] == "category"]
    if not states or group["country"] is None:
        return
    group["state"] = states[0]
    keys = _keys(frame, group["country"]) + "|" + _keys(frame, states[0])
    for col, spec in group["columns"].items():
        if spec["kind"] == "city" and spec["mode"] == "fake":  # Chicago lies in IL, not in CA
            raw = frame[col].dropna().astype(str)
            raw = raw[raw.str.strip() != ""]
            spec["state_pool"] = {k: [[x, int(c)] for x, c in v.value_counts().items()]
                                  for k, v in raw.groupby(keys[raw.index])}
        if spec["kind"] in ("phone", "postcode"):
            present = frame[col].dropna().astype(str).str.strip()
            present = present[present != ""]
            spec["by_state"] = {k: F.learn_shapes(v.tolist(), kind=spec["kind"])
                                for k, v in present.groupby(keys[present.index])}


def _prefix(col: str) -> tuple[str, ...]:
    tokens = name_tokens(col)
    found = pii_kind_from_name(col)
    if found is None:
        return tokens
    phrase = tuple(found[1].split())
    if tokens and tokens[-1] in TAILS and tokens[-len(phrase) - 1:-1] == phrase:
        tokens = tokens[:-1]
    return tokens[:-len(phrase)] if tokens[-len(phrase):] == phrase else tokens


def _country_of(col: str, countries: list[str]) -> str | None:
    """The country column of ``col``'s group: same prefix (``ShipCity`` → ``ShipCountry``), else the only one."""
    same = [c for c in countries if _prefix(c) == _prefix(col)]
    if same:
        return same[0]
    return countries[0] if len(countries) == 1 else None


def _keys(frame: pd.DataFrame, country: str | None) -> pd.Series:
    if country is None:
        return pd.Series([""] * len(frame), index=frame.index)
    return frame[country].map(lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v).strip())


def _learn_column(col: str, kind: PiiKind, mode: str, frame: pd.DataFrame, country: str | None,
                  kinds: dict[str, tuple[PiiKind, SemanticType]]) -> dict[str, Any]:
    keys = _keys(frame, country)
    values = frame[col]
    spec: dict[str, Any] = {"kind": kind.value, "mode": mode,
                            "nulls": {k: float(v.isna().mean()) for k, v in values.groupby(keys)}}
    if mode == "category":
        spec["by"] = {k: [[None if pd.isna(x) else x, int(n)] for x, n in v.value_counts(dropna=False).items()]
                      for k, v in values.groupby(keys)}
        return spec
    raw = values.dropna().astype(str)
    present = raw.str.strip()
    present = present[present != ""]
    if not len(present):
        present = raw  # only blanks (a ' ' phone): they are the format
    pk = keys[present.index]
    spec["case"] = case_of(present.str.rpartition("@")[0] if kind == PiiKind.EMAIL else present)
    if kind in (PiiKind.PHONE, PiiKind.POSTCODE):
        label = "phone" if kind == PiiKind.PHONE else "postcode"
        spec["by"] = {k: F.learn_shapes(v.tolist(), kind=label) for k, v in present.groupby(pk)}
        spec["all"] = F.learn_shapes(present.tolist(), kind=label)
    elif kind == PiiKind.STATE:
        short = present.str.fullmatch(r"[A-Z]{1,3}").groupby(pk).mean()
        spec["abbr"] = {k: bool(v >= 0.5) for k, v in short.items()}
    elif kind == PiiKind.EMAIL:
        spec.update(_learn_emails(present, pk, frame, kinds))
    elif kind == PiiKind.CITY:
        # A city names a place, not a person: the source's cities of each country (with their
        # frequencies) keep a child's copied city a real category; addresses and phones stay new.
        # as written in the source (`Edinburgh ` with its blank is the category a child copies)
        spec["pool"] = {k: [[x, int(c)] for x, c in v.value_counts().items()] for k, v in raw[present.index].groupby(pk)}
    return spec


def case_of(values: pd.Series) -> str | None:
    """``upper``/``lower`` when nearly all values with letters are written so (``MARY.SMITH``), else None."""
    lettered = values[values.str.contains(r"[^\W\d_]", regex=True)]
    if not len(lettered):
        return None
    for case, test in (("upper", lettered.str.isupper()), ("lower", lettered.str.islower())):
        if test.mean() >= 0.9:
            return case
    return None


def apply_case(value: str, case: str | None, *, email: bool = False) -> str:
    if case is None:
        return value
    local, at, domain = value.rpartition("@") if email and "@" in value else (value, "", "")
    local = local.upper() if case == "upper" else local.lower()
    return f"{local}{at}{domain}"


def _learn_emails(present: pd.Series, pk: pd.Series, frame: pd.DataFrame,
                  kinds: dict[str, tuple[PiiKind, SemanticType]]) -> dict[str, Any]:
    names = {k.value: c for c, (k, _) in reversed(list(kinds.items()))
             if k in (PiiKind.FIRST_NAME, PiiKind.LAST_NAME, PiiKind.FULL_NAME) and c in frame}
    first, last = names.get("first_name"), names.get("last_name")
    full = names.get("full_name")
    local = present.str.rpartition("@")[0]
    domain = present.str.rpartition("@")[2].str.lower()
    styles: Counter[str] = Counter()
    for i in present.index:
        f, la = _names_of(frame, i, first, last, full)
        styles[F.email_style(local[i], f, la) if f is not None else "other"] += 1
    counts = Counter(domain.tolist())
    return {"first": first, "last": last, "full": full,
            "styles": [[s, n] for s, n in styles.most_common()],
            "domains": {k: F.domain_entries(v.tolist(), counts) for k, v in domain.groupby(pk)},
            "all_domains": F.domain_entries(domain.tolist(), counts)}


def _names_of(frame: Any, i: Any, first: str | None, last: str | None, full: str | None
              ) -> tuple[object | None, object | None]:
    if first and last:
        return frame[first][i], frame[last][i]
    if full:
        parts = str(frame[full][i]).split()
        return (parts[0], parts[-1]) if len(parts) >= 2 else (None, None)
    return None, None


# ---- sample ------------------------------------------------------------------

def stable(fake: "Faker") -> "Faker":
    """Sort word lists that Faker builds from sets (it_IT cities): their order, and so the values a seed
    gives, would change from one process to the next."""
    for provider in fake.get_providers():
        for name, value in vars(type(provider)).items():
            if isinstance(value, list) and value and all(isinstance(x, str) for x in value):
                setattr(provider, name, sorted(value))
    return fake


class _Fakers:
    """Seeded Faker per locale, with pools of values per provider."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.fakers: dict[str, Faker] = {}
        self.pools: dict[tuple[str, str], list[str]] = {}

    def get(self, locale: str) -> "Faker":
        from dbsynth.transform.fake import make_faker

        if locale not in self.fakers:
            self.fakers[locale] = stable(make_faker(locale=locale, seed=self.seed + sum(map(ord, locale))))
        return self.fakers[locale]

    def draw(self, locale: str, methods: tuple[str, ...], k: int, rng: np.random.Generator, *,
             pool_size: int = POOL) -> list[str]:
        fake = self.get(locale)
        method = next((getattr(fake, m) for m in methods if hasattr(fake, m)), None)
        if method is None:
            fake = self.get("en_US")
            method = next(getattr(fake, m) for m in methods if hasattr(fake, m))
        if pool_size > POOL:  # unique: fresh values, a pool would run out of distinct ones
            return [str(method()) for _ in range(k)]
        pool = self.pools.setdefault((locale, methods[0]), [])
        while len(pool) < min(pool_size, max(k, 50)):
            pool.append(str(method()))
        return [pool[i] for i in rng.integers(0, len(pool), size=k)]


def fill_places(places: dict[str, Any], fakes: list[dict[str, Any]], cols: dict[str, Any], n: int,
                rng: np.random.Generator, *, locale: str, seen: Callable[[str], set[Any]]) -> None:
    """Fill (or, for modelled categories, fix) every group's columns in ``cols``, row by row's country."""
    from dbsynth.sample import keys as K
    from dbsynth.transform.fake import _repair, clip

    specs = {f["column"]: f for f in fakes}
    fakers = _Fakers(int(rng.integers(2**31)))
    for group in places.get("groups", []):
        shapes: dict[str, np.ndarray] = {}  # per kind: the template ranks the row's phone columns share
        country = group["country"]
        keys = np.array([""] * n, dtype=object) if country is None or country not in cols else \
            np.array(["" if _missing(v) else str(v).strip() for v in cols[country]], dtype=object)
        locales = {k: locale_for(k or None, locale) for k in set(keys.tolist())}
        for col, spec in group["columns"].items():
            state = group.get("state")
            sub = keys if state is None or state not in cols else \
                keys + "|" + np.array(["" if _missing(v) else str(v).strip() for v in cols[state]], dtype=object)
            kind = PiiKind(spec["kind"])
            if spec["mode"] == "category":
                if col in cols:
                    cols[col] = _fix_category(np.asarray(cols[col], dtype=object), keys, spec, rng)
                continue
            f = specs.get(col, {})
            max_length = f.get("max_length")
            u = shapes.setdefault(kind.value, _spread_by(sub, rng)) if kind in _SHAPED else None

            def draw(idx: np.ndarray, spec: dict[str, Any] = spec, kind: PiiKind = kind,
                     ml: Any = max_length, u: np.ndarray | None = u) -> list[str]:
                raw = _draw(kind, spec, keys[idx], locales, cols, idx, fakers, rng, sub=sub[idx],
                            avoid=f.get("avoid") or frozenset(), u=u)
                case, email = spec.get("case"), kind == PiiKind.EMAIL
                return [clip(apply_case(v, case, email=email), max_length=ml, kind=kind) for v in raw]

            values = draw(np.arange(n))
            unique = bool(f.get("unique"))
            avoid = frozenset() if spec.get("pool") and not unique else f.get("avoid", frozenset())
            if unique or avoid:
                values = _repair(values, draw, unique=unique, avoid=avoid, max_length=max_length, kind=kind)
            arr = np.array(values, dtype=object)
            arr[_null_rows(spec, keys, f.get("null_rate", 0.0), rng)] = None
            if unique:
                arr = K.make_unique(arr, seen=seen(col), max_length=max_length)
            cols[col] = arr


def _spread_by(groups: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Per row a point in [0, 1), spread systematically within each group of rows (a country):
    each group's phones take the source's templates at their shares, not a random draw of them."""
    u = np.zeros(len(groups))
    for g in sorted(set(groups.tolist())):  # sorted: set order varies per process (string hashing)
        rows = np.flatnonzero(groups == g)
        u[rows] = F.spread(len(rows), rng)
    return u


def _missing(v: object) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v))


def _null_rows(spec: dict[str, Any], keys: np.ndarray, default: float, rng: np.random.Generator) -> np.ndarray:
    rates = np.array([spec["nulls"].get(k, default) for k in keys.tolist()], dtype=float)
    return rng.uniform(size=len(keys)) < rates


def _fix_category(values: np.ndarray, keys: np.ndarray, spec: dict[str, Any], rng: np.random.Generator) -> np.ndarray:
    """Redraw values never seen with the row's country from that country's source values."""
    by = spec["by"]
    out = values.copy()
    for k in sorted(set(keys.tolist())):  # sorted: set order varies per process (string hashing)
        dist = by.get(k)
        if not dist:
            continue
        allowed = {_norm(v) for v, _ in dist}
        rows = [i for i in np.flatnonzero(keys == k) if _norm(out[i]) not in allowed]
        if rows:
            w = np.array([c for _, c in dist], dtype=float)
            picks = rng.choice(len(dist), size=len(rows), p=w / w.sum())
            for i, p in zip(rows, picks):
                out[i] = dist[p][0]
    return out


def _norm(v: object) -> object:
    return None if v is None or (isinstance(v, float) and np.isnan(v)) else v


def _draw(kind: PiiKind, spec: dict[str, Any], keys: np.ndarray, locales: dict[str, str], cols: dict[str, Any],
          idx: np.ndarray, fakers: _Fakers, rng: np.random.Generator, *, sub: np.ndarray,
          avoid: frozenset[str] = frozenset(), u: np.ndarray | None = None) -> list[str]:
    out: list[str] = [""] * len(keys)
    for k in sorted(set(sub.tolist())):
        rows = np.flatnonzero(sub == k)
        country = keys[rows[0]]
        vals = _draw_country(kind, spec, country, locales[country], cols, idx[rows], fakers, rng, sub=k, avoid=avoid,
                             u=None if u is None else u[idx[rows]])
        for r, v in zip(rows.tolist(), vals):
            out[r] = v
    return out


def _draw_country(kind: PiiKind, spec: dict[str, Any], key: str, locale: str, cols: dict[str, Any],
                  idx: np.ndarray, fakers: _Fakers, rng: np.random.Generator, *, sub: str = "",
                  avoid: frozenset[str] = frozenset(), u: np.ndarray | None = None) -> list[str]:
    k = len(idx)
    if kind in _SHAPED:
        learned = spec.get("by_state", {}).get(sub) or spec["by"].get(key) or spec["all"]
        return F.fill_shapes(learned, k, rng, u=u)
    if kind == PiiKind.STATE:
        abbr = spec.get("abbr", {}).get(key, False)
        return fakers.draw(locale, _STATE_ABBR if abbr else _STATE_FULL, k, rng)
    if kind == PiiKind.EMAIL:
        return _emails(spec, key, locale, cols, idx, fakers, rng)
    pool = (spec.get("state_pool", {}).get(sub) or spec.get("pool", {}).get(key)) \
        if kind == PiiKind.CITY and not spec.get("unique") else None
    if pool:
        w = np.array([c for _, c in pool], dtype=float)
        return [pool[i][0] for i in rng.choice(len(pool), size=k, p=w / w.sum())]
    # a unique column needs more distinct values than a pool holds
    size = UNIQUE_POOL if spec.get("unique") else POOL
    if kind in (PiiKind.FIRST_NAME, PiiKind.LAST_NAME) and avoid:
        from dbsynth.transform.fake import names_besides
        besides = names_besides(fakers.get(locale), rng, kind, avoid)  # not the source's own names
        if besides is not None:
            return besides(np.arange(k))
    if kind == PiiKind.FULL_NAME:  # first and last name: Faker's name() adds titles (``Dr. … B.A.``)
        firsts = fakers.draw(locale, ("first_name",), k, rng, pool_size=size)
        return [f"{f} {la}" for f, la in zip(firsts, fakers.draw(locale, ("last_name",), k, rng, pool_size=size))]
    return fakers.draw(locale, _PROVIDERS[kind], k, rng, pool_size=size)


def _emails(spec: dict[str, Any], key: str, locale: str, cols: dict[str, Any], idx: np.ndarray,
            fakers: _Fakers, rng: np.random.Generator) -> list[str]:
    styles = spec["styles"] or [["firstlast", 1]]
    sw = np.array([n for _, n in styles], dtype=float)
    domains = spec["domains"].get(key) or spec["all_domains"] or [["example.com", "", 1]]
    dw = np.array([n for *_, n in domains], dtype=float)
    out = []
    for i, s, d in zip(idx.tolist(), rng.choice(len(styles), size=len(idx), p=sw / sw.sum()).tolist(),
                       rng.choice(len(domains), size=len(idx), p=dw / dw.sum()).tolist()):
        first, last = _names_of(cols, i, spec.get("first"), spec.get("last"), spec.get("full"))
        if first is None or _missing(first) or not F.ascii_slug(first):
            first, last = fakers.draw(locale, ("first_name",), 1, rng)[0], fakers.draw(locale, ("last_name",), 1, rng)[0]
        style = styles[s][0]
        if style.startswith("other"):
            style = "firstlast" + style[len("other"):]
        domain, suffix, _ = domains[d]
        if domain == "*":
            word = F.ascii_slug(fakers.draw(locale, ("last_name",), 1, rng)[0]) or "company"
            domain = word + suffix
        out.append(f"{F.build_local(style, first, last, rng)}@{domain}")
    return out


def plan_places(model: Any, table: Any, frame: pd.DataFrame, profile: Any) -> dict[str, Any]:
    """``learn_places`` for a fitted table model: kinds from the profile, else from column names."""
    from dbsynth.transform.columns import CategoricalTransform, ConstantTransform

    kinds: dict[str, tuple[PiiKind, SemanticType]] = {}
    for col in table.columns:
        prof = None
        if profile is not None:
            prof = next((c for c in profile.columns if c.name == col.name), None)
        kind = prof.pii_kind if prof is not None and prof.pii_kind is not None else None
        if kind is None:
            found = pii_kind_from_name(col.name, table=table.name)
            kind = found[0] if found else None
        if kind is not None:
            kinds[col.name] = (kind, prof.semantic if prof is not None else SemanticType.TEXT)
    categorical = {t.column for t in model.transforms if isinstance(t, (CategoricalTransform, ConstantTransform))}
    return learn_places(model.fakes, frame, kinds, categorical)
