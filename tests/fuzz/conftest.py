"""The schema fuzzer's tests: `-m fuzz` selects them, `-m "not fuzz"` skips the CI budget."""
from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "fuzz: the schema fuzzer (random schemas seeded end to end)")
