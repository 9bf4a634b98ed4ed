"""Key kinds are an enum, yet saved models (which hold the text) load unchanged."""
from __future__ import annotations

import json
from dataclasses import asdict

import pytest

from dbsynth.relational.specs import KeyKind, KeySpec

# the kinds manifests written before the enum hold
SAVED = ["pk_int", "pattern", "uuid", "context", "fk", "self", "deferred", "copy", "also"]


@pytest.mark.parametrize("text", SAVED)
def test_saved_text_loads_as_its_kind(text: str) -> None:
    spec = KeySpec(**{"kind": text, "columns": ["a"], "referred_table": "p", "referred_columns": ["id"]})
    assert isinstance(spec.kind, KeyKind) and spec.kind == text  # a StrEnum still equals its text
    again = KeySpec(**json.loads(json.dumps(asdict(spec))))  # written as text, read back as the kind
    assert again == spec and json.loads(json.dumps(asdict(spec)))["kind"] == text


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError):
        KeySpec(kind="foreign", columns=["a"])  # type: ignore[arg-type]
