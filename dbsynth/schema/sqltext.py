"""SQL text read from a source, parsed and re-emitted; never pasted.

Defaults, CHECKs, index predicates and view bodies come from the source's
catalog, which a hostile (or merely odd) source controls: a default such as
``fake_nextval('x; CREATE TABLE pwned …; --')`` must not become a second
statement in the target. Every such text goes through `safe_sql`: sqlglot
parses it, exactly one statement of the expected kind is accepted, nothing
that writes or runs commands may appear anywhere in it, comments are
stripped, and the tree is printed again with every identifier quoted (string
literals are re-escaped by the printer). What does not pass is refused with a
reason the caller turns into one warning line.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Literal

# sqlglot logs a WARNING when it falls back to a raw Command; with no handler configured Python
# would print it to stderr, breaking the one-line output. The fallback is refused below anyway.
logging.getLogger("sqlglot").addHandler(logging.NullHandler())

SQLGLOT_DIALECT = {"postgresql": "postgres", "sqlite": "sqlite", "mysql": "mysql", "mariadb": "mysql",
                   "mssql": "tsql", "oracle": "oracle", "duckdb": "duckdb", "snowflake": "snowflake"}

Kind = Literal["expression", "default", "query"]

# Functions a DEFAULT may call although sqlglot does not know them (built-ins of the two
# dialects dbsynth writes to). Any other unknown function is not copied by dbsynth, so the
# default could not work in the target, and it is where hostile text hides: refused.
# nextval() is absent on purpose: dbsynth writes it itself for sequences the catalog names.
_DEFAULT_FUNCTIONS = frozenset({
    "gen_random_uuid", "uuid_generate_v4", "uuid_generate_v1", "now", "clock_timestamp",
    "statement_timestamp", "transaction_timestamp", "timeofday", "datetime", "date", "time", "strftime",
    "julianday", "unixepoch", "random", "randomblob", "zeroblob", "printf", "hex", "lower", "upper", "abs",
    "coalesce", "timezone", "age", "txid_current",
    "to_char", "to_date", "to_timestamp", "make_date", "make_interval", "jsonb_build_object",
    "json_build_object", "jsonb_build_array", "json_build_array", "array_fill",
})


@dataclass(frozen=True)
class SafeSql:
    """`sql` re-emitted for the target, or None with the `reason` it was refused."""

    sql: str | None
    reason: str = ""


def _forbidden() -> tuple[type, ...]:
    from sqlglot import exp
    names = ("Create", "Drop", "Alter", "AlterColumn", "Insert", "Update", "Delete", "Merge", "Command",
             "Transaction", "Commit", "Rollback", "Set", "Pragma", "Use", "Copy", "Grant", "Into",
             "LoadData", "TruncateTable", "Analyze", "Describe", "Kill", "Attach", "Detach")
    return tuple(getattr(exp, n) for n in names if hasattr(exp, n))


def safe_sql(text: str, *, source: str, target: str, kind: Kind = "expression",
             keywords: tuple[str, ...] = ()) -> SafeSql:
    """Parse `text` (written in `source`'s dialect) and print it for `target`, or refuse it.

    kind: "expression" (CHECK, index predicate, generated column: no subquery), "default"
    (an expression whose unknown functions are refused) or "query" (a view body).
    keywords: bare words kept unquoted (a DOMAIN check's VALUE).
    """
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import ErrorLevel

    try:
        trees = [t for t in sqlglot.parse(text, read=SQLGLOT_DIALECT.get(source, source)) if t is not None]
    except Exception as exc:  # sqlglot raises many kinds; any of them means "not understood"
        return SafeSql(None, f"cannot be parsed ({_first_line(exc)})")
    if len(trees) != 1:
        return SafeSql(None, f"holds {len(trees)} statements, not one expression")
    tree = trees[0]
    refused = _refusal(tree, kind)
    if refused:
        return SafeSql(None, refused)
    for node in tree.walk():
        node.comments = None  # a comment is text nobody checked: drop it
        if isinstance(node, exp.Identifier):
            node.set("quoted", node.name.upper() not in keywords or bool(node.args.get("quoted")))
    try:
        return SafeSql(tree.sql(dialect=SQLGLOT_DIALECT.get(target, target), unsupported_level=ErrorLevel.RAISE))
    except Exception as exc:  # unsupported in the target dialect
        return SafeSql(None, f"does not translate to {target} ({_first_line(exc)})")


def _refusal(tree: object, kind: Kind) -> str:
    from sqlglot import exp
    assert isinstance(tree, exp.Expression)
    if isinstance(tree, exp.Command):  # sqlglot's fallback for text it could not parse
        return "cannot be parsed as one expression"
    if kind == "query" and not isinstance(tree, exp.Query):
        return "is not a query"
    forbidden = _forbidden()
    for node in tree.walk():
        if isinstance(node, forbidden):
            return f"contains a {type(node).__name__.upper()} statement"
        if kind != "query" and isinstance(node, (exp.Query, exp.Subquery)):
            return "contains a subquery"
        if kind == "default" and isinstance(node, exp.Anonymous) and node.name.lower() not in _DEFAULT_FUNCTIONS:
            return f"calls {node.name}(), a function dbsynth does not copy"
    return ""


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:120] if text else type(exc).__name__


def sql_literal(value: str) -> str:
    """`value` as a SQL string literal (quotes doubled); for identifiers built by dbsynth itself."""
    return "'" + value.replace("'", "''") + "'"
