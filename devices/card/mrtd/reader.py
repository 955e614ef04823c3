"""Reading an eMRTD chip: select, access control, files (ICAO 9303-10/-11).

Pure protocol over an injected :class:`~devices.card.mrtd.apdu.Transport`.
The sequence a field reader runs against a CCCD:

1. SELECT the LDS1 application (9303-10 §3.6.1, AID A0000002471001).
2. Access control: PACE when EF.CardAccess offers it, else BAC (9303-11 §4).
3. Read EF.COM, DG1, DG13, DG2, DG14, DG15 and EF.SOD under secure messaging.

Reading a file: the first READ BINARY asks for a handful of bytes to learn the
file's total length from its TLV header, then reads the rest in chunks as
large as the card allows (extended length when the card accepts it, falling
back to short APDUs on 6700, retrying with the exact length on 6Cxx).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from devices.card.access import AccessKey
from devices.card.base import CardError, ReadStep
from devices.card.mrtd import bac
from devices.card.mrtd.apdu import (
    Command,
    Response,
    Transport,
    read_binary,
    select_applet,
    select_file,
)
from devices.card.mrtd.errors import (
    AccessControlError,
    CanNotAcceptedError,
    ChipDataError,
    ExtendedLengthRefusedError,
    SecureMessagingError,
    StatusWordError,
)
from devices.card.mrtd.lds import (
    DG_FILES,
    DG_TAGS,
    EF_CARD_ACCESS,
    EF_COM,
    EF_SOD,
    MAX_FILE_BYTES,
)
from devices.card.mrtd.pace import (
    PASSWORD_CAN,
    PASSWORD_MRZ,
    PaceInfo,
    parse_card_access,
    perform_pace,
)
from devices.card.mrtd.sm import SecureTransport, SessionKeys
from devices.card.mrtd.tlv import read_length, read_tag

log = logging.getLogger(__name__)

LDS1_AID = bytes.fromhex("A0000002471001")
SHORT_CHUNK = 0xDF  # largest plain chunk whose protected response fits in 256 bytes
EXTENDED_CHUNK = 0x7F00  # what a generous card returns per protected extended READ BINARY


@dataclass
class ReadStats:
    apdus: int = 0
    bytes_in: int = 0
    bytes_out: int = 0
    timings_ms: dict[str, float] = field(default_factory=dict)
    apdus_per_step: dict[str, int] = field(default_factory=dict)


class CountingTransport:
    """Counts APDUs and bytes (for the technician CLI and benchmarks)."""

    def __init__(self, inner: Transport, stats: ReadStats) -> None:
        self.inner = inner
        self.stats = stats

    def transmit(self, apdu: bytes) -> bytes:
        self.stats.apdus += 1
        self.stats.bytes_out += len(apdu)
        response = self.inner.transmit(apdu)
        self.stats.bytes_in += len(response)
        return response


@dataclass
class ChipFiles:
    """Raw files as read, by name ('COM', 'SOD') or data group number."""

    files: dict[str | int, bytes] = field(default_factory=dict)
    access_control: str = ""
    stats: ReadStats = field(default_factory=ReadStats)

    def wipe(self) -> None:
        self.files.clear()


class ChipReader:
    def __init__(
        self,
        transport: Transport,
        progress: Callable[[ReadStep], None] | None = None,
        try_extended: bool = True,
    ) -> None:
        self.stats = ReadStats()
        self.transport = CountingTransport(transport, self.stats)
        self.progress = progress or (lambda _step: None)
        self.secure: SecureTransport | None = None
        self.chunk = EXTENDED_CHUNK if try_extended else SHORT_CHUNK
        # How this chip's files are reached: learnt from the first file read, then kept.
        self.file_access = "unknown"  # "sfi" | "fid"

    # Steps ---------------------------------------------------------------------
    def plain(self, command: Command) -> Response:
        return Response.parse(self.transport.transmit(command.encode()))

    def select_application(self) -> None:
        response = self.plain(select_applet(LDS1_AID))
        if not response.ok:
            raise StatusWordError(response.sw, "SELECT LDS1 application")

    def card_access(self) -> list[PaceInfo]:
        """EF.CardAccess (in the master file, read in the clear): the PACE variants offered."""
        try:
            data = self.read_file(EF_CARD_ACCESS[1], optional=True)
            return parse_card_access(data) if data else []
        except (ChipDataError, StatusWordError, SecureMessagingError):
            return []  # unreadable or absent: the card does BAC only

    def authenticate(self, key: AccessKey) -> str:
        """PACE when EF.CardAccess offers a variant we support, else BAC (9303-11 §4.2)."""
        pace = next((info for info in self.card_access() if info.supported), None)
        if pace is not None and (key.document_number or key.can):

            def pace_with(k: AccessKey) -> SessionKeys:
                if k.document_number:
                    password = k.mrz_information.encode("ascii")
                    return perform_pace(self.transport, pace, password, PASSWORD_MRZ)
                return perform_pace(self.transport, pace, k.can.encode("ascii"), PASSWORD_CAN)

            try:
                self.secure = SecureTransport(self.transport, self._either_layout(key, pace_with))
                # After PACE the application is selected under secure messaging (§4.2).
                response = self.send(select_applet(LDS1_AID))
                if not response.ok:
                    raise StatusWordError(response.sw, "SELECT LDS1 application")
                return "PACE"
            except (StatusWordError, ChipDataError, SecureMessagingError) as exc:
                # PACE itself failed, not the password (a security status such as 6982,
                # 6985 or 6A80 rather than 63xx): some chips offer PACE in EF.CardAccess
                # but refuse it with the MRZ, and take BAC with the same key.  Fall back
                # to BAC (9303-11 §4.2); only BAC refusing too means a wrong key.
                self.secure = None
                log.info("pace_refused", extra={"fields": {"reason": str(exc)}})
                if not key.document_number:
                    if not isinstance(exc, StatusWordError):
                        raise
                    # Refused outright, not a wrong CAN (63xx): ask for the numbers instead.
                    raise CanNotAcceptedError(
                        f"PACE with the CAN refused ({exc}): the card needs the ID number and dates"
                    ) from None
        self.select_application()
        if not key.document_number:
            raise CanNotAcceptedError("this card has no PACE: it needs the ID number and dates")
        keys = self._either_layout(
            key, lambda k: bac.perform_bac(self.transport, k.mrz_information)
        )
        self.secure = SecureTransport(self.transport, keys)
        return "BAC"

    def _either_layout(
        self, key: AccessKey, open_with: Callable[[AccessKey], SessionKeys]
    ) -> SessionKeys:
        """Open the chip with the key; refused, once more with the CCCD number's other layout.

        Both tries belong to the same attempt (the citizen's count of attempts is not
        touched); the log says which layout opened the chip, never the number.
        """
        try:
            return open_with(key)
        except AccessControlError:
            other = key.other_layout()
            if other is None:
                raise
        keys = open_with(other)
        log.info("access_key_layout", extra={"fields": {"layout": other.layout, "tries": 2}})
        return keys

    def switch_keys(self, keys: SessionKeys) -> None:
        """New session keys (after chip authentication); the old ones are wiped."""
        old = self.secure
        self.secure = SecureTransport(self.transport, keys)
        if old is not None:
            old.keys.wipe()

    def send(self, command: Command) -> Response:
        if self.secure is None:
            return self.plain(command)
        return self.secure.send(command)

    def read_file(self, sfi: int, optional: bool = False) -> bytes | None:
        """Read a whole elementary file (ISO 7816-4 §7.2.2), by SFI or by file identifier.

        Every LDS1 file's identifier is 01xx with xx its short file identifier
        (9303-10 Table 38), so ``sfi`` names both.
        """
        head = self._head(sfi)
        if head is None:
            if optional:
                return None
            raise ChipDataError(f"file with SFI {sfi:02X} not found")
        _tag, _constructed, offset = read_tag(head, 0)
        length, offset = read_length(head, offset)
        total = offset + length
        if total > MAX_FILE_BYTES:
            raise ChipDataError(f"file {sfi:02X} claims {total} bytes: refused")
        data = bytearray(head[:total])
        # A hostile chip answering a few bytes at a time must not keep us reading for
        # minutes: no honest card needs more APDUs than this for one file.
        budget = total // 64 + 16
        while len(data) < total:
            budget -= 1
            if budget < 0:
                raise ChipDataError(f"file {sfi:02X} comes in too many pieces")
            want = min(self.chunk, total - len(data))
            chunk = self._read_chunk(len(data), want, None)
            if not chunk:
                raise ChipDataError(f"file {sfi:02X} ended after {len(data)} of {total} bytes")
            data += chunk
        return bytes(data[:total])

    def _head(self, sfi: int) -> bytes | None:
        """The first bytes of a file, or None when the chip has no such file.

        READ BINARY with a short file identifier selects and reads in one command.
        Chips without SFIs (older ones, and some current ones) refuse it with 6A82,
        6A86 or 6D00, or answer something that is not the file: then the file is
        selected by its identifier (ISO 7816-4 §7.1.1, SELECT P1=02) and read by
        offset, and the whole read stays in that mode.  EF.CardAccess, read in the
        master file before access control, does not decide the mode, and its absence
        (6A82) just means a BAC-only chip.
        """
        if self.file_access == "fid":
            return self._head_by_fid(sfi)
        try:
            head = self._read_chunk(0, 8, sfi)
        except StatusWordError:
            if self.file_access == "sfi":
                raise
            head = b""  # refused: perhaps a chip without SFIs
        if self.file_access == "sfi" or (head is None and sfi == EF_CARD_ACCESS[1]):
            return head
        expected = _EXPECTED_TAGS.get(sfi, ())
        if head and _first_tag(head) in expected:
            if sfi != EF_CARD_ACCESS[1]:
                self.file_access = "sfi"
            return head
        by_fid = self._head_by_fid(sfi)
        if by_fid and _first_tag(by_fid) in expected:
            if sfi != EF_CARD_ACCESS[1]:
                self.file_access = "fid"
                log.info("chip_file_access", extra={"fields": {"mode": "file identifier"}})
            return by_fid
        # Neither way gives the file's own tag: absent or malformed, whatever the mode.
        return by_fid if by_fid is not None else (head or None)

    def _head_by_fid(self, sfi: int) -> bytes | None:
        response = self.send(select_file(0x0100 | sfi))
        if response.sw == 0x6A82:
            return None
        if response.sw in (0x6982, 0x6988, 0x6987):
            raise SecureMessagingError(f"SELECT refused ({response.sw:04X})")
        if not response.ok:
            raise StatusWordError(response.sw, "SELECT EF")
        return self._read_chunk(0, 8, None)

    def _read_chunk(self, offset: int, length: int, sfi: int | None) -> bytes | None:
        command = read_binary(offset, length, sfi)
        for _attempt in range(3):
            response = self.send(command)
            sw = response.sw
            if sw in (0x9000, 0x6282):  # 6282: end of file reached before Le bytes
                data = response.data
                if command.ins == 0xB1:
                    data = _unwrap_do53(data)
                return data
            if sw == 0x6A82:
                return None  # file not found (optional data groups)
            if sw == 0x6B00:
                return b""  # offset beyond the end
            if sw >> 8 == 0x6C:  # wrong Le: the card says how many bytes it has
                command = read_binary(offset, (sw & 0xFF) or 256, sfi)
                continue
            if sw == 0x6700 and self.chunk != SHORT_CHUNK:
                # The card does not take extended length.  Under secure messaging a
                # refused command may not have been counted by the card, so the channel
                # cannot be trusted: start again with short APDUs (read_all does).
                if self.secure is not None:
                    raise ExtendedLengthRefusedError("extended length refused")
                self.chunk = SHORT_CHUNK
                command = read_binary(offset, min(length, SHORT_CHUNK), sfi)
                continue
            if sw in (0x6982, 0x6988, 0x6987):
                raise SecureMessagingError(f"READ BINARY refused ({sw:04X})")
            raise StatusWordError(sw, "READ BINARY")
        raise StatusWordError(sw, "READ BINARY (retries exhausted)")

    # The whole read ---------------------------------------------------------------
    def read_all(self, key: AccessKey, groups: tuple[int, ...] = (1, 13, 2, 14, 15)) -> ChipFiles:
        try:
            return self._read_all(key, groups)
        except ExtendedLengthRefusedError:
            # Once more from the start, in short APDUs (a new secure channel).
            self.close()
            self.chunk = SHORT_CHUNK
            return self._read_all(key, groups)

    def _read_all(self, key: AccessKey, groups: tuple[int, ...]) -> ChipFiles:
        result = ChipFiles(stats=self.stats)

        def timed(name: str, fn: Callable[[], object]) -> object:
            started, apdus = time.perf_counter(), self.stats.apdus
            try:
                value = fn()
            except CardError as exc:
                # For technicians: "EF.SOD: truncated TLV: no tag", "DG2: no answer within…".
                raise exc.at(name.replace("_", " ")) from None
            self.stats.timings_ms[name] = (time.perf_counter() - started) * 1000
            self.stats.apdus_per_step[name] = self.stats.apdus - apdus
            return value

        self.progress(ReadStep.CONNECTING)
        self.progress(ReadStep.UNLOCKING)
        result.access_control = str(timed("access_control", lambda: self.authenticate(key)))
        self.progress(ReadStep.READING_DETAILS)
        # EF.COM is advisory (9303-10 §4.6.1: an index, not covered by EF.SOD): the data
        # groups are read whatever it lists, so a malformed or missing one is no reason
        # to turn a citizen away.  Secure messaging and link failures still end the read.
        try:
            com = timed("EF.COM", lambda: self.read_file(EF_COM[1], optional=True))
        except (ChipDataError, StatusWordError) as exc:
            log.warning("ef_com_unreadable", extra={"fields": {"reason": str(exc)}})
            com = None
        if isinstance(com, bytes):
            result.files["COM"] = com
        for number in groups:
            if number == 2:
                self.progress(ReadStep.READING_PHOTO)
            data = timed(
                f"DG{number}",
                lambda n=number: self.read_file(DG_FILES[n][1], optional=n not in (1, 2)),
            )
            if isinstance(data, bytes):
                result.files[number] = data
        self.progress(ReadStep.CHECKING)
        sod = timed("EF.SOD", lambda: self.read_file(EF_SOD[1], optional=True))
        if isinstance(sod, bytes):
            result.files["SOD"] = sod
        return result

    def close(self) -> None:
        if self.secure is not None:
            self.secure.keys.wipe()
            self.secure = None


# The tag each file starts with, by SFI: an answer starting otherwise is not that file.
_EXPECTED_TAGS: dict[int, tuple[int, ...]] = {
    EF_COM[1]: (0x60,),
    EF_SOD[1]: (0x77,),
    EF_CARD_ACCESS[1]: (0x31,),
    **{DG_FILES[number][1]: (tag,) for tag, number in DG_TAGS.items()},
}
_EXPECTED_TAGS[DG_FILES[2][1]] = (0x75, 0x7F61)  # DG2 without its outer tag (some chips)


def _first_tag(data: bytes) -> int | None:
    try:
        return read_tag(data, 0)[0]
    except ChipDataError:
        return None


def _unwrap_do53(data: bytes) -> bytes:
    """READ BINARY with odd INS answers inside a discretionary data object 53."""
    if not data:
        return data
    tag, _constructed, offset = read_tag(data, 0)
    length, offset = read_length(data, offset)
    if tag != 0x53 or offset + length > len(data):
        raise ChipDataError("odd READ BINARY answer is not a DO53")
    return data[offset : offset + length]
