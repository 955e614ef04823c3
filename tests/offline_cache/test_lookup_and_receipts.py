"""What a queued dossier proves on the kiosk, what it remembers about its receipt, and a
full disk that is no longer silent.

- The kiosk-side look-up answers "queued" only to the submitter's ID number (a keyed
  hash kept at submission), never to any 12 digits;
- the store records whether each receipt came out, so after a kill or a paper jam the
  kiosk lists the dossiers whose citizen left without one;
- a refused submission (full disk) is logged with its reason and counted in the heartbeat.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.app import build_core
from kiosk.base.dossier import DossierCodes, DossierMeta
from kiosk.base.events import QueueDispatcher
from kiosk.central.reference.server import CentralService, Heartbeat
from kiosk.cli.dossier import ANSWERS, submit_demo
from kiosk.cli.main import main
from kiosk.runtime.config import KioskConfig, RuntimeFlags, load_config
from kiosk.runtime.flow import Step
from offline_cache.outbox import OutboxFullError
from offline_cache.store import SqlOutbox
from tests.helpers import wait_until

ID_NUMBER = "001090012345"
WHEN = datetime(2026, 11, 20, 9, 0)
CODES = DossierCodes("000.00.01.H01", 3)


def _submit(store: SqlOutbox, submitter: str | None = ID_NUMBER) -> str:
    def build(code: str) -> tuple[DossierMeta, bytes]:
        return DossierMeta(code, "CT-TT", WHEN, date(2026, 11, 25)), b"sealed"

    return store.submit(WHEN.date(), lambda n: CODES.code(WHEN, n), build, submitter).code


def test_only_the_submitters_id_number_proves_a_queued_dossier(tmp_path: Path) -> None:
    store = SqlOutbox.open(tmp_path / "kiosk.db", enrol=True)
    code, other = _submit(store), _submit(store, None)
    assert store.submitted_by(code, ID_NUMBER)
    assert store.submitted_by(code.lower(), f" {ID_NUMBER} ")
    assert not store.submitted_by(code, "001090012346")
    assert not store.submitted_by(other, ID_NUMBER)  # no hash kept: nothing proven
    assert not store.submitted_by("000.00.01.H01-261120-K039999", ID_NUMBER)
    # The ID number itself is nowhere in the database, only a keyed hash.
    store.engine.dispose()
    for name in ("kiosk.db", "kiosk.db-wal"):
        if (tmp_path / name).exists():
            assert ID_NUMBER.encode() not in (tmp_path / name).read_bytes()
    # The same ID number and code on another kiosk (another key) give another hash.
    elsewhere = SqlOutbox.open(tmp_path / "other" / "kiosk.db", enrol=True)
    assert _submit(elsewhere) == code
    with store.engine.connect() as a, elsewhere.engine.connect() as b:
        query = "SELECT submitter_digest FROM dossiers WHERE code = ?"
        assert (
            a.exec_driver_sql(query, (code,)).scalar() != b.exec_driver_sql(query, (code,)).scalar()
        )


def test_once_the_centre_holds_it_the_kiosk_forgets_who_submitted_it(tmp_path: Path) -> None:
    store = SqlOutbox.open(tmp_path / "kiosk.db", enrol=True)
    code = _submit(store)
    claim = store.claim_next(WHEN, timedelta(seconds=30))
    assert claim and store.mark_sent(claim, WHEN, "C-1")
    assert not store.submitted_by(code, ID_NUMBER)
    with store.engine.connect() as connection:
        digest = connection.exec_driver_sql("SELECT submitter_digest FROM dossiers").scalar()
    assert digest is None


def _config(tmp_path: Path, **sections: dict[str, object]) -> KioskConfig:
    config = load_config(tmp_path / "absent.toml", environ={})
    storage = {"data_dir": str(tmp_path / "data"), **sections.pop("storage", {})}
    return config.replace(storage=storage, logging={"file": False}, **sections)


def _look_up(config: KioskConfig, code: str, id_numbers: list[str], sync: bool) -> list[str]:
    dispatcher = QueueDispatcher()
    core, _ = build_core(config, RuntimeFlags(demo=True), dispatcher, sync=sync)
    results: list[object] = []
    core.lookup.finished.connect(results.append)
    core.start()
    try:
        for asked, id_number in enumerate(id_numbers, start=1):
            assert core.lookup.request(code, id_number) is None
            assert dispatcher.drain_until(lambda asked=asked: len(results) == asked, 20)
    finally:
        core.stop()
    return [r.status_key for r in results]  # type: ignore[attr-defined]


def test_the_kiosk_look_up_never_confirms_a_queued_code_to_a_wrong_id_number(
    tmp_path: Path,
) -> None:
    """The defect: "queued" for any code in the outbox with any 12-digit ID number."""
    config = _config(tmp_path)
    [code] = submit_demo(config, 1)  # queued here, not sent
    card = json.loads((Path("assets/cards/demo-card.json")).read_text(encoding="utf-8"))
    statuses = _look_up(config, code, [card["id_number"], "001099999999"], sync=False)
    assert statuses == ["lookup.status.queued", "lookup.status.not_found"]


def test_with_the_centre_out_of_reach_a_wrong_id_number_hears_cannot_check_now(
    tmp_path: Path,
) -> None:
    centre = CentralService(tmp_path / "centre")  # keys only: nothing listens on its port
    centre.register_kiosk("DEMO01-K01", tmp_path / "credential.pem")
    config = _config(
        tmp_path,
        sync={
            "central_url": "http://127.0.0.1:9",
            "credential": str(tmp_path / "credential.pem"),
            "central_public_key": str(tmp_path / "centre" / "seal-public.pem"),
            "connect_timeout_s": 0.5,
        },
    )
    [code] = submit_demo(config, 1)
    card = json.loads((Path("assets/cards/demo-card.json")).read_text(encoding="utf-8"))
    unknown = code[:-4] + "0099"  # not queued here either: the same answer
    statuses = _look_up(config, code, [card["id_number"], "001099999999"], sync=True)
    statuses += _look_up(config, unknown, ["001099999999"], sync=True)
    assert statuses == [
        "lookup.status.queued",
        "lookup.status.unavailable",
        "lookup.status.unavailable",
    ]


def _submit_on_screen(config: KioskConfig, paper_out: bool) -> tuple[str, SqlOutbox]:
    """One demo citizen through the screens' journeys; the printer may be out of paper."""
    dispatcher = QueueDispatcher()
    core, sims = build_core(config, RuntimeFlags(demo=True), dispatcher, card_apdu_delay_s=0)
    assert sims.reader and sims.card
    core.devices.printer.paper_out = paper_out  # type: ignore[attr-defined]
    outcome: list[str | None] = []
    core.submission.receipt_printed.connect(outcome.append)
    outbox = core.outbox
    assert isinstance(outbox, SqlOutbox)
    core.start()
    try:
        card = sims.card
        assert card.date_of_expiry is not None
        sims.reader.insert(card)
        assert dispatcher.drain_until(lambda: core.step is Step.ACCESS_KEY, 20)
        core.identify.submit_access_key(
            card.id_number, f"{card.date_of_birth:%d/%m/%Y}", f"{card.date_of_expiry:%d/%m/%Y}"
        )
        assert dispatcher.drain_until(lambda: core.step is Step.FACE_CHECK, 20)
        core.face.confirmed()
        core.service.choose("LT-KS-TT-BHYT")
        assert not core.forms.complete(dict(ANSWERS))
        core.forms.confirm_answers()
        assert dispatcher.drain_until(lambda: core.step is Step.RECEIPT, 20)
        code = core.session.dossier_code or ""
        assert dispatcher.drain_until(lambda: bool(outcome), 20)  # printed, or not

        def recorded() -> bool:
            with outbox.engine.connect() as connection:
                query = "SELECT receipt FROM dossiers WHERE code = ?"
                return connection.exec_driver_sql(query, (code,)).scalar() is not None

        assert wait_until(recorded, timeout=10)
        core.submission.receipt_done()
    finally:
        core.stop()
    return code, outbox


