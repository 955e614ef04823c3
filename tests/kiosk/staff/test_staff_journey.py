"""Staff mode in the kiosk: the staff card read like a citizen's, PIN alone, the session's
end, the assisted override recorded in the dossier and the audit trail, a retry from the
dashboard.  A real core on simulated devices and a real SQLite database."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from kiosk.journeys.staff import render_copy
from kiosk.runtime.flow import Step, Trigger
from kiosk.staff.audit import verify
from kiosk.staff.directory import LOCAL, card_digest
from kiosk.staff.pins import PinHasher
from offline_cache.sealing import open_sealed
from offline_cache.staff_store import AccountRow
from tests.conftest import BIRTH_ANSWERS, FakeClock, Kiosk

CHEAP = PinHasher(time_cost=1, memory_kib=1024, parallelism=1)


def _actions(kiosk: Kiosk) -> list[tuple[str, str]]:
    desk = kiosk.core.staff.desk
    assert desk is not None
    return [(e.actor, e.action) for e in desk.store.audit_entries()]


def _settle_audit(kiosk: Kiosk, count: int) -> None:
    assert kiosk.dispatcher.drain_until(lambda: len(_actions(kiosk)) >= count, 20), _actions(kiosk)


def test_staff_mode_opens_only_by_the_hidden_gesture_and_pin(kiosk: Kiosk) -> None:
    core = kiosk.core
    core.staff.staff_mode()
    assert core.step is Step.STAFF_SIGN_IN
    failed = []
    core.staff.sign_in_failed.connect(failed.append)
    core.staff.sign_in("0000", "NV001")
    kiosk.dispatcher.drain_until(lambda: bool(failed), 20)
    assert failed[0].reason == "wrong" and core.step is Step.STAFF_SIGN_IN
    core.staff.sign_in("2468", "NV001")  # the demo's staff member, PIN alone
    kiosk.wait_for(Step.STAFF_DASHBOARD)
    _settle_audit(kiosk, 2)
    assert _actions(kiosk) == [("NV001", "sign_in_failed"), ("NV001", "sign_in")]


def test_the_staff_card_and_pin_sign_in_and_taking_the_card_ends_it(kiosk: Kiosk) -> None:
    core = kiosk.core
    desk = core.staff.desk
    assert desk is not None
    desk.store.put_account(
        AccountRow("NV002", "staff", CHEAP.hash("1357"), card_digest(kiosk.card.id_number), LOCAL),
        datetime(2026, 11, 20, 9, 0),
    )
    # The staff member places their own card at the start screen: read and checked as usual.
    kiosk.reader.insert(kiosk.card)
    kiosk.wait_for(Step.ACCESS_KEY)
    assert kiosk.enter_key() == {}
    kiosk.wait_for(Step.STAFF_SIGN_IN)
    assert core.session.identity is None  # the staff member's own data is not kept
    core.staff.sign_in("1357")
    kiosk.wait_for(Step.STAFF_DASHBOARD)
    kiosk.reader.remove()
    kiosk.wait_for(Step.ATTRACT)
    assert desk.operator is None
    _settle_audit(kiosk, 2)
    assert _actions(kiosk)[-2:] == [("NV002", "sign_in"), ("NV002", "sign_out")]
    assert json.loads(desk.store.audit_entries()[-1].detail) == {"reason": "card_removed"}


def test_the_staff_session_ends_after_its_idle_minutes(kiosk: Kiosk, clock: FakeClock) -> None:
    core = kiosk.core
    core.staff.staff_mode()
    core.staff.sign_in("2468", "NV001")
    kiosk.wait_for(Step.STAFF_DASHBOARD)
    clock.advance(100)
    core.user_activity()
    clock.advance(100)
    core.tick()
    assert core.step is Step.STAFF_DASHBOARD
    clock.advance(core.config.session.staff_idle_timeout_s)
    core.tick()
    assert core.step is Step.ATTRACT and core.staff.operator is None


def test_the_assisted_override_is_recorded_in_the_dossier_and_the_audit_trail(
    kiosk: Kiosk, central_key: X25519PrivateKey
) -> None:
    core = kiosk.core
    # A staff member starts an assisted session from the dashboard.
    core.staff.staff_mode()
    core.staff.sign_in("2468", "NV001")
    kiosk.wait_for(Step.STAFF_DASHBOARD)
    core.staff.start_assisted()
    assert core.step is Step.INSERT_CARD
    kiosk.identify()
    # The face check failed: the citizen is handed to staff, who confirm with ID and PIN.
    core.session.error_key = "face.result.staff"
    core.fire(Trigger.STAFF_CALLED)
    failed = []
    core.staff.override_failed.connect(failed.append)
    core.staff.override_face("NV001", "9999", "photo_matches")
    kiosk.dispatcher.drain_until(lambda: bool(failed), 20)
    assert failed[0].reason == "wrong" and core.step is Step.STAFF_HELP
    core.staff.override_face("NV001", "2468", "photo_matches", "kính mới")
    kiosk.wait_for(Step.CHOOSE_SERVICE)
    core.service.choose("LT-KS-TT-BHYT")
    core.forms.start()
    assert core.forms.complete(dict(BIRTH_ANSWERS)) == {}
    core.forms.confirm_answers()
    kiosk.wait_for(Step.RECEIPT)
    [queued] = core.outbox.pending()
    code = queued.meta.code
    content = json.loads(open_sealed(queued.sealed, central_key, code.encode()))
    assert content["face_check"]["result"] == "staff_override"
    assert content["face_check"]["staff_id"] == "NV001"
    desk = core.staff.desk
    assert desk is not None
    kiosk.dispatcher.drain_until(lambda: ("NV001", "assisted_dossier") in _actions(kiosk), 20)
    [line] = desk.store.dossiers_on(queued.meta.received_at.date())
    assert (line.code, line.assisted_by) == (code, "NV001")
    entries = desk.store.audit_entries()
    override = next(e for e in entries if e.action == "face_override")
    assert json.loads(override.detail) == {"reason": "photo_matches", "note_length": 8}
    assert entries[-1].dossier_code == code
    # Nothing of the citizen in the trail; and the trail verifies.
    text = repr(entries)
    assert kiosk.card.full_name not in text and kiosk.card.id_number not in text
    assert verify(entries, {desk.trail.key_id: desk.trail.public_key}) == []


def test_a_refused_dossier_is_sent_again_from_the_dashboard(kiosk: Kiosk) -> None:
    core = kiosk.core
    core.fire(Trigger.SUBMIT_CHOSEN)
    kiosk.identify()
    kiosk.fill_birth_registration()
    core.forms.confirm_answers()
    kiosk.wait_for(Step.RECEIPT)
    code = core.session.dossier_code
    assert code is not None
    claim = core.outbox.claim_next(datetime(2026, 11, 20, 9, 31), timedelta(seconds=60))
    assert claim is not None
    core.outbox.mark_dead(
        claim, datetime(2026, 11, 20, 9, 31), "HTTP 422 invalid: unknown procedure"
    )
    core.cancel()
    core.fire(Trigger.FINISHED)  # the goodbye screen, touched
    assert core.step is Step.ATTRACT
    core.staff.staff_mode()
    boards = []
    core.staff.dashboard_loaded.connect(boards.append)
    core.staff.sign_in("2468", "NV001")
    kiosk.wait_for(Step.STAFF_DASHBOARD)
    kiosk.dispatcher.drain_until(lambda: bool(boards), 20)
    [line] = boards[-1].dossiers
    assert (line.code, line.state, line.last_error) == (
        code,
        "dead",
        "HTTP 422 invalid: unknown procedure",
    )
    done = []
    core.staff.action_done.connect(done.append)
    core.staff.retry(code)
    kiosk.dispatcher.drain_until(lambda: len(boards) >= 2, 20)
    assert done == ["staff.done.retry"]
    assert boards[-1].dossiers[0].state == "pending"
    _settle_audit(kiosk, 2)
    desk = core.staff.desk
    assert desk is not None
    retry = desk.store.audit_entries()[-1]
    assert (retry.actor, retry.action, retry.dossier_code) == ("NV001", "retry", code)


def test_a_receipt_is_reprinted_as_a_copy(kiosk: Kiosk) -> None:
    core = kiosk.core
    core.fire(Trigger.SUBMIT_CHOSEN)
    kiosk.identify()
    kiosk.fill_birth_registration()
    core.forms.confirm_answers()
    kiosk.wait_for(Step.RECEIPT)
    code = core.session.dossier_code
    printer = core.devices.printer
    assert kiosk.dispatcher.drain_until(lambda: len(printer.jobs) == 1, 20)  # type: ignore[attr-defined]
    core.cancel()
    core.fire(Trigger.FINISHED)
    core.staff.staff_mode()
    core.staff.sign_in("2468", "NV001")
    kiosk.wait_for(Step.STAFF_DASHBOARD)
    core.staff.reprint(code)
    assert kiosk.dispatcher.drain_until(lambda: len(printer.jobs) == 2, 20)  # type: ignore[attr-defined]
    assert printer.jobs[-1].name == f"copy-{code}"  # type: ignore[attr-defined]
    _settle_audit(kiosk, 2)
    assert _actions(kiosk)[-1] == ("NV001", "reprint")
    # What was printed: marked as a copy, and without the citizen's name (no longer kept).
    meta = core.outbox.find(code)
    assert meta is not None
    pdf = render_copy(core.context, meta, "Liên thông khai sinh")
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    assert "BẢN SAO" in text and code in text.replace("\n", "")
    assert kiosk.card.full_name not in text
