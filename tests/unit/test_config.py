"""Settings: defaults, YAML, environment overrides, one message for every bad key."""

from __future__ import annotations

from pathlib import Path

import pytest

from pas.cli import main
from pas.config import DEFAULT_SCHEDULES, load_settings
from pas.core.errors import ConfigError


def test_defaults_are_the_embedded_ones() -> None:
    s = load_settings()
    assert s.database.url == "sqlite:///./var/pas.db"
    assert s.redis.url is None and s.redis.prefix == "pas"
    assert s.broker.kind == "paper" and str(s.broker.paper_cash) == "10000000"
    assert (s.server.host, s.server.port) == ("127.0.0.1", 8000)
    assert s.auth.enabled is True
    assert s.schedules == DEFAULT_SCHEDULES


def test_env_overrides_nested_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAS_SERVER__PORT", "9123")
    monkeypatch.setenv("PAS_REDIS__URL", "redis://127.0.0.1:6379/3")
    monkeypatch.setenv("PAS_ALPACA__SECRET_KEY", "s3cret")
    s = load_settings()
    assert s.server.port == 9123
    assert s.redis.url == "redis://127.0.0.1:6379/3"
    assert s.alpaca.secret_key is not None and s.alpaca.secret_key.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(s) and "s3cret" not in str(s.model_dump())


def test_yaml_file_then_env_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "custom.yaml"
    cfg.write_text(
        "server:\n  port: 8100\nledger:\n  fee_buffer_bps: 25\nschedules:\n  reconcile: '*/5 * * * *'\n"
    )
    monkeypatch.setenv("PAS_CONFIG", str(cfg))
    s = load_settings()
    assert s.server.port == 8100 and str(s.ledger.fee_buffer_bps) == "25"
    assert s.schedules["reconcile"] == "*/5 * * * *"
    assert s.schedules["metrics"] == DEFAULT_SCHEDULES["metrics"]
    monkeypatch.setenv("PAS_SERVER__PORT", "8200")
    assert load_settings().server.port == 8200


def test_pas_yaml_in_the_working_directory_is_read(tmp_path: Path) -> None:
    (tmp_path / "pas.yaml").write_text("auth:\n  enabled: false\n")
    assert load_settings().auth.enabled is False


def test_every_bad_key_is_named_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "bad.yaml"
    cfg.write_text(
        "server:\n  port: 70000\nbroker:\n  kind: ibkr\nschedules:\n  reconcile: 'every minute'\nbogus: 1\n"
    )
    monkeypatch.setenv("PAS_CONFIG", str(cfg))
    with pytest.raises(ConfigError) as info:
        load_settings()
    keys = set(info.value.details["keys"])
    assert {"server.port", "broker.kind", "schedules", "bogus"} <= keys
    assert "every minute" in info.value.message


def test_alpaca_broker_needs_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAS_BROKER__KIND", "alpaca")
    with pytest.raises(ConfigError, match="PAS_ALPACA__KEY_ID"):
        load_settings()


def test_production_refuses_open_api(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAS_ENVIRONMENT", "production")
    monkeypatch.setenv("PAS_AUTH__ENABLED", "false")
    with pytest.raises(ConfigError, match=r"auth\.enabled"):
        load_settings()


def test_cli_exits_2_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PAS_SERVER__PORT", "not-a-port")
    monkeypatch.setenv("PAS_REDIS__URL", "http://nope")
    assert main(["init-db"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert "server.port" in err and "redis.url" in err


def test_missing_config_file_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAS_CONFIG", "/nonexistent/pas.yaml")
    with pytest.raises(ConfigError, match="PAS_CONFIG"):
        load_settings()


def test_example_config_is_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    example = Path(__file__).resolve().parents[2] / "config.example.yaml"
    monkeypatch.setenv("PAS_CONFIG", str(example))
    s = load_settings()
    assert s.database.url.startswith("sqlite")
