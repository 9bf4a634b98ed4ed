"""Columns a child copies from its context parent come from the synthetic parent, PII included."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dbsynth.engines.base import FitOptions, SampleOptions
from dbsynth.relational.copies import find_copies
from dbsynth.engines.registry import get_engine
from dbsynth.profile.detect import profile_schema
from dbsynth.schema.graph import build_plan
from dbsynth.schema.model import Column, ForeignKey, LogicalType, PrimaryKey, Schema, Table

INT, FLOAT, TEXT = LogicalType.INTEGER, LogicalType.FLOAT, LogicalType.TEXT


def _col(name: str, lt: LogicalType = INT, length: int | None = None) -> Column:
    return Column(name=name, logical_type=lt, type_sql=lt.value, nullable=True, length=length)


def _billing(seed: int = 0) -> tuple[Schema, dict[str, pd.DataFrame]]:
    """customer(city: personal, one per customer; email) 1—n invoice(billing_city = customer's city on every row,
    billing_email = customer's email on 97% of rows, total)."""
    rng = np.random.default_rng(seed)
    n = 120
    customer = pd.DataFrame({"id": np.arange(1, n + 1),
                             "city": [f"{w} {i}" for i, w in enumerate(rng.choice(["North", "Port", "Saint"], n))],
                             "email": [f"user{i}@mail{i % 7}.example" for i in range(n)],
                             "country": rng.choice(["Brazil", "France", "USA"], n)})
    pid = np.repeat(np.arange(n), rng.integers(1, 9, n))
    email = customer.email.to_numpy()[pid].copy()
    other = rng.uniform(size=len(pid)) < 0.03
    email[other] = [f"billing{i}@corp.example" for i in range(int(other.sum()))]
    invoice = pd.DataFrame({"id": np.arange(1, len(pid) + 1), "customer_id": pid + 1,
                            "billing_city": customer.city.to_numpy()[pid], "billing_email": email,
                            "billing_country": customer.country.to_numpy()[pid],
                            "total": rng.gamma(2.0, 5.0, len(pid)).round(2), "note": "x"})
    tables = (
        Table("customer", (_col("id"), _col("city", TEXT, 40), _col("email", TEXT, 60), _col("country", TEXT, 40)),
              primary_key=PrimaryKey(("id",))),
        Table("invoice", (_col("id"), _col("customer_id"), _col("billing_city", TEXT, 40),
                          _col("billing_email", TEXT, 60), _col("billing_country", TEXT, 40),
                          _col("total", FLOAT), _col("note", TEXT, 5)), primary_key=PrimaryKey(("id",)),
              foreign_keys=(ForeignKey(("customer_id",), "customer", ("id",)),)),
    )
    return Schema(dialect="sqlite", tables=tables), {"customer": customer, "invoice": invoice}


def test_find_copies_names_the_parent_column_and_its_share() -> None:
    schema, frames = _billing()
    inv, cust = frames["invoice"], frames["customer"]
    joined = cust.iloc[inv.customer_id - 1].reset_index(drop=True)
    found = find_copies(table=schema.table("invoice"), frame=inv, joined=joined, parent=schema.table("customer"),
                        skip={"id", "customer_id"})
    assert found["billing_city"] == {"source": "city", "rate": 1.0}
    assert found["billing_country"]["source"] == "country"
    assert found["billing_email"]["source"] == "email" and 0.95 <= found["billing_email"]["rate"] < 1.0
    assert "total" not in found and "note" not in found  # a constant copies nothing


def _sampled(engine: object) -> dict[str, pd.DataFrame]:
    schema, frames = _billing()
    profiles = profile_schema(schema=schema, frames=frames)
    model = engine.fit(schema=schema, plan=build_plan(schema), frames=frames, profiles=profiles,
                    options=FitOptions(seed=0))
    out: dict[str, list[pd.DataFrame]] = {}
    for chunk in model.sample(options=SampleOptions(seed=1)):
        out.setdefault(chunk.table, []).append(chunk.frame)
    return {t: pd.concat(f, ignore_index=True) for t, f in out.items()}


def _check_copied(out: dict[str, pd.DataFrame]) -> None:
    cust, inv = out["customer"], out["invoice"]
    joined = inv.merge(cust, left_on="customer_id", right_on="id", suffixes=("", "_c"))
    assert len(joined) == len(inv) > 0
    assert (joined.billing_city == joined.city).mean() >= 0.99  # the synthetic customer's (faked) city
    assert (joined.billing_country == joined.country).mean() >= 0.99
    share = (joined.billing_email == joined.email).mean()
    assert 0.9 <= share < 1.0  # copied on about the source's 97%, the rest drawn apart
    real = set(_billing()[1]["customer"].email)
    assert not set(inv.billing_email) & real  # copies of faked values, never a source value


def test_copula_copies_from_the_synthetic_parent() -> None:
    _check_copied(_sampled(get_engine("copula")))


def test_neural_copies_from_the_synthetic_parent() -> None:
    pytest.importorskip("torch")
    from dbsynth.engines.neural.engine import NeuralEngine
    from dbsynth.engines.neural.training import TrainSettings

    _check_copied(_sampled(NeuralEngine(TrainSettings(min_rows=5, max_epochs=10, patience=3))))


def test_near_copies_need_more_than_chance() -> None:
    schema, frames = _billing()
    inv, cust = frames["invoice"].copy(), frames["customer"]
    joined = cust.iloc[inv.customer_id - 1].reset_index(drop=True)
    rng = np.random.default_rng(5)
    # the city differs on whole families (12% of customers bill elsewhere): still a copy, at its share
    elsewhere = np.isin(inv.customer_id, rng.choice(cust.id, 15, replace=False))
    inv.loc[elsewhere, "billing_city"] = "Elsewhere"
    # two countries of three agree by chance on ~85% of rows when almost everyone is in one: not a copy
    skewed = rng.choice(["USA", "France", "Brazil"], len(inv), p=[0.92, 0.04, 0.04])
    inv["billing_country"] = np.where(rng.uniform(size=len(inv)) < 0.5, skewed, "USA")
    joined["country"] = rng.choice(["USA", "France", "Brazil"], len(inv), p=[0.92, 0.04, 0.04])
    found = find_copies(table=schema.table("invoice"), frame=inv, joined=joined, parent=schema.table("customer"),
                        skip={"id", "customer_id"})
    assert found["billing_city"]["source"] == "city" and 0.8 <= found["billing_city"]["rate"] < 0.95
    assert "billing_country" not in found
    # a column the model keeps as real categories is copied only when (almost) always equal
    assert "billing_city" not in find_copies(table=schema.table("invoice"), frame=inv, joined=joined,
                                             parent=schema.table("customer"), skip={"id", "customer_id"},
                                             categories={"billing_city"})
