from pathlib import Path

import pytest

from camhealth.config import ConfigError, load_settings, masked_dump


def test_defaults_need_no_file() -> None:
    settings = load_settings(None, environ={})
    assert settings.probes.timeout == 5.0
    assert settings.health.offline_after == 3


def test_every_error_is_listed_by_path(tmp_path: Path) -> None:
    path = tmp_path / "c.yml"
    path.write_text("probes:\n  timeout: 0\n  per_host: x\nhealth:\n  bogus: 1\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    assert caught.value.errors == [
        "probes.timeout: must be greater than 0",
        "probes.per_host: must be a valid integer, unable to parse string as an integer",
        "health.bogus: unknown field",
    ]


def test_environment_overrides_file(tmp_path: Path) -> None:
    path = tmp_path / "c.yml"
    path.write_text("probes:\n  timeout: 9\n")
    settings = load_settings(path, environ={"CAMHEALTH_PROBES__TIMEOUT": "2.5"})
    assert settings.probes.timeout == 2.5


def test_bad_environment_value_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(None, environ={"CAMHEALTH_HEALTH__CLEAR_AFTER": "0"})
    assert caught.value.errors == ["health.clear_after: must be greater than or equal to 1"]


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "c.yml"
    path.write_text("probes:\n  timeout: [1\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, environ={})
    assert caught.value.errors[0].startswith("line ")


def test_secrets_are_masked() -> None:
    env = {
        "CAMHEALTH_DATABASE__URL": "postgresql+asyncpg://camhealth:s3cret-pw@127.0.0.1/test",
        "CAMHEALTH_CREDENTIALS__KEY": "k3y-material",
    }
    dumped = str(masked_dump(load_settings(None, environ=env)))
    assert "s3cret-pw" not in dumped
    assert "k3y-material" not in dumped
    assert "127.0.0.1" in dumped
