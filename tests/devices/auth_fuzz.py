"""Fuzzing the whole authentication path: a card whose EF.SOD or signer certificate is mutated.

Each example takes an emulator-built CCCD, mutates its EF.SOD, or the document
signer certificate inside it (re-wrapped with correct lengths, so the damage
reaches the certificate's own parser), by one byte flipped, a truncation or an
inserted byte, puts it on an emulated chip and runs everything the kiosk runs:
BAC and secure messaging, reading the files, passive, active and chip
authentication, parsing the identity, then the kiosk's own decision
(:func:`kiosk.journeys.identify.refusal`).  The outcome is one of:

- ``verified``: accepted, allowed only when the bytes the reader took are the
  original EF.SOD (an inserted byte after the file's end is never read);
- ``refused:<message key>``: the kiosk refuses the card (staff are called);
- ``unreadable:<error>``: a :class:`~devices.card.errors.CardError`, the citizen
  is asked to place the card again.

Anything else (an exception that is not a CardError) is a crash: the property
``tests/devices/test_auth_fuzz.py`` checks never happens.  The figures in
docs/card-robustness.md come from running this module::

    .venv/bin/python -m tests.devices.auth_fuzz --examples 10000 --seed 1
    .venv/bin/python -m tests.devices.auth_fuzz --sweep
"""

from __future__ import annotations

import argparse
import logging
import random
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace

from cryptography.hazmat.primitives import serialization

from devices.card.access import AccessKey
from devices.card.chipread import read_identity
from devices.card.emulator.builder import ChipContent, build_chip
from devices.card.emulator.chip import EmulatedChip
from devices.card.emulator.pki import TestPki, create_test_pki
from devices.card.errors import CardError
from devices.card.mrtd.errors import ChipDataError
from devices.card.mrtd.tlv import encode_length, encode_tag, read_length, read_tag
from devices.card.simulator import SimulatedCard
from kiosk.journeys.identify import refusal

TARGETS = ("sod", "certificate")
KINDS = ("flip", "truncate", "insert")


@dataclass(frozen=True)
class Mutation:
    """One change: a byte flipped (``value`` is the XOR mask), a cut, or a byte inserted."""

    target: str  # "sod" or "certificate"
    kind: str  # "flip", "truncate" or "insert"
    position: int  # taken modulo the target's length
    value: int = 1  # 1..255

    def apply(self, data: bytes) -> bytes:
        if self.kind == "flip":
            changed = bytearray(data)
            changed[self.position % len(data)] ^= self.value or 1
            return bytes(changed)
        if self.kind == "truncate":
            return data[: self.position % len(data)]
        at = self.position % (len(data) + 1)
        return data[:at] + bytes([self.value & 0xFF]) + data[at:]


def _enclosing(data: bytes, start: int, end: int) -> list[tuple[int, int, int]]:
    """The TLVs whose value holds ``data[start:end]``, outermost first: (tag, header, end)."""
    path: list[tuple[int, int, int]] = []
    offset, limit = 0, len(data)
    while offset < limit:
        tag, constructed, value_at = read_tag(data, offset)
        length, value_at = read_length(data, value_at)
        tlv_end = value_at + length
        if offset <= start and end <= tlv_end and (offset, tlv_end) != (start, end):
            if not constructed:
                break
            path.append((tag, offset, tlv_end))
            offset, limit = value_at, tlv_end
            continue
        offset = tlv_end
    return path


def replace_nested(data: bytes, start: int, end: int, replacement: bytes) -> bytes:
    """``data`` with ``data[start:end]`` replaced and every enclosing TLV's length fixed."""
    inner = replacement
    inner_start, inner_end = start, end
    for tag, tlv_start, tlv_end in reversed(_enclosing(data, start, end)):
        _tag, _constructed, value_at = read_tag(data, tlv_start)
        _length, value_at = read_length(data, value_at)
        value = data[value_at:inner_start] + inner + data[inner_end:tlv_end]
        inner = encode_tag(tag) + encode_length(len(value)) + value
        inner_start, inner_end = tlv_start, tlv_end
    return data[:inner_start] + inner + data[inner_end:]


def mutated_sod(sod: bytes, certificate: bytes, mutation: Mutation) -> bytes:
    if mutation.target == "sod":
        return mutation.apply(sod)
    start = sod.index(certificate)
    return replace_nested(sod, start, start + len(certificate), mutation.apply(certificate))


def as_read(sod: bytes) -> bytes:
    """The bytes a reader takes from a file: up to its first TLV's end (9303-10 §3.10)."""
    try:
        _tag, _constructed, offset = read_tag(sod, 0)
        length, offset = read_length(sod, offset)
    except ChipDataError:
        return sod
    return sod[: offset + length]


