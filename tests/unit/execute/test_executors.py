"""Executors: the same bytes for any number of workers, a sink path, merged summaries, one-line failures."""
from __future__ import annotations

import copy
import sys
from pathlib import Path

import pytest

from dbsynth import pipeline
from dbsynth.errors import ConfigError, DbsynthError
from dbsynth.execute.executors import get_executor
from dbsynth.load.loader import load
from tests.unit.execute import fake_sink
from tests.unit.execute.fixture import Boom, chunk_digests, fixture_config, make_source


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory):
    src = make_source(tmp_path_factory.mktemp("exec") / "src.sqlite")
    return pipeline.fit(f"sqlite:///{src}", config=fixture_config()).model


def _run(model, **kw):
    chunks, merged = pipeline.validated_chunks(model, config=fixture_config(seed=3, **kw), allow_drops=False)
    return list(chunks), merged


def test_one_two_and_four_workers_give_the_same_rows(model) -> None:
    one, merged = _run(model, workers=1)
    assert len({c.batch for c in one}) == 3  # the fixture really runs in several batches
    want = chunk_digests(one)
    for workers in (2, 4):
        got, other = _run(model, workers=workers)
        assert chunk_digests(got) == want, workers
        assert [c.table for c in got] == [c.table for c in one]  # plan order: batch 0's tables first
        assert other.summary().rows_valid == merged.summary().rows_valid
    summary = merged.summary()
    assert summary.ok and summary.rows_in == summary.rows_valid
    assert summary.rows_valid == {t: n for t, (n, _) in want.items()}
    assert set(summary.planned) >= {"customer", "item"}


def test_workers_write_through_the_sink(model, tmp_path: Path) -> None:
    want = chunk_digests(_run(model, workers=1)[0])
    chunks, merged = pipeline.validated_chunks(model, config=fixture_config(seed=3, workers=2), allow_drops=False,
                                               sink=fake_sink.spec(tmp_path))
    assert list(chunks) == []  # the rows went to the sink, not through the coordinator
    assert len(list(tmp_path.glob("*.pkl"))) == 3  # one part per batch
    assert chunk_digests(fake_sink.read(tmp_path)) == want
    assert merged.summary().rows_valid == {t: n for t, (n, _) in want.items()}


def test_a_failing_sink_fails_the_run_in_one_line(model, tmp_path: Path) -> None:
    chunks, _ = pipeline.validated_chunks(model, config=fixture_config(seed=3, workers=2),
                                          sink=fake_sink.spec(tmp_path, fail_on_table="item"))
    with pytest.raises(DbsynthError) as err:
        list(chunks)
    text = str(err.value)
    assert "disk full while writing item" in text and "nothing was written" in text and "\n" not in text
    assert not list(tmp_path.glob("*.pkl"))


@pytest.mark.parametrize("workers", [1, 2])
def test_a_worker_that_raises_fails_the_load_and_writes_nothing(model, tmp_path: Path, workers: int) -> None:
    broken = copy.copy(model)
    broken.tables = dict(model.tables)
    broken.tables["item"] = copy.copy(model.tables["item"])
    broken.tables["item"].generator = Boom(model.tables["item"].generator)
    chunks, _ = pipeline.validated_chunks(broken, config=fixture_config(seed=3, workers=workers))
    target = tmp_path / "out.sqlite"
    with pytest.raises(DbsynthError) as err:
        load(chunks=chunks, schema=model.schema, target_url=f"sqlite:///{target}")
    text = str(err.value)
    assert "ValueError: boom" in text and "batch 1 of 3" in text and "nothing was written" in text
    assert not target.exists()  # the load rolled back and removed the file it had created


def test_ray_without_ray_is_one_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` raises ImportError
    with pytest.raises(ConfigError, match=r"pip install 'dbsynth\[ray\]'"):
        get_executor("ray")


def test_the_config_file_sets_workers_and_executor(tmp_path: Path) -> None:
    from dbsynth.config import load_config
    path = tmp_path / "dbsynth.toml"
    path.write_text('workers = 3\nexecutor = "ray"\nray_address = "ray://head:10001"\n')
    config = load_config(path)
    assert (config.workers, config.executor, config.ray_address) == (3, "ray", "ray://head:10001")
    assert load_config(None).workers is None  # default: the machine's cores
    for bad in ("workers = 0", 'workers = "4"', 'executor = "spark"'):
        path.write_text(bad + "\n")
        with pytest.raises(ConfigError):
            load_config(path)
