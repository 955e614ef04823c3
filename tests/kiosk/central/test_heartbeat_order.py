"""Heartbeats that arrive out of order (a retried copy, a second worker) at the real centre on
loopback: the fleet page keeps the newest by the kiosk's own send time, and the highest dossier
number the centre answers never goes down (a repeated number is the worst failure there is)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from kiosk.base.central import Accepted
from kiosk.central.client import CentralClient
from kiosk.central.protocol import MAX_SKEW_S, load_ed25519_private
from kiosk.central.reference.fleet import FleetPages
from kiosk.central.reference.server import CentralService, RunningCentral
from offline_cache.store import SqlOutbox
from offline_cache.sync import SyncWorker

DAY = "2026-12-04"


@pytest.fixture(scope="module")
def centre(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningCentral]:
    """The reference centre with its fleet pages, on loopback (one for the module)."""
    running = RunningCentral(FleetPages(CentralService(tmp_path_factory.mktemp("central"))))
    yield running.start()
    running.stop()


def _kiosk(centre: RunningCentral, kiosk_id: str, tmp_path: Path) -> CentralClient:
    """A kiosk of its own for each test (the centre keeps one heartbeat a kiosk)."""
    credential = tmp_path / f"{kiosk_id}.pem"
    centre.service.register_kiosk(kiosk_id, credential)
    return _client(centre, kiosk_id, credential)


def _client(centre: RunningCentral, kiosk_id: str, credential: Path) -> CentralClient:
    return CentralClient(centre.url, kiosk_id, load_ed25519_private(credential))


def _beat(client: CentralClient, payload: dict[str, Any]) -> dict[str, Any]:
    outcome = client.heartbeat(payload)
    assert isinstance(outcome, Accepted), outcome
    return outcome.payload


def _fleet(centre: RunningCentral, kiosk_id: str) -> dict[str, Any]:
    answer = requests.get(centre.url + "/fleet.json", timeout=30)
    assert answer.status_code == 200
    return next(k for k in answer.json()["kiosks"] if k["kiosk_id"] == kiosk_id)


def _state(sent_at: float | None, version: str, pending: int, number: int) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "version": version,
        "queue": {"pending": pending, "sent": 10},
        "numbering": {"dossier": {DAY: number}},
        "doctor": {"failing": {"printer": "out of paper"} if pending else {}, "warnings": {}},
    }
    if sent_at is not None:
        payload["sent_at"] = sent_at
    return payload


def test_an_older_heartbeat_arriving_late_does_not_put_the_fleet_page_back(
    centre: RunningCentral, tmp_path: Path
) -> None:
    client = _kiosk(centre, "000.00.01.H01-K11", tmp_path)
    now = time.time()
    older = _state(now - 60, "0.1.0", pending=5, number=12)  # made first, delivered last
    newer = _state(now, "0.2.0", pending=0, number=17)
    assert _beat(client, newer)["numbering"] == {"dossier": {DAY: 17}}
    answer = _beat(client, older)
    # The answer to the late copy still holds the highest number seen: never 12.
    assert answer["numbering"] == {"dossier": {DAY: 17}}
    row = _fleet(centre, "000.00.01.H01-K11")
    assert (row["version"], row["queue_depth"], row["failing"]) == ("0.2.0", 0, {})
    # A heartbeat without a send time (a kiosk of an older version) is the oldest of all.
    assert _beat(client, _state(None, "0.0.9", pending=7, number=3))["numbering"] == {
        "dossier": {DAY: 17}
    }
    assert _fleet(centre, "000.00.01.H01-K11")["version"] == "0.2.0"
    # A newer one replaces it; the number it reports below the mark does not lower it.
    assert _beat(client, _state(now + 60, "0.2.1", pending=1, number=2))["numbering"] == {
        "dossier": {DAY: 17}
    }
    row = _fleet(centre, "000.00.01.H01-K11")
    assert (row["version"], row["queue_depth"]) == ("0.2.1", 1)
    assert row["failing"] == {"printer": "out of paper"}


def test_a_send_time_far_ahead_counts_only_as_far_as_a_signature_may_be(
    centre: RunningCentral, tmp_path: Path
) -> None:
    client = _kiosk(centre, "000.00.01.H01-K12", tmp_path)
    _beat(client, _state(time.time() + 10 * 365 * 86_400, "0.1.0", pending=0, number=1))
    # The kiosk's clock was ten years ahead, then put right: the next heartbeat the centre
    # would accept a signature from outranks it (not one in ten years' time).
    _beat(client, _state(time.time() + MAX_SKEW_S, "0.2.0", pending=0, number=2))
    assert _fleet(centre, "000.00.01.H01-K12")["version"] == "0.2.0"


def test_heartbeats_arriving_together_never_lose_the_highest_number(
    centre: RunningCentral, tmp_path: Path
) -> None:
    client = _kiosk(centre, "000.00.01.H01-K13", tmp_path)
    now = time.time()
    answers: list[dict[str, Any]] = []

    def send(i: int) -> None:  # one client a thread, as the kiosk's threads have
        own = _client(centre, "000.00.01.H01-K13", tmp_path / "000.00.01.H01-K13.pem")
        answers.append(_beat(own, _state(now - i, f"0.1.{i}", pending=i, number=40 - i)))

    threads = [threading.Thread(target=send, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(answers) == 8
    # Whatever order they were stored in, the centre answers 40 from now on, and the fleet
    # page shows the one the kiosk sent last.
    assert _beat(client, {})["numbering"] == {"dossier": {DAY: 40}}
    assert _fleet(centre, "000.00.01.H01-K13")["version"] == "0.1.0"


def test_the_sync_worker_stamps_its_heartbeats_with_the_kiosk_time(
    centre: RunningCentral, tmp_path: Path
) -> None:
    client = _kiosk(centre, "000.00.01.H01-K14", tmp_path)
    outbox = SqlOutbox.open(tmp_path / "kiosk.db", enrol=True)
    worker = SyncWorker(outbox, client, heartbeat_payload=lambda: {"version": "9.9.9"})
    before = time.time()
    assert isinstance(worker.heartbeat(), Accepted)
    # A copy of an older heartbeat, delivered after the worker's: the worker's stays.
    _beat(client, _state(before - 1, "0.0.1", pending=3, number=1))
    assert _fleet(centre, "000.00.01.H01-K14")["version"] == "9.9.9"