@pytest.mark.parametrize("paper_out", [False, True], ids=["printed", "paper_out"])
def test_the_store_remembers_whether_the_receipt_came_out(tmp_path: Path, paper_out: bool) -> None:
    code, outbox = _submit_on_screen(_config(tmp_path), paper_out)
    missing = [m.code for m in outbox.missing_receipts()]
    assert missing == ([code] if paper_out else [])


def test_a_dossier_committed_just_before_a_kill_is_listed_as_missing_its_receipt(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = SqlOutbox.open(tmp_path / "kiosk.db", enrol=True)
    printed, killed = _submit(store), _submit(store)
    store.mark_receipt(printed, True, WHEN)
    # ``killed``: committed, then the kiosk died before the printer was asked.
    store.engine.dispose()
    assert [m.code for m in SqlOutbox.open(tmp_path / "kiosk.db").missing_receipts()] == [killed]
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'[storage]\ndata_dir = "{tmp_path}"\n[logging]\nfile = false\n', encoding="utf-8"
    )
    assert main(["--config", str(config), "sync", "status"]) == 0
    out = capsys.readouterr().out
    assert f"no receipt printed: {killed} (received 2026-11-20 09:00)" in out
    assert printed not in out
    assert main(["--config", str(config), "sync", "status", "--json"]) == 0
    report = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert report["missing_receipts"] == [{"code": killed, "received_at": "2026-11-20T09:00:00"}]


