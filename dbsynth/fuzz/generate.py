"""A seeded generator of random relational schemas with data (the schema fuzzer's input).

One logical schema per seed: tables, keys, FK graph (chains, diamonds,
self-references, nullable and NOT NULL cycles, composite keys, two FKs to one
parent, one column to two parents), typed columns, NULL shares, CHECKs
(ranges, IN lists, LIKE / regex patterns, cross-column a <= b), UNIQUE
columns and short codes. It is rendered to SQLite and to PostgreSQL
(`dbsynth.fuzz.build`); SQLite-only dirt (text in INTEGER/REAL columns,
'' in dates, text longer than VARCHAR(n)) is an overlay on the SQLite rows.

Every row satisfies every constraint of its own schema (the builder checks
that with the database itself), so a failure seen after `dbsynth seed` is
dbsynth's, not the generator's.
"""
from __future__ import annotations

import datetime as dt
import json
import string
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np

WORDS = ("account", "order", "item", "user", "shop", "city", "route", "event", "plan", "tag", "note", "line",
         "stock", "trip", "shift", "vendor", "team", "zone", "unit", "batch")
DIRT = ("", "NULL", "T", "n/a", " ")
FAMILIES = ("int", "real", "decimal", "text", "code", "date", "datetime", "bool", "uuid", "json", "blob")
WEIGHTS = (4, 2, 2, 4, 2, 2, 2, 2, 1, 0.5, 0.5)  # exotic types rarer: each schema fails on its own
EXOTIC = ("json", "blob")  # jsonb / bytea in PostgreSQL: optional


@dataclass
class Column:
    name: str
    family: str
    sqlite_type: str
    pg_type: str
    nullable: bool = True
    unique: bool = False
    length: int | None = None  # VARCHAR(n) / CHAR(n)
    precision: tuple[int, int] | None = None  # NUMERIC(p, s)


@dataclass
class ForeignKey:
    columns: tuple[str, ...]
    table: str
    ref_columns: tuple[str, ...]
    deferrable: bool = False
    kind: str = "tree"  # tree | back (a cycle edge) | self


@dataclass
class Check:
    sqlite: str
    pg: str
    kind: str


@dataclass
class Table:
    name: str
    columns: list[Column] = field(default_factory=list)
    pk: tuple[str, ...] = ()
    fks: list[ForeignKey] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    uniques: list[tuple[str, ...]] = field(default_factory=list)  # multi-column UNIQUE

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


@dataclass
class FuzzSchema:
    seed: int
    tables: list[Table]
    rows: dict[str, list[dict[str, Any]]]
    sqlite_dirt: dict[str, dict[tuple[int, str], Any]]  # table -> (row, column) -> raw SQLite value
    features: set[str] = field(default_factory=set)

    def table(self, name: str) -> Table:
        return next(t for t in self.tables if t.name == name)

    def counts(self) -> dict[str, int]:
        return {t.name: len(self.rows[t.name]) for t in self.tables}


@dataclass
class Options:
    min_tables: int = 2
    max_tables: int = 15
    max_rows: int = 300
    exotic: bool = True  # jsonb / bytea columns
    dirty: bool = True  # SQLite dirt overlay
    odd_names: bool = True  # identifiers that need quoting
    short_codes: bool = True  # CHAR(2)/CHAR(3) codes (keys, unique and repeated)
    checks: bool = True  # CHECK constraints (the values honour them either way)

    @classmethod
    def named(cls, profile: str) -> "Options":
        """full: everything; plain: no dirt, no exotic types, no short codes, no odd names
        (so failures outside those known areas surface on their own); structural: plain, no CHECKs."""
        if profile == "plain":
            return cls(exotic=False, dirty=False, odd_names=False, short_codes=False)
        if profile == "structural":  # plain without CHECKs: the FK graph and keys on their own
            return cls(exotic=False, dirty=False, odd_names=False, short_codes=False, checks=False)
        if profile != "full":
            raise ValueError(f"unknown fuzz profile {profile!r} (full, plain or structural)")
        return cls()


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def generate(seed: int, options: Options | None = None) -> FuzzSchema:
    return _Gen(seed, options or Options()).run()


