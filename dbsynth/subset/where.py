"""`--where "TABLE: condition"`: parsed, checked with sqlglot, run read-only on the source.

The condition is the user's own SQL; it is only ever run on the source, inside
a read-only transaction, and it must be ONE boolean expression (no statement
separator, no DML/DDL anywhere inside it). Nothing from it reaches the target.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass

from dbsynth.errors import ConfigError
from dbsynth.schema.model import Schema

_SQLGLOT_DIALECT = {"postgresql": "postgres", "sqlite": "sqlite", "mysql": "mysql"}


@dataclass(frozen=True)
class WhereSpec:
    table: str
    condition: str


def parse_where(text: str, schema: Schema) -> WhereSpec:
    """`"Customer: \"Country\" = 'Germany'"` → WhereSpec, the table checked against the schema."""
    name, sep, condition = text.partition(":")
    name, condition = name.strip().strip('"`[]'), condition.strip()
    if not sep or not name or not condition:
        raise ConfigError(f"--where {text!r} is not of the form \"TABLE: condition\"",
                          hint="e.g. --where \"Customer: Country = 'Germany'\"")
    table = _table_name(name, schema)
    check_condition(condition, table=table, dialect=schema.dialect)
    return WhereSpec(table=table, condition=condition)


def _table_name(name: str, schema: Schema) -> str:
    names = [t.name for t in schema.data_tables]
    if name in names:
        return name
    folded = [n for n in names if n.casefold() == name.casefold()]
    if len(folded) == 1:
        return folded[0]
    close = difflib.get_close_matches(name, names, n=1)
    raise ConfigError(f"--where names table {name!r}, which the source does not have",
                      hint=f"did you mean {close[0]!r}?" if close else f"tables: {', '.join(names)}")


def check_condition(condition: str, *, table: str, dialect: str) -> None:
    """One boolean expression, no statements; raises ConfigError naming the table otherwise."""
    import sqlglot
    from sqlglot import exp

    where = f"--where for {table!r}"
    if ";" in _outside_strings(condition):
        raise ConfigError(f"{where}: the condition holds a ';' (only one expression is allowed)",
                          hint="give a single condition, e.g. \"Country = 'Germany'\"")
    try:
        parsed = sqlglot.parse(f"{_PREFIX}{condition}", read=_SQLGLOT_DIALECT.get(dialect, None))
    except sqlglot.errors.SqlglotError as exc:
        first = _where_in_condition(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        raise ConfigError(f"{where}: the condition is not valid SQL ({first})",
                          hint="write it as you would after WHERE in the source database") from None
    if len(parsed) != 1 or not isinstance(parsed[0], exp.Select) or parsed[0].args.get("where") is None:
        raise ConfigError(f"{where}: the condition must be one boolean expression",
                          hint="e.g. \"Country = 'Germany' AND CustomerId < 10\"")
    stmt = parsed[0]
    extra = [k for k in ("group", "having", "order", "limit", "offset", "joins", "laterals")
             if stmt.args.get(k)]
    if extra:
        raise ConfigError(f"{where}: the condition must be one boolean expression, not a query part ({extra[0]})",
                          hint="write only what follows WHERE")
    banned = (exp.Insert, exp.Update, exp.Delete, exp.Create, exp.Drop, exp.Alter, exp.Command,
              exp.Merge, exp.Into, exp.Transaction, exp.Commit, exp.Rollback, exp.Set, exp.Pragma,
              exp.Lock)  # FOR UPDATE would lock source rows
    for node in stmt.args["where"].walk():
        if isinstance(node, banned):
            raise ConfigError(f"{where}: the condition may only read (found {node.key.upper()})",
                              hint="a --where condition is run read-only on the source")


_PREFIX = "SELECT 1 FROM t WHERE "


def _where_in_condition(message: str) -> str:
    """sqlglot's `Line 1, Col: 26.` counted from the condition, not from the wrapper around it."""
    import re

    def shift(m: "re.Match[str]") -> str:
        return f" at character {max(int(m.group(1)) - len(_PREFIX), 1)}"
    return re.sub(r"\.?\s*Line 1, Col: (\d+)\.?", shift, message).rstrip(". ")


def _outside_strings(sql: str) -> str:
    """`sql` with the inside of '…' and "…" literals blanked (a ';' in a string is fine)."""
    out, quote = [], None
    for ch in sql:
        if quote:
            if ch == quote:
                quote = None
            out.append(" ")
        elif ch in ("'", '"', "`"):
            quote = ch
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)
