"""Values that satisfy one-column CHECKs by construction: LIKE, regular expressions, IN lists.

A CHECK such as ``email LIKE '%@corp.example'`` or ``code ~ '^[A-Z]{3}-[0-9]{4}$'``
fails for every faked value, and dropping the rows empties the table. The
CHECKs are parsed (sqlglot, never executed); every top-level AND term that
ties one column to a literal pattern becomes a rule. At sampling, values that
break a rule are rebuilt: a LIKE pattern keeps the generated value in its
first ``%`` (so an e-mail keeps its local part), a regular expression is
drawn from its own syntax tree, an IN list gives one of its values. Values
that already satisfy the rule (categories learned from the source) are left
alone. A pattern dbsynth cannot draw from is a ConstraintError naming it.
"""
from __future__ import annotations

import functools
import math
import re
import string
from dataclasses import dataclass
from typing import Any, Iterator, Sequence

import numpy as np

from dbsynth.errors import ConstraintError

try:  # Python 3.11+
    import re._parser as _sre  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - older Pythons
    import sre_parse as _sre  # type: ignore[no-redef]

_SQLGLOT_DIALECTS = {"postgresql": "postgres", "mssql": "tsql", "mariadb": "mysql", "sqlite": "sqlite"}
_FILL = string.ascii_lowercase + string.digits
_PRINTABLE = string.ascii_letters + string.digits + " -_.@"
_POSIX = {"[:alpha:]": "a-zA-Z", "[:digit:]": "0-9", "[:alnum:]": "a-zA-Z0-9", "[:upper:]": "A-Z",
          "[:lower:]": "a-z", "[:space:]": " \\t", "[:xdigit:]": "0-9a-fA-F", "[:punct:]": "!-/:-@\\[-`{-~"}
MAX_OPEN_REPEAT = 6  # x+ and x* draw at most this many more than their minimum
UNIQUE_ROUNDS = 20


@dataclass(frozen=True)
class Rule:
    """One column's CHECK term: kind like | regex | in | case (pattern: upper, lower, trim) |
    length (values: shortest, longest or None)."""

    column: str
    kind: str
    pattern: str = ""
    values: tuple[Any, ...] = ()
    ignore_case: bool = False
    source: str = ""

    def matches(self, value: Any) -> bool:
        if value is None:
            return True  # NULL passes a CHECK
        if self.kind == "in":
            return value in self.values or str(value) in {str(v) for v in self.values}
        if self.kind == "case":
            return not isinstance(value, str) or _CASED[self.pattern](value) == value
        if self.kind == "length":
            if not isinstance(value, str):
                return True  # numbers are left to the validator
            lo, hi = self.values
            return lo <= len(str(value)) and (hi is None or len(str(value)) <= hi)
        return _compiled(self.kind, self.pattern, self.ignore_case).search(str(value)) is not None


@functools.lru_cache(maxsize=256)
def _compiled(kind: str, pattern: str, ignore_case: bool) -> "re.Pattern[str]":
    regex = like_regex(pattern) if kind == "like" else posix_to_python(pattern)
    try:
        return re.compile(regex, (re.IGNORECASE if ignore_case else 0) | re.DOTALL)
    except re.error:
        return re.compile(r"(?!)")  # never matches: the value is rebuilt (or the pattern reported)



def _check_terms(checks: Sequence[str], dialect: str) -> Iterator[tuple[str, Any]]:
    """(CHECK text, one top-level AND term) for every CHECK that parses (never executed)."""
    import sqlglot

    for text in checks:
        try:
            tree = sqlglot.parse_one(_strip_check(text), read=_SQLGLOT_DIALECTS.get(dialect, dialect))
        except Exception:  # an unparseable CHECK is the validator's to report
            continue
        for term in _conjuncts(tree):
            yield text, term

