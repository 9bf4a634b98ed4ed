"""`dbsynth subset --remap-keys`: integer keys renumbered, the same way in every FK that uses them.

A key domain is an integer column that is a table's single-column primary
key or that some FK refers to; an FK column takes the domain of the column
it refers to (followed up: TPC-H lineitem's part key → partsupp → part).
Each domain gets a keyed permutation of the source's own range [min, max]
(a Feistel network with cycle walking), so:

* new keys are unique, stay in the range the source used (sequences move on
  as after any load) and every FK still finds its row;
* the mapping depends on the key and the source value only: the same key
  maps a customer to the same new id in every run and every subset, so
  refreshes stay stable; another key gives another numbering.
"""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from dbsynth.schema.model import LogicalType

if TYPE_CHECKING:
    import pandas as pd

    from dbsynth.schema.model import Schema, Table

ROUNDS = 4
Domain = tuple[str, str]  # (table, column) whose values are the keys


@dataclass(frozen=True)
class Permutation:
    """A keyed bijection of the integers lo..hi (Feistel over 2^bits values, cycle-walked into range)."""

    key: bytes
    domain: str
    lo: int
    hi: int

    @property
    def size(self) -> int:
        return self.hi - self.lo + 1

    def __call__(self, value: int) -> int:
        x = value - self.lo
        if not 0 <= x < self.size:
            return value  # outside the range read at the start: left as it is (never expected)
        half = max((self.size - 1).bit_length() + 1, 2) // 2
        while True:  # cycle walking: at most a few steps, the cube is < 4 × the range
            x = self._feistel(x, half)
            if x < self.size:
                return x + self.lo

    def _feistel(self, x: int, half: int) -> int:
        mask = (1 << half) - 1
        left, right = x >> half, x & mask
        for r in range(ROUNDS):
            digest = hmac.new(self.key, f"{self.domain}|{r}|{right}".encode(), hashlib.sha256).digest()
            left, right = right, left ^ (int.from_bytes(digest[:8], "big") & mask)
        return (left << half) | right


def key_domains(schema: "Schema") -> dict[Domain, Domain]:
    """Every integer key column (PK, referred or FK) → the domain whose permutation renumbers it."""
    tables = {t.name: t for t in schema.data_tables}
    roots: set[Domain] = set()
    for t in tables.values():
        if len(t.pk_columns) == 1 and _integer(t, t.pk_columns[0]):
            roots.add((t.name, t.pk_columns[0]))
        for fk in t.foreign_keys:
            parent = tables.get(fk.referred_table)
            if parent is None:
                continue
            for c in fk.referred_columns or parent.pk_columns:
                if _integer(parent, c):
                    roots.add((parent.name, c))
    out: dict[Domain, Domain] = {}

    def resolve(col: Domain, seen: frozenset[Domain]) -> Domain | None:
        """Follow an FK column up to the column it finally copies; None when it is no integer key."""
        table = tables.get(col[0])
        if table is None or not _integer(table, col[1]):
            return None
        for fk in table.foreign_keys:
            parent = tables.get(fk.referred_table)
            if parent is None or col[1] not in fk.columns:
                continue
            referred = (fk.referred_columns or parent.pk_columns)[list(fk.columns).index(col[1])]
            up = (parent.name, referred)
            if up == col or up in seen:  # a self-reference or a cycle: the key itself
                break
            found = resolve(up, seen | {col})
            if found is not None:
                return found
        return col if col in roots else None

    for t in tables.values():
        for c in t.column_names:
            found = resolve((t.name, c), frozenset())
            if found is not None:
                out[(t.name, c)] = found
    return out


def _integer(table: "Table", column: str) -> bool:
    try:
        return table.column(column).logical_type == LogicalType.INTEGER
    except KeyError:
        return False


def remap_keys(frames: dict[str, "pd.DataFrame"], schema: "Schema", *, key: str,
               ranges: Callable[[Domain], tuple[int, int] | None],
               keep: frozenset[str] = frozenset()) -> dict[Domain, int]:
    """Renumber every integer key column in place; returns the values changed per domain.

    `ranges(domain)` gives the source's (min, max) of a domain's column; the
    keys of the `keep` tables (lookup tables, copied whole) stay as they are:
    code and fixtures name a language or a status by its id.
    """
    import pandas as pd
    domains = key_domains(schema)
    perms: dict[Domain, Permutation | None] = {}
    changed: dict[Domain, int] = {}
    secret = hashlib.sha256(f"dbsynth-remap|{key}".encode()).digest()
    for (table, column), domain in sorted(domains.items()):
        frame = frames.get(table)
        if domain[0] in keep or frame is None or column not in frame.columns or not len(frame):
            continue
        if domain not in perms:
            bounds = ranges(domain)
            perms[domain] = None if bounds is None else Permutation(secret, f"{domain[0]}.{domain[1]}", *bounds)
        perm = perms[domain]
        if perm is None:
            continue
        memo: dict[int, int] = {}
        old = frame[column]
        new = [None if pd.isna(v) else memo.setdefault(int(v), perm(int(v))) for v in old.tolist()]
        frame[column] = _like(new, old)
        changed[domain] = changed.get(domain, 0) + sum(1 for a, b in memo.items() if a != b)
    return changed


def _like(values: list[Any], old: "pd.Series") -> "pd.Series":
    import pandas as pd
    if old.dtype.kind in "iu" and None not in values:
        return pd.Series(values, index=old.index, dtype=old.dtype)
    return pd.Series(values, index=old.index, dtype=object)
