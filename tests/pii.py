"""Helpers to look for a citizen's personal data where it must not be."""

from __future__ import annotations

import gc
import random
from datetime import date
from pathlib import Path

from devices.card.simulator import DEMO_PROFILE, SimulatedCard

_SURNAMES = ["Đặng", "Hoàng", "Lương", "Quách", "Vương", "Đoàn"]
_MIDDLE = ["Thị", "Văn", "Hữu", "Ngọc", "Đức", "Thuỳ"]
_GIVEN = ["Khuê", "Nguyệt", "Thắng", "Phượng", "Hiển", "Trâm"]
_STREETS = ["Lý Thường Kiệt", "Hai Bà Trưng", "Trần Hưng Đạo", "Nguyễn Trãi"]


def unique_card() -> SimulatedCard:
    """A card whose personal data is made at run time (so no code constant holds it)."""
    rng = random.Random()
    name = " ".join(
        [rng.choice(_SURNAMES), rng.choice(_MIDDLE), rng.choice(_GIVEN), rng.choice(_GIVEN)]
    ) + "x" * rng.randint(1, 3)
    id_number = "0" + "".join(str(rng.randint(0, 9)) for _ in range(11))
    street = (
        f"Số {rng.randint(100, 999)} đường {rng.choice(_STREETS)}, phường Q{rng.randint(1, 99)}"
    )
    demo = SimulatedCard.from_profile(DEMO_PROFILE)
    return SimulatedCard(
        id_number=id_number,
        full_name=name,
        date_of_birth=date(rng.randint(1940, 1990), rng.randint(1, 12), rng.randint(1, 28)),
        sex="Nữ",
        nationality="Việt Nam",
        ethnicity="Kinh",
        place_of_origin="Xã Thử Nghiệm",
        place_of_residence=street,
        date_of_issue=date(2021, 6, 1),
        date_of_expiry=date(2046, 1, 1),
        photo=demo.photo,
    )


def needles_for(card: SimulatedCard) -> list[str]:
    """The card's personal data as *new* string objects.

    The search skips the needles themselves by identity, so they must not be
    the very objects the kiosk holds, or a leak of those objects would be missed.
    """
    dob = card.date_of_birth
    values = [
        card.id_number,
        card.full_name,
        card.place_of_residence,
        dob.strftime("%d/%m/%Y"),
        dob.isoformat(),
    ]
    return ["".join(list(v)) for v in values]


def unique_answers() -> dict[str, str]:
    """What a citizen types, made at run time (phone, a child's name)."""
    rng = random.Random()
    return {
        "child_name": f"{rng.choice(_SURNAMES)} {rng.choice(_GIVEN)} Bé{rng.randint(100, 999)}",
        "child_dob": "01/11/2026",
        "phone": "09" + "".join(str(rng.randint(0, 9)) for _ in range(8)),
    }


def objects_holding(needles: list[str]) -> list[str]:
    """Describe every object the garbage collector tracks that refers to a needle.

    Strings and bytes are not tracked themselves, so each tracked object's
    referents are checked (dict items, sequence and deque items, closure
    cells, slots, frame locals, partial arguments...).
    """
    gc.collect()
    encoded = [n.encode("utf-8") for n in needles]
    needle_ids = {id(n) for n in [*needles, *encoded]} | {id(needles), id(encoded)}
    hits: list[str] = []
    for obj in gc.get_objects():
        if id(obj) in needle_ids:
            continue
        for value in gc.get_referents(obj):
            if id(value) in needle_ids:
                continue
            if isinstance(value, str) and any(n in value for n in needles):
                hits.append(f"{type(obj).__name__}: {value[:60]!r}")
            elif isinstance(value, (bytes, bytearray)) and any(e in value for e in encoded):
                hits.append(f"{type(obj).__name__}: bytes")
    return hits


def files_holding(root: Path, needles: list[str]) -> list[Path]:
    encoded = [n.encode("utf-8") for n in needles]
    found = []
    for path in root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if any(e in data for e in encoded):
                found.append(path)
    return found