def test_a_full_disk_refusal_is_logged_with_its_reason_and_shows_in_the_heartbeat(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Every disk here has less than a terabyte free: every submission is refused.
    config = _config(tmp_path, storage={"min_free_mb": 10**6})
    core, _ = build_core(config, RuntimeFlags(demo=True), QueueDispatcher())
    assert core.sync is not None
    core.start()
    try:
        with caplog.at_level(logging.WARNING), pytest.raises(OutboxFullError):
            _submit(core.outbox)  # type: ignore[arg-type]
        [record] = [r for r in caplog.records if r.getMessage() == "submission_refused"]
        fields = record.fields  # type: ignore[attr-defined]
        assert fields["reason"] == "low_free_space" and isinstance(fields["free_mb"], int)
        centre = CentralService(tmp_path / "data" / "demo-central")

        def latest() -> dict:
            core.sync.heartbeat()  # type: ignore[union-attr]
            with centre._sessions() as session:
                [beat] = session.query(Heartbeat).all()
            return json.loads(beat.payload)["submissions_refused"]

        # The worker's own first heartbeat, made before the refusal, may land after this
        # test's: the next one carries the refusal again.
        deadline = time.monotonic() + 30
        refused = latest()
        while refused["count"] != 1 and time.monotonic() < deadline:
            time.sleep(0.2)
            refused = latest()
        assert refused["count"] == 1 and refused["reason"] == "low_free_space"
        assert refused["last_at"].startswith(str(date.today().year))
    finally:
        core.stop()


def test_a_database_that_fills_the_disk_logs_disk_full(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from sqlalchemy import event

    store = SqlOutbox.open(tmp_path / "kiosk.db", enrol=True)
    _submit(store)
    with store.engine.connect() as connection:
        pages = connection.exec_driver_sql("PRAGMA page_count").scalar()
    store.engine.dispose()
    event.listen(
        store.engine,
        "connect",
        lambda dbapi, _record: dbapi.execute(f"PRAGMA max_page_count={pages}"),
    )

    def big(code: str) -> tuple[DossierMeta, bytes]:
        return DossierMeta(code, "CT-TT", WHEN, None), b"y" * 200_000

    with caplog.at_level(logging.WARNING), pytest.raises(OutboxFullError):
        store.submit(WHEN.date(), lambda n: CODES.code(WHEN, n), big)
    assert store.refusals()["reason"] == "disk_full"
    assert any(r.getMessage() == "submission_refused" for r in caplog.records)
    assert len(store.pending()) == 1
