"""The look-up against the demo's reference centre on loopback: the ten statuses as the
centre sets them, in both languages, and the last known status when it cannot be asked."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from kiosk.cli.dossier import submit_demo
from kiosk.journeys.lookup import DOSSIER_STATUSES, status_name
from kiosk.runtime.config import RuntimeFlags, load_config
from kiosk.runtime.i18n import Translator

OFFICIAL = [
    "Mới đăng ký",
    "Được tiếp nhận",
    "Không được tiếp nhận",
    "Đang xử lý",
    "Yêu cầu bổ sung giấy tờ",
    "Yêu cầu thực hiện nghĩa vụ tài chính",
    "Công dân yêu cầu rút hồ sơ",
    "Dừng xử lý",
    "Đã xử lý xong",
    "Đã trả kết quả",
]


def test_the_ten_statuses_have_their_official_names_and_english_ones() -> None:
    assert [Translator.text(f"dossier_status.{s}", "vi") for s in DOSSIER_STATUSES] == OFFICIAL
    english = {Translator.text(f"dossier_status.{s}", "en") for s in DOSSIER_STATUSES}
    assert len(english) == 10
    assert [status_name(n) for n in range(1, 11)] == list(DOSSIER_STATUSES)
    assert status_name("received") == "registered" and status_name("nonsense") is None


def test_a_status_from_the_centre_then_the_last_known_one_offline(tmp_path: Path) -> None:
    from kiosk.app import build_core
    from kiosk.base.events import QueueDispatcher
    from kiosk.sync_setup import make_client

    config = load_config(tmp_path / "absent.toml", environ={}).replace(
        storage={"data_dir": str(tmp_path)}
    )
    [code] = submit_demo(config, 1, sync=True)
    with sqlite3.connect(tmp_path / "demo-central" / "central.db") as db:
        db.execute(
            "UPDATE received_dossiers SET status = 'payment_requested' WHERE code = ?", (code,)
        )
    dispatcher = QueueDispatcher()
    core, sims = build_core(config, RuntimeFlags(demo=True), dispatcher)
    assert sims.card is not None
    results = []
    core.lookup.finished.connect(results.append)
    core.start()
    try:
        assert core.lookup.request(code, sims.card.id_number) is None
        assert dispatcher.drain_until(lambda: len(results) == 1, 30)
        # The centre cannot be reached any more (nothing listens there).
        credential = tmp_path / "demo-central" / "kiosk-credential.pem"
        core.lookup.client = make_client(config, "http://127.0.0.1:9", str(credential))
        assert core.lookup.request(code, sims.card.id_number) is None
        assert dispatcher.drain_until(lambda: len(results) == 2, 20)
        assert core.lookup.request(code, "001099999999") is None  # another ID number
        assert dispatcher.drain_until(lambda: len(results) == 3, 20)
    finally:
        core.stop()
    live, offline, stranger = results
    assert live.status == "payment_requested" and live.status_key == "lookup.status.received"
    assert [s for s, _ in live.history] == ["registered", "payment_requested"]
    assert offline.status_key == "lookup.status.last_known"
    assert offline.status == "payment_requested" and offline.known_at == live.known_at
    assert offline.appointment == live.appointment is not None
    # The centre states the fee as the dossier does: this procedure is free.
    assert live.payment == offline.payment == "none" and live.fee_vnd is None
    assert stranger.status_key == "lookup.status.unavailable" and stranger.status is None
