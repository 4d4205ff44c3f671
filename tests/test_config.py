"""Settings: declared once and documented, secrets generated safely, production guarded."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from quart.testing.app import LifespanError

from pwa import config
from pwa.app import create_app
from pwa.config import SETTINGS, ConfigError
from tests.conftest import test_config


def test_every_setting_has_a_default_and_help() -> None:
    names = [setting.name for setting in SETTINGS]
    assert len(names) == len(set(names))
    for setting in SETTINGS:
        assert setting.help.strip().endswith((".", ")")), setting.name
        assert setting.name.isupper()


def test_environment_overrides_defaults_and_is_typed(tmp_path: Path) -> None:
    values = config.load(
        {"INSTANCE_PATH": str(tmp_path)},
        environ={"PWA_PORT": "9000", "PWA_RATE_LIMITS_ENABLED": "no"},
    )
    assert values["PORT"] == 9000
    assert values["RATE_LIMITS_ENABLED"] is False
    assert values["DATABASE"] == str(tmp_path / "immuno.sqlite3")


def test_unknown_settings_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown settings"):
        config.load({"INSTANCE_PATH": str(tmp_path), "SECRET_KEYS": "typo"})


def test_secret_key_is_generated_once_into_the_instance_folder(tmp_path: Path) -> None:
    first = create_app({"INSTANCE_PATH": str(tmp_path)})
    second = create_app({"INSTANCE_PATH": str(tmp_path)})
    key_file = tmp_path / "secret_key"
    assert key_file.exists() and oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"] == key_file.read_text()
    assert len(first.config["SECRET_KEY"]) >= 48


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"SECRET_KEY": ""}, "PWA_SECRET_KEY"),
        ({"SECRET_KEY": "short"}, "at least 32"),
        ({"PUBLIC_URL": "http://hospital.example"}, "https"),
        (
            {
                "PUSH_ALLOW_INSECURE_TEST_SERVICE": True,
                "PUSH_SERVICE_HOSTS": "fcm.googleapis.com 127.0.0.1:8123",
            },
            "PUSH_ALLOW_INSECURE_TEST_SERVICE is for development",
        ),
        ({"PUSH_ALLOW_INSECURE_TEST_SERVICE": "true"}, "TEST_SERVICE is for development"),
    ],
)
def test_production_refuses_development_settings(
    tmp_path: Path, overrides: dict[str, Any], message: str
) -> None:
    values = test_config(tmp_path, ENV="production", PUBLIC_URL="https://hospital.example")
    values.pop("TESTING")
    values.update(overrides)
    with pytest.raises(ConfigError, match=message):
        create_app(values)


async def test_production_refuses_to_start_with_demo_data(tmp_path: Path) -> None:
    from pwa import demo

    development = create_app(test_config(tmp_path))
    async with development.test_app():
        assert await demo.load(
            development, development.extensions["db"], __import__("datetime").date(2026, 11, 27)
        )
    production = create_app(test_config(tmp_path, ENV="production"))
    with pytest.raises(LifespanError, match="demo accounts"):
        async with production.test_app():
            pass


async def test_healthz_reports_the_database(client: Any) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    body = await response.get_json()
    assert body["status"] == "ok" and body["database"] == "ok" and body["migrations"] >= 1
