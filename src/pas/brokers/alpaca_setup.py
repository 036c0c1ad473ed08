"""Alpaca's clients built from `alpaca.*` settings (the composition root calls these)."""

from __future__ import annotations

from typing import Any

from pas.config import AlpacaSettings
from pas.core.errors import ConfigError
from pas.core.ports import Broker


def alpaca_keys(alpaca: AlpacaSettings) -> tuple[str, str]:
    """Return (key id, secret key); ConfigError naming the settings when either is unset."""
    if alpaca.key_id is None or alpaca.secret_key is None:
        raise ConfigError(
            "Alpaca keys are not set (PAS_ALPACA__KEY_ID, PAS_ALPACA__SECRET_KEY)",
            keys=["alpaca.key_id", "alpaca.secret_key"],
        )
    return alpaca.key_id.get_secret_value(), alpaca.secret_key.get_secret_value()


def alpaca_broker(alpaca: AlpacaSettings) -> Broker:
    """Return the Alpaca broker (trading client, and the trade-updates stream when enabled)."""
    from pas.brokers.alpaca import AlpacaBroker, make_trading_client
    from pas.brokers.alpaca_stream import TradeUpdates

    key, secret = alpaca_keys(alpaca)
    client = make_trading_client(
        key,
        secret,
        paper=alpaca.paper,
        url_override=alpaca.url_override,
        timeout=alpaca.timeout_seconds,
    )
    stream = None
    if alpaca.stream_enabled:
        stream = TradeUpdates(
            key, secret, paper=alpaca.paper, url_override=alpaca.stream_url_override
        )
    return AlpacaBroker(client, stream=stream)


def alpaca_data_client(alpaca: AlpacaSettings) -> Any:
    """Return alpaca-py's StockHistoricalDataClient."""
    from alpaca.data.historical import StockHistoricalDataClient

    key, secret = alpaca_keys(alpaca)
    return StockHistoricalDataClient(key, secret, url_override=alpaca.data_url_override)