def column_rules(checks: Sequence[str], *, dialect: str, columns: Sequence[str]) -> list[Rule]:
    """The LIKE / regex / IN terms of a table's CHECK texts that bind one column of `columns`."""
    by_lower = {c.lower(): c for c in columns}
    out: list[Rule] = []
    for text, term in _check_terms(checks, dialect):
        rule = _rule(term, by_lower, text)
        if rule is not None and rule.kind == "like" and dialect == "sqlite":
            # SQLite's LIKE ignores ASCII case and has no escape character by default
            rule = Rule(column=rule.column, kind="like", pattern=rule.pattern.replace("\\", "\\\\"),
                        ignore_case=True, source=text)
        if rule is not None:
            out.append(rule)
    return out


def _strip_check(text: str) -> str:
    body = text.strip().rstrip(";").strip()
    return body[5:].strip() if body[:5].upper() == "CHECK" else body


def _conjuncts(node: Any) -> list[Any]:
    from sqlglot import exp

    node = _bare(node)
    if isinstance(node, exp.And):
        return _conjuncts(node.this) + _conjuncts(node.expression)
    return [node]


def _bare(node: Any) -> Any:
    from sqlglot import exp

    while isinstance(node, (exp.Paren, exp.Cast)):
        node = node.this
    return node


def _length_rule(term: Any, by_lower: dict[str, str], source: str) -> Rule | None:
    """length(col) <, <=, =, >=, > N or BETWEEN a AND b: a rule with (shortest, longest)."""
    from sqlglot import exp

    inner = _bare(term.this) if hasattr(term, "this") else None
    if not isinstance(inner, exp.Length):
        return None
    col = _bare(inner.this)
    if not isinstance(col, exp.Column) or col.name.lower() not in by_lower:
        return None
    if isinstance(term, exp.Between):
        lo, hi = _literal(_bare(term.args.get("low"))), _literal(_bare(term.args.get("high")))
    else:
        n = _literal(_bare(term.expression)) if term.expression is not None else _NO
        if not isinstance(n, int):
            return None
        lo, hi = {exp.LT: (0, n - 1), exp.LTE: (0, n), exp.EQ: (n, n), exp.GTE: (n, None),
                  exp.GT: (n + 1, None)}.get(type(term), (_NO, _NO))
    if not isinstance(lo, int) or not (hi is None or isinstance(hi, int)):
        return None
    return Rule(column=by_lower[col.name.lower()], kind="length", values=(lo, hi), source=source)


_CASES = {"Upper": "upper", "Lower": "lower", "Trim": "trim"}
_CASED = {"upper": str.upper, "lower": str.lower, "trim": str.strip}


def _case_rule(term: Any, by_lower: dict[str, str], source: str) -> Rule | None:
    """col = upper(col), lower(col) = col, trim(col) = col."""
    from sqlglot import exp

    if not isinstance(term, exp.EQ):
        return None
    for a, b in ((_bare(term.this), _bare(term.expression)), (_bare(term.expression), _bare(term.this))):
        fn = _CASES.get(type(b).__name__)
        inner = _bare(b.this) if fn else None
        if fn and isinstance(a, exp.Column) and isinstance(inner, exp.Column) and a.name.lower() == \
                inner.name.lower() and a.name.lower() in by_lower:
            return Rule(column=by_lower[a.name.lower()], kind="case", pattern=fn, source=source)
    return None


def _rule(term: Any, by_lower: dict[str, str], source: str) -> Rule | None:
    from sqlglot import exp

    length = _length_rule(term, by_lower, source) or _case_rule(term, by_lower, source)
    if length is not None:
        return length
    col = _bare(term.this) if hasattr(term, "this") else None
    if not isinstance(col, exp.Column) or col.name.lower() not in by_lower:
        return None
    name = by_lower[col.name.lower()]
    listed = _any_array(term)
    if listed is not None or (isinstance(term, exp.In) and term.expressions):
        values = [_literal(_bare(v)) for v in (listed if listed is not None else term.expressions)]
        if all(v is not _NO for v in values):
            return Rule(column=name, kind="in", values=tuple(values), source=source)
        return None
    kinds = {exp.Like: ("like", False), exp.ILike: ("like", True),
             exp.RegexpLike: ("regex", False), exp.RegexpILike: ("regex", True), exp.Glob: ("glob", False)}
    kind = kinds.get(type(term))
    pattern = _literal(_bare(term.expression)) if kind else _NO
    if kind is None or not isinstance(pattern, str):
        return None
    if kind[0] == "glob":  # SQLite's GLOB: a whole-value pattern, as a regular expression
        return Rule(column=name, kind="regex", pattern=glob_regex(pattern), source=source)
    return Rule(column=name, kind=kind[0], pattern=pattern, ignore_case=kind[1], source=source)


