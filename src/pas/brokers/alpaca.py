"""The Alpaca broker on alpaca-py's TradingClient, hardened against its traps.

Traps handled (numbers as in docs/orders.md and ALPACA.md): a request timeout on
the client's session (1); a lost answer, a timeout or a 5xx is an unknown
outcome, resolved by looking the order up by client_order_id before any resend
(2-4); limit prices quantized (7); fills come from cumulative filled_qty (8,
applied by the caller); listings use status=all with after-paging (9); cancel is
asynchronous and may lose the race against a fill (6).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from pas.brokers.alpaca_convert import to_order, to_position, to_sdk_request
from pas.brokers.alpaca_stream import TradeUpdates
from pas.core.errors import BrokerError, BrokerUnavailable, OrderRejected, UnknownOrder
from pas.core.orders import BrokerOrder, BrokerPosition, OrderRequest, StatusFilter
from pas.core.outage import Outage, outage
from pas.core.ports import Listeners, OrderListener

log = logging.getLogger(__name__)

#: the most orders Alpaca returns per listing
PAGE_LIMIT = 500


class TimeoutAdapter(HTTPAdapter):
    """An HTTPAdapter that gives every request a timeout unless one is set (trap 1)."""

    def __init__(self, timeout: float, **kwargs: Any) -> None:
        self.timeout = timeout
        super().__init__(**kwargs)

    def send(self, request: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        """Send with the default timeout filled in."""
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super().send(request, **kwargs)


def make_trading_client(
    key_id: str, secret_key: str, *, paper: bool, url_override: str | None, timeout: float
) -> Any:
    """Return a TradingClient whose HTTP session times out after `timeout` seconds."""
    from alpaca.trading.client import TradingClient

    client = TradingClient(key_id, secret_key, paper=paper, url_override=url_override)
    adapter = TimeoutAdapter(timeout)
    client._session.mount("http://", adapter)
    client._session.mount("https://", adapter)
    return client


def _status_code(exc: Exception) -> int | None:
    # trap 3: reading .code on an HTML error body raises; .status_code is safe
    try:
        return int(exc.status_code)  # type: ignore[attr-defined]
    except Exception:
        return None


def _message(exc: Exception) -> str:
    try:
        return str(exc.message)  # type: ignore[attr-defined]
    except Exception:
        return str(exc)[:200]


def broker_outage() -> Outage:
    """Return the process's one Outage of Alpaca."""
    return outage("Alpaca", log)


def _unreachable(exc: Exception, what: str = "Alpaca did not answer") -> BrokerUnavailable:
    """Return the 503 of a connection failure or timeout; the driver's text goes to the log once."""
    broker_outage().failed(f"{type(exc).__name__}: {exc}")
    kind = "timed out" if isinstance(exc, requests.Timeout) else "connection failed"
    return BrokerUnavailable(f"{what} ({kind}); retry shortly")


def _unknown_outcome(exc: Exception) -> bool:
    """Return True when the request may or may not have taken effect."""
    from alpaca.common.exceptions import APIError

    if isinstance(exc, requests.ConnectionError | requests.Timeout):
        return True
    if isinstance(exc, APIError):
        code = _status_code(exc)
        return code is None or code >= 500 or code in (408, 429)
    return False


