"""An emulated CCCD chip: answers command APDUs like the card's LDS1 applet.

Implements what a reader needs (ISO/IEC 7816-4, ICAO 9303-10/-11):
SELECT by AID and by file identifier, GET CHALLENGE, EXTERNAL AUTHENTICATE
(BAC), READ BINARY by SFI or offset, short and extended length, and, after
BAC, secure messaging on every command.  BAC is enforced: reading a data group
in the clear is refused with 6982.  Knobs make it misbehave the way cards do
in the field: ``corrupt_mac``, ``refuse_extended``, ``mute`` (no answer, said at
once) and ``silent_after`` (answers that many commands after power-up, then
nothing while the connection stays open: a failing chip or a damaged antenna).

Knobs for chips other producers made (see :mod:`devices.card.emulator.profiles`):
``sfi_status`` (READ BINARY by short file identifier refused with that status, or
``0x9000``: answered with nothing; files are selected by identifier instead),
``omit_do99`` (protected responses carry DO'87 and DO'8E but no DO'99, the status
only in the trailer; errors come back in the clear) and ``pace_refusal`` (PACE
offered in EF.CardAccess but refused with that status; BAC with the MRZ works).
"""

from __future__ import annotations

import os
import threading

from cryptography.hazmat.primitives.asymmetric import ec

from devices.card.emulator.builder import ChipContent
from devices.card.errors import CardLinkError
from devices.card.mrtd import bac, crypto
from devices.card.mrtd.aa import sign_challenge
from devices.card.mrtd.apdu import Response
from devices.card.mrtd.ca import CA_ECDH_AES
from devices.card.mrtd.ca import session_keys as ca_session_keys
from devices.card.mrtd.errors import AccessControlError, ChipDataError
from devices.card.mrtd.lds import DG_FILES, EF_CARD_ACCESS, EF_COM, EF_SOD
from devices.card.mrtd.pace import PASSWORD_CAN, PASSWORD_MRZ, PaceChip, decode_oid
from devices.card.mrtd.reader import LDS1_AID
from devices.card.mrtd.sm import SessionKeys
from devices.card.mrtd.tlv import iter_tlv, parse_tlv, tlv

SW_OK = 0x9000
ATR = bytes.fromhex("3B8880014241544B0000000018")  # contactless-style ATR, "BATK" historical

_FILES_BY_FID = {EF_COM[0]: "COM", EF_SOD[0]: "SOD", **{fid: n for n, (fid, _) in DG_FILES.items()}}
_FILES_BY_SFI = {
    EF_COM[1]: "COM",
    EF_SOD[1]: "SOD",
    EF_CARD_ACCESS[1]: "CardAccess",
    **{sfi: n for n, (_, sfi) in DG_FILES.items()},
}


class ChipSilentError(CardLinkError):
    """The chip gives no answer at all (``silent_after``).

    Raised in-process only: over vpcd the emulator simply sends nothing back and
    the reader's call blocks, which is what the kiosk's deadlines are for.
    """


def _parse_command(apdu: bytes) -> tuple[bytes, bytes, int | None]:
    """Split a command APDU into header, data and Le (ISO 7816-4 §5.1 cases 1–4)."""
    header, body = apdu[:4], apdu[4:]
    if not body:
        return header, b"", None
    if len(body) == 1:
        return header, b"", body[0] or 256
    if body[0] == 0 and len(body) >= 3:  # extended length
        if len(body) == 3:
            le = int.from_bytes(body[1:3], "big")
            return header, b"", le or 65536
        lc = int.from_bytes(body[1:3], "big")
        data = body[3 : 3 + lc]
        rest = body[3 + lc :]
        le = int.from_bytes(rest, "big") if rest else None
        return header, data, (le or 65536) if rest else None
    lc = body[0]
    data = body[1 : 1 + lc]
    rest = body[1 + lc :]
    return header, data, ((rest[0] or 256) if rest else None)


