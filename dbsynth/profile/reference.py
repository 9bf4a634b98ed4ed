"""Reference (lookup) tables: small tables other tables point at, holding no personal data.

Genres, media types, categories, regions, shippers, languages, countries: a QA
engineer recognises them on the first screen, every other table refers to them
by key, and nothing in them identifies a person. They are copied verbatim by
default (rows and keys), and do not scale with ``--scale``: a 25-row genre table
stays 25 rows. ``[tables.X] copy = false`` turns it off, ``copy = true`` forces it.

A table qualifies when it

- has at least one row and at most ``REFERENCE_MAX_ROWS`` rows;
- is referenced by an FK of another table that is not one-to-one (lookup rows are shared by children);
- refers (by FK) only to tables that qualify too (Territories → Regions), so its
  copied keys always find their parent;
- has no personal column: person names, e-mails, street addresses, birth dates,
  national ids, usernames, passwords, card numbers;
- holds labels, not measurements: at most ``REFERENCE_MAX_COLUMNS`` columns besides its keys,
  at least one of them text, none of them numbers (a 50-row table of teams with a score is data).

Contact columns that are not personal on their own (a shipper's phone) do not
disqualify a table; they are regenerated in the copy (``regenerated_columns``).
"""
from __future__ import annotations

from dataclasses import replace
from typing import Mapping

from dbsynth.profile.pii import name_tokens
from dbsynth.profile.types import PiiKind, SemanticType, TableProfile
from dbsynth.schema.model import LogicalType, Schema

#: Chinook's Genre (25), Northwind's Territories (53) and Sakila's country (109) qualify;
#: Chinook's Artist (275 names) and Sakila's city (600) are data, not lookups.
REFERENCE_MAX_ROWS = 200
REFERENCE_MAX_COLUMNS = 4  # Categories: name, description, picture; language: name, last_update
#: PII that identifies a person: a table holding any of it is never a lookup table.
PERSONAL = frozenset({PiiKind.FIRST_NAME, PiiKind.LAST_NAME, PiiKind.FULL_NAME, PiiKind.EMAIL,
                      PiiKind.STREET_ADDRESS, PiiKind.NATIONAL_ID, PiiKind.USERNAME, PiiKind.PASSWORD,
                      PiiKind.CREDIT_CARD})
#: PII kinds copied with a lookup row: a shipper's company name, a country, a city name identify nobody.
COPIED_PII = frozenset({PiiKind.COMPANY, PiiKind.CITY, PiiKind.STATE, PiiKind.COUNTRY, PiiKind.URL})
_BIRTH_WORDS = frozenset({"birth", "birthdate", "birthday", "dob", "born"})


def is_birth_date(name: str) -> bool:
    """A column named like a birth date (BirthDate, date_of_birth, dob): a quasi-identifier."""
    return bool(_BIRTH_WORDS & set(name_tokens(name)))


def find_reference_tables(schema: Schema, profiles: Mapping[str, TableProfile]) -> dict[str, str]:
    """{table: why} for every table detected as reference data."""
    referenced: dict[str, set[str]] = {}
    for t in schema.data_tables:
        shared = [fk for fk in t.foreign_keys  # a one-to-one FK (UNIQUE) points at data, not at shared lookup rows
                  if fk.referred_table != t.name and set(fk.columns) not in [set(u) for u in t.unique_column_sets()]]
        for fk in shared:
            referenced.setdefault(fk.referred_table, set()).add(t.name)
    candidates = {name: prof for name, prof in profiles.items()
                  if 0 < prof.rows <= REFERENCE_MAX_ROWS and referenced.get(name) and not _personal(name, prof)
                  and _labels(schema, name)}
    changed = True
    while changed:  # a lookup table's own FKs must land in lookup tables (copied keys find their parent)
        changed = False
        for name in list(candidates):
            parents = {fk.referred_table for fk in schema.table(name).foreign_keys} - {name}
            if not parents <= set(candidates):
                del candidates[name]
                changed = True
    return {name: f"lookup table: {prof.rows} rows, referenced by {', '.join(sorted(referenced[name]))}, "
                  "no personal data" for name, prof in candidates.items()}


def _labels(schema: Schema, name: str) -> bool:
    """Label columns only: a few non-key columns, one of them text, none numeric."""
    table = schema.table(name)
    keys = set(table.pk_columns) | {c for fk in table.foreign_keys for c in fk.columns}
    rest = [c for c in table.columns if c.name not in keys]
    numeric = (LogicalType.INTEGER, LogicalType.DECIMAL, LogicalType.FLOAT)
    return (0 < len(rest) <= REFERENCE_MAX_COLUMNS and any(c.logical_type == LogicalType.TEXT for c in rest)
            and not any(c.logical_type in numeric for c in rest))


def _personal(table: str, prof: TableProfile) -> bool:
    return any((c.semantic == SemanticType.PII and c.pii_kind in PERSONAL) or is_birth_date(c.name)
               for c in prof.columns)


def regenerated_columns(prof: TableProfile | None) -> list[str]:
    """Columns of a copied table generated rather than copied: contact PII (a shipper's phone)."""
    if prof is None:
        return []
    return [c.name for c in prof.columns
            if c.semantic == SemanticType.PII and c.pii_kind is not None and c.pii_kind not in COPIED_PII]


def mark_reference(schema: Schema, profiles: Mapping[str, TableProfile], *, forced: frozenset[str] = frozenset(),
                   disabled: frozenset[str] = frozenset()) -> dict[str, TableProfile]:
    """Profiles with ``reference`` set on the tables copied verbatim (detected or ``copy = true``)."""
    found = {t: why for t, why in find_reference_tables(schema, profiles).items() if t not in disabled}
    for name in _dangling(schema, found, forced):  # copy = false on a region: its territories are generated too
        found.pop(name)
    out = dict(profiles)
    for name, prof in profiles.items():
        if name in disabled:
            why = None
        elif name in forced:
            why = "copy = true in the config"
        else:
            why = found.get(name)
        if why != prof.reference:
            out[name] = replace(prof, reference=why)
    return out


def _dangling(schema: Schema, found: Mapping[str, str], forced: frozenset[str]) -> list[str]:
    """Detected tables whose FK parents are no longer all copied (one turned off by the config)."""
    kept = set(found) | set(forced)
    changed = True
    while changed:
        changed = False
        for name in sorted(kept - set(forced)):
            parents = {fk.referred_table for fk in schema.table(name).foreign_keys} - {name}
            if not parents <= kept:
                kept.discard(name)
                changed = True
    return [t for t in found if t not in kept]


def copied_tables(profiles: Mapping[str, TableProfile]) -> frozenset[str]:
    """The tables the profiles mark as copied verbatim."""
    return frozenset(name for name, prof in profiles.items() if prof.reference)
