"""Seeding the bundled Chinook: a customer's address and contacts agree with the customer's country."""
from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from faker.providers.person.de_DE import Provider as GermanPersons

from tests.conftest import ROOT

SRC = ROOT / "examples" / "chinook" / "chinook.sqlite"
CONTACTS = {"Customer": ["Address", "PostalCode", "Phone", "Fax", "Email"],
            "Employee": ["Address", "PostalCode", "Phone", "Fax", "Email"],
            "Invoice": ["BillingAddress", "BillingPostalCode"]}


def _read(path: Path, table: str) -> pd.DataFrame:
    with sqlite3.connect(path) as con:
        return pd.read_sql(f'SELECT * FROM "{table}"', con)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not SRC.exists():
        pytest.skip("examples/chinook is not bundled")
    work = tmp_path_factory.mktemp("pii_rows")
    config = work / "dbsynth.toml"
    config.write_text('locale = "de_DE"\n')
    out = work / "out.sqlite"
    run = subprocess.run([sys.executable, "-m", "dbsynth.cli", "seed", f"sqlite:///{SRC}", f"sqlite:///{out}",
                          "--seed", "0", "--config", str(config)], capture_output=True, text=True, cwd=ROOT,
                         timeout=600)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    return out


def test_canadian_customers_get_canadian_provinces_postcodes_and_phones(seeded: Path) -> None:
    real, syn = _read(SRC, "Customer"), _read(seeded, "Customer")
    provinces = set(real.loc[real.Country == "Canada", "State"])
    canada = syn[syn.Country == "Canada"]
    assert len(canada) >= 3
    assert set(canada.State) <= provinces
    assert all(re.fullmatch(r"[A-Z]\d[A-Z] \d[A-Z]\d", p) for p in canada.PostalCode.dropna())
    assert all(re.fullmatch(r"\+1 \(\d{3}\) \d{3}-\d{4}", p) for p in canada.Phone.dropna())  # the source's format
    # cities are the source's cities of the row's country (places, not people)
    assert set(canada.City) <= set(real.loc[real.Country == "Canada", "City"])
    # de_DE is configured: it applies to German customers' names, not to Canadian ones
    german_names = set(GermanPersons.first_names)
    germany = syn[syn.Country == "Germany"]
    assert set(germany.City) <= set(real.loc[real.Country == "Germany", "City"])
    assert len(germany) and sum(n in german_names for n in germany.FirstName) >= 0.8 * len(germany)


def test_every_country_keeps_its_states_and_phone_prefix(seeded: Path) -> None:
    real, syn = _read(SRC, "Customer"), _read(seeded, "Customer")
    pairs = set(zip(real.Country, real.State.fillna("")))
    assert all(p in pairs for p in zip(syn.Country, syn.State.fillna("")))
    prefix = lambda v: re.match(r"\+?\d+", v).group(0)  # noqa: E731
    codes = {(c, prefix(p)) for c, p in zip(real.Country, real.Phone) if p}
    assert all((c, prefix(p)) in codes for c, p in zip(syn.Country, syn.Phone) if p)


def test_emails_use_the_rows_names(seeded: Path) -> None:
    from dbsynth.transform.pii_formats import ascii_slug

    syn = _read(seeded, "Customer")
    with_last = 0
    for first, last, email in zip(syn.FirstName, syn.LastName, syn.Email):
        local = email.split("@")[0].replace(".", "").replace("_", "")
        assert local.startswith(ascii_slug(first)[:1]), email
        with_last += ascii_slug(last)[:1] in local
    # the source has a first-name-only style too (eduardo@woodstock.com.br): most, not all, carry the last name
    assert with_last >= 0.85 * len(syn)


def test_no_source_contact_value_is_copied(seeded: Path) -> None:
    for table, columns in CONTACTS.items():
        real, syn = _read(SRC, table), _read(seeded, table)
        for col in columns:
            leaked = set(real[col].dropna().str.strip().str.casefold()) & \
                set(syn[col].dropna().str.strip().str.casefold()) - {""}
            assert not leaked, f"{table}.{col}: {sorted(leaked)[:3]}"


def test_employee_phone_formats_keep_their_shares_and_agree_in_a_row(seeded: Path) -> None:
    # issue 11: the source's 8 employees write 7 phones and faxes `+1 (780) …` and one `1 (780) …`
    # (the same employee for both); i.i.d. template draws gave the first employee a `1 (…)` phone
    real, syn = _read(SRC, "Employee"), _read(seeded, "Employee")
    assert len(real) == len(syn)
    for frame in (real, syn):
        plus = frame[["Phone", "Fax"]].apply(lambda s: s.str.startswith("+"))
        assert plus["Phone"].sum() == plus["Fax"].sum() == len(frame) - 1
        assert (plus["Phone"] == plus["Fax"]).all()


def test_password_hashes_stay_hashes(tmp_path: Path) -> None:
    import hashlib
    src, out = tmp_path / "src.sqlite", tmp_path / "out.sqlite"
    with sqlite3.connect(src) as con:
        con.execute("CREATE TABLE staff (id INTEGER PRIMARY KEY, username VARCHAR(16), password VARCHAR(40))")
        con.executemany("INSERT INTO staff VALUES (?, ?, ?)",
                        [(i, f"user{i}", None if i % 4 == 0 else hashlib.sha1(f"pw{i}".encode()).hexdigest())
                         for i in range(1, 41)])
    run = subprocess.run([sys.executable, "-m", "dbsynth.cli", "seed", f"sqlite:///{src}", f"sqlite:///{out}",
                          "--seed", "0"], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    real, syn = _read(src, "staff"), _read(out, "staff")
    hashes = syn["password"].dropna()
    assert hashes.str.fullmatch(r"[0-9a-f]{40}").all() and not set(hashes) & set(real["password"].dropna())
    assert 0.1 <= syn["password"].isna().mean() <= 0.4  # the source's 25% without a password
