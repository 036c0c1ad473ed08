"""The Redis ledger's keys as a projection of the journal: attach, adopt, rebuild.

Redis holds the journal's state under an epoch (an id written when the keys
are (re)built) with the last sequence number. A script finds Redis empty, of
another epoch or behind the journal and refuses; the process then adopts the
epoch another process built, or rebuilds the keys from the journal itself —
one rebuilder at a time across processes, under the `maintenance` key that
makes every script refuse meanwhile. A rebuild of a journal that holds events
first journals a `rebuilt` fence event: from then on no event decided on the
lost projection can be journaled (its predecessor is not in the journal), so
writers waiting for such events learn for certain that they were not applied.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

from pas.core.errors import LedgerRebuilding
from pas.core.ledger import LedgerEvent
from pas.core.ledger_state import LedgerState, apply
from pas.core.ports import utcnow
from pas.ledger.journal import JournalConflict, SqlJournal
from pas.ledger.redis_state import text, write_state
from pas.ledger.shared_committer import SharedCommitter

log = logging.getLogger(__name__)

#: how long the maintenance key lives unless renewed (a crashed rebuilder frees it)
LOCK_TTL_MS = 30_000
#: how long a process waits for another one's rebuild before it answers 503
WAIT_S = 30.0

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""


class Projector:
    """Keeps this process's view of which projection (epoch) Redis holds."""

    def __init__(self, client: Any, base: str, journal: SqlJournal) -> None:
        self.r = client
        self.base = base
        self.lock_key = f"{base}:maintenance"
        self.journal = journal
        self.epoch = ""
        self.committer: SharedCommitter | None = None
        self._local = threading.Lock()  # one rebuild at a time in this process
        self.rebuilds = 0

    def meta(self) -> dict[str, str]:
        """Return the projection's identity fields (empty when Redis holds no ledger)."""
        fields = ("epoch", "seq", "base_seq", "base_epoch")
        values = self.r.hmget(f"{self.base}:meta", *fields)
        return {k: text(v) for k, v in zip(fields, values, strict=True) if v is not None}

    def attach(self) -> None:
        """Adopt the projection Redis holds if it is this journal's, else rebuild it."""
        meta, reason = self._check()
        if reason:
            self.rebuild(reason, "system")
        else:
            self.adopt(meta["epoch"])

    def _check(self) -> tuple[dict[str, str], str]:
        """Return Redis's identity and why it is not a current projection ("" when it is)."""
        journaled = self.journal.max_seq()  # first: Redis only moves ahead of it meanwhile
        meta = self.meta()
        return meta, self._mismatch(meta, journaled)

    def _mismatch(self, meta: dict[str, str], journaled: int) -> str:
        if "epoch" not in meta:
            return "Redis holds no ledger"
        seq = int(meta.get("seq", 0))
        if seq < journaled:
            return f"Redis is at event {seq}, behind the journal at {journaled}"
        base_seq = int(meta.get("base_seq", 0))
        if base_seq and base_seq <= journaled:
            row = self.journal.between(base_seq, base_seq)
            if not row or row[0].epoch != meta.get("base_epoch", ""):
                return f"Redis was built from another journal (event {base_seq} differs)"
        return ""

    def adopt(self, epoch: str) -> None:
        """Write to projection `epoch` from now on (another process built it)."""
        if epoch == self.epoch:
            return
        self.epoch = epoch
        if self.committer is not None:
            self.committer.rebase(self.journal.max_seq(), epoch)

    def recover(self, code: str, stale_epoch: str | None = None) -> None:
        """Act on a script's refusal (`rebuild`, `behind`, `epoch`, `maintenance`, `diverged`)."""
        with self._local:
            if code == "maintenance":
                self._await_rebuild()
            meta, reason = self._check()
            log.info("ledger projection check after %r: %s", code, reason or "current")
            if code == "diverged" and not reason and meta.get("epoch") == stale_epoch:
                reason = "the projection diverged from the journal"
            if reason:
                self.rebuild(reason, "system")
            else:
                self.adopt(meta["epoch"])

    def _await_rebuild(self) -> None:
        deadline = time.monotonic() + WAIT_S
        while self.r.exists(self.lock_key):
            if time.monotonic() > deadline:
                raise LedgerRebuilding(
                    "the ledger is being rebuilt from the journal; retry shortly", applied="no"
                )
            time.sleep(0.02)

    def rebuild(self, reason: str, actor: str) -> int:
        """Rebuild every key from the journal under a new epoch; return the sequence reached."""
        token = uuid.uuid4().hex
        while not self.r.set(self.lock_key, token, nx=True, px=LOCK_TTL_MS):
            self._await_rebuild()  # another process rebuilt: use its projection
            meta, reason = self._check()
            if not reason:
                self.adopt(meta["epoch"])
                return int(meta.get("seq", 0))
        try:
            log.warning("rebuilding the Redis ledger %s from the journal: %s", self.base, reason)
            epoch = uuid.uuid4().hex[:16]
            state = self._replay(self._fence(epoch, reason, actor), token)
            keys = [k for k in self.r.scan_iter(f"{self.base}:*", count=1000)]
            keys = [k for k in keys if text(k) != self.lock_key]
            pipe = self.r.pipeline(transaction=True)
            for i in range(0, len(keys), 500):
                pipe.unlink(*keys[i : i + 500])
            write_state(pipe, self.base, state, epoch)
            pipe.execute()
            self.rebuilds += 1
            self.epoch = ""
            self.adopt(epoch)
            return state.seq
        finally:
            self.r.eval(_RELEASE, 1, self.lock_key, token)

    def _fence(self, epoch: str, reason: str, actor: str) -> int:
        """Journal the `rebuilt` event after the journal's last one; return its number."""
        while True:
            last, last_epoch = self.journal.last()
            if last == 0:
                return 0  # nothing was ever journaled: nothing to fence off
            fence = LedgerEvent(
                last + 1,
                "rebuilt",
                utcnow(),
                {"epoch": epoch, "reason": reason, "actor": actor},
                epoch=epoch,
                prev_epoch=last_epoch,
            )
            try:
                self.journal.write([fence])
                return fence.seq
            except JournalConflict:  # a late writer journaled its event first: fence after it
                continue

    def _replay(self, until: int, token: str) -> LedgerState:
        state = LedgerState()
        for i, event in enumerate(self._events(until)):
            apply(state, event)
            if i % 50_000 == 49_999:
                self.r.eval(_RENEW, 1, self.lock_key, token, LOCK_TTL_MS)
        return state

    def _events(self, until: int) -> Iterator[LedgerEvent]:
        for event in self.journal.iter_all():
            if until and event.seq > until:
                return
            yield event
