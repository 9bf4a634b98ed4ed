"""dbsynth: learn a production schema, seed staging with synthetic rows.

The Python API mirrors the CLI (see dbsynth/api.py and the README):
`dbsynth.inspect`, `fit`, `sample`, `load`, `seed`, `report` and `subset`, each
returning a typed result. They load on first use, so `import dbsynth` stays
light (no pandas, no torch).
"""
from __future__ import annotations

import sys
import types
from typing import Any

__version__ = "0.1.0"

_API = frozenset({"inspect", "fit", "sample", "load", "seed", "report", "subset", "InspectResult", "FitResult",
                  "SampleResult", "LoadResult", "SeedResult", "ReportResult", "SubsetResult"})
__all__ = ["__version__", *sorted(_API)]


class _Package(types.ModuleType):
    """`dbsynth.load` and `dbsynth.report` are API functions, though subpackages share those names.

    Importing a subpackage sets it as an attribute of this package; the API
    names are answered first, so `dbsynth.load(...)` calls the function
    whatever was imported before (`import dbsynth.load.loader` still works:
    imports go through sys.modules).
    """

    def __getattribute__(self, name: str) -> Any:
        if name in _API:
            from dbsynth import api
            return getattr(api, name)
        return super().__getattribute__(name)

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | _API)


sys.modules[__name__].__class__ = _Package
