"""Target rows standing in for synthetic parents (sample/given.py): encoding, twin counts, the sampler's use."""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest

from dbsynth.relations.model import Relation
from dbsynth.sample.given import GivenRows, encode, twin_counts


class _Linear:
    """A generator whose rows' child count grows with their one own score (count = 10 + 5 z)."""

    def sample(self, model: Any, *, n: int, parent_scores: Any, rng: np.random.Generator, **_: Any) -> Any:
        z = rng.standard_normal((n, 1))
        return {}, z, np.clip(10 + 5 * z, 0, None)


def _plan(counts: int = 1) -> Any:
    model = SimpleNamespace(counts=[object()] * counts, own_width=1, matching_scores=lambda own: own.copy(),
                            own_scores=lambda frame, rng: frame[["z"]].to_numpy(dtype=float),
                            slices=lambda: {"z": slice(0, 1)}, transforms=[])
    return SimpleNamespace(name="parent", model=model, generator=_Linear())


def test_a_row_takes_the_counts_of_a_synthetic_row_with_nearly_its_scores() -> None:
    rng = np.random.default_rng(0)
    own = np.array([[-1.5], [0.0], [1.5]])
    counts, twins = twin_counts(_plan(), own, rng)
    assert counts.shape == (3, 1) and twins is not None and twins.shape == (3, 1)
    assert counts[:, 0] == pytest.approx([2.5, 10.0, 17.5], abs=0.5)  # a big spender's twin is one too


def test_encode_scores_rows_like_the_fit_and_a_table_without_children_has_no_counts() -> None:
    frame = pd.DataFrame({"z": [0.5, -0.5]})
    own, counts = encode(_plan(counts=0), frame, np.random.default_rng(1))
    assert own[:, 0].tolist() == [0.5, -0.5] and counts.shape == (2, 0)
    own, counts = encode(_plan(), frame.iloc[:0], np.random.default_rng(1))
    assert own.shape == (0, 1) and counts.shape == (0, 1)


def test_given_rows_draw_only_the_named_tables_and_keep_relations_among_them() -> None:
    given = GivenRows({"Customer": pd.DataFrame({"id": [3, 1]}, index=[7, 8])}, ["Invoice", "InvoiceLine"])
    assert given.active("Invoice") and given.active("Customer") and not given.active("Employee")
    assert given.rows() == {"Customer": 2.0} and given.frames["Customer"].index.tolist() == [0, 1]
    total = Relation(kind="aggregate", table="Invoice", column="Total", op="sum", child="InvoiceLine")
    spent = Relation(kind="aggregate", table="Customer", column="Spent", op="sum", child="Invoice")
    assert given.keeps(total) and not given.keeps(spent)  # the target's rows are never changed
    assert given != GivenRows(given.frames, given.only)  # by identity: options holding them compare safely


@pytest.fixture(scope="module")
def small_model(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from dbsynth import pipeline
    from dbsynth.config import Config
    from tests.e2e.test_safety import make_sqlite
    src = make_sqlite(tmp_path_factory.mktemp("given") / "src.sqlite")
    return pipeline.fit(f"sqlite:///{src}", config=Config()).model


def _draw(model: Any, given: GivenRows, rows: dict[str, int] | None = None, **kw: Any) -> dict[str, pd.DataFrame]:
    from dbsynth.relational.options import SampleOptions
    from dbsynth.sample.sampler import Sampler
    options = SampleOptions(seed=3, row_counts=rows or {}, given=given, **kw)
    out: dict[str, list[pd.DataFrame]] = {}
    for chunk in Sampler(model=model, options=options).run():
        out.setdefault(chunk.table, []).append(chunk.frame)
    return {t: pd.concat(f, ignore_index=True) for t, f in out.items()}


def test_the_sampler_draws_children_under_the_given_rows_only(small_model: Any) -> None:
    customers = pd.DataFrame({"id": [501, 502, 503, 504], "email": [f"qa{i}@x.y" for i in range(4)],
                              "referrer": [None] * 4, "score": [1.5, 30.0, 60.0, 90.0]})
    drawn = _draw(small_model, GivenRows({"customer": customers}, ["orders"]), {"orders": 40})
    assert set(drawn) == {"orders"}  # the customers are the target's: not drawn, not emitted
    orders = drawn["orders"]
    assert len(orders) == 40 and set(orders["customer_id"]) <= {501, 502, 503, 504}
    assert orders["customer_id"].nunique() > 1  # spread over the parents, not piled on one


def test_batches_take_their_share_of_the_given_families(small_model: Any) -> None:
    customers = pd.DataFrame({"id": range(1000, 1100), "email": [f"c{i}@x.y" for i in range(100)],
                              "referrer": [None] * 100, "score": np.linspace(1, 90, 100)})
    given = GivenRows({"customer": customers}, ["orders"])
    from dbsynth.relational.options import SampleOptions
    from dbsynth.sample.sampler import Sampler
    options = SampleOptions(row_counts={"orders": 300}, given=given, batch_rows=50)
    plan = Sampler(model=small_model, options=options).plan()
    assert plan.batches > 1 and "customer" in plan.resident
    one = _draw(small_model, given, {"orders": 300})["orders"]
    many = _draw(small_model, given, {"orders": 300}, batch_rows=50)["orders"]
    assert len(one) == len(many) == 300
    assert set(many["customer_id"]) <= set(customers["id"]) and many["id"].is_unique


def test_planned_rows_name_only_the_drawn_tables(small_model: Any, tmp_path: Path) -> None:
    from dbsynth import pipeline
    from dbsynth.config import Config
    customers = pd.DataFrame({"id": [1, 2], "email": ["a@b.c", "d@e.f"], "referrer": [None, 1], "score": [1.0, 2.0]})
    chunks, _ = pipeline.validated_chunks(small_model, config=Config(workers=1), given=GivenRows(
        {"customer": customers}, ["orders"]), existing={("customer", ("id",)): customers[["id"]]})
    rows = sum(len(c.frame) for c in chunks)
    assert rows > 0 and set(pipeline.planned_rows(small_model)) == {"orders"}