def glob_regex(pattern: str) -> str:
    """SQLite GLOB → regular expression: * and ? wildcards, [...] classes ([^...] negated)."""
    out, i = ["^"], 0
    while i < len(pattern):
        ch = pattern[i]
        end = pattern.find("]", i + 2) if ch == "[" else -1
        if ch == "*":
            out.append(".*")
        elif ch == "?":
            out.append(".")
        elif end > 0:
            body = pattern[i + 1:end]
            out.append("[" + ("^" + body[1:] if body.startswith("^") else body).replace("\\", "\\\\") + "]")
            i = end
        else:
            out.append(re.escape(ch))
        i += 1
    return "".join(out) + "$"


def _any_array(term: Any) -> list[Any] | None:
    """PostgreSQL reflects ``x IN ('a', 'b')`` as ``x = ANY (ARRAY['a', 'b'])``: the array's items."""
    from sqlglot import exp

    if not isinstance(term, exp.EQ) or not isinstance(term.expression, exp.Any):
        return None
    inner = term.expression.this
    while isinstance(inner, (exp.Paren, exp.Cast)):
        inner = inner.this
    return list(inner.expressions) if isinstance(inner, exp.Array) else None


_NO = object()


def _literal(node: Any) -> Any:
    from sqlglot import exp

    if isinstance(node, exp.Literal):
        if node.is_string:
            return node.this
        text = node.this
        return float(text) if any(c in text for c in ".eE") else int(text)
    if isinstance(node, exp.Neg) and isinstance(_bare(node.this), exp.Literal):
        value = _literal(_bare(node.this))
        return -value if isinstance(value, (int, float)) else _NO
    return _NO


# ---- applying rules --------------------------------------------------------
def conform(values: np.ndarray, rules: Sequence[Rule], *, rng: np.random.Generator,
            max_length: int | None = None, unique: bool = False) -> np.ndarray:
    """Values with every row that breaks a rule rebuilt to satisfy it (NULLs untouched)."""
    out = np.asarray(values, dtype=object).copy()
    for rule in rules:
        if rule.kind == "length" and rule.values[1] is not None:
            max_length = min(max_length or rule.values[1], rule.values[1])
    # patterns first, then case and length, which keep a pattern's characters in place
    rules = sorted(rules, key=lambda r: {"case": 1, "length": 2}.get(r.kind, 0))
    for rule in rules:
        base = out.copy()
        bad = [i for i, v in enumerate(out) if not rule.matches(v)]
        for i in bad:
            out[i] = _make(rule, out[i], rng, max_length)
        if unique and bad and rule.kind in ("like", "regex"):
            _unique(out, base, rule, rng, max_length)
    return out


def _make(rule: Rule, base: Any, rng: np.random.Generator, max_length: int | None, salt: str = "") -> Any:
    if rule.kind == "in":
        return rule.values[int(rng.integers(len(rule.values)))]
    if rule.kind == "case":
        return _CASED[rule.pattern](str(base))
    if rule.kind == "length":
        text, (lo, hi) = str(base), rule.values
        text = text + "".join(_FILL[int(i)] for i in rng.integers(0, len(_FILL), max(lo - len(text), 0)))
        return text[:hi] if hi is not None else text
    if rule.kind == "like":
        return like_value(rule.pattern, str(base), rng, max_length=max_length, salt=salt)
    value = regex_value(rule.pattern, rng, column=rule.column, source=rule.source)
    for _ in range(20):  # a shorter draw keeps the pattern where cutting might not
        if not max_length or len(value) <= max_length:
            return value
        value = regex_value(rule.pattern, rng, column=rule.column, source=rule.source)
    return value[:max_length]


