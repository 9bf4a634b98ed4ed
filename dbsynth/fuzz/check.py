"""What the fuzzer asserts about a seeded target, checked by the target database itself.

- every table within tolerance of its planned row count (scale 1: the source's count);
- 0 violations: the target's own checks (SQLite foreign_key_check + integrity_check,
  PostgreSQL no NOT VALID constraint / invalid index) and the source schema's
  constraints re-evaluated on the target rows (FK orphans, CHECKs, NOT NULL, UNIQUE),
  so a constraint the target lost cannot hide a bad row;
- the target declares the source's constraints (and, in PostgreSQL, column types);
- SQLite: numbers stay numbers (a clean INTEGER column does not come back as text).
"""
from __future__ import annotations

import math
import re
import sqlite3
from dataclasses import dataclass
from typing import Any, Callable

from dbsynth.fuzz.build import orphan_sql
from dbsynth.fuzz.generate import FuzzSchema, Table, q


@dataclass(frozen=True)
class Problem:
    category: str
    detail: str

    def line(self) -> str:
        return f"{self.category}: {self.detail}"


def tolerance(planned: int) -> int:
    """Rows a table may miss or gain: rounding of family sizes, never a lost share."""
    return max(2, math.ceil(0.05 * planned))


Query = Callable[[str], list[tuple]]


Drops = dict[str, dict[str, int]]  # table -> constraint kind -> rows the validator dropped


def check_target(schema: FuzzSchema, dialect: str, query: Query, source_query: Query,
                 drops: Drops | None = None) -> list[Problem]:
    problems = _counts(schema, query, drops or {})
    present = {t.name for t in schema.tables if _exists(dialect, query, t.name)}
    if dialect == "sqlite":
        problems += _sqlite_native(query)
    else:
        problems += _pg_native(query)
    for t in schema.tables:
        if t.name in present:
            problems += _data(schema, t, dialect, query, present)
    if dialect == "sqlite":
        problems += _sqlite_declared(schema, query, source_query, present)
        problems += _sqlite_types(schema, query, present)
    else:
        problems += _pg_declared(query, source_query)
    return problems


def _exists(dialect: str, query: Query, table: str) -> bool:
    if dialect == "sqlite":
        return bool(query(f"SELECT 1 FROM sqlite_master WHERE type='table' AND name = '{_lit(table)}'"))
    return bool(query(f"SELECT 1 FROM pg_tables WHERE schemaname='public' AND tablename = '{_lit(table)}'"))


def _lit(text: str) -> str:
    return text.replace("'", "''")


def _counts(schema: FuzzSchema, query: Query, drops: Drops) -> list[Problem]:
    """Row counts; a lost share is named by what lost it: the validator's drops by constraint
    kind (foreign_key drops follow a parent's loss), or `sampler` when nothing was dropped."""
    out = []
    for t in schema.tables:
        why = drops.get(t.name, {})
        cause = max(why, key=why.get) if why else "sampler"
        note = f" [validator dropped: {', '.join(f'{k} {n}' for k, n in why.items())}]" if why else ""
        if cause == "check":  # which kinds of CHECK the table has: the lead to the culprit
            note += f" [checks: {', '.join(sorted({c.kind for c in t.checks}))}]"
        planned = len(schema.rows[t.name])
        try:
            got = query(f"SELECT count(*) FROM {q(t.name)}")[0][0]
        except Exception as exc:  # noqa: BLE001 - a missing table is the finding
            out.append(Problem("table_missing", f"{t.name}: {str(exc).splitlines()[0]}"))
            continue
        if got == 0 and planned:
            out.append(Problem(f"table_empty:{cause}", f"{t.name}: 0 of {planned} rows{note}"))
        elif got < planned - tolerance(planned):
            out.append(Problem(f"rows_short:{cause}", f"{t.name}: {got} rows, planned {planned} "
                                                      f"(±{tolerance(planned)}){note}"))
        elif got > planned + tolerance(planned):
            out.append(Problem("rows_over", f"{t.name}: {got} rows, planned {planned} (±{tolerance(planned)})"))
    return out


