"""The one errors module: every domain error PAS raises on purpose.

Two roots carry most of the weight, as in cvxportfolio: `DataError` (bad or
missing data) and `OptimizationError` (infeasible problem, solver failure).
The API maps each class to an HTTP status in one place (`pas.service.errors`);
the CLI prints the message on one line and exits non-zero.
"""

from __future__ import annotations

from typing import Any


class PasError(Exception):
    """Root of every PAS error; `code` names the class on the wire."""

    code = "pas_error"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = {k: v for k, v in details.items() if v is not None}

    def __str__(self) -> str:
        return self.message


class ConfigError(PasError):
    """Settings are invalid; `details["keys"]` lists every bad key."""

    code = "config_error"


class DataError(PasError):
    """Bad or missing data; details may name file, line (1-based) and column."""

    code = "data_error"

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: str | None = None,
        **details: Any,
    ) -> None:
        where = ", ".join(
            part
            for part in (
                f"file {file}" if file else "",
                f"line {line}" if line is not None else "",
                f"column {column!r}" if column else "",
            )
            if part
        )
        full = f"{where}: {message}" if where else message
        super().__init__(full, file=file, line=line, column=column, **details)


class InsufficientData(DataError):
    """Too little usable data for an estimate (fewer dates than the estimators need)."""

    code = "insufficient_data"


class InvalidInput(PasError):
    """A request parameter is malformed or out of range."""

    code = "invalid_input"


class NotFound(PasError):
    """A named thing (symbol, key, sleeve, strategy, order) does not exist."""

    code = "not_found"


class Conflict(PasError):
    """The request contradicts the current state (duplicate name, reused id)."""

    code = "conflict"


class Busy(PasError):
    """A documented limit of concurrent work is reached (e.g. evaluation jobs); retry later."""

    code = "busy"
    http_status = 429
    retry_after_s = 10


class Unfunded(Conflict):
    """A sleeve has too little equity to rebalance; details carry needed/available/shortfall."""

    code = "unfunded"


class OptimizationError(PasError):
    """An allocation problem is infeasible or its solver failed."""

    code = "optimization_error"


class InfeasibleConstraints(OptimizationError):
    """The allocation constraints admit no portfolio; `details["constraints"]` names them."""

    code = "infeasible_constraints"


class SolverFailed(OptimizationError):
    """A solver did not reach an optimal, verified solution."""

    code = "solver_failed"


class LedgerError(PasError):
    """A ledger operation was refused; the ledger is unchanged."""

    code = "ledger_error"


class BrokerError(PasError):
    """The broker refused or failed a request."""

    code = "broker_error"


class BrokerUnavailable(BrokerError):
    """The broker did not answer (timeout, lost connection, 5xx): the outcome is unknown."""

    code = "broker_unavailable"
    http_status = 503


class OrderRejected(BrokerError):
    """The broker refused an order (4xx); nothing was placed."""

    code = "order_rejected"
    http_status = 422


class UnknownOrder(BrokerError, NotFound):
    """No order has this id (or client order id)."""

    code = "unknown_order"
    http_status = 404


class MissingPrice(DataError):
    """A symbol the request needs has no latest price; `details["symbols"]` names them."""

    code = "missing_price"
    http_status = 422


class AuthError(PasError):
    """No credentials, or credentials that are not valid."""

    code = "unauthorized"


class PermissionDenied(AuthError):
    """Valid credentials whose role is too low for the request."""

    code = "forbidden"


class InsufficientFreeFloat(LedgerError):
    """A sleeve (or the account's unallocated cash) lacks the cash asked for."""

    code = "insufficient_free_float"

    def __init__(self, message: str, *, needed: Any, available: Any, **details: Any) -> None:
        super().__init__(message, needed=needed, available=available, **details)


class InsufficientPosition(LedgerError):
    """A sell asks for more shares than the sleeve holds free of other reservations."""

    code = "insufficient_position"

    def __init__(self, message: str, *, needed: Any, available: Any, **details: Any) -> None:
        super().__init__(message, needed=needed, available=available, **details)


class UnknownReservation(LedgerError, NotFound):
    """No reservation has this id."""

    code = "unknown_reservation"
    http_status = 404


class UnknownSleeve(LedgerError, NotFound):
    """No sleeve has this id or name."""

    code = "unknown_sleeve"
    http_status = 404


class OverFill(LedgerError):
    """An execution would fill more than the reservation's quantity."""

    code = "over_fill"
    http_status = 409


class ReservationClosed(LedgerError):
    """The reservation is already filled or cancelled."""

    code = "reservation_closed"
    http_status = 409


class DuplicateClientId(LedgerError, Conflict):
    """A client_id was reused for a different request."""

    code = "duplicate_client_id"
    http_status = 409


class DuplicateSleeve(LedgerError, Conflict):
    """A sleeve with this name exists already."""

    code = "duplicate_sleeve"
    http_status = 409


class InvalidAmount(LedgerError, InvalidInput):
    """An amount, quantity or price is zero, negative, not finite or too precise."""

    code = "invalid_amount"
    http_status = 422


class Unavailable(PasError):
    """A dependency (database, Redis, broker) is out of reach: answer 503, retry later.

    `details["applied"]` says truthfully what became of a write: "no" (certainly
    not applied), "pending" (applied, to be journaled when the database is back)
    or "unknown" (repeat it with the same client_id to find out).
    """

    code = "unavailable"
    http_status = 503
    retry_after_s = 1


class DatabaseUnavailable(Unavailable):
    """The database cannot be reached or did not answer in time; nothing was changed."""

    code = "database_unavailable"
    http_status = 503
    retry_after_s = 5


class RedisUnavailable(Unavailable):
    """Redis (cache, event hub, leader lock) cannot be reached or did not answer in time."""

    code = "redis_unavailable"
    http_status = 503
    retry_after_s = 2


class JournalUnavailable(LedgerError, Unavailable):
    """The write could not be made durable in the database journal in time."""

    code = "journal_unavailable"
    http_status = 503


class LedgerUnavailable(LedgerError, Unavailable):
    """The ledger's store (Redis) cannot be reached."""

    code = "ledger_unavailable"
    http_status = 503


class LedgerRebuilding(LedgerError, Unavailable):
    """The live ledger is being rebuilt from the journal; the write was not applied."""

    code = "ledger_rebuilding"
    http_status = 503


class ForbiddenFill(LedgerError, InvalidInput):
    """A hand-entered fill's price is outside the band around the reservation's limit."""

    code = "fill_out_of_band"
    http_status = 422


class ExecutorUnavailable(Unavailable):
    """The executor of distributed work (a Dask scheduler, a worker pool) is out of reach or lost."""

    code = "executor_unavailable"
    http_status = 503
    retry_after_s = 30