def _unique(out: np.ndarray, base: np.ndarray, rule: Rule, rng: np.random.Generator,
            max_length: int | None) -> None:
    """Redraw repeated values (a number in the LIKE fill, a fresh regex draw)."""
    for _ in range(UNIQUE_ROUNDS):
        seen: set[Any] = set()
        dup = []
        for i, v in enumerate(out):
            if v is None:
                continue
            if v in seen:
                dup.append(i)
            seen.add(v)
        if not dup:
            return
        for i in dup:
            out[i] = _make(rule, base[i], rng, max_length, salt=str(int(rng.integers(1, 10_000))))


# ---- LIKE --------------------------------------------------------------------
def _like_tokens(pattern: str) -> list[str]:
    """Literal runs, '%' and '_' ('\\' escapes the next character)."""
    tokens: list[str] = []
    buf = ""
    escape = False
    for ch in pattern:
        if escape:
            buf += ch
            escape = False
        elif ch == "\\":
            escape = True
        elif ch in "%_":
            if buf:
                tokens.append(buf)
                buf = ""
            tokens.append(ch)
        else:
            buf += ch
    if buf:
        tokens.append(buf)
    return tokens


def like_regex(pattern: str) -> str:
    parts = [".*" if t == "%" else "." if t == "_" else re.escape(t) for t in _like_tokens(pattern)]
    return "^" + "".join(parts) + "$"


def like_value(pattern: str, base: str, rng: np.random.Generator, *, max_length: int | None = None,
               salt: str = "") -> str:
    """A value matching LIKE `pattern`; the first '%' holds `base` up to the next literal's first
    character ('ann.lee@example.org' in '%@corp.example' gives 'ann.lee@corp.example')."""
    tokens = _like_tokens(pattern)
    fixed = sum(len(t) if t not in ("%", "_") else (1 if t == "_" else 0) for t in tokens)
    room = None if max_length is None else max(max_length - fixed, 0)
    out, filled = [], False
    for k, tok in enumerate(tokens):
        if tok == "_":
            out.append(_FILL[int(rng.integers(len(_FILL)))])
        elif tok == "%":
            if filled:
                continue
            nxt = next((t for t in tokens[k + 1:] if t not in ("%", "_")), "")
            fill = base.split(nxt[0])[0] if nxt and nxt[0] in base else base
            fill = ("".join(ch for ch in fill if ch.isprintable()).strip() or "x")[:40]
            fill = fill[:max(room - len(salt), 0)] + salt if room is not None else fill + salt
            out.append(fill[:room] if room is not None else fill)
            filled = True
        else:
            out.append(tok)
    return "".join(out)


# ---- regular expressions ------------------------------------------------------
def posix_to_python(pattern: str) -> str:
    for posix, python in _POSIX.items():
        pattern = pattern.replace(posix, python)
    return pattern


def regex_value(pattern: str, rng: np.random.Generator, *, column: str = "", source: str = "") -> str:
    """A random string matching `pattern` (PostgreSQL ``~`` syntax, the common subset)."""
    python = posix_to_python(pattern)
    try:
        tree = _sre.parse(python)
        value = "".join(_draw(list(tree), rng))
    except (re.error, _Unsupported, OverflowError, ValueError) as exc:
        raise ConstraintError(f"cannot generate values for column {column!r} that satisfy CHECK ({source}): "
                              f"pattern {pattern!r} is not supported ({exc})",
                              hint="give the column values through a config override, or drop the CHECK") from None
    if re.search(python, value) is None:
        raise ConstraintError(f"cannot generate values for column {column!r} that satisfy CHECK ({source})",
                              hint="give the column values through a config override, or drop the CHECK")
    return value


class _Unsupported(Exception):
    pass


