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


# ---- numeric bounds and cross-column orders ---------------------------------------
from decimal import Decimal  # noqa: E402

from dbsynth.transform.rules import Bound, clip_to_bound, enforce_orders, grid_key, numeric_checks  # noqa: E402

NUM_COLS = ["hr", "qty", "price", "lo_val", "hi_val", "name"]


def _num(checks: list[str], dialect: str = "sqlite"):
    return numeric_checks(checks, dialect=dialect, columns=NUM_COLS)


def test_bounds_parsed_and_combined() -> None:
    bounds, orders = _num(["CHECK (hr >= 0 AND hr < 16)", "qty BETWEEN 1 AND 9", "CHECK (0 < price)",
                           "CHECK (price <= 99.5)", "CHECK (\"lo_val\" <= \"hi_val\")", "name LIKE 'a%'"])
    assert (bounds["hr"].lo, bounds["hr"].lo_open, bounds["hr"].hi, bounds["hr"].hi_open) == (0, False, 16, True)
    assert (bounds["qty"].lo, bounds["qty"].hi) == (1, 9)
    assert (bounds["price"].lo, bounds["price"].lo_open, bounds["price"].hi) == (0, True, 99.5)
    assert set(bounds) == {"hr", "qty", "price"}
    assert [(o.left, o.right, o.strict) for o in orders] == [("lo_val", "hi_val", False)]
    _, flipped = _num(["CHECK (hi_val > lo_val)"])
    assert [(o.left, o.right, o.strict) for o in flipped] == [("lo_val", "hi_val", True)]


def test_bounds_from_reflected_postgres_text() -> None:
    bounds, _ = _num(["CHECK (((hr >= 0) AND (hr < 24)))", "CHECK ((price >= (0)::numeric))",
                      "CHECK (((qty >= '-5'::integer) AND (qty <= 5)))"], dialect="postgresql")
    assert bounds["hr"].grid(1.0) == (0, 23)
    assert bounds["price"].lo == 0
    assert (bounds["qty"].lo, bounds["qty"].hi) == (-5, 5)


def test_integer_bounds_mean_whole_numbers() -> None:
    bounds, _ = _num(["CHECK (hr > 0.5 AND hr < 16)"])
    assert bounds["hr"].grid(1.0) == (1, 15)
    assert bounds["hr"].grid(0.01) == (0.51, 15.99)


def test_clip_keeps_integers_in_bounds_and_nulls() -> None:
    bound = Bound("hr", 0, False, 16, True, "hr >= 0 AND hr < 16")
    values = np.array([3, 16, 40, -2, None, 15.0, "dirty"], dtype=object)
    out = clip_to_bound(values, bound, rng=np.random.default_rng(0), integer=True)
    assert out[0] == 3 and out[4] is None and out[6] == "dirty"
    assert all(isinstance(v, int) and 0 <= v <= 15 for v in out[1:4])
    assert all(bound.holds(v) for v in out)


def test_clip_decimal_scale() -> None:
    bound = Bound("price", 0, True, 10, False, "price > 0 AND price <= 10")
    values = np.array([Decimal("12.345"), Decimal("-1"), Decimal("0")], dtype=object)
    out = clip_to_bound(values, bound, rng=np.random.default_rng(3), integer=False, scale=2)
    for v in out:
        assert isinstance(v, Decimal) and Decimal("0") < v <= Decimal("10") and -v.as_tuple().exponent <= 2


def test_clip_one_sided_bound_goes_to_the_edge() -> None:
    bound = Bound("qty", 0, False, source="qty >= 0")
    out = clip_to_bound(np.array([-7, -1.5, 4], dtype=object), bound, rng=np.random.default_rng(0), integer=True)
    assert out.tolist() == [0, 0, 4]


def test_empty_integer_range_is_an_error_naming_the_check() -> None:
    bound = Bound("hr", 0, True, 1, True, "hr > 0 AND hr < 1")
    with pytest.raises(ConstraintError, match="hr > 0 AND hr < 1"):
        clip_to_bound(np.array([5], dtype=object), bound, rng=np.random.default_rng(0), integer=True)


