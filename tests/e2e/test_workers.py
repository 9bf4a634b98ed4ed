"""Independent batches end to end: the same bytes in the target for 1, 2 and 4 workers and for Ray."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from dbsynth import pipeline
from dbsynth.config import Config
from dbsynth.load.loader import load
from tests.conftest import dataset_path
from tests.e2e.test_seed import dbsynth, fk_violations, ok
from tests.unit.execute.fixture import TOML, chunk_digests, fixture_config, make_source, table_digests


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("workers")
    config = folder / "dbsynth.toml"
    config.write_text(TOML)
    return make_source(folder / "src.sqlite"), config


@pytest.fixture(scope="module")
def ray_local():
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


def _seed(src: Path, dst: Path, config: Path, *extra: str) -> dict[str, tuple[int, str]]:
    out = ok(dbsynth("seed", f"sqlite:///{src}", f"sqlite:///{dst}", "--seed", "4", "-c", str(config), *extra))
    assert "duplicate keys: 0" in out.stdout and "orphan FK rows: 0" in out.stdout
    assert fk_violations(dst) == []
    return table_digests(dst)


def test_seed_gives_the_same_bytes_for_one_two_and_four_workers(source, tmp_path: Path) -> None:
    src, config = source
    one = _seed(src, tmp_path / "w1.sqlite", config, "--workers", "1")
    assert one["customer"][0] > 500 and one["item"][0] > 1000
    for workers in ("2", "4"):
        assert _seed(src, tmp_path / f"w{workers}.sqlite", config, "--workers", workers) == one, workers


def test_ray_gives_the_same_rows_as_local_workers(source, ray_local) -> None:
    src, _ = source
    model = pipeline.fit(f"sqlite:///{src}", config=fixture_config()).model
    want = chunk_digests(list(pipeline.validated_chunks(model, config=fixture_config(workers=1))[0]))
    chunks, merged = pipeline.validated_chunks(model, config=fixture_config(executor="ray"))
    assert chunk_digests(list(chunks)) == want
    assert merged.summary().ok


@pytest.mark.slow
def test_chinook_in_batches_is_the_same_for_any_worker_count_and_ray(ray_local, tmp_path: Path) -> None:
    src = dataset_path("chinook", "chinook.sqlite")
    config = Config(seed=2, batch_rows=3000)  # Artist, Album, Track and PlaylistTrack in 5 batches
    model = pipeline.fit(f"sqlite:///{src}", config=config).model
    runs = {}
    for run, over in {"1": {"workers": 1}, "2": {"workers": 2}, "ray": {"executor": "ray"}}.items():
        chunks, merged = pipeline.validated_chunks(model, config=replace(config, **over), allow_drops=False)
        chunks = list(chunks)
        runs[run] = chunk_digests(chunks)
        assert merged.summary().ok, run
        if run == "2":
            assert len({c.batch for c in chunks}) > 3
            summary = load(chunks=chunks, schema=model.schema, target_url=f"sqlite:///{tmp_path / 'out.sqlite'}")
            assert not any(summary.orphans.values()) and not any(summary.duplicates.values())
    assert runs["1"] == runs["2"] == runs["ray"]
