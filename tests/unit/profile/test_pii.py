"""PII name rules and value detectors."""
from __future__ import annotations

import pandas as pd
import pytest

from dbsynth.profile.pii import (is_card, is_email, is_ip, is_national_id, is_phone, is_postcode, luhn_valid,
                                 name_tokens, pii_kind_from_name, pii_kind_from_values)
from dbsynth.profile.types import PiiKind


@pytest.mark.parametrize("name,kind", [
    ("Email", PiiKind.EMAIL), ("email_address", PiiKind.EMAIL), ("ip_address", PiiKind.IP_ADDRESS),
    ("FirstName", PiiKind.FIRST_NAME), ("first_name", PiiKind.FIRST_NAME), ("LastName", PiiKind.LAST_NAME),
    ("surname", PiiKind.LAST_NAME), ("ContactName", PiiKind.FULL_NAME), ("CompanyName", PiiKind.COMPANY),
    ("HomePhone", PiiKind.PHONE), ("phone_number", PiiKind.PHONE), ("Fax", PiiKind.PHONE),
    ("BillingAddress", PiiKind.STREET_ADDRESS), ("address2", PiiKind.STREET_ADDRESS),
    ("ShipCity", PiiKind.CITY), ("BillingPostalCode", PiiKind.POSTCODE), ("zip_code", PiiKind.POSTCODE),
    ("ShipRegion", PiiKind.STATE), ("Country", PiiKind.COUNTRY), ("username", PiiKind.USERNAME),
    ("password", PiiKind.PASSWORD), ("HomePage", PiiKind.URL), ("ssn", PiiKind.NATIONAL_ID),
    ("credit_card_number", PiiKind.CREDIT_CARD),
])
def test_name_rules(name: str, kind: PiiKind) -> None:
    hit = pii_kind_from_name(name)
    assert hit is not None and hit[0] == kind


@pytest.mark.parametrize("name", ["Title", "Name", "address_type", "country_id", "email_status",
                                  "phone_verified", "RegionDescription", "Composer", "ShipName"])
def test_names_that_are_not_pii(name: str) -> None:
    assert pii_kind_from_name(name) is None


def test_bare_name_is_a_person_only_in_person_tables() -> None:
    assert pii_kind_from_name("name", table="Customers")[0] == PiiKind.FULL_NAME  # type: ignore[index]
    assert pii_kind_from_name("Name", table="Genre") is None


def test_tokens() -> None:
    assert name_tokens("BillingPostalCode") == ("billing", "postal", "code")
    assert name_tokens("IPAddress") == ("ip", "address")
    assert name_tokens("address_line2") == ("address", "line")


def test_value_predicates() -> None:
    assert is_email("a.b+c@mail.example.co.uk") and not is_email("not an email")
    assert is_ip("192.168.0.1") and is_ip("2001:db8::1") and not is_ip("300.1.1.1")
    assert luhn_valid("4111 1111 1111 1111") and not luhn_valid("4111 1111 1111 1112")
    assert is_card("4111-1111-1111-1111") and not is_card("1234")
    assert is_national_id("123-45-6789") and not is_national_id("000-45-6789")
    assert is_phone("+55 (12) 3923-5555") and is_phone("(503) 555-9931") and is_phone("030-0074321")
    assert not is_phone("12227-000") and not is_phone("20240101") and not is_phone("2021-01-01")
    assert is_postcode("H2G 1A7") and is_postcode("SW1A 1AA") and not is_postcode("hello")


def test_values_below_threshold_are_not_pii() -> None:
    s = pd.Series(["x@y.com"] * 7 + ["plain"] * 3)
    assert pii_kind_from_values(s) is None
    hit = pii_kind_from_values(pd.Series(["x@y.com"] * 9 + ["plain"]))
    assert hit is not None and hit[0] == PiiKind.EMAIL and hit[1] == pytest.approx(0.9)
