from pathlib import Path

import pytest

from quant.config import load_settings
from quant.errors import ConfigError


def test_defaults_point_at_project_local_folders(monkeypatch):
    monkeypatch.delenv("QUANT_LAKE")
    cfg = load_settings()
    assert cfg.lake == Path("data/lake")
    assert cfg.broker == "paper"


def test_env_var_overrides_default(tmp_path):
    assert load_settings().lake == tmp_path / "lake"


def test_explicit_override_beats_env(tmp_path):
    assert load_settings(lake=tmp_path / "other").lake == tmp_path / "other"


def test_toml_file_is_read_below_env(tmp_path, monkeypatch):
    cfg_file = tmp_path / "q.toml"
    cfg_file.write_text('log_level = "debug"\nlock_timeout_s = 5\nlake = "/from/toml"\n')
    monkeypatch.setenv("QUANT_CONFIG", str(cfg_file))
    cfg = load_settings()
    assert cfg.log_level == "DEBUG"
    assert cfg.lock_timeout_s == 5
    assert cfg.lake == tmp_path / "lake"  # env wins over the file


def test_invalid_enum_names_field_and_allowed_values(monkeypatch):
    monkeypatch.setenv("QUANT_BROKER", "robinhood")
    with pytest.raises(ConfigError) as err:
        load_settings()
    assert "QUANT_BROKER" in str(err.value)
    assert "'paper'" in str(err.value)


def test_unknown_toml_key_is_rejected(tmp_path, monkeypatch):
    cfg_file = tmp_path / "q.toml"
    cfg_file.write_text("lakee = 'x'\n")
    monkeypatch.setenv("QUANT_CONFIG", str(cfg_file))
    with pytest.raises(ConfigError, match="lakee"):
        load_settings()


def test_missing_config_file_named_by_env_fails_fast(tmp_path, monkeypatch):
    monkeypatch.setenv("QUANT_CONFIG", str(tmp_path / "nope.toml"))
    with pytest.raises(ConfigError, match=r"nope\.toml"):
        load_settings()


def test_secrets_are_masked_everywhere(monkeypatch):
    monkeypatch.setenv("QUANT_BROKER_API_KEY", "hunter2")
    cfg = load_settings()
    assert cfg.broker_api_key.get_secret_value() == "hunter2"
    assert "hunter2" not in repr(cfg)
    assert "hunter2" not in str(cfg.public_dict())
