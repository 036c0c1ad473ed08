"""The hub contract, run on the in-process and the Redis backend alike."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest

from pas.core.events import TOPICS
from tests.integration.realtime.conftest import Collector, wait_for


def test_listeners_get_every_event_in_order_with_gapless_offsets(
    make_hub: Callable[..., Any],
) -> None:
    hub = make_hub()
    seen = Collector()
    hub.add_listener(seen)
    for i in range(50):
        hub.publish("ledger", {"i": i})
        hub.publish("orders", {"i": i})
    hub.flush()
    wait_for(lambda: len(seen.of("ledger")) == 50 and len(seen.of("orders")) == 50, what="events")
    for topic in ("ledger", "orders"):
        events = seen.of(topic)
        assert [e.offset for e in events] == list(range(1, 51))
        assert [e.data["i"] for e in events] == list(range(50))
        assert len({e.epoch for e in events}) == 1
    assert hub.snapshot("ledger").last == 50


def test_snapshot_returns_exactly_what_came_after_an_offset(make_hub: Callable[..., Any]) -> None:
    hub = make_hub(history_size=10)
    for i in range(30):
        hub.publish("metrics", {"i": i})
    hub.flush()
    snap = hub.snapshot("metrics", 25)
    assert snap.last == 30
    assert snap.missed is not None and [e.offset for e in snap.missed] == [26, 27, 28, 29, 30]
    assert [e.data["i"] for e in snap.missed] == [25, 26, 27, 28, 29]
    assert hub.snapshot("metrics", 30).missed == ()
    # history keeps 10 events: offset 5 is gone, and an offset from the future is refused
    assert hub.snapshot("metrics", 5).missed is None
    assert hub.snapshot("metrics", 31).missed is None
    assert hub.snapshot("metrics", 20).missed is not None


def test_every_topic_has_its_own_epoch_and_offsets(make_hub: Callable[..., Any]) -> None:
    hub = make_hub()
    snaps = {t: hub.snapshot(t) for t in TOPICS}
    assert all(s.last == 0 for s in snaps.values())
    assert len({s.epoch for s in snaps.values()}) == len(TOPICS)
    with pytest.raises(ValueError, match="unknown topic"):
        hub.publish("nope", {})


def test_data_that_cannot_be_encoded_is_refused_or_stringified(
    make_hub: Callable[..., Any],
) -> None:
    import datetime as dt
    from decimal import Decimal

    hub = make_hub()
    seen = Collector()
    hub.add_listener(seen)
    hub.publish("ledger", {"amount": Decimal("1.50"), "at": dt.date(2024, 1, 2)})
    hub.flush()
    wait_for(lambda: len(seen.of("ledger")) == 1)
    assert seen.of("ledger")[0].data == {"amount": "1.50", "at": "2024-01-02"}


def test_concurrent_publishers_share_one_gapless_sequence(make_hub: Callable[..., Any]) -> None:
    """Two hubs on one backend (two processes on one Redis) publish at once: offsets 1..2n, once each."""
    first = make_hub()
    second = first if first.__class__.__name__ == "MemoryHub" else make_hub()
    seen = Collector()
    second.add_listener(seen)

    def burst(hub: Any, tag: str) -> None:
        for i in range(100):
            hub.publish("jobs", {"tag": tag, "i": i})

    threads = [
        threading.Thread(target=burst, args=(first, "a")),
        threading.Thread(target=burst, args=(second, "b")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    first.flush()
    second.flush()
    wait_for(lambda: len(seen.of("jobs")) == 200, what="200 events")
    events = seen.of("jobs")
    assert [e.offset for e in events] == list(range(1, 201))
    for tag in "ab":  # each publisher's events keep their order
        assert [e.data["i"] for e in events if e.data["tag"] == tag] == list(range(100))