class EmulatedChip:
    def __init__(self, content: ChipContent, max_response: int = 0x7FFF) -> None:
        self.content = content
        self.max_response = max_response
        self.corrupt_mac = False
        self.refuse_extended = False
        self.mute = False  # a damaged chip: no answer at all
        self.silent_after: int | None = None  # answers this many commands, then nothing
        self.sfi_status: int | None = None  # READ BINARY by SFI answered with this status
        self.omit_do99 = False  # protected responses without DO'99
        self.pace_refusal: int | None = None  # MSE:Set AT for PACE refused with this status
        self._lock = threading.Lock()
        self.reset()

    @property
    def silent(self) -> bool:
        """True once a ``silent_after`` chip has answered its last command since power-up."""
        return self.silent_after is not None and self._answered >= self.silent_after

    def reset(self) -> None:
        """Power cycle: back to nothing selected, no keys."""
        self._answered = 0
        self._selected_app = False
        self._keys: SessionKeys | None = None
        self._rnd_ic = b""
        self._current: str | int | None = None
        self._ca_oid = ""
        self._next_keys: SessionKeys | None = None
        info = self.content.pace
        self._pace = (
            PaceChip(
                info,
                {
                    PASSWORD_MRZ: self.content.mrz_information.encode("ascii"),
                    PASSWORD_CAN: self.content.can.encode("ascii"),
                },
            )
            if info is not None
            else None
        )

    @property
    def atr(self) -> bytes:
        return ATR

    def transmit(self, apdu: bytes) -> bytes:
        if self.mute:
            raise CardLinkError("the chip does not answer")
        with self._lock:
            if self.silent:
                raise ChipSilentError(f"the chip went silent after {self._answered} commands")
            self._answered += 1
            return self._process(bytes(apdu))

    # Dispatch ------------------------------------------------------------------------
    def _process(self, apdu: bytes) -> bytes:
        if len(apdu) < 4:
            return b"\x67\x00"
        cla = apdu[0]
        if cla & 0x0C == 0x0C:
            return self._process_protected(apdu)
        header, data, _le = _parse_command(apdu)
        ins = header[1]
        if self._keys is not None and ins not in (0xA4, 0x84, 0x82):
            # A plain command during an SM session ends the session (9303-11 §9.8).
            self._keys = None
        if ins == 0xA4 and header[2] == 0x04:
            self._selected_app = data == LDS1_AID
            self._keys = None
            return b"\x90\x00" if self._selected_app else b"\x6a\x82"
        if not self._selected_app:
            return self._master_file(header, data)
        if ins == 0x84:
            self._rnd_ic = os.urandom(8)
            return self._rnd_ic + b"\x90\x00"
        if ins == 0x82:
            return self._external_authenticate(data)
        if ins in (0xA4, 0xB0, 0xB1):
            return b"\x69\x82"  # BAC is enforced: nothing is readable in the clear
        return b"\x6d\x00"

    def _master_file(self, header: bytes, data: bytes) -> bytes:
        """Before the application is selected: EF.CardAccess in the clear, and PACE."""
        ins, p1 = header[1], header[2]
        if ins == 0xB0 and p1 & 0x80 and self.sfi_status is not None:
            return self._sfi_refused().encode()
        if ins == 0xB0 and p1 == 0x80 | EF_CARD_ACCESS[1] and "CardAccess" in self.content.files:
            self._current = "CardAccess"
            return self._read(header[3], 256).encode()
        if ins == 0xA4 and p1 == 0x02 and "CardAccess" in self.content.files:
            if int.from_bytes(data, "big") != EF_CARD_ACCESS[0]:
                return b"\x6a\x82"
            self._current = "CardAccess"
            return b"\x90\x00"
        if ins == 0xB0 and not p1 & 0x80 and self._current == "CardAccess":
            return self._read((p1 << 8) | header[3], 256).encode()
        if self._pace is not None and ins == 0x22 and header[2:4] == b"\xc1\xa4":
            if self.pace_refusal is not None:  # offered in EF.CardAccess, yet refused
                return self.pace_refusal.to_bytes(2, "big")
            return self._pace.set_at(data).to_bytes(2, "big")
        if self._pace is not None and ins == 0x86:
            answer, sw = self._pace.general_authenticate(data)
            if sw == SW_OK and self._pace.step == 5:
                self._keys = self._pace.keys  # PACE done: secure messaging from now on
            return answer + sw.to_bytes(2, "big")
        if ins in (0xB0, 0xA4):
            return b"\x6a\x82"
        return b"\x69\x85"

    def _external_authenticate(self, data: bytes) -> bytes:
        if not self._rnd_ic:
            return b"\x69\x85"
        k_ic = os.urandom(16)
        try:
            answer, keys = bac.chip_answer(self.content.mrz_information, self._rnd_ic, k_ic, data)
        except AccessControlError:
            self._rnd_ic = b""
            return b"\x63\x00"
        self._rnd_ic = b""
        self._keys = keys
        return answer + b"\x90\x00"

    # Secure messaging ----------------------------------------------------------------
    def _process_protected(self, apdu: bytes) -> bytes:
        keys = self._keys
        if keys is None:
            return b"\x69\x82"
        header, body, _le = _parse_command(apdu)
        cryptogram = b""
        le: int | None = None
        mac = b""
        macced = b""
        try:
            for item in iter_tlv(body):
                encoded = tlv(item.tag, item.value)
                if item.tag == 0x87:
                    cryptogram = item.value[1:]
                    macced += encoded
                elif item.tag == 0x85:
                    cryptogram = item.value
                    macced += encoded
                elif item.tag == 0x97:
                    le = int.from_bytes(item.value, "big") or (
                        256 if len(item.value) == 1 else 65536
                    )
                    macced += encoded
                elif item.tag == 0x8E:
                    mac = item.value
        except Exception:
            self._keys = None
            return b"\x69\x88"
        keys.ssc += 1
        if keys.mac(crypto.pad(header, keys.block) + macced) != mac:
            # 9303-11 §9.8.8: an SM error is answered in the clear and ends the session.
            self._keys = None
            return b"\x69\x88"
        data = crypto.unpad(keys.decrypt(cryptogram)) if cryptogram else b""
        plain_header = bytes((header[0] & ~0x0C & 0xFF, *header[1:]))
        response = self._inner(plain_header, data, le)
        protected = self._protect_response(keys, response)
        if self._next_keys is not None:  # chip authentication done: new keys, SSC 0
            self._keys, self._next_keys = self._next_keys, None
        return protected

    def _protect_response(self, keys: SessionKeys, response: Response) -> bytes:
        keys.ssc += 1  # the response's SSC: also the AES IV (9303-11 §9.8.6.2)
        if self.omit_do99 and response.sw != SW_OK and response.sw >> 8 != 0x62:
            return response.encode()  # an error in the clear, as such chips answer
        body = b""
        if response.data:
            body += tlv(0x87, b"\x01" + keys.encrypt(crypto.pad(response.data, keys.block)))
        if self.omit_do99:
            # DO'99 left out: the MAC covers DO'87 alone, the status is the trailer's.
            return body + tlv(0x8E, keys.mac(body)) + response.sw.to_bytes(2, "big")
        body += tlv(0x99, response.sw.to_bytes(2, "big"))
        mac = keys.mac(body)
        if self.corrupt_mac:
            mac = bytes([mac[0] ^ 0xFF]) + mac[1:]
        return body + tlv(0x8E, mac) + b"\x90\x00"

    def _inner(self, header: bytes, data: bytes, le: int | None) -> Response:
        ins, p1, p2 = header[1], header[2], header[3]
        if ins == 0xA4 and p1 == 0x04:  # the application, selected after PACE
            self._selected_app = data == LDS1_AID
            return Response(b"", SW_OK if self._selected_app else 0x6A82)
        if ins == 0xA4 and p1 == 0x02:
            fid = int.from_bytes(data, "big")
            name = _FILES_BY_FID.get(fid)
            if name is None or name not in self.content.files:
                return Response(b"", 0x6A82)
            self._current = name
            return Response(b"", SW_OK)
        if ins == 0xB0:
            if p1 & 0x80 and self.sfi_status is not None:
                return self._sfi_refused()
            if p1 & 0x80:
                name = _FILES_BY_SFI.get(p1 & 0x1F)
                if name is None or name not in self.content.files:
                    return Response(b"", 0x6A82)
                self._current = name  # a READ BINARY by SFI selects the file (7816-4 §7.2.2)
                offset = p2
            else:
                offset = (p1 << 8) | p2
            return self._read(offset, le or 256)
        if ins == 0xB1:
            if data[:2] != b"\x54\x03" or len(data) != 5:
                return Response(b"", 0x6A80)
            result = self._read(int.from_bytes(data[2:5], "big"), le or 256)
            return Response(tlv(0x53, result.data), result.sw) if result.data else result
        if ins == 0x22 and (p1, p2) == (0x41, 0xA4):  # MSE:Set AT for chip authentication
            fields = {item.tag: item.value for item in iter_tlv(data)}
            self._ca_oid = decode_oid(fields.get(0x80, b"\x00"))
            ok = self.content.ca_key is not None and self._ca_oid in CA_ECDH_AES
            return Response(b"", SW_OK if ok else 0x6A80)
        if ins == 0x86 and self._ca_oid and self.content.ca_key is not None:
            # 9303-11 §6.2: derive the new keys; they take over after this response.
            try:
                inner = {i.tag: i.value for i in iter_tlv(parse_tlv(data, 0x7C).value)}
                peer = ec.EllipticCurvePublicKey.from_encoded_point(
                    self.content.ca_key.curve, inner[0x80]
                )
            except (KeyError, ValueError, ChipDataError):
                return Response(b"", 0x6A80)
            shared = self.content.ca_key.exchange(ec.ECDH(), peer)
            self._next_keys = ca_session_keys(shared, CA_ECDH_AES[self._ca_oid])
            return Response(b"\x7c\x00", SW_OK)
        if ins == 0x88:
            # Active authentication (9303-11 §6.1): sign the terminal's challenge.
            if self.content.aa_key is None or len(data) != 8:
                return Response(b"", 0x6A80)
            return Response(sign_challenge(self.content.aa_key, data), SW_OK)
        return Response(b"", 0x6D00)

    def _sfi_refused(self) -> Response:
        """A chip without short file identifiers: an error, or (9000) an empty answer."""
        assert self.sfi_status is not None
        return Response(b"", self.sfi_status)

    def _read(self, offset: int, length: int) -> Response:
        if self._current is None:
            return Response(b"", 0x6986)
        if length > 256 and self.refuse_extended:
            return Response(b"", 0x6700)
        content = self.content.files[self._current]
        if offset > len(content):
            return Response(b"", 0x6B00)
        length = min(length, self.max_response)
        chunk = content[offset : offset + length]
        sw = 0x6282 if len(chunk) < length and offset + len(chunk) == len(content) else SW_OK
        return Response(chunk, sw if chunk else 0x6282)
