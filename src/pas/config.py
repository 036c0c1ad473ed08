"""Settings: a YAML file plus `PAS_*` environment overrides, validated at start.

The file is `$PAS_CONFIG`, else `./pas.yaml`, else none (defaults only).
Nested keys map to environment variables with `__` between levels, e.g.
`database.url` <-> `PAS_DATABASE__URL`. Secrets are `SecretStr` and never
printed. Cron schedules of the background jobs are defined here, in code,
and can be overridden under `schedules:` in YAML.
"""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass
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

from pas.core.errors import ConfigError, InvalidInput

DEFAULT_CONFIG_FILE = "pas.yaml"

#: Cron schedules of the updater's jobs (UTC, minute hour day month weekday).
DEFAULT_SCHEDULES: dict[str, str] = {
    # after the US close (21:00 UTC in winter), once prices are final
    "prices": "15 22 * * 1-5",
    "factors": "20 22 * * 1-5",
    "stale_data": "25 22 * * 1-5",
    "metrics": "30 22 * * 1-5",
    "evaluations": "0 23 * * 1-5",
    # during US market hours: catch missed fills
    "reconcile": "*/15 14-21 * * 1-5",
    # each strategy's own schedule is checked every minute
    "strategies": "* * * * *",
}

#: the Ken French library's daily three-factor file
KEN_FRENCH_DAILY_URL = (
    "https://mba.tuck.dartmouth.edu/pages/faculty/ken.french/ftp/"
    "F-F_Research_Data_Factors_daily_CSV.zip"
)


class _Section(BaseModel):
    model_config = {"extra": "forbid"}


class DatabaseSettings(_Section):
    url: str = "sqlite:///./var/pas.db"
    password: SecretStr | None = None
    pool_size: int = Field(default=10, ge=1)
    echo: bool = False
    #: MariaDB: give up connecting after this long
    connect_timeout_seconds: float = Field(default=5.0, gt=0)
    #: MariaDB: give up on a statement whose answer (read) or sending (write) takes longer
    read_timeout_seconds: float = Field(default=10.0, gt=0)
    write_timeout_seconds: float = Field(default=10.0, gt=0)
    #: wait at most this long for a free pooled connection
    pool_timeout_seconds: float = Field(default=5.0, gt=0)
    #: SQLite: wait at most this long for another writer's lock
    busy_timeout_seconds: float = Field(default=30.0, gt=0)

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
    connect_timeout_seconds: float = Field(default=2.0, gt=0)
    #: a command's answer; more than the hub's blocking read (1 s)
    timeout_seconds: float = Field(default=2.0, gt=1.0)

    @field_validator("url")
    @classmethod
    def _valid_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("expected redis://host:port/db, rediss://... or unix://...")
        return value


class AuthSettings(_Section):
    enabled: bool = True
    #: a verified key is trusted this long without a database lookup; a key revoked in
    #: another process (the CLI, another worker) is refused within this time
    key_cache_seconds: float = Field(default=0.5, ge=0, le=1.0)
    #: failed authentications (401) a client address may make per window before 429
    max_failures: int = Field(default=20, ge=1)
    failure_window_seconds: float = Field(default=10.0, gt=0)


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
    #: uvicorn worker processes of `pas serve`; more than one needs MariaDB and Redis
    workers: int = Field(default=1, ge=1, le=64)
    #: name the answering worker's pid in an `X-PAS-Worker` header (diagnostics, tests)
    worker_header: bool = False
    #: /ready answers within this long, naming the dependencies that did not answer
    ready_timeout_seconds: float = Field(default=2.0, gt=0)
    #: a cached API key keeps authenticating this long while the database is down
    key_grace_seconds: float = Field(default=300.0, ge=0)
    #: HTTP requests in progress per process; the next ones answer 503 overloaded (0: no limit)
    max_in_flight: int = Field(default=64, ge=0, le=100_000)
    #: a request body larger than this is refused with 413 before it is read
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    #: addresses (or networks) of reverse proxies whose X-Forwarded-For is believed
    trusted_proxies: list[str] = Field(default_factory=list)
    #: origins a browser may call the API from (CORS); none by default
    cors_origins: list[str] = Field(default_factory=list)
    #: `/metrics` without a key: "loopback" (from 127.0.0.1/::1 only) or "public"
    metrics_access: Literal["loopback", "public"] = "loopback"

    @field_validator("trusted_proxies")
    @classmethod
    def _valid_networks(cls, value: list[str]) -> list[str]:
        for item in value:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(f"not an IP address or network: {item!r}") from None
        return value


