"""Model directories: manifest.json + per-table JSON / .npz parameter files.

No pickles: every parameter is JSON or a numpy array saved with
`allow_pickle=False`, so a model directory is safe to share and diff.
"""
from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from dbsynth import __version__
from dbsynth.errors import ModelError
from dbsynth.schema.model import Schema
from dbsynth.schema.serde import schema_from_dict, to_dict

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
_HINT = "point at a directory written by `dbsynth fit`, or fit the model again"


def source_fingerprint(*, schema: Schema, row_counts: Mapping[str, int]) -> str:
    """Hash of the schema and row counts: identifies the source without any data."""
    doc = json.dumps({"schema": to_dict(schema), "rows": dict(sorted(row_counts.items()))},
                     sort_keys=True, default=str)
    return hashlib.sha256(doc.encode()).hexdigest()


def write_manifest(directory: Path, *, engine: str, schema: Schema, extra: Mapping[str, Any]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    doc = {"format_version": FORMAT_VERSION, "engine": engine, "dbsynth_version": __version__,
           "schema": to_dict(schema), **extra}
    (directory / MANIFEST).write_text(json.dumps(doc, indent=2, default=str))


def read_manifest(directory: Path) -> dict[str, Any]:
    path = Path(directory) / MANIFEST
    if not path.is_file():
        raise ModelError(f"no model at {directory}: {MANIFEST} is missing", hint=_HINT)
    try:
        doc = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ModelError(f"model manifest {path} is unreadable: {exc}", hint=_HINT) from exc
    if not isinstance(doc, dict) or doc.get("format_version") != FORMAT_VERSION:
        raise ModelError(f"model manifest {path} has an unsupported format",
                         hint=f"this dbsynth reads format {FORMAT_VERSION}; {_HINT}")
    return doc


def manifest_schema(doc: Mapping[str, Any]) -> Schema:
    return schema_from_dict(doc["schema"])


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, default=_json_default))


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ModelError(f"model file {path} is missing or corrupt: {exc}", hint=_HINT) from exc


def write_arrays(path: Path, arrays: Mapping[str, np.ndarray]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        np.savez_compressed(fh, **{k: np.asarray(v) for k, v in arrays.items()})


def read_arrays(path: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as data:
            return {k: data[k] for k in data.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:  # missing, truncated or not an .npz
        raise ModelError(f"model file {path} is missing or corrupt: {exc}", hint=_HINT) from exc


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)
