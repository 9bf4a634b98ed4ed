"""PII detectors: column-name rules and value patterns.

Name rules work on the column's word tokens (``BillingPostalCode`` →
``billing postal code``), so camelCase, snake_case and prefixes like
``Billing``/``Ship``/``Home`` all match. Value patterns are checked on a
bounded, evenly spaced sample so profiling a million-row column stays cheap.
"""
from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable

import pandas as pd

from dbsynth.profile.types import PiiKind

#: share of sampled non-null values that must match a pattern to call the column PII
VALUE_MATCH_THRESHOLD = 0.8
#: values inspected per column for value patterns
SAMPLE_SIZE = 1000

_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")

# Tables whose bare ``name`` column names a person.
PERSON_TABLES = frozenset({
    "customer", "employee", "person", "people", "user", "member", "contact", "staff",
    "student", "patient", "author", "client", "actor", "driver", "passenger", "guest",
})


def name_tokens(name: str) -> tuple[str, ...]:
    """Lower-case word tokens of an identifier, digits dropped (``Address2`` → ``address``)."""
    words = _CAMEL.findall(name.replace("-", "_"))
    return tuple(w.lower() for w in words if not w.isdigit())


# A phrase matches at the end of the name, or just before one of these tails
# (``email_address``, ``phone_number``, ``zip_code``): ``email_status`` or
# ``address_type`` are not PII.
TAILS = frozenset({"address", "addr", "number", "no", "num", "nr", "code", "line", "name", "value", "text"})


def _ends_with(tokens: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    n = len(phrase)
    return len(tokens) >= n and tokens[-n:] == phrase


def phrase_matches(tokens: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    """``phrase`` ends the name, possibly followed by one tail word."""
    if _ends_with(tokens, phrase):
        return True
    return len(tokens) > len(phrase) and tokens[-1] in TAILS and _ends_with(tokens[:-1], phrase)


def _p(*phrases: str) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(p.split()) for p in phrases)


# Ordered: the first rule that matches wins, so specific rules come first
# (``email_address`` is an e-mail, ``ip_address`` an IP, not a street address).
NAME_RULES: tuple[tuple[PiiKind, tuple[tuple[str, ...], ...]], ...] = (
    (PiiKind.EMAIL, _p("email", "e mail", "emailaddress")),
    (PiiKind.IP_ADDRESS, _p("ip", "ipv4", "ipv6", "ipaddr", "ipaddress")),
    (PiiKind.URL, _p("url", "uri", "website", "homepage", "home page", "web site", "web page")),
    (PiiKind.PASSWORD, _p("password", "passwd", "pwd", "password hash")),
    (PiiKind.USERNAME, _p("username", "user name", "login", "login name", "nickname", "screen name")),
    (PiiKind.CREDIT_CARD, _p("credit card", "card number", "card no", "cc number", "ccnum", "iban", "pan")),
    (PiiKind.NATIONAL_ID, _p("ssn", "social security", "national id", "tax id", "passport", "nino")),
    (PiiKind.FIRST_NAME, _p("first name", "firstname", "given name", "forename")),
    (PiiKind.LAST_NAME, _p("last name", "lastname", "surname", "family name")),
    (PiiKind.COMPANY, _p("company", "company name", "employer", "organization", "organisation")),
    (PiiKind.FULL_NAME, _p("full name", "fullname", "contact name", "contactname", "customer name",
                           "person name", "employee name", "display name", "patient name")),
    (PiiKind.PHONE, _p("phone", "telephone", "tel", "fax", "mobile", "cellphone", "phonenumber")),
    (PiiKind.POSTCODE, _p("postcode", "postal code", "postalcode", "post code", "zip", "zipcode")),
    (PiiKind.STREET_ADDRESS, _p("address", "street", "addr", "address line", "addressline")),
    (PiiKind.CITY, _p("city", "town")),
    (PiiKind.STATE, _p("state", "province", "region", "county")),
    (PiiKind.COUNTRY, _p("country")),
)


def pii_kind_from_name(name: str, *, table: str | None = None) -> tuple[PiiKind, str] | None:
    """PII kind suggested by a column name (and its table, for bare ``name``), with the rule's label."""
    tokens = name_tokens(name)
    for kind, phrases in NAME_RULES:
        for phrase in phrases:
            if phrase_matches(tokens, phrase):
                return kind, " ".join(phrase)
    if tokens == ("name",) and table and _singular(table) in PERSON_TABLES:
        return PiiKind.FULL_NAME, f"'name' in person table {table!r}"
    return None


def _singular(table: str) -> str:
    toks = name_tokens(table)
    word = toks[-1] if toks else table.lower()
    return word[:-1] if word.endswith("s") and word[:-1] in PERSON_TABLES else word


# ---- value patterns -------------------------------------------------------

_EMAIL = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_URL = re.compile(r"(https?|ftp)://[^\s/$.?#][^\s]*|www\.[^\s.]+\.[^\s]{2,}", re.IGNORECASE)
_PHONE = re.compile(r"\+?[\d\s().\-/]{7,24}(\s*(x|ext\.?)\s*\d{1,6})?", re.IGNORECASE)
_DATE_LIKE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}( .*)?|\d{1,2}[./-]\d{1,2}[./-]\d{4}")
_SSN = re.compile(r"(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}")
_NINO = re.compile(r"[A-CEGHJ-PR-TW-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]")
_CARD = re.compile(r"\d(?:[ -]?\d){12,18}")
_POSTCODE = re.compile(r"[A-Z]\d[A-Z] ?\d[A-Z]\d|[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}")  # CA, UK