def _draw(items: list[Any], rng: np.random.Generator) -> list[str]:
    out: list[str] = []
    for op, av in items:
        name = str(op)
        if name == "LITERAL":
            out.append(chr(av))
        elif name == "NOT_LITERAL":
            out.append(_pick([c for c in _PRINTABLE if c != chr(av)], rng))
        elif name == "ANY":
            out.append(_pick(list(_FILL), rng))
        elif name == "IN":
            out.append(_pick(_charset(av), rng))
        elif name == "CATEGORY":
            out.append(_pick(_category(str(av)), rng))
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            lo, hi, sub = av
            top = lo + MAX_OPEN_REPEAT if hi == _sre.MAXREPEAT else min(hi, lo + MAX_OPEN_REPEAT)
            for _ in range(int(rng.integers(lo, top + 1))):
                out += _draw(list(sub), rng)
        elif name in ("SUBPATTERN", "ATOMIC_GROUP"):
            out += _draw(list(av[-1] if name == "SUBPATTERN" else av), rng)
        elif name == "BRANCH":
            out += _draw(list(av[1][int(rng.integers(len(av[1])))]), rng)
        elif name == "AT":
            continue  # anchors: the drawn string is the whole match
        else:
            raise _Unsupported(name.lower())
    return out


def _pick(chars: list[str], rng: np.random.Generator) -> str:
    if not chars:
        raise _Unsupported("empty character class")
    return chars[int(rng.integers(len(chars)))]


def _category(name: str) -> list[str]:
    table = {"CATEGORY_DIGIT": string.digits, "CATEGORY_WORD": string.ascii_letters + string.digits + "_",
             "CATEGORY_SPACE": " ", "CATEGORY_NOT_DIGIT": string.ascii_letters,
             "CATEGORY_NOT_WORD": " -.@", "CATEGORY_NOT_SPACE": string.ascii_letters + string.digits}
    if name not in table:
        raise _Unsupported(name.lower())
    return list(table[name])


def _charset(items: list[Any]) -> list[str]:
    chars: set[str] = set()
    negate = False
    for op, av in items:
        name = str(op)
        if name == "NEGATE":
            negate = True
        elif name == "LITERAL":
            chars.add(chr(av))
        elif name == "RANGE":
            chars.update(chr(c) for c in range(av[0], min(av[1], av[0] + 256) + 1))
        elif name == "CATEGORY":
            chars.update(_category(str(av)))
        else:
            raise _Unsupported(name.lower())
    if negate:
        return [c for c in _PRINTABLE if c not in chars]
    return sorted(chars)


# ---- numeric bounds and order relations -----------------------------------------
# ``hr >= 0 AND hr < 16``, ``qty BETWEEN 1 AND 9``, ``price >= 0`` and
# ``lo_val <= hi_val`` break for values a model draws outside the source's
# range (a key counter, a widened tail, independent columns). The CHECK terms
# are parsed into bounds and orders and the values made to satisfy them: a
# value outside its bounds is redrawn inside them (on the column's integer or
# decimal grid), an ordered pair is swapped.
@dataclass(frozen=True)
class Bound:
    """lo <(=) column <(=) hi; None is unbounded. `source`: the CHECK texts it came from."""

    column: str
    lo: float | None = None
    lo_open: bool = False
    hi: float | None = None
    hi_open: bool = False
    source: str = ""

    def tighten(self, other: "Bound") -> "Bound":
        lo, lo_open, hi, hi_open = self.lo, self.lo_open, self.hi, self.hi_open
        if other.lo is not None and (lo is None or other.lo > lo or (other.lo == lo and other.lo_open)):
            lo, lo_open = other.lo, other.lo_open
        if other.hi is not None and (hi is None or other.hi < hi or (other.hi == hi and other.hi_open)):
            hi, hi_open = other.hi, other.hi_open
        source = self.source if other.source in self.source else f"{self.source}; {other.source}".strip("; ")
        return Bound(self.column, lo, lo_open, hi, hi_open, source)

    def grid(self, step: float) -> tuple[float | None, float | None]:
        """The smallest and largest values on a grid of `step` (1 for integers) inside the bound."""
        lo = hi = None
        if self.lo is not None:
            lo = math.ceil(round(self.lo / step, 9)) * step
            lo = lo + step if self.lo_open and lo <= self.lo else lo
        if self.hi is not None:
            hi = math.floor(round(self.hi / step, 9)) * step
            hi = hi - step if self.hi_open and hi >= self.hi else hi
        return lo, hi

    def holds(self, value: Any) -> bool:
        x = _number(value)
        if x is None:
            return True  # NULL passes; text is the validator's to judge
        if self.lo is not None and (x < self.lo or (self.lo_open and x == self.lo)):
            return False
        return not (self.hi is not None and (x > self.hi or (self.hi_open and x == self.hi)))


