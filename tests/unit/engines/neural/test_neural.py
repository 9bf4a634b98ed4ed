"""The `neural` engine: every FK shape end to end, determinism, save/load, devices, no-torch import."""
from __future__ import annotations

import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

torch = pytest.importorskip("torch")

from dbsynth.config import Config  # noqa: E402
from dbsynth.engines.base import FitOptions, SampleOptions  # noqa: E402
from dbsynth.engines.neural.device import resolve_device  # noqa: E402
from dbsynth.engines.neural.engine import NeuralEngine  # noqa: E402
from dbsynth.engines.fitted import FittedRelationalModel as NeuralModel  # noqa: E402
from dbsynth.engines.neural.generator import NeuralGenerator  # noqa: E402
from dbsynth.engines.neural.training import TrainSettings  # noqa: E402
from dbsynth.engines.registry import available, get_engine, load_model  # noqa: E402
from dbsynth.errors import ConfigError  # noqa: E402
from dbsynth.schema.graph import build_plan  # noqa: E402
from tests.conftest import ROOT  # noqa: E402
from tests.fixtures.schemas import sqlite_fixture  # noqa: E402
from tests.unit.engines.test_copula import _toy  # noqa: E402

# Fixture tables hold a few dozen rows: train a network on every table anyway.
FAST = TrainSettings(min_rows=5, max_epochs=25, patience=4)


def _fit_url(url: str, *, seed: int = 0, device: str = "cpu", settings: TrainSettings = FAST) -> NeuralModel:
    from dbsynth import pipeline
    from dbsynth.commands import reflect

    schema = reflect(url)
    config = Config(seed=seed)
    frames = pipeline.read_frames(url, schema, tables=[t.name for t in schema.data_tables], max_rows=None)
    return NeuralEngine(settings).fit(schema=schema, plan=build_plan(schema), frames=frames,
                                      profiles=pipeline.profile_frames(schema, frames, config),
                                      options=FitOptions(seed=seed, device=device))


def _collect(model, seed: int = 0) -> dict[str, pd.DataFrame]:
    out: dict[str, list[pd.DataFrame]] = {}
    for chunk in model.sample(options=SampleOptions(seed=seed)):
        out.setdefault(chunk.table, []).append(chunk.frame)
    return {t: pd.concat(f, ignore_index=True) for t, f in out.items()}


def _seed_sqlite(model, dst: Path) -> None:
    from dbsynth import pipeline
    from dbsynth.load.loader import load

    chunks, _ = pipeline.validated_chunks(model, config=Config(seed=1))
    load(chunks=chunks, schema=model.schema, target_url=f"sqlite:///{dst}", mode="fail")


@pytest.mark.parametrize("fixture", ["self_reference", "cycle2_notnull", "cycle3_nullable", "composite",
                                     "two_fks_one_parent", "diamond", "constraints"])
def test_every_fk_shape_loads_clean(fixture: str, tmp_path: Path) -> None:
    src = sqlite_fixture(fixture, tmp_path)
    model = _fit_url(f"sqlite:///{src}", seed=2)
    for name, tp in model.tables.items():  # every table with modelled columns got a network
        gen = tp.generator
        if isinstance(gen, NeuralGenerator) and gen.tokens and tp.model.rows >= FAST.min_rows:
            assert gen.net is not None, name
    dst = tmp_path / "out.sqlite"
    _seed_sqlite(model, dst)
    with sqlite3.connect(dst) as con:
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        with sqlite3.connect(src) as scon:
            for (name,) in scon.execute("SELECT name FROM sqlite_master WHERE type='table'"):
                n_src = scon.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0]
                n_dst = con.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()[0]
                assert (n_dst > 0) == (n_src > 0), (name, n_src, n_dst)


def test_same_seed_same_model_and_rows_on_cpu(tmp_path: Path) -> None:
    url = f"sqlite:///{sqlite_fixture('composite', tmp_path)}"
    a, b = _fit_url(url, seed=5), _fit_url(url, seed=5)
    for name, tp in a.tables.items():
        net_a, net_b = getattr(tp.generator, "net", None), getattr(b.tables[name].generator, "net", None)
        if net_a is not None:
            for (k, va), vb in zip(net_a.state_dict().items(), net_b.state_dict().values()):
                assert torch.equal(va, vb), (name, k)
    out_a, out_b = _collect(a, seed=3), _collect(b, seed=3)
    for t in out_a:
        pd.testing.assert_frame_equal(out_a[t], out_b[t])
    other = _collect(_fit_url(url, seed=6), seed=3)
    assert any(not out_a[t].equals(other[t]) for t in out_a)