class LedgerSettings(_Section):
    fee_buffer_bps: Decimal = Field(default=Decimal("10"), ge=0)
    #: a hand-entered fill's price may be at most this many percent from the limit price
    fill_band_pct: Decimal = Field(default=Decimal("10"), ge=0, le=100)
    #: reconciliation accepts this much difference between broker and ledger cash
    cash_tolerance: Decimal = Field(default=Decimal("0.01"), ge=0)


class RealtimeSettings(_Section):
    history_size: int = Field(default=1000, ge=10, le=1_000_000)
    client_queue: int = Field(default=1000, ge=8, le=1_000_000)
    heartbeat_seconds: float = Field(default=25.0, gt=0)
    auth_timeout_seconds: float = Field(default=10.0, gt=0)


class UpdaterSettings(_Section):
    in_serve: Literal["auto", "on", "off"] = "auto"
    lock_ttl_seconds: float = Field(default=30.0, ge=1)
    stale_business_days: int = Field(default=3, ge=0)
    strategy_grace_minutes: int = Field(default=10, ge=1)
    runs_kept: int = Field(default=500, ge=10)
    #: a running job run is touched this often; after 4 missed beats it is `abandoned`
    run_heartbeat_seconds: float = Field(default=30.0, gt=0)
    metrics_cache_seconds: float = Field(default=300.0, ge=0)
    factors_url: str | None = KEN_FRENCH_DAILY_URL


class LoggingSettings(_Section):
    model_config = {"extra": "forbid", "populate_by_name": True}

    #: one JSON object per line (time, level, logger, message, request_id) instead of text
    json_lines: bool = Field(default=False, alias="json")


class CacheSettings(_Section):
    """Cached read answers: in-process (max_mb), plus Redis when redis.url is set."""

    max_mb: int = Field(default=64, ge=0)
    ttl_seconds: float = Field(default=3600.0, gt=0)


_EXECUTOR = re.compile(
    r"^(?:(local)|(processes)(?::([1-9][0-9]{0,3}))?|dask://([^\s/:]+:[0-9]{1,5}))$"
)


@dataclass(frozen=True)
class ExecutorAddress:
    """Where evaluation runs execute: `local`, `processes` (N workers) or a Dask scheduler."""

    kind: Literal["local", "processes", "dask"]
    workers: int | None = None  # processes: None = one per core
    scheduler: str | None = None  # dask: tcp://HOST:PORT


def parse_executor(text: str) -> ExecutorAddress:
    """Return the executor named by local, processes[:N] or dask://HOST:PORT; InvalidInput if neither."""
    match = _EXECUTOR.match(text.strip())
    if match is None:
        raise InvalidInput(
            f"executor {text!r}: expected local, processes, processes:N or dask://HOST:PORT",
            executor=text,
        )
    local, _, workers, scheduler = match.groups()
    if local:
        return ExecutorAddress("local")
    if scheduler:
        return ExecutorAddress("dask", scheduler=f"tcp://{scheduler}")
    return ExecutorAddress("processes", workers=int(workers) if workers else None)


class EvaluationSettings(_Section):
    """Where the updater's evaluation job and `pas evaluate --sweep` walk their runs."""

    executor: str = "local"
    connect_timeout_seconds: float = Field(default=10.0, gt=0, le=300)

    @field_validator("executor")
    @classmethod
    def _valid_executor(cls, value: str) -> str:
        try:
            parse_executor(value)
        except InvalidInput as exc:
            raise ValueError(str(exc)) from None
        return value.strip()


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
    realtime: RealtimeSettings = RealtimeSettings()
    updater: UpdaterSettings = UpdaterSettings()
    cache: CacheSettings = CacheSettings()
    logging: LoggingSettings = LoggingSettings()
    evaluation: EvaluationSettings = EvaluationSettings()
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
