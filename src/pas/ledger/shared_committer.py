"""The committer of a shared outbox: the Redis stream, which every process drains.

A hole before this process's events may be another process's events: read
from the stream, or learnt from the journal when that process journaled them
already; an event of ours the journal moved past is re-checked against the
journal row; after a rebuild our events are settled against the fence.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from pas.core.ledger import LedgerEvent
from pas.ledger.committer import GroupCommitter
from pas.ledger.journal import same_event
from pas.ledger.verdicts import not_applied

log = logging.getLogger(__name__)

#: how long a missing event may stay missing before the events after it are given up
HOLE_GRACE_S = 2.0


class SharedCommitter(GroupCommitter):
    """A GroupCommitter whose outbox other processes drain too."""

    shared = True
    #: (the number after which an event is missing, since when)
    _hole: tuple[int, float] = (-1, 0.0)

    def rebase(self, durable: int, epoch: str) -> None:
        """Continue after the journal reached `durable` under a new history `epoch`.

        Events of ours up to `durable` are durable if the journal holds them
        identically, rejected otherwise; later events of another epoch can never
        continue the journal and are rejected. The Redis backend calls this after
        a rebuild (its own or another process's).
        """
        with self._cond:
            mine = sorted(s for s in self._submitted if s <= durable)
        held = {e.seq: e for e in self.journal.between(mine[0], mine[-1])} if mine else {}
        with self._cond:
            for seq, event in list(self._submitted.items()):
                there = held.get(seq)
                if seq <= durable and there is not None and same_event(there, event):
                    continue
                if seq <= durable or event.epoch != epoch:
                    self._reject(seq, not_applied(seq))
            if durable > self.committed:
                self.committed = durable
                self._claimed = max(self._claimed, durable)
                self._finished.clear()
            self._forget_committed()
            self._wake()

    def _check_learnt(self, events: dict[int, LedgerEvent]) -> None:
        """Give our events the journal moved past their verdict: durable if the same."""
        try:
            held = {e.seq: e for e in self.journal.between(min(events), max(events))}
        except Exception as exc:  # the database: try again on the next round
            self._outage.failed(type(exc).__name__)
            time.sleep(0.05)
            return
        with self._cond:
            for seq, event in events.items():
                self._verdicts.recheck.pop(seq, None)
                there = held.get(seq)
                if there is None or not same_event(there, event):
                    self._reject(seq, not_applied(seq))
            self._wake()

    def _before_round(self, recheck: dict[int, LedgerEvent]) -> None:
        self._check_learnt(recheck)

    def _commit_after(self, after: int) -> None:
        """Journal what follows `after`: from the stream, else learn it from the journal."""
        events = [e for e in self._fetch(after) if e.seq > after]
        if events and events[0].seq == after + 1:
            with self._cond:
                self._claimed = max(self._claimed, events[-1].seq)
            self._write_range(events)
            return
        held = self.journal.since(after, 2000)
        if held and held[0].seq == after + 1:
            self._learn(held)
            return
        self._missing(after)

    def _learn(self, held: Sequence[LedgerEvent]) -> None:
        """Another process journaled these: ours among them must be the same events."""
        with self._cond:
            differs = [
                e.seq
                for e in held
                if e.seq in self._submitted and not same_event(self._submitted[e.seq], e)
            ]
        if differs:
            ours = self._submitted.get(differs[0])
            self._conflict(differs[0], [ours] if ours is not None else [])
        with self._cond:
            self.committed = max(self.committed, held[-1].seq)
            self._claimed = max(self._claimed, self.committed)
            self._forget_committed()
            self._wake()

    def _missing(self, after: int) -> None:
        """Neither the outbox nor the journal has event after+1: wait, then give it up.

        Its only copy may be in another writer's memory, about to be journaled.
        After the grace nobody can journal it any more (a live outbox would hold
        it), so ours, which rest on it, can never continue the journal.
        """
        now = time.monotonic()
        if self._hole[0] != after:  # a new hole: its grace starts now
            self._hole = (after, now)
        elif now - self._hole[1] > HOLE_GRACE_S:
            self._hole = (-1, 0.0)
            log.warning("ledger journal: event %s was lost before it was journaled", after + 1)
            if self._on_conflict is None or not self._on_conflict(after + 1):
                with self._cond:
                    self._reject_from(after + 1, None)
            return
        time.sleep(0.005)