def _sqlite_native(query: Query) -> list[Problem]:
    out = []
    bad = query("PRAGMA foreign_key_check")
    if bad:
        tables = sorted({r[0] for r in bad})
        out.append(Problem("fk_violation", f"PRAGMA foreign_key_check: {len(bad)} row(s) in {', '.join(tables)}"))
    ok = query("PRAGMA integrity_check")
    if ok != [("ok",)]:
        out.append(Problem("integrity", f"PRAGMA integrity_check: {ok[0][0]} (+{len(ok) - 1} more)"))
    return out


def _pg_native(query: Query) -> list[Problem]:
    out = []
    for table, name in query("SELECT c.relname, k.conname FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid "
                             "JOIN pg_namespace n ON n.oid = c.relnamespace "
                             "WHERE n.nspname = 'public' AND NOT k.convalidated"):
        out.append(Problem("not_valid", f"{table}: constraint {name} is NOT VALID"))
    for (index,) in query("SELECT i.indexrelid::regclass::text FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid "
                          "JOIN pg_namespace n ON n.oid = c.relnamespace "
                          "WHERE n.nspname = 'public' AND NOT (i.indisvalid AND i.indisready)"):
        out.append(Problem("invalid_index", f"index {index} is not valid"))
    return out


def _data(schema: FuzzSchema, t: Table, dialect: str, query: Query, present: set[str]) -> list[Problem]:
    """The source schema's constraints, re-evaluated on the target's rows."""
    out = []

    def count(sql: str) -> int:
        try:
            return int(query(sql)[0][0])
        except Exception as exc:  # noqa: BLE001 - a column the target lacks
            out.append(Problem("column_missing", f"{t.name}: {str(exc).splitlines()[0]}"))
            return 0

    for fk in t.fks:
        if fk.table in present:
            n = count(orphan_sql(t.name, fk.columns, fk.table, fk.ref_columns))
            if n:
                out.append(Problem("fk_violation", f"{t.name}({', '.join(fk.columns)}) -> {fk.table}: {n} orphan row(s)"))
    for c in t.checks:
        expr = c.sqlite if dialect == "sqlite" else c.pg
        n = count(f"SELECT count(*) FROM {q(t.name)} WHERE NOT ({expr})")
        if n:
            out.append(Problem("check_violation", f"{t.name}: {n} row(s) break CHECK ({expr}) [{c.kind}]"))
    for col in t.columns:
        if not col.nullable:
            n = count(f"SELECT count(*) FROM {q(t.name)} WHERE {q(col.name)} IS NULL")
            if n:
                out.append(Problem("not_null_violation", f"{t.name}.{col.name}: {n} NULL(s) in a NOT NULL column"))
    rows = len(schema.rows[t.name])
    for col in t.columns:  # a column the source mostly fills must not come back all NULL (a type "filled with NULL")
        filled = sum(r.get(col.name) is not None for r in schema.rows[t.name])
        if rows >= 10 and filled >= 0.7 * rows:  # all-NULL by chance: < 0.3 ** 10
            got = query(f"SELECT count({q(col.name)}), count(*) FROM {q(t.name)}")
            if got and got[0][1] >= 10 and got[0][0] == 0:
                out.append(Problem("null_filled", f"{t.name}.{col.name} ({col.pg_type if dialect != 'sqlite' else col.sqlite_type}):"
                                                  f" all {got[0][1]} row(s) NULL, source {filled}/{rows} filled"))
    sets = [t.pk] if t.pk else []
    sets += [(c.name,) for c in t.columns if c.unique] + list(t.uniques)
    for cols in sets:
        cl = ", ".join(map(q, cols))
        nn = " AND ".join(f"{q(c)} IS NOT NULL" for c in cols)
        n = count(f"SELECT count(*) FROM (SELECT {cl} FROM {q(t.name)} WHERE {nn} GROUP BY {cl} HAVING count(*) > 1) d")
        if n:
            out.append(Problem("unique_violation", f"{t.name}({', '.join(cols)}): {n} duplicated key(s)"))
    return out


# --- declared constraints --------------------------------------------------------------

