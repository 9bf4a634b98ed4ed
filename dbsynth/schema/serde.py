"""JSON round trip for Schema (model manifests, `dbsynth inspect --format json`)."""
from __future__ import annotations

import dataclasses
import json
from enum import Enum
from typing import Any, get_type_hints

from dbsynth.errors import SchemaError
from dbsynth.schema import model as m

# Nested dataclass fields per owner class (PrimaryKey.columns are plain names).
_NESTED: dict[type, dict[str, type]] = {
    m.Schema: {"tables": m.Table},
    m.Table: {
        "columns": m.Column,
        "primary_key": m.PrimaryKey,
        "foreign_keys": m.ForeignKey,
        "unique_constraints": m.UniqueConstraint,
        "checks": m.CheckConstraint,
        "indexes": m.Index,
        "triggers": m.Trigger,
        "exclusions": m.ExclusionConstraint,
    },
}


def to_dict(obj: Any) -> Any:
    """Plain JSON-able structure (tuples become lists, enums their values)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_dict(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, (list, tuple)):
        return [to_dict(x) for x in obj]
    return obj


def _build(cls: type, data: dict[str, Any]) -> Any:
    if not isinstance(data, dict):
        raise TypeError(f"{cls.__name__} must be a JSON object, got {type(data).__name__}")
    hints = get_type_hints(cls)
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.name not in data:
            continue
        value = data[f.name]
        nested = _NESTED.get(cls, {})
        if f.name in nested and value is not None:
            sub = nested[f.name]
            value = tuple(_build(sub, v) for v in value) if isinstance(value, list) else _build(sub, value)
        elif isinstance(value, list):
            value = tuple(value)
        hint = str(hints.get(f.name, ""))
        if "LogicalType" in hint:
            value = m.LogicalType(value)
        elif "TableKind" in hint:
            value = m.TableKind(value)
        kwargs[f.name] = value
    return cls(**kwargs)


def schema_to_json(schema: m.Schema, *, indent: int | None = 2) -> str:
    return json.dumps(to_dict(schema), indent=indent)


def schema_from_dict(data: dict[str, Any]) -> m.Schema:
    try:
        return _build(m.Schema, data)
    except (TypeError, ValueError, KeyError) as exc:
        raise SchemaError(f"invalid schema document: {exc}",
                          hint="re-create it with `dbsynth fit` or `dbsynth inspect --format json`") from exc


def schema_from_json(text: str) -> m.Schema:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SchemaError(f"schema document is not valid JSON: {exc}",
                          hint="re-create it with `dbsynth fit` or `dbsynth inspect --format json`") from exc
    return schema_from_dict(data)