def test_save_load_round_trip_samples_identically(tmp_path: Path) -> None:
    model = _fit_url(f"sqlite:///{sqlite_fixture('chain', tmp_path)}", seed=1)
    model.save(tmp_path / "m")
    weights = sorted((tmp_path / "m" / "tables").glob("*.pt"))
    assert weights, "no state dicts written"
    for path in weights:  # plain tensors: loadable with weights_only, no pickled classes inside
        state = torch.load(path, map_location="cpu", weights_only=True)
        assert all(isinstance(v, torch.Tensor) for v in state.values())
        assert not any(n.endswith(".pkl") and "data" not in n for n in zipfile.ZipFile(path).namelist())
    loaded = load_model(tmp_path / "m")
    assert isinstance(loaded, NeuralModel) and loaded.engine == "neural"
    before, after = _collect(model, seed=4), _collect(loaded, seed=4)
    assert before.keys() == after.keys()
    for t in before:
        pd.testing.assert_frame_equal(before[t], after[t])


def test_child_follows_parent_and_counts_follow_parent() -> None:
    """Toy: child.value ≈ 10·parent.size and children per parent grow with size (r ≈ 0.95 / 0.6 in the source)."""
    schema, frames = _toy()
    model = NeuralEngine(TrainSettings(max_epochs=60)).fit(
        schema=schema, plan=build_plan(schema), frames=frames, profiles={}, options=FitOptions(seed=0))
    out = _collect(model, seed=0)
    parent, child = out["parent"], out["child"]
    joined = child.merge(parent, left_on="parent_id", right_on="id", suffixes=("", "_p"))
    r_value = np.corrcoef(joined["value"].astype(float), joined["size"].astype(float))[0, 1]
    per = child.groupby("parent_id").size().reindex(parent["id"], fill_value=0)
    r_count = np.corrcoef(per.to_numpy(float), parent["size"].astype(float))[0, 1]
    assert r_value > 0.8, r_value
    assert r_count > 0.3, r_count
    assert abs(len(child) - len(frames["child"])) <= 0.05 * len(frames["child"])


def test_time_budget_and_progress_report_epochs(tmp_path: Path) -> None:
    schema, frames = _toy()
    notes: list[str] = []
    model = NeuralEngine().fit(schema=schema, plan=build_plan(schema), frames=frames, profiles={},
                               options=FitOptions(seed=0, max_training_time=0.2, device="cpu"),
                               progress=notes.append)
    info = model.meta["neural"]["tables"]
    assert info and all(i["stopped"] in ("time_budget", "early_stop") for i in info.values())
    assert model.meta["neural"]["train_seconds"] < 10
    assert any("epoch" in n and "validation loss" in n for n in notes)
    assert any(n.startswith("neural engine: training on cpu") for n in notes)


def test_devices() -> None:
    assert resolve_device("cpu").type == "cpu"
    with pytest.raises(ConfigError, match="device"):
        resolve_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(ConfigError, match="CUDA"):
            resolve_device("cuda")
        assert resolve_device("auto").type == "cpu"


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_training_samples_on_cpu(tmp_path: Path) -> None:
    model = _fit_url(f"sqlite:///{sqlite_fixture('composite', tmp_path)}", seed=1, device="cuda")
    assert model.meta["neural"]["device"].startswith("cuda")
    model.save(tmp_path / "m")
    loaded = load_model(tmp_path / "m")
    for tp in loaded.tables.values():
        net = getattr(tp.model, "net", None)
        if net is not None:
            assert all(p.device.type == "cpu" for p in net.parameters())
    dst = tmp_path / "out.sqlite"
    _seed_sqlite(loaded, dst)
    with sqlite3.connect(dst) as con:
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []


def test_registry_names_neural() -> None:
    assert {"copula", "neural"} <= set(available())
    assert get_engine("neural").name == "neural"
    with pytest.raises(ConfigError, match="neural"):
        get_engine("nueral")


NO_TORCH = """
import sys
sys.modules['torch'] = None  # `import torch` now raises ImportError
import numpy as np, pandas as pd
import dbsynth, dbsynth.cli, dbsynth.pipeline
from dbsynth.engines.registry import available, get_engine
from dbsynth.engines.base import FitOptions
from dbsynth.errors import ConfigError
from dbsynth.schema.graph import build_plan
from tests.unit.engines.test_copula import _toy
assert 'neural' in available()
schema, frames = _toy()
model = get_engine('copula').fit(schema=schema, plan=build_plan(schema), frames=frames, profiles={}, options=FitOptions())
print('copula tables', len(model.tables))
try:
    get_engine('neural')
except ConfigError as exc:
    print('neural error:', exc)
assert not any(m == 'torch' or m.startswith('torch.') for m, v in sys.modules.items() if v is not None)
"""


def test_dbsynth_and_copula_run_without_torch() -> None:
    out = subprocess.run([sys.executable, "-c", NO_TORCH], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "copula tables 5" in out.stdout
    assert "neural error: the neural engine needs PyTorch" in out.stdout