def _sqlite_shape(query: Query, table: str) -> dict[str, Any]:
    info = query(f"PRAGMA table_info({q(table)})")
    fks: dict[int, list[tuple]] = {}
    for row in query(f"PRAGMA foreign_key_list({q(table)})"):
        fks.setdefault(row[0], []).append((row[2], row[3], row[4]))
    uniques = set()
    for row in query(f"PRAGMA index_list({q(table)})"):
        if row[2] and row[3] != "pk":  # a PK's own index depends on INTEGER vs INT (rowid alias)
            cols = tuple(r[2] for r in query(f"PRAGMA index_info({q(row[1])})"))
            uniques.add(cols)
    sql = (query(f"SELECT sql FROM sqlite_master WHERE type='table' AND name='{_lit(table)}'") or [("",)])[0][0] or ""
    return {"not_null": {r[1] for r in info if r[3]},
            "pk": tuple(r[1] for r in sorted(info, key=lambda r: r[5]) if r[5]),
            "fks": {tuple(sorted(v)) for v in fks.values()},
            "uniques": uniques,
            "checks": sql.upper().count("CHECK"),
            "types": {r[1]: r[2].upper() for r in info}}


def _sqlite_declared(schema: FuzzSchema, query: Query, source: Query, present: set[str]) -> list[Problem]:
    out = []
    for t in schema.tables:
        if t.name not in present:
            continue
        want, got = _sqlite_shape(source, t.name), _sqlite_shape(query, t.name)
        if got["pk"] != want["pk"]:
            out.append(Problem("constraint_missing:pk", f"{t.name}: PRIMARY KEY {got['pk']} != source {want['pk']}"))
        for kind in ("not_null", "fks", "uniques"):
            lost = want[kind] - got[kind]
            if lost:
                out.append(Problem(f"constraint_missing:{kind}", f"{t.name}: {sorted(lost)[:3]}"))
        for col, typ in want["types"].items():
            have = got["types"].get(col)
            if have is not None and _affinity(have) != _affinity(typ):
                out.append(Problem("type_changed", f"{t.name}.{col}: {have or '(none)'} ({_affinity(have)}), "
                                                   f"source {typ} ({_affinity(typ)})"))
        if got["checks"] < want["checks"]:
            out.append(Problem("constraint_missing:check", f"{t.name}: {got['checks']} CHECK(s), source {want['checks']}"))
    return out


def _affinity(declared: str) -> str:
    """SQLite's column affinity rules (datatype3.html, 3.1)."""
    d = declared.upper()
    if "INT" in d:
        return "INTEGER"
    if any(k in d for k in ("CHAR", "CLOB", "TEXT")):
        return "TEXT"
    if "BLOB" in d or not d:
        return "BLOB"
    if any(k in d for k in ("REAL", "FLOA", "DOUB")):
        return "REAL"
    return "NUMERIC"


_PG_CONSTRAINTS = """
SELECT c.relname, k.contype, pg_get_constraintdef(k.oid)
FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND k.contype IN ('p', 'f', 'u', 'c', 'x')
"""
_PG_COLUMNS = """
SELECT table_name, column_name, is_nullable, format_type(a.atttypid, a.atttypmod)
FROM information_schema.columns ic
JOIN pg_attribute a ON a.attrelid = format('%I.%I', ic.table_schema, ic.table_name)::regclass
 AND a.attname = ic.column_name
WHERE ic.table_schema = 'public'
"""
_KIND = {"p": "pk", "f": "fks", "u": "uniques", "c": "check", "x": "exclude"}


def _pg_declared(query: Query, source: Query) -> list[Problem]:
    out = []
    want = _multiset(source(_PG_CONSTRAINTS))
    got = _multiset(query(_PG_CONSTRAINTS))
    for key, n in want.items():
        if got.get(key, 0) < n:
            table, kind, definition = key
            out.append(Problem(f"constraint_missing:{_KIND.get(kind, kind)}", f"{table}: {definition}"))
    got_cols = {(r[0], r[1]): r[2:] for r in query(_PG_COLUMNS)}
    for table, column, nullable, typ in source(_PG_COLUMNS):
        have = got_cols.get((table, column))
        if have is None:
            out.append(Problem("column_missing", f"{table}.{column}"))
            continue
        if nullable == "NO" and have[0] == "YES":
            out.append(Problem("constraint_missing:not_null", f"{table}.{column}"))
        if have[1] != typ:
            out.append(Problem("type_changed", f"{table}.{column}: {have[1]}, source {typ}"))
    return out + _pg_sequences(query, source)


