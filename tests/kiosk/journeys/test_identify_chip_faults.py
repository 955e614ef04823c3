"""The identify journey facing a hostile or broken chip, and a document that is not the CCCD.

- a document signer certificate altered by one byte: "not genuine", staff called
  (it used to crash the session);
- a chip that goes silent with its connection open: the reader gives up after its
  deadline, the citizen is told to place the card again, no attempt is counted,
  and the next card is read without restarting anything;
- a genuine foreign passport: its holder is told politely that the kiosk needs a
  Vietnamese ID card, and staff help is offered.
"""

from __future__ import annotations

from dataclasses import replace

from devices.card.base import CardDeadlines, ReaderState
from devices.card.emulator.builder import build_passport
from kiosk.journeys.identify import IdentifyJourney
from kiosk.runtime.flow import Step
from tests.helpers import wait_until
from tests.kiosk.journeys.conftest import Rig


def _placed(rig: Rig, journey: IdentifyJourney, card) -> None:
    rig.route(journey, at=Step.INSERT_CARD)
    rig.reader.insert(card)
    rig.wait_for(Step.ACCESS_KEY)


def _type_key(journey: IdentifyJourney, card) -> None:
    errors = journey.submit_access_key(
        card.id_number, f"{card.date_of_birth:%d/%m/%Y}", f"{card.date_of_expiry:%d/%m/%Y}"
    )
    assert errors == {}


def test_an_altered_signer_certificate_sends_the_citizen_to_staff_as_not_genuine(
    rig: Rig,
) -> None:
    journey = IdentifyJourney(rig.context)
    forged = replace(rig.card, tamper="altered_certificate")
    _placed(rig, journey, forged)
    _type_key(journey, forged)
    rig.wait_for(Step.STAFF_HELP)
    assert rig.context.session.error_key == "card.error.not_genuine"
    assert rig.context.session.identity is None
    assert rig.errors == []  # a verdict, not a crash (the rig fails on any crash too)


def test_a_silent_chip_is_given_up_on_and_the_next_card_is_read(rig: Rig) -> None:
    rig.reader.deadlines = CardDeadlines(apdu_s=0.3, read_s=10)
    journey = IdentifyJourney(rig.context)
    silent = replace(rig.card, fault="silent", silent_after=5)
    _placed(rig, journey, silent)
    _type_key(journey, silent)
    rig.wait_for(Step.INSERT_CARD)
    session = rig.context.session
    assert session.error_key == "card.error.timeout"  # take it off and place it again
    assert session.card_attempts == 0  # not a wrong key
    assert rig.dispatcher.drain_until(
        lambda: (
            journey.reader_status is not None
            and journey.reader_status.state is ReaderState.NOT_RESPONDING
        )
    )
    rig.reader.remove()
    assert wait_until(lambda: rig.reader.status().state is ReaderState.READY)
    # The kiosk's own deadlines for the next card: 0.3 s a command is a chip's need, not a
    # loaded machine's, and the healthy card must not be timed out by the machine.
    rig.reader.deadlines = CardDeadlines()
    rig.reader.insert(rig.card)
    rig.wait_for(Step.ACCESS_KEY)
    _type_key(journey, rig.card)
    rig.wait_for(Step.FACE_CHECK)
    assert rig.context.session.authenticity == "verified"


def test_a_foreign_passport_is_declined_politely_with_staff_help_offered(rig: Rig) -> None:
    journey = IdentifyJourney(rig.context)
    passport = replace(rig.card, document="passport")
    _placed(rig, journey, passport)
    mrz = build_passport(passport.identity(), rig.reader.pki).mrz  # the scanner types it
    assert journey.submit_mrz(mrz) is None
    rig.wait_for(Step.INSERT_CARD)
    session = rig.context.session
    assert session.error_key == "card.error.not_id_card"
    assert rig.context.tr("card.error.not_id_card") != "card.error.not_id_card"
    assert "Gọi nhân viên" in rig.context.tr("card.error.not_id_card")
    assert session.card_attempts == 0
    assert session.identity is None
