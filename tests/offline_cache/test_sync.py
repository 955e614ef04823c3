"""The sync worker against the reference central service on loopback, faults on."""

from __future__ import annotations

import random
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from kiosk.base.central import Accepted, KioskRefused, RetryLater
from kiosk.central.reference.server import FaultPlan
from offline_cache.store import SqlOutbox
from offline_cache.sync import Backoff, SyncWorker
from tests.central_helpers import Central, queue_dossiers, start_central
from tests.helpers import wait_until


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 20, 9, 0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def central(tmp_path: Path):
    running = start_central(tmp_path)
    yield running
    running.running.stop()


@pytest.fixture
def store(tmp_path: Path) -> SqlOutbox:
    return SqlOutbox.open(tmp_path / "kiosk" / "kiosk.db", enrol=True)


def worker(store: SqlOutbox, central: Central, clock: Clock, **client: object) -> SyncWorker:
    return SyncWorker(
        store,
        central.client(**client),
        backoff=Backoff(2.0, 60.0, random.Random(7)),
        now=clock,
    )


def drain(w: SyncWorker, clock: Clock, passes: int = 200) -> None:
    """Run passes, letting the fake clock jump over each pause."""
    for _ in range(passes):
        report = w.run_once()
        if not w.outbox.status(clock())["counts"].get("pending") and not report.paused_s:
            return
        clock.advance(max(report.paused_s, 1) + 1)
    raise AssertionError(f"not drained: {w.outbox.status(clock())}")


def test_dossiers_reach_the_centre_once_oldest_first_and_the_kiosk_keeps_no_content(
    store: SqlOutbox, central: Central
) -> None:
    codes = queue_dossiers(store, central.service, 5)
    report = worker(store, central, Clock()).run_once()
    assert report.sent == 5
    received = central.service.received()
    assert [r.code for r in received] == codes
    assert central.service.open_dossier(codes[2])["answers"]["n"] == 2
    assert store.status(datetime(2026, 11, 20, 9))["counts"] == {"sent": 5}
    assert store.pending() == []
    assert store.find(codes[0]) is not None  # the code still answers a lookup


def test_dropped_and_reset_connections_and_errors_never_record_a_dossier_twice(
    store: SqlOutbox, central: Central
) -> None:
    codes = queue_dossiers(store, central.service, 12)
    central.service.faults = FaultPlan(
        error_rate=0.2, throttle_rate=0.1, drop_rate=0.3, reset_rate=0.2, seed=3
    )
    clock = Clock()
    w = worker(store, central, clock, read_timeout_s=2.0)
    drain(w, clock)
    assert sorted(r.code for r in central.service.received()) == sorted(codes)
    entries = [store.entry(c) for c in codes]
    assert all(e and e.state == "sent" for e in entries)
    assert max(e.attempts for e in entries if e) > 1  # faults really happened


def test_a_failure_pauses_the_batch_with_growing_capped_jittered_delays(
    store: SqlOutbox, central: Central
) -> None:
    queue_dossiers(store, central.service, 3)
    central.service.faults = FaultPlan(error_rate=1.0)
    clock = Clock()
    w = worker(store, central, clock)
    pauses = []
    for _ in range(8):
        report = w.run_once()
        assert report.retried == 1 and report.sent == 0  # one try per pass: no hammering
        pauses.append(report.paused_s)
        clock.advance(report.paused_s + 0.001)
    assert pauses[0] < pauses[2] < pauses[4]
    assert all(p <= 60.0 for p in pauses) and pauses[-1] >= 30.0
    status = store.status(clock())
    assert status["counts"] == {"pending": 3}
    assert status["last_error"] == "HTTP 503 unavailable: injected fault"
    # The network comes back: the first success makes every waiting dossier due.
    central.service.faults = FaultPlan()
    clock.advance(120)
    assert w.run_once().sent == 3


def test_retry_after_is_respected(store: SqlOutbox, central: Central) -> None:
    queue_dossiers(store, central.service, 1)
    central.service.faults = FaultPlan(throttle_rate=1.0, retry_after_s=90)
    clock = Clock()
    report = worker(store, central, clock).run_once()
    assert report.paused_s >= 90
    assert store.next_due() >= clock() + timedelta(seconds=90)  # type: ignore[operator]


def test_a_refused_dossier_goes_to_dead_letter_with_its_reason_and_staff_can_retry(
    store: SqlOutbox, central: Central, tmp_path: Path
) -> None:
    other = start_central(tmp_path / "other")  # sealed for the wrong centre
    try:
        [bad] = queue_dossiers(store, other.service, 1)
    finally:
        other.running.stop()
    [good] = queue_dossiers(store, central.service, 1)
    report = worker(store, central, Clock()).run_once()
    assert (report.sent, report.dead) == (1, 1)  # the batch went on past the refusal
    entry = store.entry(bad)
    assert entry and entry.state == "dead"
    assert entry.last_error and entry.last_error.startswith("HTTP 422 sealed_content_invalid")
    assert [r.code for r in central.service.received()] == [good]
    assert store.retry(bad) and store.entry(bad).state == "pending"  # type: ignore[union-attr]


