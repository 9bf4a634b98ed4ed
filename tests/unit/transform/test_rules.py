"""One-column CHECKs (LIKE, regex, IN) are satisfied by construction."""
from __future__ import annotations

import re

import numpy as np
import pytest

from dbsynth.errors import ConstraintError
from dbsynth.transform.rules import column_rules, conform, like_regex, like_value, regex_value

PG_CHECKS = ["CHECK ((email ~~ '%@corp.example'::text))", "CHECK ((code ~ '^[A-Z]{3}-[0-9]{4}$'::text))",
             "CHECK (((status = ANY (ARRAY['a'::text])) AND (qty > 0)))",
             "CHECK (status IN ('new', 'paid', 'shipped') AND qty > 0)"]


def _rules(checks: list[str], dialect: str = "postgresql"):
    return column_rules(checks, dialect=dialect, columns=["email", "code", "status", "qty"])


def test_rules_parsed_from_reflected_postgres_text() -> None:
    kinds = {(r.column, r.kind) for r in _rules(PG_CHECKS)}
    assert {("email", "like"), ("code", "regex"), ("status", "in")} <= kinds
    assert not any(r.column == "qty" for r in _rules(PG_CHECKS))  # arithmetic is the validator's
    assert [r.values for r in _rules(PG_CHECKS[2:3])] == [("a",)]  # how PostgreSQL reflects IN


def test_like_keeps_the_generated_value_in_its_wildcard() -> None:
    (rule,) = _rules(PG_CHECKS[:1])
    out = conform(np.array(["ann.lee@example.org", "x@corp.example", None], dtype=object), [rule],
                  rng=np.random.default_rng(0))
    assert out.tolist() == ["ann.lee@corp.example", "x@corp.example", None]


def test_like_unique_and_within_length() -> None:
    (rule,) = _rules(PG_CHECKS[:1])
    values = np.array(["bob@a.org"] * 50, dtype=object)
    out = conform(values, [rule], rng=np.random.default_rng(1), unique=True, max_length=24)
    assert len(set(out)) == 50
    assert all(re.fullmatch(like_regex("%@corp.example"), v) and len(v) <= 24 for v in out)
    assert re.fullmatch(like_regex("A_%"), like_value("A_%", "", np.random.default_rng(0)))


def test_regex_values_match() -> None:
    rng = np.random.default_rng(2)
    for pattern in ["^[A-Z]{3}-[0-9]{4}$", r"^\d+(\.\d{2})?$", "^(red|green|blue)$", "^[[:alpha:]]{2,5}$",
                    "^[^0-9]+x?$"]:
        for _ in range(30):
            value = regex_value(pattern, rng)
            assert re.search(pattern.replace("[:alpha:]", "a-zA-Z"), value), (pattern, value)


def test_in_list_values_and_sqlite_like_ignores_case() -> None:
    rules = _rules(PG_CHECKS[3:])
    out = conform(np.array(["zzz", "paid", None] * 10, dtype=object), rules, rng=np.random.default_rng(3))
    assert set(out) <= {"new", "paid", "shipped", None} and out[1] == "paid"
    (like,) = _rules(["CHECK (email LIKE '%@X.COM')"], dialect="sqlite")
    assert like.ignore_case and like.matches("a@x.com")


def test_unsupported_pattern_is_an_error_naming_the_check() -> None:
    (rule,) = column_rules([r"CHECK (code ~ '^(a)\1$')"], dialect="postgresql", columns=["code"])
    with pytest.raises(ConstraintError, match="code"):
        conform(np.array(["b"], dtype=object), [rule], rng=np.random.default_rng(0))


def test_length_terms_bound_the_other_rules() -> None:
    rules = column_rules(["CHECK (code ~ '^[A-Z]+$' AND length(code) <= 4)",
                          "CHECK (char_length(note) BETWEEN 3 AND 5)"], dialect="postgresql",
                         columns=["code", "note"])
    assert sorted((r.column, r.kind) for r in rules) == [("code", "length"), ("code", "regex"), ("note", "length")]
    code = [r for r in rules if r.column == "code"]
    out = conform(np.array(["x1"] * 200, dtype=object), code, rng=np.random.default_rng(0))
    assert all(re.fullmatch("[A-Z]{1,4}", v) for v in out)
    note = [r for r in rules if r.column == "note"]
    out = conform(np.array(["a", "abcd", "abcdefgh", None], dtype=object), note, rng=np.random.default_rng(1))
    assert [None if v is None else 3 <= len(v) <= 5 for v in out] == [True, True, True, None]


def test_case_terms() -> None:
    rules = column_rules(["CHECK (code = upper(code))", "CHECK (lower(tag) = tag AND btrim(tag) = tag)"],
                         dialect="postgresql", columns=["code", "tag"])
    assert sorted((r.column, r.pattern) for r in rules) == [("code", "upper"), ("tag", "lower"), ("tag", "trim")]
    code = [r for r in rules if r.column == "code"]
    assert conform(np.array(["ab1", "CD"], dtype=object), code, rng=np.random.default_rng(0)).tolist() == ["AB1", "CD"]
    tag = [r for r in rules if r.column == "tag"]
    assert conform(np.array([" Mixed "], dtype=object), tag, rng=np.random.default_rng(0)).tolist() == ["mixed"]


def test_sqlite_glob_becomes_a_whole_value_pattern() -> None:
    (rule,) = column_rules(["CHECK (code GLOB '[A-Z][0-9]?*')"], dialect="sqlite", columns=["code"])
    assert rule.kind == "regex" and rule.matches("B7x") and not rule.matches("b7x") and not rule.matches("B7")
    out = conform(np.array(["zzz"] * 30, dtype=object), [rule], rng=np.random.default_rng(0))
    assert all(re.fullmatch("[A-Z][0-9].+", v) for v in out)