def luhn_valid(number: str) -> bool:
    """Luhn checksum of the digits in ``number`` (card numbers)."""
    digits = [int(c) for c in number if c.isdigit()]
    if len(digits) < 12:
        return False
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def is_email(v: str) -> bool:
    return _EMAIL.fullmatch(v) is not None


def is_url(v: str) -> bool:
    return _URL.fullmatch(v) is not None


def is_ip(v: str) -> bool:
    try:
        ipaddress.ip_address(v)
    except ValueError:
        return False
    return True


def is_phone(v: str) -> bool:
    """Phone-shaped: 7–15 digits and a phone marker (leading +, brackets, or ≥2 separators).

    The marker keeps plain numeric codes and ``12227-000``-style postcodes out.
    """
    if _PHONE.fullmatch(v) is None or _DATE_LIKE.fullmatch(v):
        return False
    n_digits = sum(c.isdigit() for c in v.split("x")[0])
    if not 7 <= n_digits <= 15:
        return False
    groups = len(re.findall(r"\d+", v))
    return v.startswith("+") or "(" in v or groups >= 3 or (groups == 2 and n_digits >= 10)


def is_card(v: str) -> bool:
    return _CARD.fullmatch(v) is not None and luhn_valid(v)


def is_national_id(v: str) -> bool:
    return _SSN.fullmatch(v) is not None or _NINO.fullmatch(v.upper()) is not None


def is_postcode(v: str) -> bool:
    return _POSTCODE.fullmatch(v.upper()) is not None


# Ordered from most to least specific: a card number is also "phone-shaped".
VALUE_RULES: tuple[tuple[PiiKind, str, Callable[[str], bool]], ...] = (
    (PiiKind.EMAIL, "e-mail", is_email),
    (PiiKind.URL, "URL", is_url),
    (PiiKind.IP_ADDRESS, "IP address", is_ip),
    (PiiKind.CREDIT_CARD, "card number (Luhn)", is_card),
    (PiiKind.NATIONAL_ID, "national id", is_national_id),
    (PiiKind.PHONE, "phone", is_phone),
    (PiiKind.POSTCODE, "postcode", is_postcode),
)


def sample_strings(series: pd.Series, *, size: int = SAMPLE_SIZE) -> list[str]:
    """Evenly spaced non-null values as stripped strings (deterministic, bounded)."""
    values = series.dropna()
    if len(values) > size:
        step = len(values) / size
        values = values.iloc[[int(i * step) for i in range(size)]]
    return [str(v).strip() for v in values if str(v).strip()]


def pii_kind_from_values(series: pd.Series, *, threshold: float = VALUE_MATCH_THRESHOLD
                         ) -> tuple[PiiKind, float, str] | None:
    """PII kind most values of a text column match, with the matching share and pattern label."""
    sample = sample_strings(series)
    if not sample:
        return None
    for kind, label, test in VALUE_RULES:
        share = sum(map(test, sample)) / len(sample)
        if share >= threshold:
            return kind, share, label
    return None
