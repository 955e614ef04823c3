"""A scripted card (after JMRTD's ScriptedCardService): expected commands, canned answers."""

from __future__ import annotations


class ScriptedTransport:
    def __init__(self, script: list[tuple[str, str]]) -> None:
        self.script = [(bytes.fromhex(c), bytes.fromhex(r)) for c, r in script]
        self.sent: list[bytes] = []

    def transmit(self, apdu: bytes) -> bytes:
        self.sent.append(apdu)
        if not self.script:
            raise AssertionError(f"script exhausted at command {apdu.hex().upper()}")
        expected, response = self.script.pop(0)
        if apdu != expected:
            raise AssertionError(f"expected {expected.hex().upper()}, got {apdu.hex().upper()}")
        return response
