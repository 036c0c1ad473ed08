"""Who waits for which event, and what each writer will be told (the committer's lock held)."""

from __future__ import annotations

import heapq
import itertools

from pas.core.errors import LedgerError, LedgerRebuilding
from pas.core.ledger import LedgerEvent
from pas.ledger.flag import Flag

#: rejected verdicts kept for writers that have not come back for theirs
MAX_REJECTED = 10_000


class Verdicts:
    """Writers asleep on their flags, rejections, and events awaiting a re-check.

    An event is decided when it is durable (committed >= seq and not awaiting a
    re-check) or rejected. Not thread-safe: the committer calls it under its lock.
    """

    def __init__(self) -> None:
        self.rejected: dict[int, LedgerError] = {}
        # ours, handed over after the journal had moved past them: same event or not?
        self.recheck: dict[int, LedgerEvent] = {}
        self._waiters: list[tuple[int, int, Flag]] = []  # a heap by seq
        self._tickets = itertools.count()

    def sleep(self, seq: int, flag: Flag) -> None:
        """Register `flag` to be set once event `seq` is decided."""
        heapq.heappush(self._waiters, (seq, next(self._tickets), flag))

    def settled(self, seq: int, committed: int) -> bool:
        """Return True once `seq` is durable; raise its rejection (taking it)."""
        if seq in self.rejected:
            raise self.rejected.pop(seq)
        return seq not in self.recheck and committed >= seq

    def reject(self, seq: int, error: LedgerError) -> None:
        """Give event `seq` its rejection."""
        self.recheck.pop(seq, None)
        self.rejected[seq] = error
        while len(self.rejected) > MAX_REJECTED:
            self.rejected.pop(next(iter(self.rejected)))

    def waiting(self, committed: int) -> list[int]:
        """Return the numbers writers wait for that are not committed."""
        return [seq for seq, _, _ in self._waiters if seq > committed]

    def wake(self, committed: int, everyone: bool = False) -> None:
        """Set the flags of writers whose events are decided (all of them with `everyone`)."""
        if everyone or self.rejected or self.recheck:
            keep = []
            for waiter in self._waiters:
                seq = waiter[0]
                decided = seq in self.rejected or (seq <= committed and seq not in self.recheck)
                if everyone or decided:
                    waiter[2].set()
                else:
                    keep.append(waiter)
            heapq.heapify(keep)
            self._waiters = keep
            return
        while self._waiters and self._waiters[0][0] <= committed:
            heapq.heappop(self._waiters)[2].set()


def not_applied(seq: int) -> LedgerRebuilding:
    """Return the verdict of an event the journal will never hold."""
    return LedgerRebuilding(
        f"event {seq} was not applied: the live ledger diverged from the journal and is "
        "being rebuilt; repeat the request",
        seq=seq,
        applied="no",
    )
