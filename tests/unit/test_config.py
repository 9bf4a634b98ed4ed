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
    ("scale = -2\n", "--scale must be a positive number"),
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


@pytest.mark.parametrize("text, needle", [
    ('[tables.Customer]\ncopy = "false"\n', "copy must be true or false"),
    ('[tables.Customer]\nskip = "no"\n', "skip must be true or false"),
    ('[tables.Customer]\ncopy = 1\n', "copy must be true or false"),
    ('[tables.Customer]\nrows = "100"\n', "rows must be a non-negative integer"),
    ('[tables.Customer]\nrows = true\n', "rows must be a non-negative integer"),
    ('[tables.Customer]\ncontext = 3\n', "context must be a text"),
    ('[tables.Customer.columns]\nEmail = 3\n', "column 'Email' must be given as a text"),
    ('seed = "42"\n', "seed must be a whole number"),
    ('seed = 4.2\n', "seed must be a whole number"),
    ('scale = "2"\n', "scale must be a number"),
    ('scale = nan\n', "--scale must be a positive number"),
    ('scale = inf\n', "--scale must be a positive number"),
    ('scale = 1e9\n', "beyond the largest supported"),
    ('locale = 5\n', "locale must be a text"),
    ('engine = true\n', "engine must be a text"),
    ('max_training_time = "60"\n', "max_training_time must be a number of seconds"),
    ('batch_rows = 2.5\n', "batch_rows must be a positive whole number"),
    ('tables = 3\n', "tables must be a table"),
    ('seed = -1\n', "--seed must be zero or a positive"),
    ('locale = "xx_YY"\n', "unknown locale"),
])
def test_config_values_are_type_checked(tmp_path: Path, text: str, needle: str) -> None:
    """A quoted boolean is an error, never truthy (copy = "false" used to copy PII verbatim)."""
    cfg = tmp_path / "c.toml"
    cfg.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_config(cfg)
    assert needle in str(err.value)
    assert "\n" not in str(err.value)


def test_booleans_and_integer_scale_are_kept(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text('scale = 2\nmax_training_time = 5\n[tables.A]\ncopy = false\n[tables.B]\ncopy = true\nskip = false\n')
    config = load_config(cfg)
    assert config.copy_tables() == frozenset({"B"}) and config.skip_tables() == frozenset()
    assert config.scale == 2 and config.max_training_time == 5


@pytest.mark.parametrize("scale", [float("nan"), float("inf"), -1.0, 0.0, 1e9])
def test_cli_scale_is_range_checked(scale: float) -> None:
    with pytest.raises(ConfigError, match="--scale"):
        load_config(None).with_overrides(scale=scale)


def test_subset_children_switch(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text("[tables.Track]\nchildren = false\n[tables.Album]\nchildren = true\n")
    assert load_config(cfg).no_children_tables() == frozenset({"Track"})
    cfg.write_text('[tables.Track]\nchildren = "false"\n')
    with pytest.raises(ConfigError, match="children must be true or false"):
        load_config(cfg)