def test_a_revoked_kiosk_keeps_its_dossiers_queued(store: SqlOutbox, central: Central) -> None:
    queue_dossiers(store, central.service, 2)
    central.service.revoke_kiosk("000.00.01.H01-K03")
    report = worker(store, central, Clock()).run_once()
    assert report.sent == 0 and report.paused_s > 0
    assert store.status(datetime(2026, 11, 20, 9))["counts"] == {"pending": 2}
    assert "revoked" in (report.last_error or "")


def test_a_slow_body_past_the_read_timeout_is_retried_not_lost(
    store: SqlOutbox, central: Central
) -> None:
    [code] = queue_dossiers(store, central.service, 1)
    # Ten pieces 1 s apart: each read comes well within the 2 s read timeout (even on a
    # loaded machine), the whole body takes 10 s, past the 3 s total (connect + read).
    central.service.faults = FaultPlan(slow_body_s=10.0)
    clock = Clock()
    w = worker(store, central, clock, connect_timeout_s=1.0, read_timeout_s=2.0)
    started = time.monotonic()
    report = w.run_once()
    assert time.monotonic() - started < 7.0  # bounded in total, not per read
    assert report.retried == 1 and report.last_error == "network: body too slow"
    central.service.faults = FaultPlan()
    clock.advance(report.paused_s + 1)
    assert w.run_once().sent == 1
    assert [r.code for r in central.service.received()] == [code]


def test_a_dead_network_is_retried_later(store: SqlOutbox, tmp_path: Path) -> None:
    central = start_central(tmp_path / "gone")
    queue_dossiers(store, central.service, 1)
    central.running.stop()  # nothing listens on that port any more
    report = worker(store, central, Clock(), connect_timeout_s=0.5).run_once()
    assert report.retried == 1 and report.last_error == "network: ConnectionError"


def test_two_workers_at_once_send_each_dossier_once(store: SqlOutbox, central: Central) -> None:
    import threading

    codes = queue_dossiers(store, central.service, 20)
    central.service.faults = FaultPlan(latency_s=0.01)
    workers = [worker(SqlOutbox(store.engine), central, Clock()) for _ in range(2)]
    threads = [threading.Thread(target=w.run_once) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.code for r in central.service.received()) == sorted(codes)


def test_the_worker_thread_sends_when_kicked_and_heartbeats(
    store: SqlOutbox, central: Central
) -> None:
    w = SyncWorker(
        store,
        central.client(),
        heartbeat_interval_s=60,
        heartbeat_payload=lambda: {"version": "test", "queue_depth": 0},
    )
    w.start()
    try:
        wait_until(lambda: w.online is not None)
        assert w.online is True  # the heartbeat went through
        [code] = queue_dossiers(store, central.service, 1)
        w.kick()
        wait_until(central.service.received)
        assert [r.code for r in central.service.received()] == [code]
    finally:
        w.stop()


def test_backoff_is_exponential_jittered_and_capped() -> None:
    backoff = Backoff(2.0, 60.0, random.Random(1))
    for attempt, base in [(1, 2.0), (2, 4.0), (3, 8.0), (6, 60.0), (30, 60.0)]:
        delays = {backoff.delay(attempt) for _ in range(50)}
        assert all(base / 2 <= d <= base for d in delays) and len(delays) > 40
    assert backoff.delay(1, retry_after_s=120) == 120


def test_client_outcomes_for_each_kind_of_answer(central: Central) -> None:
    client = central.client()
    assert isinstance(client.heartbeat({"version": "x"}), Accepted)
    central.service.faults = FaultPlan(throttle_rate=1.0, retry_after_s=7)
    outcome = client.heartbeat({})
    assert isinstance(outcome, RetryLater) and outcome.retry_after_s == 7
    central.service.faults = FaultPlan()
    central.service.revoke_kiosk("000.00.01.H01-K03")
    assert isinstance(client.heartbeat({}), KioskRefused)


def test_ratings_follow_the_dossiers_to_the_centre_once(store: SqlOutbox, central: Central) -> None:
    from kiosk.central.reference.server import ReceivedRating
    from offline_cache.outbox import QueuedRating

    queue_dossiers(store, central.service, 1)
    store.put_rating(QueuedRating("a" * 32, "satisfied", "CT-TT", None, datetime(2026, 11, 20)))
    w = worker(store, central, Clock())
    assert w.run_once().sent == 1
    w.run_once()
    with central.service._sessions() as session:
        assert session.query(ReceivedRating).count() == 1
    assert store.pending_ratings() == []
