"""Settings: a YAML file plus `PAS_*` environment overrides, validated at start.

The file is `$PAS_CONFIG`, else `./pas.yaml`, else none (defaults only).
Nested keys map to environment variables with `__` between levels, e.g.
`database.url` <-> `PAS_DATABASE__URL`. Secrets are `SecretStr` and never
printed. Cron schedules of the background jobs are defined here, in code,
and can be overridden under `schedules:` in YAML.
"""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from croniter import croniter
from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)
from sqlalchemy.engine import make_url

from pas.core.errors import ConfigError

DEFAULT_CONFIG_FILE = "pas.yaml"

#: Cron schedules of the updater's jobs (UTC, minute hour day month weekday).
DEFAULT_SCHEDULES: dict[str, str] = {
    # after the US close (21:00 UTC in winter), once prices are final
    "daily_prices": "15 22 * * 1-5",
    "daily_returns": "30 22 * * 1-5",
    "exposures": "40 22 * * 1-5",
    "evaluation_update": "0 23 * * 1-5",
    # during US market hours: catch missed fills
    "reconcile": "*/15 14-21 * * 1-5",
}


class _Section(BaseModel):
    model_config = {"extra": "forbid"}


class DatabaseSettings(_Section):
    url: str = "sqlite:///./var/pas.db"
    password: SecretStr | None = None
    pool_size: int = Field(default=10, ge=1)
    echo: bool = False

    @field_validator("url")
    @classmethod
    def _valid_url(cls, value: str) -> str:
        try:
            make_url(value)
        except Exception as exc:
            raise ValueError(f"not a database URL: {exc}") from None
        return value

    def sqlalchemy_url(self) -> str:
        """Return the URL with the password (from the environment) filled in."""
        url = make_url(self.url)
        if self.password is not None:
            url = url.set(password=self.password.get_secret_value())
        return url.render_as_string(hide_password=False)


class RedisSettings(_Section):
    url: str | None = None
    prefix: str = Field(default="pas", min_length=1, pattern=r"^[A-Za-z0-9_.:-]+$")

    @field_validator("url")
    @classmethod
    def _valid_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("expected redis://host:port/db, rediss://... or unix://...")
        return value


class AuthSettings(_Section):
    enabled: bool = True


class BrokerSettings(_Section):
    kind: Literal["paper", "alpaca"] = "paper"
    paper_cash: Decimal = Field(default=Decimal("10000000"), gt=0)
    paper_slippage_bps: Decimal = Field(default=Decimal("5"), ge=0)


class AlpacaSettings(_Section):
    key_id: SecretStr | None = None
    secret_key: SecretStr | None = None
    paper: bool = True
    url_override: str | None = None
    data_url_override: str | None = None
    stream_url_override: str | None = None
    stream_enabled: bool = False
    feed: Literal["iex", "sip"] = "iex"
    timeout_seconds: float = Field(default=10.0, gt=0)


class ServerSettings(_Section):
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)


class LedgerSettings(_Section):
    fee_buffer_bps: Decimal = Field(default=Decimal("10"), ge=0)


class Settings(BaseSettings):
    """Every PAS setting; see config.example.yaml for what each one means."""

    model_config = SettingsConfigDict(
        env_prefix="PAS_",
        env_nested_delimiter="__",
        extra="forbid",
        case_sensitive=False,
    )

    environment: Literal["development", "production"] = "development"
    var_dir: Path = Path("./var")
    database: DatabaseSettings = DatabaseSettings()
    redis: RedisSettings = RedisSettings()
    auth: AuthSettings = AuthSettings()
    broker: BrokerSettings = BrokerSettings()
    alpaca: AlpacaSettings = AlpacaSettings()
    server: ServerSettings = ServerSettings()
    ledger: LedgerSettings = LedgerSettings()
    schedules: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_SCHEDULES))
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @field_validator("schedules")
    @classmethod
    def _valid_schedules(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(DEFAULT_SCHEDULES))
        if unknown:
            raise ValueError(f"unknown job(s) {unknown}; known: {sorted(DEFAULT_SCHEDULES)}")
        bad = [f"{job}={expr!r}" for job, expr in value.items() if not croniter.is_valid(expr)]
        if bad:
            raise ValueError(f"not a cron expression: {', '.join(bad)}")
        return {**DEFAULT_SCHEDULES, **value}

    @model_validator(mode="after")
    def _production_rules(self) -> Settings:
        if self.environment == "production" and not self.auth.enabled:
            raise ValueError("auth.enabled must be true when environment is production")
        if self.broker.kind == "alpaca" and (
            self.alpaca.key_id is None or self.alpaca.secret_key is None
        ):
            raise ValueError(
                "broker.kind is alpaca but alpaca.key_id / alpaca.secret_key are unset "
                "(set PAS_ALPACA__KEY_ID and PAS_ALPACA__SECRET_KEY)"
            )
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config_file = _config_file()
        if config_file is not None:
            sources.append(YamlConfigSettingsSource(settings_cls, yaml_file=config_file))
        return tuple(sources)


def _config_file() -> Path | None:
    explicit = os.environ.get("PAS_CONFIG")
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise ConfigError(f"PAS_CONFIG names {path}, which is not a file", keys=["PAS_CONFIG"])
        return path
    default = Path(DEFAULT_CONFIG_FILE)
    return default if default.is_file() else None


def load_settings(**overrides: Any) -> Settings:
    """Return validated settings, or raise ConfigError naming every bad key."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        keys = []
        for err in exc.errors():
            key = ".".join(str(part) for part in err["loc"]) or "(settings)"
            keys.append(key)
            problems.append(f"{key}: {err['msg']}")
        raise ConfigError("invalid settings: " + "; ".join(problems), keys=keys) from None
    except Exception as exc:  # a YAML file that does not parse
        if isinstance(exc, ConfigError):
            raise
        raise ConfigError(f"cannot read settings: {exc}", keys=["PAS_CONFIG"]) from None