@dataclass(frozen=True)
class Order:
    """left < right (strict) or left <= right."""

    left: str
    right: str
    strict: bool = False
    source: str = ""


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, float, np.integer, np.floating)) or type(value).__name__ == "Decimal":
        x = float(value)
        return None if math.isnan(x) else x
    return None


_FLIP = {"GT": "LT", "GTE": "LTE", "LT": "GT", "LTE": "GTE", "EQ": "EQ"}


def numeric_checks(checks: Sequence[str], *, dialect: str, columns: Sequence[str]
                   ) -> tuple[dict[str, Bound], list[Order]]:
    """Per-column bounds and cross-column orders from the top-level AND terms of `checks`."""
    bounds, orders = _numeric_checks(tuple(checks), dialect, tuple(columns))
    return dict(bounds), list(orders)


@functools.lru_cache(maxsize=512)
def _numeric_checks(checks: tuple[str, ...], dialect: str, columns: tuple[str, ...]
                    ) -> tuple[dict[str, Bound], list[Order]]:
    by_lower = {c.lower(): c for c in columns}
    bounds: dict[str, Bound] = {}
    orders: list[Order] = []
    for text, term in _check_terms(checks, dialect):
        for b in _bounds_of(term, by_lower, text):
            bounds[b.column] = bounds[b.column].tighten(b) if b.column in bounds else b
        order = _order_of(term, by_lower, text)
        if order is not None:
            orders.append(order)
    return bounds, orders


def _column(node: Any, by_lower: dict[str, str]) -> str | None:
    from sqlglot import exp

    node = _bare(node)
    return by_lower.get(node.name.lower()) if isinstance(node, exp.Column) else None


def _bounds_of(term: Any, by_lower: dict[str, str], source: str) -> list[Bound]:
    from sqlglot import exp

    if isinstance(term, exp.Between):
        col = _column(term.this, by_lower)
        lo, hi = _literal(_bare(term.args.get("low"))), _literal(_bare(term.args.get("high")))
        if col and _is_num(lo) and _is_num(hi):
            return [Bound(col, float(_as_number(lo)), False, float(_as_number(hi)), False, source)]
        return []
    name = type(term).__name__
    if name not in _FLIP or not hasattr(term, "expression"):
        return []
    col, value, op = _column(term.this, by_lower), _literal(_bare(term.expression)), name
    if col is None:  # 0 <= hr: the constant on the left
        col, value, op = _column(term.expression, by_lower), _literal(_bare(term.this)), _FLIP[name]
    if col is None or not _is_num(value):
        return []
    v = float(_as_number(value))
    return [{"GT": Bound(col, v, True, source=source), "GTE": Bound(col, v, False, source=source),
             "LT": Bound(col, hi=v, hi_open=True, source=source), "LTE": Bound(col, hi=v, source=source),
             "EQ": Bound(col, v, False, v, False, source)}[op]]


def _is_num(value: Any) -> bool:
    return isinstance(_as_number(value), (int, float))


def _as_number(value: Any) -> Any:
    """PostgreSQL reflects ``qty >= -5`` as ``qty >= '-5'::integer``: a numeric string counts."""
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return _NO
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else _NO