class AlpacaBroker:
    """A Broker on an Alpaca account (paper or live)."""

    name = "alpaca"

    def __init__(
        self,
        client: Any,
        *,
        stream: TradeUpdates | None = None,
        max_attempts: int = 3,
        retry_wait_seconds: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.client = client
        self.stream = stream
        self.max_attempts = max_attempts
        self.retry_wait_seconds = retry_wait_seconds
        self._sleep = sleep
        self._listeners: Listeners[BrokerOrder] = Listeners()
        if stream is not None:
            stream.start(self._listeners.notify)

    def add_listener(self, listener: OrderListener) -> None:
        """Call `listener` with each order snapshot the trade-updates stream pushes."""
        self._listeners.add_listener(listener)

    def submit(self, request: OrderRequest) -> BrokerOrder:
        """Place an order at most once; an unknown outcome is resolved by client_order_id."""
        from alpaca.common.exceptions import APIError

        sdk_request = to_sdk_request(request)
        for attempt in range(1, self.max_attempts + 1):
            try:
                return to_order(self.client.submit_order(sdk_request))
            except Exception as exc:
                if isinstance(exc, APIError) and _status_code(exc) == 422:
                    # trap 4: our client_order_id exists already (an earlier attempt landed)
                    found = self._lookup(request.client_order_id)
                    if found is not None:
                        return found
                    raise OrderRejected(
                        f"Alpaca rejected {request.side} {request.qty} {request.symbol}: "
                        f"{_message(exc)}",
                        client_order_id=request.client_order_id,
                    ) from None
                if not _unknown_outcome(exc):
                    if isinstance(exc, APIError):
                        raise OrderRejected(
                            f"Alpaca rejected {request.side} {request.qty} {request.symbol} "
                            f"({_status_code(exc)}): {_message(exc)}",
                            client_order_id=request.client_order_id,
                        ) from None
                    raise
                log.warning("submit %s: unknown outcome (%s)", request.client_order_id, exc)
                found = self._lookup(request.client_order_id)
                if found is not None:
                    return found
                # the broker has no such order: resending is safe (ids are unique there)
                self._sleep(self.retry_wait_seconds * attempt)
        raise BrokerUnavailable(
            f"Alpaca did not confirm order {request.client_order_id} after "
            f"{self.max_attempts} attempts; reconciliation will settle it",
            client_order_id=request.client_order_id,
        )

    def _lookup(self, client_order_id: str) -> BrokerOrder | None:
        """Return the order under this client id, retrying while the broker is unreachable."""
        last: Exception | None = None
        for attempt in range(1, self.max_attempts + 1):
            try:
                return self.get_order_by_client_id(client_order_id)
            except BrokerUnavailable as exc:
                last = exc
                self._sleep(self.retry_wait_seconds * attempt)
        raise BrokerUnavailable(
            f"cannot tell whether order {client_order_id} reached Alpaca: {last}",
            client_order_id=client_order_id,
        )

    def get_order(self, order_id: str) -> BrokerOrder:
        """Return the order with this Alpaca id (UnknownOrder when none)."""
        return to_order(self._call(self.client.get_order_by_id, order_id, what=order_id))

    def get_order_by_client_id(self, client_order_id: str) -> BrokerOrder | None:
        """Return the order placed under this client order id, or None."""
        try:
            raw = self._call(self.client.get_order_by_client_id, client_order_id)
        except UnknownOrder:
            return None
        return to_order(raw)

    def cancel(self, order_id: str) -> BrokerOrder:
        """Ask Alpaca to cancel (asynchronous, trap 6); return the order as re-read."""
        from alpaca.common.exceptions import APIError

        try:
            self.client.cancel_order_by_id(order_id)
        except APIError as exc:
            code = _status_code(exc)
            if code == 404:
                raise UnknownOrder(f"Alpaca has no order {order_id}", id=order_id) from None
            if code != 422:  # 422: it closed (filled, canceled) before the cancel arrived
                raise self._translate(exc) from None
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise _unreachable(exc, f"cancel of {order_id} not confirmed") from None
        return self.get_order(order_id)

    def list_orders(
        self,
        status: StatusFilter = "all",
        after: dt.datetime | None = None,
        until: dt.datetime | None = None,
        symbols: Sequence[str] | None = None,
    ) -> list[BrokerOrder]:
        """Return every matching order, oldest first, paging with `after` (trap 9)."""
        from alpaca.trading.requests import GetOrdersRequest

        seen: dict[str, BrokerOrder] = {}
        cursor = after
        while True:
            request = GetOrdersRequest(
                status=status,
                limit=PAGE_LIMIT,
                after=cursor,
                until=until,
                direction="asc",
                symbols=list(symbols) if symbols else None,
            )
            page = [to_order(o) for o in self._call(self.client.get_orders, request)]
            fresh = [o for o in page if o.id not in seen]
            seen.update((o.id, o) for o in fresh)
            if len(page) < PAGE_LIMIT or not fresh:
                break
            # step back one microsecond so orders sharing the boundary time are not skipped
            cursor = max(o.submitted_at for o in page if o.submitted_at) - dt.timedelta(
                microseconds=1
            )
        return sorted(seen.values(), key=lambda o: (o.submitted_at or dt.datetime.min, o.id))

    def positions(self) -> list[BrokerPosition]:
        """Return the account's positions."""
        return [to_position(p) for p in self._call(self.client.get_all_positions)]

    def cash(self) -> Decimal:
        """Return the account's cash."""
        return Decimal(str(self._call(self.client.get_account).cash))

    def close(self) -> None:
        """Stop the trade-updates stream, if running."""
        if self.stream is not None:
            self.stream.stop()

    def _call(self, fn: Callable[..., Any], *args: Any, what: str | None = None) -> Any:
        """Call the SDK; map its failures onto BrokerUnavailable, UnknownOrder, BrokerError."""
        from alpaca.common.exceptions import APIError

        try:
            answer = fn(*args)
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise _unreachable(exc) from None
        except APIError as exc:
            if _status_code(exc) == 404:
                name = what or (str(args[0]) if args else "")
                raise UnknownOrder(f"Alpaca has no order {name}".strip(), id=name) from None
            raise self._translate(exc) from None
        broker_outage().ok()
        return answer

    @staticmethod
    def _translate(exc: Exception) -> BrokerError:
        code = _status_code(exc)
        if code is None or code >= 500 or code == 429:
            return BrokerUnavailable(f"Alpaca failed ({code}): {_message(exc)}", status=code)
        return BrokerError(f"Alpaca refused ({code}): {_message(exc)}", status=code)
