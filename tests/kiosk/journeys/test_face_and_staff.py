"""The face journey alone, with the staff journey it hands over to."""

from __future__ import annotations

from datetime import date

import pytest

from kiosk.base.identity import CitizenIdentity
from kiosk.face.errors import FaceError
from kiosk.journeys.face import FaceJourney, FaceStep
from kiosk.journeys.staff import StaffJourney
from kiosk.runtime.flow import Step, Trigger
from tests.kiosk.journeys.conftest import Rig


def _unusable_models(_settings: object) -> object:
    raise FaceError("face.error.model_altered", "a model file does not match its sha256")


def _face_journey(rig: Rig) -> FaceJourney:
    context = rig.context
    check = FaceStep(
        context.config.face,
        context.devices.camera,
        context.dispatcher,
        engine_loader=_unusable_models,
    )
    return FaceJourney(context, check)


def test_unusable_face_models_send_the_citizen_to_staff_who_confirm_by_eye(rig: Rig) -> None:
    face = _face_journey(rig)
    staff = StaffJourney(rig.context, face)
    rig.context.session.identity = CitizenIdentity(
        "001099012345", "Nguyễn Văn A", date(1990, 1, 1), photo=bytearray(b"\xff\xd8")
    )
    rig.route(face, staff, at=Step.READING_CARD)
    rig.context.machine.fire(Trigger.CARD_READ)
    rig.wait_for(Step.STAFF_HELP, timeout=10)
    assert rig.context.session.error_key == "face.error.model_altered"

    staff.confirm_face("CB-0042", "Checked the card photo by eye")
    assert rig.step is Step.CHOOSE_SERVICE
    outcome = rig.context.session.face_check.as_content()
    assert outcome["result"] == "staff_override"
    assert outcome["staff_id"] == "CB-0042"


def test_a_staff_confirmation_needs_an_id_and_a_reason(rig: Rig) -> None:
    face = _face_journey(rig)
    staff = StaffJourney(rig.context, face)
    rig.route(face, staff, at=Step.STAFF_HELP)
    with pytest.raises(ValueError):
        staff.confirm_face("", "")
    assert rig.step is Step.STAFF_HELP


def test_calling_staff_from_a_step_returns_there_afterwards(rig: Rig) -> None:
    face = _face_journey(rig)
    staff = StaffJourney(rig.context, face)
    rig.route(face, staff, at=Step.CHOOSE_SERVICE)
    staff.call()
    assert rig.step is Step.STAFF_HELP
    rig.context.fire(Trigger.STAFF_DONE)
    assert rig.step is Step.CHOOSE_SERVICE


def test_a_call_sounds_the_chime_once_so_staff_nearby_look_up(rig: Rig) -> None:
    from devices.speech.simulator import SimulatedSpeaker

    speaker = rig.context.devices.speaker
    assert isinstance(speaker, SimulatedSpeaker)
    staff = StaffJourney(rig.context, _face_journey(rig))
    rig.route(staff, at=Step.CHOOSE_SERVICE)
    staff.call()
    assert rig.step is Step.STAFF_HELP and speaker.chimes == 1
    staff.call()  # pressed again while waiting: already called, no second chime
    assert speaker.chimes == 1
    rig.context.fire(Trigger.STAFF_DONE)

    rig.context.config = rig.context.config.replace(devices={"call_chime": False})
    staff.call()  # a centre that turned the chime off: the call still goes, silently
    assert rig.step is Step.STAFF_HELP and speaker.chimes == 1
