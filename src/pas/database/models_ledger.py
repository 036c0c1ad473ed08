"""The ledger journal: one row per ledger event, gapless `seq` per account."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, DateTime, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from pas.database.models import Base


class LedgerEventRow(Base):
    __tablename__ = "ledger_events"

    account: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(32))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=False))
    data: Mapped[str] = mapped_column(Text)
