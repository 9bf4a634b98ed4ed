"""CHECK constraints through sqlglot → DuckDB, on the real texts of Northwind, Sakila and PostgreSQL."""
from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dbsynth.schema.model import CheckConstraint, Column, LogicalType, Table
from dbsynth.validate.checks import check_constraints, check_domain
from dbsynth.validate.checks_sql import UncheckedConstraint, compile_check
from tests.conftest import dataset_path

# Verbatim copies (as SQLite stores them) so these tests run without the datasets.
NORTHWIND_DISCOUNT = "CHECK ([Discount]>=(0) AND [Discount]<=(1))"
NORTHWIND_QUANTITY = "[Quantity]>(0)"
NORTHWIND_UNITPRICE = "[UnitPrice]>=(0)"
SAKILA_RATING = "rating in ('G','PG','PG-13','R','NC-17')"
SAKILA_FEATURES = """special_features is null or
                                                           special_features like '%Trailers%' or
                                                           special_features like '%Commentaries%' or
                                                           special_features like '%Deleted Scenes%' or
                                                           special_features like '%Behind the Scenes%'"""
PG_YEAR_DOMAIN = "((VALUE >= 1901) AND (VALUE <= 2155))"
PG_PAYMENT = ("((payment_date >= '2007-01-01 00:00:00'::timestamp without time zone) AND "
              "(payment_date < '2007-02-01 00:00:00'::timestamp without time zone))")


def bad_rows(expr: str, frame: pd.DataFrame, *, dialect: str = "sqlite") -> list[bool]:
    chk = compile_check(expr, dialect=dialect, columns=list(frame.columns))
    assert chk.checkable, chk.error
    return chk.evaluate(frame).tolist()


def test_northwind_discount() -> None:
    f = pd.DataFrame({"Discount": [0.0, 0.25, 1.0, -0.01, 1.5, np.nan]})
    assert bad_rows(NORTHWIND_DISCOUNT, f) == [False, False, False, True, True, False]


def test_northwind_quantity_and_unit_price() -> None:
    f = pd.DataFrame({"Quantity": [1, 0, -3, 7], "UnitPrice": [0.0, 1.5, -0.5, 2.0]})
    assert bad_rows(NORTHWIND_QUANTITY, f) == [False, True, True, False]
    assert bad_rows(NORTHWIND_UNITPRICE, f) == [False, False, True, False]


def test_sakila_rating_in_list() -> None:
    f = pd.DataFrame({"rating": ["G", "PG-13", "PG-13X", None, "nc-17"]})
    assert bad_rows(SAKILA_RATING, f) == [False, False, True, False, True]


def test_sakila_special_features_like_is_case_insensitive_as_in_sqlite() -> None:
    f = pd.DataFrame({"special_features": ["Trailers,Deleted Scenes", None, "Bloopers", "behind the scenes", ""]})
    assert bad_rows(SAKILA_FEATURES, f) == [False, False, True, False, True]


def test_pg_domain_value_check() -> None:
    t = Table(name="film", columns=(Column("release_year", LogicalType.INTEGER, "year", domain="year",
                                           domain_checks=(PG_YEAR_DOMAIN,)),))
    chk = compile_check(PG_YEAR_DOMAIN, dialect="postgresql", columns=["VALUE"])
    f = pd.DataFrame({"release_year": [1900, 1901, 2155, 2156, None]})
    res = check_domain(t, f, column="release_year", compiled=[chk])
    assert res.mask.tolist() == [True, False, False, True, False]
    assert res.violations[0].kind == "type_bounds" and res.violations[0].rows == 2
    assert "domain year" in res.violations[0].detail


def test_pg_timestamp_casts() -> None:
    stamps = ["2007-01-01 00:00:00", "2006-12-31 23:59:59", "2007-01-31 10:00:00", "2007-02-01 00:00:00", None]
    f = pd.DataFrame({"payment_date": pd.to_datetime(stamps)})
    assert bad_rows(PG_PAYMENT, f, dialect="postgres") == [False, True, False, True, False]
    single = "(payment_date >= '2007-01-01'::timestamp without time zone)"
    assert bad_rows(single, f, dialect="postgres") == [False, True, False, False, False]


def test_quoted_mixed_case_and_spaced_columns() -> None:
    f = pd.DataFrame({"Unit Price": [1.0, -1.0], "MixedCase": [5, 5]}, index=[10, 20])
    assert bad_rows('"Unit Price" >= 0 AND "MixedCase" > 1', f, dialect="postgres") == [False, True]
    assert bad_rows("[Unit Price] >= 0", f) == [False, True]