def test_orders_swap_and_strict() -> None:
    _, orders = _num(["CHECK (lo_val <= hi_val)"])
    cols = {"lo_val": np.array([1, 9, 4, None, 2], dtype=object), "hi_val": np.array([5, 3, 4, 1, None], dtype=object)}
    enforce_orders(cols, orders)
    assert cols["lo_val"].tolist() == [1, 3, 4, None, 2] and cols["hi_val"].tolist() == [5, 9, 4, 1, None]
    _, strict = _num(["CHECK (lo_val < hi_val)"])
    enforce_orders(cols, strict, integer=["lo_val", "hi_val"])
    assert cols["hi_val"][2] == 5


def test_grid_key_never_repeats_and_stays_in_bounds() -> None:
    rng = np.random.default_rng(0)
    used: dict = {}
    seen: set = set()
    for _ in range(3):  # three chunks share `used`
        cols = {"day": rng.integers(1, 4, 20).astype(object), "hr": np.arange(1, 21).astype(object)}
        grid_key(cols, "hr", ["day"], 0, 5, used=used, rng=rng, free=["day"])
        keys = list(zip(cols["day"], cols["hr"]))
        assert all(0 <= h <= 5 for _, h in keys)
        assert not set(keys) & seen and len(set(keys)) == len(keys)
        seen |= set(keys)
    assert len(seen) == 60  # full days spill over to new days past the largest


def test_grid_key_fixed_groups_cap_the_family() -> None:
    cols = {"order_id": np.array([1] * 5, dtype=object), "line": np.arange(1, 6).astype(object)}
    grid_key(cols, "line", ["order_id"], 1, 3, used={}, rng=np.random.default_rng(0), movable=False)
    assert sorted(cols["line"][:3]) == [1, 2, 3]  # the surplus repeats and is dropped by the key check


def test_clip_unique_column_takes_unused_integers() -> None:
    bound = Bound("qty", 1, False, 20, False, "qty BETWEEN 1 AND 20")
    values = np.array(list(range(1, 11)) + [50, 60, 70, -1], dtype=object)
    out = clip_to_bound(values, bound, rng=np.random.default_rng(0), integer=True, unique=True)
    assert len(set(out.tolist())) == len(out) and all(1 <= v <= 20 for v in out)


def test_orders_keep_datetime64_values_as_dates() -> None:
    import pandas as pd

    _, orders = _num(["CHECK (lo_val <= hi_val)"])
    cols = {"lo_val": pd.to_datetime(["2021-03-01", "2020-01-01"]).to_numpy(),
            "hi_val": pd.to_datetime(["2020-01-01", None]).to_numpy()}
    enforce_orders(cols, orders)
    assert cols["lo_val"][0] == pd.Timestamp("2020-01-01") and cols["hi_val"][0] == pd.Timestamp("2021-03-01")
    assert cols["lo_val"][1] == pd.Timestamp("2020-01-01")


def test_grid_key_moves_a_surplus_child_to_a_parent_with_room() -> None:
    cols = {"order_id": np.array([1, 1, 1, 1, 2], dtype=object), "line": np.arange(1, 6).astype(object)}
    grid_key(cols, "line", ["order_id"], 1, 3, used={}, rng=np.random.default_rng(0))
    keys = list(zip(cols["order_id"], cols["line"]))
    assert len(set(keys)) == 5 and all(1 <= line <= 3 for _, line in keys)
    assert sorted(cols["order_id"].tolist()) == [1, 1, 1, 2, 2]



def test_longest_allowed_reads_in_lists_and_length_bounds() -> None:
    from dbsynth.schema.model import CheckConstraint, Column, LogicalType, Table
    from dbsynth.transform.rules import longest_allowed
    text = LogicalType.TEXT

    def table(*checks: str, domain: tuple[str, ...] = ()) -> Table:
        return Table("film", (Column("rating", text, "varchar(10)", length=10),
                              Column("code", text, "varchar(10)", length=10, domain_checks=domain)),
                     checks=tuple(CheckConstraint(c) for c in checks))
    assert longest_allowed(table("CHECK(rating in ('G','PG','NC-17'))"), "rating", 10, "sqlite") == 5
    assert longest_allowed(table("length(code) <= 6", "rating IN ('G')"), "code", 10, "sqlite") == 6
    assert longest_allowed(table(domain=("VALUE IN ('ab', 'abc')",)), "code", 10, "postgresql") == 3
    assert longest_allowed(table("code <> ''"), "code", 10, "sqlite") == 10
    assert longest_allowed(table("rating IN ("), "rating", 10, "sqlite") == 10  # unreadable: no limit
