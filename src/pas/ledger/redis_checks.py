"""`verify` for the Redis ledger: the keys against a replay of the journal, never a crash."""

from __future__ import annotations

from collections.abc import Sequence

from pas.core.errors import JournalUnavailable, LedgerError
from pas.core.ledger import LedgerEvent, VerifyReport
from pas.core.ledger_checks import differences, violations
from pas.core.ledger_state import LedgerState, replay
from pas.ledger.journal import SqlJournal
from pas.ledger.redis_state import Dump
from pas.ledger.shared_committer import SharedCommitter


def journal_gaps(journal: SqlJournal) -> list[str]:
    """Return one line per gap in the journal's numbering (duplicates the primary key forbids)."""
    out, expected = [], 1
    for event in journal.iter_all():
        if event.seq != expected:
            out.append(f"journal: events {expected}..{event.seq - 1} are missing")
        expected = event.seq + 1
    return out


def check_journal(journal: SqlJournal) -> None:
    """Raise LedgerError naming every gap when the journal cannot be replayed."""
    gaps = journal_gaps(journal)
    if gaps:
        raise LedgerError(
            "the journal has gaps; refusing to rebuild: " + "; ".join(gaps), gaps=gaps
        )


def verify_projection(dump: Dump, journal: SqlJournal, committer: SharedCommitter) -> VerifyReport:
    """Compare what Redis holds with the journal: state, epoch, sequence and invariants."""
    live = dump.state
    problems = list(dump.malformed)
    try:
        committer.flush(live.seq)
    except (JournalUnavailable, LedgerError) as exc:
        problems.append(f"journal: events up to {live.seq} are not all journaled ({exc})")
    events = list(journal.iter_all())
    problems += _identity(dump, events)
    try:
        replayed = replay([e for e in events if e.seq <= live.seq])
    except LedgerError as exc:
        problems.append(f"journal: cannot be replayed: {exc}")
        replayed = LedgerState()
    problems += differences(live, replayed)
    return VerifyReport(live.seq, len(events), tuple(problems), tuple(violations(live)))


def _identity(dump: Dump, events: Sequence[LedgerEvent]) -> list[str]:
    """Return why Redis is not this journal's projection (epoch and numbering)."""
    if dump.epoch is None:
        return ["meta.epoch: missing live (Redis holds no ledger projection)"]
    out = []
    last = events[-1].seq if events else 0
    if dump.state.seq < last:
        out.append(f"meta.seq: live {dump.state.seq} is behind the journal's {last}")
    by_seq = {e.seq: e for e in events}
    if dump.base_seq:
        base = by_seq.get(dump.base_seq)
        if base is None or base.epoch != dump.base_epoch:
            out.append(
                f"meta.base_epoch: event {dump.base_seq} of the journal is of another history"
            )
    strangers = [e.seq for e in events if e.seq > dump.base_seq and e.epoch != dump.epoch]
    if strangers:
        out.append(
            f"epoch: journal events {strangers[0]}..{strangers[-1]} are not of the live "
            f"projection's epoch {dump.epoch}"
        )
    return out
