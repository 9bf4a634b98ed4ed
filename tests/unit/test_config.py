"""Config: TOML file < environment < CLI, with one-line errors for bad values."""
from __future__ import annotations

from pathlib import Path

import pytest

from dbsynth.config import load_config
from dbsynth.errors import ConfigError


def test_file_env_cli_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('seed = 1\nscale = 2.0\nlocale = "de_DE"\n[tables.A]\nrows = 5\ncontext = "B"\n'
                   '[tables.A.columns]\nEmail = "pii:email"\n[tables.C]\ncopy = true\n[tables.D]\nskip = true\n')
    monkeypatch.setenv("DBSYNTH_SEED", "7")
    config = load_config(cfg).with_overrides(scale=3.0, seed=None)
    assert (config.seed, config.scale, config.locale) == (7, 3.0, "de_DE")
    assert config.row_counts() == {"A": 5} and config.context_fks() == {"A": "B"}
    assert config.column_overrides() == {"A": {"Email": "pii:email"}}
    assert config.copy_tables() == frozenset({"C"}) and config.skip_tables() == frozenset({"D"})


@pytest.mark.parametrize("text, needle", [
    ("sede = 1\n", "unknown key"),
    ("[tables.A]\nrowz = 1\n", "tables.A"),
    ("[tables.A]\nrows = -1\n", "non-negative"),
    ("scale = -2\n", "--scale must be positive"),
    ("device = 'tpu'\n", "unknown device"),
    ("batch_rows = 0\n", "batch_rows must be a positive whole number"),
    ("max_fit_rows = 'many'\n", "max_fit_rows must be a positive whole number"),
    ("seed = [1\n", "not valid TOML"),
])
def test_bad_values_name_the_problem(tmp_path: Path, text: str, needle: str) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_config(cfg)
    assert needle in str(err.value)


def test_missing_file_and_bad_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml")
    monkeypatch.setenv("DBSYNTH_SCALE", "lots")
    with pytest.raises(ConfigError, match="DBSYNTH_SCALE"):
        load_config(None)
