"""The identify journey alone: card on the reader, access key, chip read, its failures."""

from __future__ import annotations

from kiosk.journeys.identify import IdentifyJourney
from kiosk.runtime.flow import Step
from tests.kiosk.journeys.conftest import Rig


def _typed_key(rig: Rig, journey: IdentifyJourney, expiry: str | None = None) -> dict[str, str]:
    card = rig.card
    return journey.submit_access_key(
        card.id_number,
        f"{card.date_of_birth:%d/%m/%Y}",
        expiry or f"{card.date_of_expiry:%d/%m/%Y}",
    )


def _card_placed(rig: Rig, journey: IdentifyJourney) -> None:
    """The citizen touched "Nộp hồ sơ" and placed the card: the key is asked for."""
    rig.route(journey, at=Step.INSERT_CARD)
    rig.reader.insert(rig.card)
    rig.wait_for(Step.ACCESS_KEY)


def test_a_placed_card_and_its_typed_key_identify_the_citizen(rig: Rig) -> None:
    journey = IdentifyJourney(rig.context)
    _card_placed(rig, journey)
    assert _typed_key(rig, journey) == {}
    rig.wait_for(Step.FACE_CHECK)
    identity = rig.context.session.identity
    assert identity is not None and identity.id_number == rig.card.id_number
    assert rig.context.session.authenticity == "verified"
    assert rig.context.session.access_key is None  # the key has done its job


def test_a_placed_card_is_opened_by_its_qr_code_without_a_touch(rig: Rig) -> None:
    """The camera looks for the QR code as soon as the card is placed: no mode to choose."""
    from kiosk.scan.qr import qr_frame

    journey = IdentifyJourney(rig.context)
    _card_placed(rig, journey)
    rig.camera.show([qr_frame(rig.card.qr_text())])
    rig.wait_for(Step.FACE_CHECK, timeout=10)
    identity = rig.context.session.identity
    assert identity is not None and identity.id_number == rig.card.id_number


def test_a_typed_key_with_mistakes_names_each_wrong_field_and_stays(rig: Rig) -> None:
    journey = IdentifyJourney(rig.context)
    _card_placed(rig, journey)
    errors = journey.submit_access_key("12345", "31/02/1985", "")
    assert errors == {
        "id_number": "access.error.id",
        "birth": "access.error.date",
        "expiry": "access.error.date",
    }
    assert rig.step is Step.ACCESS_KEY


def test_three_wrong_keys_hand_the_citizen_to_staff(rig: Rig) -> None:
    journey = IdentifyJourney(rig.context)
    _card_placed(rig, journey)
    for attempt in range(1, 4):
        assert _typed_key(rig, journey, expiry="01/01/2099") == {}
        if attempt < 3:
            rig.wait_for(Step.ACCESS_KEY)
            assert rig.context.session.card_attempts == attempt
    rig.wait_for(Step.STAFF_HELP)
    assert rig.context.session.error_key == "card.error.too_many"
    assert rig.context.session.identity is None


def test_a_card_pulled_out_while_the_key_is_asked_goes_back_to_insert(rig: Rig) -> None:
    journey = IdentifyJourney(rig.context)
    _card_placed(rig, journey)
    rig.reader.remove()
    rig.wait_for(Step.INSERT_CARD)
    assert rig.context.session.access_key is None


def test_a_can_that_is_not_six_digits_is_refused_before_the_chip_is_asked(rig: Rig) -> None:
    journey = IdentifyJourney(rig.context)
    _card_placed(rig, journey)
    assert journey.submit_can("12") == {"can": "access.error.can"}
    assert journey.submit_mrz("not an MRZ") == "access.error.mrz"
    assert rig.step is Step.ACCESS_KEY


def test_a_qr_code_that_is_not_a_cards_says_so_and_keeps_asking(rig: Rig) -> None:
    journey = IdentifyJourney(rig.context)
    results: list[str | None] = []
    journey.qr_result.connect(results.append)
    _card_placed(rig, journey)
    journey._on_qr("https://example.invalid/not-a-card")
    assert results == ["access.error.qr"]
    assert rig.step is Step.ACCESS_KEY


def test_the_card_read_from_its_qr_code_tries_the_likely_expiry_dates(rig: Rig) -> None:
    journey = IdentifyJourney(rig.context)
    _card_placed(rig, journey)
    journey._on_qr(rig.card.qr_text())
    rig.wait_for(Step.FACE_CHECK)
    assert rig.context.session.key_prefill == (
        rig.card.id_number,
        f"{rig.card.date_of_birth:%d/%m/%Y}",
    )
