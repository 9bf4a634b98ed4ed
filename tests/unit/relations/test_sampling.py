"""The sampler holds Chinook's invoice totals at any batch size, big leaves still streaming in slices."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dbsynth.engines.base import FitOptions, SampleOptions
from dbsynth.engines.registry import get_engine
from dbsynth.profile.detect import profile_schema
from dbsynth.schema.graph import build_plan
from tests.conftest import ROOT
from tests.unit.engines._data import reflect_sqlite

CHINOOK = ROOT / "examples" / "chinook" / "chinook.sqlite"


@pytest.fixture(scope="module")
def model():
    schema, frames = reflect_sqlite(CHINOOK)
    return get_engine("copula").fit(schema=schema, plan=build_plan(schema), frames=frames,
                                    profiles=profile_schema(schema=schema, frames=frames), options=FitOptions(seed=0))


@pytest.mark.parametrize("batch_rows", [50_000, 1000, 150])
def test_invoice_totals_at_any_batch_size(model, batch_rows: int) -> None:
    assert [r.text() for r in model.relations] == ["Invoice.Total = sum(InvoiceLine.UnitPrice * InvoiceLine.Quantity)"]
    chunks: dict[str, list[pd.DataFrame]] = {}
    order: list[str] = []
    for chunk in model.sample(options=SampleOptions(seed=1, batch_rows=batch_rows)):
        chunks.setdefault(chunk.table, []).append(chunk.frame)
        order.append(chunk.table)
    invoices = pd.concat(chunks["Invoice"], ignore_index=True)
    lines = pd.concat(chunks["InvoiceLine"], ignore_index=True)
    sums = (lines["UnitPrice"].astype(float) * lines["Quantity"].astype(float)).groupby(lines["InvoiceId"]).sum()
    assert len(invoices) > 300
    assert np.allclose(invoices["Total"].astype(float), invoices["InvoiceId"].map(sums).fillna(0.0), atol=0.005)
    if batch_rows == 1000:  # the big leaf still comes in slices, each after its invoices
        assert len(chunks["InvoiceLine"]) > 1
        assert order.index("Invoice") < order.index("InvoiceLine")
