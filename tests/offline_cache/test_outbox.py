from datetime import datetime

import pytest

from kiosk.dossier import DossierMeta
from offline_cache.outbox import MemoryOutbox, OutboxFullError


def meta(code: str, minute: int) -> DossierMeta:
    return DossierMeta(code, "CT-TT", datetime(2026, 11, 20, 9, minute), None)


def test_pending_is_oldest_first_and_find_ignores_case() -> None:
    outbox = MemoryOutbox()
    outbox.put(meta("B-2", 5), b"sealed-2")
    outbox.put(meta("A-1", 1), b"sealed-1")
    assert [q.meta.code for q in outbox.pending()] == ["A-1", "B-2"]
    assert outbox.find(" a-1 ") == meta("A-1", 1)
    assert outbox.find("C-3") is None


def test_a_dossier_is_never_queued_twice() -> None:
    outbox = MemoryOutbox()
    outbox.put(meta("A-1", 1), b"x")
    with pytest.raises(ValueError, match="already queued"):
        outbox.put(meta("A-1", 1), b"x")


def test_a_full_outbox_refuses_new_dossiers_and_keeps_the_queue() -> None:
    outbox = MemoryOutbox(capacity=2)
    outbox.put(meta("A-1", 1), b"x")
    outbox.put(meta("A-2", 2), b"y")
    with pytest.raises(OutboxFullError):
        outbox.put(meta("A-3", 3), b"z")
    assert len(outbox.pending()) == 2
