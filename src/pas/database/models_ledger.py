"""The ledger journal: one row per ledger event, gapless `seq` per account.

Each row names its history (`epoch`) and links to its predecessor by
(`prev_seq`, `prev_epoch`) with a foreign key onto (account, seq, epoch), so
the database itself refuses an event that does not continue the journal it
holds: two histories (a Redis that lost its data and the journal) can never
interleave, whatever process or thread writes.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKeyConstraint,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from pas.database.models import Base


class LedgerEventRow(Base):
    __tablename__ = "ledger_events"
    __table_args__ = (
        UniqueConstraint("account", "seq", "epoch", name="uq_ledger_events_history"),
        ForeignKeyConstraint(
            ["account", "prev_seq", "prev_epoch"],
            ["ledger_events.account", "ledger_events.seq", "ledger_events.epoch"],
            name="fk_ledger_events_predecessor",
        ),
    )

    account: Mapped[str] = mapped_column(String(64), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(32))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=False))
    data: Mapped[str] = mapped_column(Text)
    epoch: Mapped[str] = mapped_column(String(32), server_default="")
    prev_seq: Mapped[int | None] = mapped_column(BigInteger)
    prev_epoch: Mapped[str | None] = mapped_column(String(32))
