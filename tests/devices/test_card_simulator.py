import threading
from dataclasses import replace

import pytest

from devices.card.base import (
    AccessDeniedError,
    CardError,
    CardRemovedError,
    ReaderState,
    ReadStep,
)
from devices.card.simulator import SimulatedCard, SimulatedCardReader


@pytest.fixture
def reader():
    reader = SimulatedCardReader(step_delay_s=0.01)
    reader.start()
    yield reader
    reader.stop()


@pytest.fixture
def card() -> SimulatedCard:
    return SimulatedCard.from_profile()


def test_demo_profile_describes_a_full_card(card: SimulatedCard) -> None:
    assert len(card.id_number) == 12 and card.id_number.isdigit()
    assert card.full_name == "Trần Thị Ngọc Ánh"
    assert card.photo.startswith(b"\x89PNG")
    assert "Trần" not in repr(card)


def test_insert_and_remove_are_announced_on_the_reader_thread(reader, card) -> None:
    events: list[tuple[str, ReaderState, str]] = []
    done = threading.Event()

    def record(kind: str):
        def handler(status) -> None:
            events.append((kind, status.state, threading.current_thread().name))
            if kind == "removed":
                done.set()

        return handler

    reader.card_inserted.connect(record("inserted"))
    reader.card_removed.connect(record("removed"))
    reader.insert(card)
    reader.remove()
    assert done.wait(2)
    assert [(k, s) for k, s, _ in events] == [
        ("inserted", ReaderState.CARD_PRESENT),
        ("removed", ReaderState.READY),
    ]
    assert {t for _, _, t in events} == {"card-reader"}


def test_read_returns_the_cards_identity_with_named_steps(reader, card) -> None:
    steps: list[ReadStep] = []
    reader.read_progress.connect(steps.append)
    reader.insert(card)
    result = reader.read_card().result(timeout=2)
    assert result.identity.id_number == card.id_number
    assert bytes(result.identity.photo or b"") == card.photo
    assert steps == list(ReadStep)
    assert set(result.timings_ms) == {s.value for s in ReadStep}


def test_card_pulled_out_mid_read_raises_removed(reader, card) -> None:
    reader.step_delay_s = 0.2
    reader.insert(card)
    future = reader.read_card()
    threading.Timer(0.25, reader.remove).start()
    with pytest.raises(CardRemovedError):
        future.result(timeout=3)


def test_reading_without_a_card_raises_removed(reader) -> None:
    with pytest.raises(CardRemovedError):
        reader.read_card().result(timeout=2)


@pytest.mark.parametrize(
    ("fault", "error", "key"),
    [
        ("access_denied", AccessDeniedError, "card.error.access_denied"),
        ("unreadable", CardError, "card.error.unreadable"),
    ],
)
def test_faulty_cards_raise_a_translated_error(reader, card, fault, error, key) -> None:
    reader.insert(replace(card, fault=fault))
    with pytest.raises(error) as raised:
        reader.read_card().result(timeout=2)
    assert raised.value.message_key == key


def test_removing_the_card_drops_its_data(reader, card) -> None:
    reader.insert(card)
    reader.remove()
    assert reader._card is None
    assert reader.status().state is ReaderState.READY
