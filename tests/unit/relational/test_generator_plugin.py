"""A third-party table generator plugs in with one registration and seeds Chinook end to end."""
from __future__ import annotations

import sqlite3
import subprocess
from importlib import metadata
from pathlib import Path

import pytest

from dbsynth.engines import registry
from dbsynth.engines.base import SampleOptions
from dbsynth.errors import ConfigError
from tests.conftest import dataset_path
from tests.unit.relational.independent_generator import IndependentKind

HERE = Path(__file__).parent
ROOT = HERE.parents[2]


@pytest.fixture
def entry_point(monkeypatch: pytest.MonkeyPatch):
    """The generator declared the way a package would (`dbsynth.generators` entry point)."""
    point = metadata.EntryPoint(name="independent", group="dbsynth.generators",
                                value="tests.unit.relational.independent_generator:IndependentKind")
    real = metadata.entry_points

    def fake(**kwargs):
        found = real(**kwargs)
        return metadata.EntryPoints([*found, point]) if kwargs.get("group") == "dbsynth.generators" else found

    monkeypatch.setattr(metadata, "entry_points", fake)
    yield point


def test_entry_point_generator_is_found_and_typos_get_a_hint(entry_point) -> None:
    assert "independent" in registry.available()
    assert registry.get_engine("independent").name == "independent"
    with pytest.raises(ConfigError) as err:
        registry.get_engine("independant")
    assert "did you mean 'independent'" in str(err.value.hint)


def test_registered_generator_seeds_chinook_without_violations(tmp_path: Path) -> None:
    from dbsynth import api

    registry.register(IndependentKind())  # the one registration (or the entry point above)
    try:
        src = dataset_path("chinook", "chinook.sqlite")
        dst = tmp_path / "out.sqlite"
        # allow_drops=False: any row lost to a constraint fails the seed
        out = api.seed(f"sqlite:///{src}", f"sqlite:///{dst}", engine="independent", seed=0,
                       save_model=tmp_path / "m")
        loaded = registry.load_model(tmp_path / "m")  # saved state comes back through the same kind
        assert loaded.engine == "independent"
        assert next(iter(loaded.sample(options=SampleOptions(seed=0)))).frame is not None
    finally:
        registry.unregister("independent")
    with sqlite3.connect(dst) as con, sqlite3.connect(src) as real:
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        for table in ("Artist", "Album", "Track", "Invoice", "InvoiceLine"):
            n_real = real.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]
            assert out.rows[table] == con.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]
            assert abs(out.rows[table] - n_real) <= 0.1 * n_real, (table, n_real, out.rows[table])
        # the generator drew the columns (several genres), the relational core the keys (no orphans above)
        assert con.execute('SELECT COUNT(DISTINCT "GenreId") FROM "Track"').fetchone()[0] > 1


def test_adding_the_generator_touched_only_its_module() -> None:
    """Nothing in dbsynth names the plug-in: its module plus one registration is all it takes."""
    found = subprocess.run(["git", "grep", "-l", "-i", "independent_generator\\|IndependentKind", "--", "dbsynth"],
                           cwd=ROOT, capture_output=True, text=True)
    assert found.stdout.strip() == ""
