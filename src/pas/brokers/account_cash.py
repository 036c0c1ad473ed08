"""The paper account's cash: a fixed amount from settings until the paper broker tracks fills."""

from __future__ import annotations

from decimal import Decimal


class FixedAccountCash:
    """An AccountCash that always reports the same cash (`broker.paper_cash`)."""

    def __init__(self, cash: Decimal) -> None:
        self._cash = Decimal(cash)

    def cash(self) -> Decimal:
        """Return the account's cash."""
        return self._cash
