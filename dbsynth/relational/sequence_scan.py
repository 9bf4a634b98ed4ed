"""Sequences and lags of a source, found without fitting a model (`dbsynth inspect --profile`).

The same search the fitter runs (sequences.find_sequences) on the columns the
profiles call dates/times, with the tables copied verbatim left out as parents.
"""
from __future__ import annotations

from typing import Mapping

import pandas as pd

from dbsynth.profile.types import SemanticType, TableProfile
from dbsynth.relational.sequences import Parent, Sequences, find_sequences
from dbsynth.relational.table import TableModel, find_orderings
from dbsynth.schema.model import Schema
from dbsynth.transform.columns import DatetimeTransform

_TIMES = {SemanticType.DATETIME: "datetime", SemanticType.DATE: "date"}


def scan_sequences(schema: Schema, frames: Mapping[str, pd.DataFrame],
                   profiles: Mapping[str, TableProfile]) -> dict[str, Sequences]:
    """Per generated table, its sequences and lags (tables with none are left out)."""
    models = {name: _times_model(name, frames[name], prof) for name, prof in profiles.items()
              if not prof.reference and name in frames}
    out: dict[str, Sequences] = {}
    for name, model in models.items():
        table = schema.table(name)
        parents = {fk.referred_table: Parent(frame=frames[fk.referred_table],
                                             times={t.column: t for t in models[fk.referred_table].transforms})
                   for fk in table.foreign_keys if fk.referred_table in models}
        found = find_sequences(table=table, frame=frames[name], transforms=model.transforms, parents=parents,
                               orderings=find_orderings(model, frames[name]))
        if found:
            out[name] = found
    return out


def _times_model(name: str, frame: pd.DataFrame, profile: TableProfile) -> TableModel:
    model = TableModel(name=name, rows=len(frame))
    for col in profile.columns:
        unit = _TIMES.get(col.semantic)
        if unit is not None and col.name in frame:
            model.transforms.append(DatetimeTransform(column=col.name, unit=unit).fit(frame[col.name]))
    return model