def test_decimal_objects_of_mixed_scale() -> None:
    from decimal import Decimal
    f = pd.DataFrame({"UnitPrice": pd.Series([Decimal("1.5"), Decimal("-0.001"), Decimal("123456.78"), None],
                                             dtype=object)})
    assert bad_rows(NORTHWIND_UNITPRICE, f) == [False, True, False, False]


def test_unparseable_and_unknown_column_are_unchecked_not_crashes() -> None:
    broken = compile_check("x >>> (", dialect="postgres", columns=["x"])
    assert not broken.checkable and "parse" in (broken.error or "")
    with pytest.raises(UncheckedConstraint):
        broken.evaluate(pd.DataFrame({"x": [1]}))
    unknown = compile_check("y > 0", dialect="postgres", columns=["x"])
    assert not unknown.checkable and "y" in (unknown.error or "")


def test_evaluation_error_raises_unchecked() -> None:
    chk = compile_check("x + 'abc' > 0", dialect="postgres", columns=["x"])
    assert chk.checkable
    with pytest.raises(UncheckedConstraint):
        chk.evaluate(pd.DataFrame({"x": [1, 2]}))


def test_check_constraints_rule_counts_and_detail() -> None:
    t = Table(name="Order Details", columns=(Column("Discount", LogicalType.FLOAT, "REAL"),),
              checks=(CheckConstraint(NORTHWIND_DISCOUNT),))
    chk = compile_check(NORTHWIND_DISCOUNT, dialect="sqlite", columns=t.column_names)
    res = check_constraints(t, pd.DataFrame({"Discount": [0.5, 2.0, -1.0]}), compiled=[chk])
    assert res.mask.tolist() == [False, True, True]
    v = res.violations[0]
    assert (v.kind, v.rows, v.example) == ("check", 2, "2.0")
    assert v.detail == "CHECK ([Discount]>=(0) AND [Discount]<=(1)) failed"


def test_hundred_thousand_rows_is_fast() -> None:
    rng = np.random.default_rng(7)
    f = pd.DataFrame({"Discount": rng.uniform(-0.1, 1.1, 100_000), "Quantity": rng.integers(-5, 50, 100_000)})
    mask = np.array(bad_rows(NORTHWIND_DISCOUNT, f))
    expected = ((f["Discount"] < 0) | (f["Discount"] > 1)).to_numpy()
    assert mask.tolist() == expected.tolist()


# ------------------------------------------------------------------ from the real files
def _check_bodies(sqlite_file: Path, table: str) -> list[str]:
    with sqlite3.connect(f"file:{sqlite_file}?mode=ro", uri=True) as con:
        (ddl,) = con.execute("SELECT sql FROM sqlite_master WHERE type='table' AND name=?", (table,)).fetchone()
    return [_balanced(ddl, m.end() - 1) for m in re.finditer(r"CHECK\s*\(", ddl, flags=re.I)]


def _balanced(text: str, start: int) -> str:
    depth = 0
    for i in range(start, len(text)):
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        if depth == 0:
            return text[start + 1:i]
    raise AssertionError("unbalanced CHECK")


@pytest.mark.datasets
def test_real_northwind_checks() -> None:
    bodies = _check_bodies(dataset_path("northwind", "northwind.sqlite"), "Order Details")
    assert len(bodies) == 3
    f = pd.DataFrame({"OrderID": [1, 2, 3], "ProductID": [1, 1, 1], "UnitPrice": [1.0, -2.0, 3.0],
                      "Quantity": [1, 1, 0], "Discount": [0.1, 0.1, 1.1]})
    masks = [bad_rows(b, f) for b in bodies]
    assert [sum(m) for m in masks] == [1, 1, 1]
    assert np.logical_or.reduce(np.array(masks)).tolist() == [False, True, True]


@pytest.mark.datasets
def test_real_sakila_film_checks() -> None:
    bodies = _check_bodies(dataset_path("sakila", "sakila.sqlite"), "film")
    assert len(bodies) == 2
    f = pd.DataFrame({"rating": ["PG", "XXX", "G"], "special_features": ["Trailers", "Trailers", "Nothing"]})
    assert [bad_rows(b, f) for b in bodies] == [[False, False, True], [False, True, False]]


def test_postgres_like_escapes_with_backslash_by_default() -> None:
    import pandas as pd

    from dbsynth.validate.checks_sql import compile_check

    chk = compile_check("kind ~~ 'k\\_%'::text", dialect="postgresql", columns=["kind"])
    bad = chk.evaluate(pd.DataFrame({"kind": ["k_39", "kx1", "k\\_a"]}))
    assert bad.tolist() == [False, True, True]  # '\_' is a literal underscore, as in PostgreSQL