def _order_of(term: Any, by_lower: dict[str, str], source: str) -> Order | None:
    name = type(term).__name__
    if name not in ("GT", "GTE", "LT", "LTE") or not hasattr(term, "expression"):
        return None
    a, b = _column(term.this, by_lower), _column(term.expression, by_lower)
    if a is None or b is None or a == b:
        return None
    if name in ("GT", "GTE"):
        a, b = b, a
    return Order(a, b, strict=name in ("GT", "LT"), source=source)


def clip_to_bound(values: np.ndarray, bound: Bound, *, rng: np.random.Generator, integer: bool,
                  scale: int | None = None, unique: bool = False) -> np.ndarray:
    """Values outside `bound` redrawn inside it, on the column's grid (NULLs and text untouched).

    A value is redrawn from the in-bound values of the column (keeping the
    learned distribution) when there are some, else uniformly on the grid
    between the bounds, else put on the nearest bound.
    """
    out = np.asarray(values, dtype=object).copy()
    bad = [i for i, v in enumerate(out) if not bound.holds(v)]
    if not bad:
        return out
    step = 1.0 if integer else (10.0 ** -scale if scale is not None else 0.0)
    lo, hi = bound.grid(step) if step else (bound.lo, bound.hi)
    if lo is not None and hi is not None and lo > hi:
        raise ConstraintError(f"cannot generate values for column {bound.column!r} that satisfy CHECK "
                              f"({bound.source}): no {'integer' if integer else 'value'} lies in the bounds",
                              hint="give the column values through a config override, or drop the CHECK")
    good = [v for v in out if _number(v) is not None and bound.holds(v)]
    if unique and integer and lo is not None and hi is not None and hi - lo <= 1_000_000:
        # a UNIQUE column takes integers of the range that no row holds yet
        present = {_number(v) for v in out}
        room = [x for x in range(int(lo), int(hi) + 1) if float(x) not in present]
        picks = rng.permutation(len(room))[:len(bad)] if room else []
        for i, k in zip(bad, picks):
            out[i] = room[int(k)]
        return out
    for i in bad:
        if len(good) >= 8 and not unique:
            out[i] = good[int(rng.integers(len(good)))]
            continue
        x = _draw_in(lo, hi, bound, rng, step)
        out[i] = _as_kind(x, out[i], integer, scale)
    return out


def _draw_in(lo: float | None, hi: float | None, bound: Bound, rng: np.random.Generator, step: float) -> float:
    if lo is not None and hi is not None:
        if step:
            return lo + step * int(rng.integers(0, int(round((hi - lo) / step)) + 1))
        x = float(rng.uniform(lo, hi))
        return x if bound.holds(x) else (lo + hi) / 2
    if lo is not None:
        return lo if step or not bound.lo_open else math.nextafter(lo, math.inf)
    assert hi is not None
    return hi if step or not bound.hi_open else math.nextafter(hi, -math.inf)


def _as_kind(x: float, like: Any, integer: bool, scale: int | None) -> Any:
    if integer:
        return int(round(x))
    if type(like).__name__ == "Decimal":
        from decimal import Decimal

        return Decimal(str(round(x, scale))) if scale is not None else Decimal(str(x))
    return round(x, scale) if scale is not None else x


def enforce_orders(cols: dict[str, Any], orders: Sequence[Order], *, integer: Sequence[str] = ()) -> None:
    """Swap the two values of every row that breaks an order (a <= b); NULLs satisfy a CHECK.

    A strict order with equal values raises the right value by one step
    (integers) or leaves it to the validator (other types, rare).
    """
    for o in orders:
        if o.left not in cols or o.right not in cols or cols[o.left] is None or cols[o.right] is None:
            continue
        a, b = _objects(cols[o.left]), _objects(cols[o.right])
        for i in range(len(a)):
            x, y = a[i], b[i]
            if x is None or y is None or _missing(x) or _missing(y):
                continue
            try:
                if x > y:
                    a[i], b[i] = y, x
                elif o.strict and x == y and o.right in integer and _number(y) is not None:
                    b[i] = int(y) + 1
            except TypeError:  # mixed dirty values: the validator judges them
                continue
        cols[o.left], cols[o.right] = a, b


