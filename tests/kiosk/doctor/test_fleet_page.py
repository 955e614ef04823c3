"""The centre's fleet page, read in a real headless Chromium: which kiosk is failing what."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.central.reference.fleet import FleetPages, approve_kiosk, fingerprint
from kiosk.central.reference.server import CentralService, RunningCentral
from kiosk.doctor.enrol import make_key_pair
from kiosk.runtime.config import KioskConfig
from tests.central_helpers import KIOSK_ID, Central

SHOT_DIR = Path(tempfile.gettempdir())


@pytest.fixture(scope="module")
def centre(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Central]:
    root = tmp_path_factory.mktemp("centre")
    service = CentralService(root / "central")
    credential = root / "kiosk.pem"
    service.register_kiosk(KIOSK_ID, credential)
    service.register_kiosk("000.00.01.H01-K07", root / "other.pem")
    running = RunningCentral(FleetPages(service)).start()
    yield Central(service, running, credential)
    running.stop()


def test_the_fleet_page_lists_kiosks_with_heartbeat_failing_checks_and_queue(
    centre: Central, browser: object, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    # The kiosk's own heartbeat, as its sync worker sends it: the queue and the doctor's
    # summary (a demo kiosk has no trust store configured: a failing check).
    from kiosk.app import build_core
    from kiosk.base.events import QueueDispatcher
    from kiosk.runtime.config import RuntimeFlags

    config = KioskConfig().replace(
        storage={"data_dir": str(tmp_path / "data")},
        sync={
            "central_url": centre.running.url,
            "kiosk_id": KIOSK_ID,
            "credential": str(centre.credential),
            "central_public_key": str(centre.service.data_dir / "seal-public.pem"),
        },
    )
    core, _sims = build_core(config, RuntimeFlags(demo=True), QueueDispatcher())
    try:
        assert core.sync.heartbeat_payload()["doctor"]["failing"]  # type: ignore[union-attr]
        assert type(core.sync.heartbeat()).__name__ == "Accepted"  # type: ignore[union-attr]
    finally:
        core.stop()
    browser.get(centre.running.url + "/fleet")  # type: ignore[attr-defined]
    rows = browser.find_elements(By.CSS_SELECTOR, "tbody tr")  # type: ignore[attr-defined]
    cells = {}
    for row in rows:
        texts = [cell.text for cell in row.find_elements(By.TAG_NAME, "td")]
        cells[texts[0]] = texts
    assert {KIOSK_ID, "000.00.01.H01-K07"} <= set(cells)  # (later tests enrol more)
    _kiosk, seen, failing, queue, version = cells[KIOSK_ID]
    assert "min)" in seen
    assert "trust_store: devices.trust_store is not set" in failing
    assert queue == "0" and version  # nothing waiting in this new kiosk's queue
    assert "never" in cells["000.00.01.H01-K07"][1]
    browser.save_screenshot(str(SHOT_DIR / "fleet.png"))  # type: ignore[attr-defined]
    assert (SHOT_DIR / "fleet.png").stat().st_size > 10_000


def test_a_kiosk_enrolled_with_its_own_key_is_approved_by_its_fingerprint(
    centre: Central, tmp_path: Path
) -> None:
    from kiosk.central.client import CentralClient
    from kiosk.central.protocol import load_ed25519_private

    private, public_pem, shown = make_key_pair(tmp_path / "kiosk-key.pem")
    assert shown == fingerprint(public_pem)  # what the centre's operator compares
    approve_kiosk(centre.service, "000.00.01.H01-K09", public_pem, "000.00.01.H01", 9)
    client = CentralClient(centre.running.url, "000.00.01.H01-K09", load_ed25519_private(private))
    assert type(client.heartbeat({})).__name__ == "Accepted"