@dataclass
class Card:
    """A genuine emulated CCCD and what reading it needs."""

    content: ChipContent
    key: AccessKey
    pki: TestPki

    @property
    def certificate(self) -> bytes:
        return self.pki.ds.public_bytes(serialization.Encoding.DER)

    @classmethod
    def build(cls) -> Card:
        card = SimulatedCard.from_profile()
        assert card.date_of_expiry is not None
        pki = create_test_pki("Fuzz")
        key = AccessKey.from_cccd(card.id_number, card.date_of_birth, card.date_of_expiry)
        return cls(build_chip(card.identity(), pki), key, pki)

    def with_sod(self, sod: bytes) -> ChipContent:
        return replace(self.content, files={**self.content.files, "SOD": sod})


def outcome(card: Card, sod: bytes, require_trusted_signer: bool = False) -> str:
    """Everything the kiosk runs on a card with this EF.SOD; only a crash raises."""
    try:
        result = read_identity(EmulatedChip(card.with_sod(sod)), card.key, [card.pki.csca])
    except CardError as exc:
        if exc.message_key == "card.error.not_genuine":
            return f"refused:{exc.message_key}"
        return f"unreadable:{type(exc).__name__}"
    refused = refusal(result, require_trusted_signer)
    result.identity.wipe()
    return "verified" if refused is None else f"refused:{refused.message_key}"


def check(card: Card, mutation: Mutation) -> str:
    """The outcome of one mutation; AssertionError if a changed EF.SOD was accepted."""
    original = card.content.files["SOD"]
    sod = mutated_sod(original, card.certificate, mutation)
    result = outcome(card, sod)
    if result == "verified":
        assert as_read(sod) == original, f"{mutation} was accepted"
    return result


def random_mutations(examples: int, seed: int, sizes: dict[str, int]) -> Iterator[Mutation]:
    rng = random.Random(seed)
    for _ in range(examples):
        target, kind = rng.choice(TARGETS), rng.choice(KINDS)
        yield Mutation(target, kind, rng.randrange(sizes[target] + 1), rng.randrange(1, 256))


def every_flip(sizes: dict[str, int]) -> Iterator[Mutation]:
    """Every byte of EF.SOD and of the certificate, XORed with each of SWEEP_MASKS."""
    for target in TARGETS:
        for position in range(sizes[target]):
            for mask in SWEEP_MASKS:
                yield Mutation(target, "flip", position, mask)


SWEEP_MASKS = (0x01, 0x20, 0x80, 0xFF)


def campaign(examples: int, seed: int, sweep: bool = False) -> None:
    """Mutations through the whole path (random, or every byte flipped); a table of outcomes."""
    logging.disable(logging.WARNING)  # each refusal logs its reason; the table says enough
    card = Card.build()
    sizes = {"sod": len(card.content.files["SOD"]), "certificate": len(card.certificate)}
    mutations = every_flip(sizes) if sweep else random_mutations(examples, seed, sizes)
    counts: Counter[tuple[str, str, str]] = Counter()
    crashes: list[str] = []
    started = time.perf_counter()
    examples = 0
    for mutation in mutations:
        examples += 1
        target, kind = mutation.target, mutation.kind
        try:
            result = check(card, mutation)
        except Exception as exc:  # what the test forbids: listed, not hidden
            result = f"CRASH:{type(exc).__name__}"
            crashes.append(f"{mutation}: {exc!r}")
        counts[(target, kind, result)] += 1
    elapsed = time.perf_counter() - started
    each_ms = elapsed / examples * 1000
    how = f"every byte flipped (XOR {', '.join(f'{m:02X}' for m in SWEEP_MASKS)})"
    how = how if sweep else f"seed {seed}"
    print(f"{examples} mutated cards, {how}, {elapsed:.0f} s ({each_ms:.1f} ms each)")
    print(f"EF.SOD {sizes['sod']} bytes, document signer certificate {sizes['certificate']} bytes")
    print()
    print("| target | mutation | outcome | cards |")
    print("|---|---|---|---|")
    for (target, kind, result), number in sorted(counts.items()):
        print(f"| {target} | {kind} | {result} | {number} |")
    print()
    print(f"crashes: {len(crashes)}")
    for line in crashes[:20]:
        print(f"  {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--sweep", action="store_true", help="every byte flipped instead of random mutations"
    )
    args = parser.parse_args()
    campaign(args.examples, args.seed, args.sweep)


if __name__ == "__main__":
    main()