def _objects(values: Any) -> np.ndarray:
    """An object copy; datetime64 arrays become Timestamps (a plain cast would give integers)."""
    import pandas as pd

    if getattr(values, "dtype", None) is not None and values.dtype.kind in "mM":
        return pd.Series(values).astype(object).to_numpy().copy()
    return np.asarray(values, dtype=object).copy()


def _missing(value: Any) -> bool:
    try:
        return bool(value != value)  # NaN / NaT
    except Exception:
        return False


def grid_key(cols: dict[str, Any], column: str, others: Sequence[str], lo: int, hi: int, *,
             used: dict[Any, set[int]], rng: np.random.Generator, free: Sequence[str] = (),
             movable: bool = True) -> None:
    """Give `column` of a composite key (day, hr) values in [lo, hi] never repeated within one
    combination of `others`: a row whose combination is full moves to one with room (or, when
    `free` names an integer column of `others`, to a new value of it past the largest seen).

    `used` holds the values taken per combination, across chunks.
    """
    n = len(cols[column])
    out = np.asarray(cols[column], dtype=object).copy()
    groups = [tuple(np.asarray(cols[c], dtype=object)[i] for c in others) for i in range(n)]
    width = hi - lo + 1
    moved = {c: np.asarray(cols[c], dtype=object).copy() for c in others}
    for g in groups:  # every combination of the chunk can take a surplus row
        if not any(v is None for v in g):
            used.setdefault(g, set())
    for i in range(n):
        g = groups[i]
        if any(v is None for v in g):
            continue
        taken = used.setdefault(g, set())
        if len(taken) >= width:
            g = _group_with_room(used, width, others, free, rng) if movable else None
            if g is None:
                continue  # no room anywhere: the repeat is dropped (and counted) as before
            taken = used.setdefault(g, set())
            for c, v in zip(others, g):
                moved[c][i] = v
        value = out[i]
        x = _number(value)
        if x is None or x != int(x) or not lo <= x <= hi or int(x) in taken:
            room = [v for v in range(lo, hi + 1) if v not in taken] if width <= 100_000 else []
            value = room[int(rng.integers(len(room)))] if room else value
        taken.add(int(value))
        out[i] = int(value)
    cols[column] = out
    for c in others:
        cols[c] = moved[c]


def _group_with_room(used: dict[Any, set[int]], width: int, others: Sequence[str], free: Sequence[str],
                     rng: np.random.Generator) -> tuple[Any, ...] | None:
    open_groups = [g for g, t in used.items() if len(t) < width]
    if open_groups:
        return open_groups[int(rng.integers(len(open_groups)))]
    for c in free:
        k = list(others).index(c)
        numbers = [int(g[k]) for g in used if _number(g[k]) is not None]
        if not numbers or not used:
            continue
        base = next(iter(used))
        return tuple(max(numbers) + 1 if j == k else v for j, v in enumerate(base))
    return None



def longest_allowed(table: Any, column: str, declared: int, dialect: str) -> int:
    """The longest text a column's CHECKs let through: an IN list's longest value, a length(col) bound,
    else the declared length (film.rating VARCHAR(10) IN ('G', …, 'NC-17') holds at most 5 characters).
    `table` is a schema Table; a CHECK sqlglot cannot read limits nothing (the validator still decides)."""
    try:
        rules = [r for r in column_rules([c.sqltext for c in table.checks], dialect=dialect,
                                         columns=list(table.column_names)) if r.column == column]
        rules += column_rules(table.column(column).domain_checks, dialect=dialect, columns=["VALUE"])
    except Exception:
        return declared
    longest = declared
    for rule in rules:
        if rule.kind == "in" and rule.values:
            longest = min(longest, max(len(str(v)) for v in rule.values))
        elif rule.kind == "length" and rule.values[1] is not None:
            longest = min(longest, int(rule.values[1]))
    return longest