_SERIALS = """
SELECT table_name, column_name, column_default FROM information_schema.columns
WHERE table_schema = 'public' AND column_default LIKE 'nextval(%'
"""


def _pg_sequences(query: Query, source: Query) -> list[Problem]:
    """A source serial stays a serial, and its sequence is past the loaded keys (the app's next INSERT works)."""
    out = []
    have = {(t, c): d for t, c, d in query(_SERIALS)}
    for table, column, _ in source(_SERIALS):
        default = have.get((table, column))
        if default is None:
            out.append(Problem("default_missing", f"{table}.{column}: the source's serial default is gone"))
            continue
        # the target's own default expression (a throwaway test database): what the app's INSERT would get
        top, nxt = query(f"SELECT (SELECT max({q(column)}) FROM {q(table)}), {default}")[0]
        if top is not None and nxt <= top:
            out.append(Problem("sequence_behind", f"{table}.{column}: nextval {nxt} <= max key {top}"))
    return out


_CAST = re.compile(r"::(?:character varying|double precision|timestamp with(?:out)? time zone|[a-z_]+)(?:\[\])?")


def _canonical(kind: str, definition: str) -> str:
    """CHECK text up to casts and parentheses (`x IN ('a')` and `(x)::text = ANY (ARRAY['a'::text])` agree)."""
    if kind != "c":
        return definition
    return re.sub(r"[()\s]", "", _CAST.sub("", definition)).lower()


def _multiset(rows: list[tuple]) -> dict[tuple, int]:
    out: dict[tuple, int] = {}
    for table, kind, definition in rows:
        key = (table, kind, _canonical(kind, definition))
        out[key] = out.get(key, 0) + 1
    return out


# --- SQLite: numbers stay numbers ------------------------------------------------------

_NUMERIC = {"int": ("integer",), "bool": ("integer",), "real": ("real", "integer"), "decimal": ("real", "integer")}


def _sqlite_types(schema: FuzzSchema, query: Query, present: set[str]) -> list[Problem]:
    """A column the source holds clean (no dirt) keeps its storage class; VARCHAR(n) holds n."""
    out = []
    for t in schema.tables:
        if t.name not in present:
            continue
        dirty = {col for _, col in schema.sqlite_dirt.get(t.name, {})}
        for c in t.columns:
            if c.name in dirty:
                continue
            allowed = _NUMERIC.get(c.family)
            if allowed:
                kinds = ", ".join(f"'{k}'" for k in allowed + ("null",))
                rows = query(f"SELECT typeof({q(c.name)}), {q(c.name)} FROM {q(t.name)} "
                             f"WHERE typeof({q(c.name)}) NOT IN ({kinds}) LIMIT 1")
                if rows:
                    out.append(Problem("type_drift", f"{t.name}.{c.name} ({c.sqlite_type}): "
                                                     f"{rows[0][0]} value {rows[0][1]!r}"))
            elif c.length and c.family in ("text", "code"):
                rows = query(f"SELECT {q(c.name)} FROM {q(t.name)} WHERE length({q(c.name)}) > {c.length} LIMIT 1")
                if rows:
                    out.append(Problem("length_exceeded", f"{t.name}.{c.name} ({c.sqlite_type}): {rows[0][0]!r}"))
    return out


def sqlite_query(path: str) -> tuple[Query, Callable[[], None]]:
    con = sqlite3.connect(path)
    return (lambda sql: con.execute(sql).fetchall()), con.close


def pg_query(url: str) -> tuple[Query, Callable[[], None]]:
    import psycopg
    con = psycopg.connect(url, autocommit=True)

    def run(sql: str) -> list[tuple]:
        cur = con.execute(sql)
        return cur.fetchall() if cur.description else []

    return run, con.close