class _Gen:
    def __init__(self, seed: int, o: Options) -> None:
        self.seed, self.o = seed, o
        self.rng = np.random.default_rng([seed, 0xF022])
        self.features: set[str] = set()
        self.tables: list[Table] = []
        self.rows: dict[str, list[dict[str, Any]]] = {}
        self.dirt: dict[str, dict[tuple[int, str], Any]] = {}
        self.key_kind: dict[str, str] = {}  # table -> int | code | text | composite

    # --- helpers -------------------------------------------------------------------------
    def p(self, share: float) -> bool:
        return bool(self.rng.random() < share)

    def pick(self, seq: Any) -> Any:
        return seq[int(self.rng.integers(len(seq)))]

    def n_rows(self) -> int:
        return int(np.clip(np.exp(self.rng.uniform(np.log(4), np.log(self.o.max_rows))), 3, self.o.max_rows))

    # --- the schema ----------------------------------------------------------------------
    def run(self) -> FuzzSchema:
        n = int(self.rng.integers(self.o.min_tables, self.o.max_tables + 1))
        names = self._table_names(n)
        plans = [self._plan_table(i, names) for i in range(n)]
        sizes = {t.name: self.n_rows() for t in self.tables}
        for t, plan in zip(self.tables, plans):
            self._fill_keys(t, plan, sizes[t.name])
        self._add_back_edges()
        for t in self.tables:
            self._fill_fks(t)
            self._add_plain_columns(t)
        return FuzzSchema(self.seed, self.tables, self.rows, self.dirt, self.features)

    def _table_names(self, n: int) -> list[str]:
        out = []
        for i in range(n):
            name = f"{self.pick(WORDS)}_{i}"
            if self.o.odd_names and self.p(0.04):
                name = self.pick((f"Order Items {i}", f"it's_{i}", f"MixedCase{i}", f"select_{i}"))
                self.features.add("odd_name")
            out.append(name)
        return out

    def _plan_table(self, i: int, names: list[str]) -> dict[str, Any]:
        """Key shape and tree FKs (to earlier tables only; cycles come later)."""
        t = Table(names[i])
        self.tables.append(t)
        self.rows[t.name] = []
        parents = []
        if i > 0 and self.p(0.85):
            k = int(self.rng.choice([1, 1, 1, 2, 2, 3]))
            parents = sorted({int(self.rng.integers(0, i)) for _ in range(k)})
        comp_parent = None
        if parents and self.p(0.2) and self.key_kind[self.tables[parents[0]].name] != "composite":
            comp_parent = parents[0]
        if comp_parent is not None:
            kind = "composite"
        else:
            kind = self.pick(("int", "int", "int", "int", "int", "int", "code", "text", "uuid", "pair"))
            if kind == "code" and not self.o.short_codes:
                kind = "int"
        self.key_kind[t.name] = kind
        return {"parents": parents, "comp_parent": comp_parent, "kind": kind}

    # --- keys ----------------------------------------------------------------------------
    def _fill_keys(self, t: Table, plan: dict[str, Any], n: int) -> None:
        kind = plan["kind"]
        if kind == "int":
            t.columns.append(Column("id", "int", self.pick(("INTEGER", "INTEGER", "INT", "BIGINT")),
                                    self.pick(("integer", "bigint", "serial", "bigserial")), nullable=False))
            t.pk = ("id",)
            start = int(self.rng.integers(1, 1000)) if self.p(0.3) else 1
            ids = np.sort(self.rng.choice(np.arange(start, start + n * 3), n, replace=False)) if self.p(0.3) \
                else np.arange(start, start + n)
            t.columns[0].pg_type = t.columns[0].pg_type if n and ids[-1] < 2**31 else "bigint"
            self.rows[t.name] = [{"id": int(v)} for v in ids]
        elif kind == "code":
            width = int(self.rng.choice([2, 3]))
            alphabet = string.ascii_uppercase + (string.digits if self.p(0.4) else "")
            n = min(n, int(len(alphabet) ** width * 0.8))
            col = Column("code", "code", f"CHAR({width})", f"char({width})", nullable=False, length=width)
            t.columns.append(col)
            t.pk = ("code",)
            self.rows[t.name] = [{"code": c} for c in self._codes(n, width, alphabet, unique=True)]
            self.features.add("code_pk")
        elif kind == "text":
            width = int(self.rng.integers(8, 40))
            t.columns.append(Column("slug", "text", f"VARCHAR({width})", f"varchar({width})", nullable=False,
                                    length=width))
            t.pk = ("slug",)
            self.rows[t.name] = [{"slug": f"{i:04d}-{self.pick(WORDS)}"[:width]} for i in range(n)]
            self.features.add("text_pk")
        elif kind == "uuid":
            t.columns.append(Column("uid", "uuid", "TEXT", "uuid", nullable=False))
            t.pk = ("uid",)
            self.rows[t.name] = [{"uid": str(uuid.UUID(int=int(self.rng.integers(2**62)) << 64 | i))}
                                 for i in range(n)]
            self.features.add("uuid_pk")
        elif kind == "pair":  # two numeric key columns with a range CHECK (start_hr-like)
            hours = int(self.rng.integers(6, 25))
            t.columns += [Column("day", "int", "INTEGER", "integer", nullable=False),
                          Column("hr", "int", self.pick(("INTEGER", "SMALLINT")), "smallint", nullable=False)]
            t.pk = ("day", "hr")
            self._add_check(t, Check(f"hr >= 0 AND hr < {hours}", f"hr >= 0 AND hr < {hours}", "range"))
            days = max(1, -(-n // hours))
            cells = [(d, h) for d in range(1, days + 1) for h in range(hours)]
            chosen = sorted(self.rng.choice(len(cells), min(n, len(cells)), replace=False))
            self.rows[t.name] = [{"day": cells[c][0], "hr": cells[c][1]} for c in chosen]
            self.features.add("composite_pk_numeric")
        else:  # composite: (parent key, seq)
            parent = self.tables[plan["comp_parent"]]
            self._composite_keys(t, parent, n)
        for j in plan["parents"]:
            if j == plan["comp_parent"]:
                continue
            self._tree_fk(t, self.tables[j])
        if len(plan["parents"]) > 1:
            self.features.add("diamond_or_multi_parent")

    def _codes(self, n: int, width: int, alphabet: str, *, unique: bool) -> list[str]:
        space = len(alphabet) ** width
        idx = self.rng.choice(space, n, replace=False) if unique else self.rng.integers(0, min(space, 40), n)
        out = []
        for v in idx:
            chars = []
            v = int(v)
            for _ in range(width):
                v, r = divmod(v, len(alphabet))
                chars.append(alphabet[r])
            out.append("".join(chars))
        return out

    def _composite_keys(self, t: Table, parent: Table, n: int) -> None:
        cols = []
        for pc in parent.pk:
            src = parent.column(pc)
            name = f"{parent.name[:12]}_{pc}".replace(" ", "_").replace("'", "")
            cols.append(Column(name, src.family, _plain_type(src.sqlite_type), _plain_type(src.pg_type),
                               nullable=False, length=src.length))
        seq = Column("seq", "int", "INTEGER", "integer", nullable=False)
        t.columns += cols + [seq]
        t.pk = tuple(c.name for c in cols) + ("seq",)
        t.fks.append(ForeignKey(tuple(c.name for c in cols), parent.name, parent.pk))
        keys = [tuple(r[c] for c in parent.pk) for r in self.rows[parent.name]]
        picks = self.rng.integers(0, len(keys), n) if keys else []
        counter: dict[tuple, int] = {}
        rows = []
        for k in sorted(picks):
            key = keys[int(k)]
            counter[key] = counter.get(key, 0) + 1
            rows.append({**{c.name: v for c, v in zip(cols, key)}, "seq": counter[key]})
        self.rows[t.name] = rows
        self.features.add("composite_pk_fk")

    # --- foreign keys --------------------------------------------------------------------
    def _ref_columns(self, t: Table, parent: Table, tag: str, *, nullable: bool) -> tuple[str, ...]:
        names = []
        for pc in parent.pk:
            src = parent.column(pc)
            name = f"{tag}_{pc}"
            t.columns.append(Column(name, src.family, _plain_type(src.sqlite_type), _plain_type(src.pg_type),
                                    nullable=nullable, length=src.length))
            names.append(name)
        return tuple(names)

    def _tree_fk(self, t: Table, parent: Table) -> None:
        tag = f"{_ident(parent.name)}"
        nullable = self.p(0.35)
        cols = self._ref_columns(t, parent, tag, nullable=nullable)
        t.fks.append(ForeignKey(cols, parent.name, parent.pk))
        if len(cols) > 1:
            self.features.add("composite_fk")
        if self.p(0.12):  # a second FK to the same parent (from/to)
            cols2 = self._ref_columns(t, parent, tag + "_2", nullable=True)
            t.fks.append(ForeignKey(cols2, parent.name, parent.pk))
            self.features.add("two_fks_one_parent")
        if nullable:
            self.features.add("nullable_fk")

    def _add_back_edges(self) -> None:
        """Self-references, cycles (nullable or NOT NULL), one column to two parents, 1:1 FKs."""
        singles = [t for t in self.tables if len(t.pk) == 1 and self.rows[t.name]]
        for t in self.tables:
            if len(t.pk) == 1 and self.rows[t.name] and self.p(0.15):
                src = t.column(t.pk[0])
                not_null = self.p(0.2)
                name = "parent_" + t.pk[0]
                t.columns.append(Column(name, src.family, _plain_type(src.sqlite_type), _plain_type(src.pg_type),
                                        nullable=not not_null, length=src.length))
                t.fks.append(ForeignKey((name,), t.name, t.pk, kind="self"))
                self.features.add("self_ref_not_null" if not_null else "self_ref")
        if len(self.tables) >= 2 and self.p(0.25):
            i, j = sorted(self.rng.choice(len(self.tables), 2, replace=False))
            child, parent = self.tables[int(i)], self.tables[int(j)]  # earlier table -> later one: a cycle if linked
            if len(parent.pk) == 1 and self.rows[parent.name]:
                not_null = self.p(0.35)
                cols = self._ref_columns(child, parent, "back_" + _ident(parent.name), nullable=not not_null)
                child.fks.append(ForeignKey(cols, parent.name, parent.pk, kind="back",
                                            deferrable=not_null or self.p(0.3)))
                self.features.add("cycle_not_null" if not_null else "cycle_nullable")
        ints = [t for t in singles if t.column(t.pk[0]).family == "int"]
        if len(ints) >= 2 and self.p(0.12):
            a, b = (ints[int(k)] for k in self.rng.choice(len(ints), 2, replace=False))
            host = self.tables[-1]
            if host.name not in (a.name, b.name):
                host.columns.append(Column("shared_ref", "int", "INTEGER", "integer", nullable=self.p(0.5)))
                host.fks += [ForeignKey(("shared_ref",), a.name, a.pk, kind="back"),
                             ForeignKey(("shared_ref",), b.name, b.pk, kind="back")]
                self.features.add("one_column_two_parents")

    def _fill_fks(self, t: Table) -> None:
        rows = self.rows[t.name]
        comp = set(t.pk) if self.key_kind[t.name] == "composite" else set()
        done: set[str] = set()
        for fk in t.fks:
            if set(fk.columns) <= comp or fk.columns[0] in done:
                continue
            done.update(fk.columns)
            targets = [f for f in t.fks if f.columns == fk.columns]
            nullable = t.column(fk.columns[0]).nullable
            share = float(self.rng.uniform(0.05, 0.5)) if nullable else 0.0
            if fk.kind == "self":
                self._fill_self(t, fk, share)
                continue
            keys = self._common_keys(targets)
            if not keys:  # no key shared by both parents: the column stays NULL
                for c in fk.columns:
                    t.column(c).nullable = True
                for r in rows:
                    r.update({c: None for c in fk.columns})
                continue
            unique_fk = (not nullable and len(fk.columns) == 1 and len(keys) >= len(rows) and fk.kind == "tree"
                         and self.p(0.08))
            picks = self.rng.choice(len(keys), len(rows), replace=False) if unique_fk \
                else self.rng.integers(0, len(keys), len(rows))
            if unique_fk:
                t.column(fk.columns[0]).unique = True
                self.features.add("one_to_one_fk")
            for r, k in zip(rows, picks):
                null = share and self.rng.random() < share
                r.update({c: (None if null else v) for c, v in zip(fk.columns, keys[int(k)])})

    def _common_keys(self, fks: list[ForeignKey]) -> list[tuple]:
        sets = [[tuple(r[c] for c in f.ref_columns) for r in self.rows[f.table]] for f in fks]
        common = set(sets[0]).intersection(*sets[1:])
        return [k for k in sets[0] if k in common]

    def _fill_self(self, t: Table, fk: ForeignKey, share: float) -> None:
        rows = self.rows[t.name]
        pk = t.pk[0]
        for i, r in enumerate(rows):
            if i == 0:
                r[fk.columns[0]] = None if share else r[pk]  # NOT NULL: the root points at itself
            elif share and self.rng.random() < share:
                r[fk.columns[0]] = None
            else:
                r[fk.columns[0]] = rows[int(self.rng.integers(0, i))][pk]

    # --- plain columns -------------------------------------------------------------------
    def _add_plain_columns(self, t: Table) -> None:
        n = len(self.rows[t.name])
        for k in range(int(self.rng.integers(1, 7))):
            weights = np.array([0 if (f in EXOTIC and not self.o.exotic) or (f == "code" and not self.o.short_codes)
                                else w for f, w in zip(FAMILIES, WEIGHTS)])
            family = FAMILIES[int(self.rng.choice(len(FAMILIES), p=weights / weights.sum()))]
            self._plain_column(t, f"{family}_{k}", family, n)
        if self.p(0.25):
            self._ordered_pair(t, n)
        if self.p(0.1) and len(t.columns) >= 3:
            self._multi_unique(t)

    def _plain_column(self, t: Table, name: str, family: str, n: int) -> None:
        col = Column(name, family, "", "", nullable=self.p(0.45))
        share = float(self.rng.uniform(0, 0.5)) if col.nullable and self.p(0.8) else 0.0
        values = getattr(self, f"_values_{family}")(t, col, n)
        if col.unique:
            share = 0.0
        t.columns.append(col)
        for r, v in zip(self.rows[t.name], values):
            r[name] = None if share and self.rng.random() < share else v
        if self.o.dirty and not col.unique and not any(name in c.sqlite for c in t.checks):
            self._dirty(t, col, n)

    def _values_int(self, t: Table, col: Column, n: int) -> list[Any]:
        col.sqlite_type = self.pick(("INTEGER", "INT", "BIGINT", "SMALLINT", "TINYINT"))
        col.pg_type = self.pick(("integer", "bigint", "smallint"))
        roll = self.rng.random()
        if roll < 0.2:  # range CHECK
            lo = int(self.rng.integers(-5, 50))
            hi = lo + int(self.rng.integers(1, 200))
            self._add_check(t, Check(f"{q(col.name)} BETWEEN {lo} AND {hi}", f"{q(col.name)} BETWEEN {lo} AND {hi}",
                                  "range"))
            self.features.add("check_range")
            return self.rng.integers(lo, hi + 1, n).tolist()
        if roll < 0.32:  # IN list
            options = sorted({int(v) for v in self.rng.integers(0, 100, int(self.rng.integers(2, 6)))})
            lst = ", ".join(map(str, options))
            self._add_check(t, Check(f"{q(col.name)} IN ({lst})", f"{q(col.name)} IN ({lst})", "in_list"))
            self.features.add("check_in")
            return [self.pick(options) for _ in range(n)]
        if roll < 0.42 and n <= 20000:  # UNIQUE
            col.unique = True
            self.features.add("unique_int")
            return self.rng.choice(np.arange(1, n * 10 + 1), n, replace=False).tolist()
        if roll < 0.52:
            self._add_check(t, Check(f"{q(col.name)} >= 0", f"{q(col.name)} >= 0", "range"))
            return self.rng.poisson(float(self.rng.uniform(0.5, 30)), n).tolist()
        return self.rng.integers(-1000, 30000, n).tolist()

    def _values_real(self, t: Table, col: Column, n: int) -> list[Any]:
        col.sqlite_type = self.pick(("REAL", "DOUBLE", "FLOAT"))
        col.pg_type = self.pick(("real", "double precision"))
        vals = np.round(self.rng.normal(float(self.rng.uniform(-100, 1000)), float(self.rng.uniform(1, 300)), n), 2)
        if self.p(0.2):
            vals = np.abs(vals)
            self._add_check(t, Check(f"{q(col.name)} >= 0", f"{q(col.name)} >= 0", "range"))
            self.features.add("check_range")
        return vals.tolist()

    def _values_decimal(self, t: Table, col: Column, n: int) -> list[Any]:
        p = int(self.rng.integers(4, 13))
        s = int(self.rng.integers(0, min(p - 1, 4) + 1))
        col.sqlite_type = f"NUMERIC({p},{s})" if self.p(0.7) else f"DECIMAL({p},{s})"
        col.pg_type = f"numeric({p},{s})"
        col.precision = (p, s)
        top = min(10 ** (p - s) - 1, 10**6)
        ints = self.rng.integers(0, top + 1, n)
        fracs = self.rng.integers(0, 10**s, n) if s else np.zeros(n, dtype=int)
        out = [Decimal(int(i)) + Decimal(int(f)).scaleb(-s) for i, f in zip(ints, fracs)]
        if self.p(0.2):
            hi = f"{top}.{'9' * s}" if s else str(top)
            self._add_check(t, Check(f"{q(col.name)} >= 0 AND {q(col.name)} <= {hi}",
                                  f"{q(col.name)} >= 0 AND {q(col.name)} <= {hi}", "range"))
            self.features.add("check_range")
        return out

    def _values_text(self, t: Table, col: Column, n: int) -> list[Any]:
        width = int(self.rng.integers(4, 60)) if self.p(0.6) else None
        col.length = width
        col.sqlite_type = f"VARCHAR({width})" if width else self.pick(("TEXT", "CLOB", "NVARCHAR"))
        col.pg_type = f"varchar({width})" if width else "text"
        if col.sqlite_type == "NVARCHAR":
            col.sqlite_type = "TEXT"
        roll = self.rng.random()
        if roll < 0.15:  # IN list of statuses
            if width and width < 6:
                width = col.length = 6
                col.sqlite_type, col.pg_type = "VARCHAR(6)", "varchar(6)"
            options = ["new", "open", "closed", "void", "held"][: int(self.rng.integers(2, 6))]
            lst = ", ".join(f"'{o}'" for o in options)
            self._add_check(t, Check(f"{q(col.name)} IN ({lst})", f"{q(col.name)} IN ({lst})", "in_list"))
            self.features.add("check_in")
            return [self.pick(options)[: width or 99] for _ in range(n)]
        if roll < 0.3:  # LIKE prefix pattern (a regex in PostgreSQL half the time)
            prefix = self.pick(("SKU-", "AB", "INV/", "X"))
            if (width or 99) < len(prefix) + 6:
                col.length, col.sqlite_type, col.pg_type = None, "TEXT", "text"
            if self.p(0.5):
                self._add_check(t, Check(f"{q(col.name)} LIKE '{prefix}%'", f"{q(col.name)} LIKE '{prefix}%'", "like"))
                self.features.add("check_like")
            else:
                body = prefix.replace("/", "\\/")
                self._add_check(t, Check(f"{q(col.name)} LIKE '{prefix}%'", f"{q(col.name)} ~ '^{body}[0-9]+$'",
                                      "regex"))
                self.features.add("check_regex")
            return [f"{prefix}{int(v)}" for v in self.rng.integers(0, 99999, n)]
        if roll < 0.4 and n < 5000:
            col.unique = True
            self.features.add("unique_text")
            return [f"{self.pick(WORDS)}.{i}@example.org"[: width or 99] if width is None or width >= 20
                    else f"u{i}"[:width] for i in range(n)]
        words = [self.pick(WORDS) for _ in range(12)]
        out = []
        for _ in range(n):
            s = " ".join(self.pick(words) for _ in range(int(self.rng.integers(1, 4))))
            out.append(s[: width] if width else s)
        return out

    def _values_code(self, t: Table, col: Column, n: int) -> list[Any]:
        width = int(self.rng.choice([2, 3]))
        col.length = width
        col.sqlite_type, col.pg_type = f"CHAR({width})", f"char({width})"
        alphabet = string.ascii_uppercase + (string.digits if self.p(0.3) else "")
        if self.p(0.3) and n <= len(alphabet) ** width * 0.9:
            col.unique = True
            self.features.add("code_unique")
            return self._codes(n, width, alphabet, unique=True)
        self.features.add("code_repeated")
        return self._codes(n, width, alphabet, unique=False)

    def _values_date(self, t: Table, col: Column, n: int) -> list[Any]:
        col.sqlite_type, col.pg_type = "DATE", "date"
        base = dt.date(2015, 1, 1)
        return [(base + dt.timedelta(days=int(d))).isoformat() for d in self.rng.integers(0, 3650, n)]

    def _values_datetime(self, t: Table, col: Column, n: int) -> list[Any]:
        col.sqlite_type = self.pick(("DATETIME", "TIMESTAMP"))
        col.pg_type = self.pick(("timestamp", "timestamptz"))
        base = dt.datetime(2018, 1, 1)
        tz = "+00:00" if col.pg_type == "timestamptz" else ""
        if tz:
            self.features.add("timestamptz")
        return [(base + dt.timedelta(seconds=int(s))).isoformat(sep=" ") + tz
                for s in self.rng.integers(0, 86400 * 1500, n)]

    def _values_bool(self, t: Table, col: Column, n: int) -> list[Any]:
        col.sqlite_type, col.pg_type = "BOOLEAN", "boolean"
        return (self.rng.random(n) < float(self.rng.uniform(0.1, 0.9))).tolist()

    def _values_uuid(self, t: Table, col: Column, n: int) -> list[Any]:
        col.sqlite_type, col.pg_type = self.pick(("TEXT", "CHAR(36)", "UUID")), "uuid"
        self.features.add("uuid")
        return [str(uuid.UUID(int=int(a) << 64 | int(b)))
                for a, b in zip(self.rng.integers(0, 2**62, n), self.rng.integers(0, 2**62, n))]

    def _values_json(self, t: Table, col: Column, n: int) -> list[Any]:
        col.sqlite_type, col.pg_type = self.pick(("TEXT", "JSON")), "jsonb"
        self.features.add("jsonb")
        keys = ["a", "kind", "n"]
        return [json.dumps({"a": int(v), "kind": self.pick(WORDS), **({"n": [1, 2]} if v % 3 else {})},
                           sort_keys=True) for v in self.rng.integers(0, 100, n)] if keys else []

    def _values_blob(self, t: Table, col: Column, n: int) -> list[Any]:
        col.sqlite_type, col.pg_type = "BLOB", "bytea"
        self.features.add("bytea")
        return [bytes(self.rng.integers(0, 256, int(self.rng.integers(1, 24))).astype(np.uint8).tolist())
                for _ in range(n)]

    def _ordered_pair(self, t: Table, n: int) -> None:
        """start <= end (dates or integers), end NULL some of the time."""
        family = self.pick(("int", "date"))
        rows = self.rows[t.name]
        end_null = self.p(0.5)
        if family == "int":
            a = Column("lo_val", "int", "INTEGER", "integer", nullable=False)
            b = Column("hi_val", "int", "INTEGER", "integer", nullable=end_null)
            starts = self.rng.integers(0, 500, n)
            pairs = [(int(s), int(s + d)) for s, d in zip(starts, self.rng.integers(0, 50, n))]
        else:
            a = Column("start_on", "date", "DATE", "date", nullable=False)
            b = Column("end_on", "date", "DATE", "date", nullable=end_null)
            base = dt.date(2020, 1, 1)
            pairs = [((base + dt.timedelta(days=int(s))).isoformat(),
                      (base + dt.timedelta(days=int(s + d))).isoformat())
                     for s, d in zip(self.rng.integers(0, 900, n), self.rng.integers(0, 60, n))]
        t.columns += [a, b]
        for r, (x, y) in zip(rows, pairs):
            r[a.name], r[b.name] = x, (None if end_null and self.rng.random() < 0.3 else y)
        expr = f"{q(a.name)} <= {q(b.name)}"
        self._add_check(t, Check(expr, expr, "cross_column"))
        self.features.add("check_cross_column")

    def _multi_unique(self, t: Table) -> None:
        dirty = {col for _, col in self.dirt.get(t.name, {})}
        cands = [c for c in t.columns if c.family in ("int", "code", "text") and not c.nullable
                 and c.name not in t.pk and c.name not in dirty]
        if len(cands) < 2:
            return
        a, b = cands[:2]
        seen = {(r[a.name], r[b.name]) for r in self.rows[t.name]}
        if len(seen) == len(self.rows[t.name]):
            t.uniques.append((a.name, b.name))
            self.features.add("unique_multi")

    # --- SQLite dirt -------------------------------------------------------------------
    def _dirty(self, t: Table, col: Column, n: int) -> None:
        if not n or not self.p(0.18):
            return
        cells = self.dirt.setdefault(t.name, {})
        picks = self.rng.choice(n, max(1, int(n * self.rng.uniform(0.02, 0.15))), replace=False)
        if col.family in ("int", "real", "decimal"):
            token = self.pick(DIRT)
            for i in picks:
                cells[(int(i), col.name)] = token if self.p(0.7) else self.pick(DIRT)
            self.features.add("dirty_number")
        elif col.family in ("date", "datetime"):
            for i in picks:
                cells[(int(i), col.name)] = ""
            self.features.add("dirty_date")
        elif col.family == "text" and col.length:
            for i in picks:
                cells[(int(i), col.name)] = "x" * (col.length + int(self.rng.integers(1, 20)))
            self.features.add("text_over_varchar")


    def _add_check(self, t: Table, check: Check) -> None:
        if self.o.checks:
            t.checks.append(check)

def _ident(name: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in name.lower())[:20]


def _plain_type(sql_type: str) -> str:
    """A referencing column's type: serial -> integer."""
    return {"serial": "integer", "bigserial": "bigint"}.get(sql_type, sql_type)
