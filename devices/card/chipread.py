"""From a chip to a :class:`CardReadResult`: read, parse, authenticate.

Shared by every reader adapter (PC/SC, the in-process emulator): the adapter
supplies a transport on its own thread; this module runs the protocol and
turns the files into the citizen's identity plus the authenticity verdict.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar

from cryptography import x509

from devices.card.access import AccessKey
from devices.card.base import CardError, CardReadResult, NotGenuineError, ReadStep
from devices.card.mrtd.aa import active_authentication
from devices.card.mrtd.apdu import Transport
from devices.card.mrtd.ca import chip_authentication
from devices.card.mrtd.errors import ChipDataError
from devices.card.mrtd.lds import parse_dg1, parse_dg2, parse_dg13, parse_vn_date
from devices.card.mrtd.mrz import MrzInfo
from devices.card.mrtd.reader import ChipReader
from devices.card.mrtd.sod import PaStatus, passive_authentication
from kiosk.base.identity import CitizenIdentity

T = TypeVar("T")


def displayable_photo(dg2: bytes) -> bytes:
    """The chip photo as JPEG or PNG (Qt has no JPEG 2000 decoder; OpenCV does).

    The image's size was checked from its header before this decodes it.
    """
    face = parse_dg2(dg2)
    if face.mime == "image/jpeg":
        return face.image
    import cv2  # only for a JPEG 2000 photo, when a card is read: not at start-up
    import numpy as np

    image = cv2.imdecode(np.frombuffer(face.image, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise ChipDataError("the JPEG 2000 photo does not decode")
    ok, png = cv2.imencode(".png", image)
    if not ok:
        raise ChipDataError("the photo could not be converted")
    return png.tobytes()


def identity_from_files(files: dict[str | int, bytes]) -> tuple[CitizenIdentity, MrzInfo, bool]:
    """DG13 gives the Vietnamese details, DG1 confirms the number, DG2 the photo.

    Any ICAO 9303 document is read: without a Vietnamese DG13 (a passport, another
    state's card) the identity is what DG1's MRZ says.  Returns the identity, the MRZ
    and whether DG13's citizen data was there.
    """
    mrz = _parsed("DG1", parse_dg1, files[1])
    photo = _parsed("DG2", displayable_photo, files[2]) if 2 in files else None
    if 13 not in files or mrz.issuing_state != "VNM":
        # DG13 is for each state's own use: only a Vietnamese one is read as the CCCD's.
        return _identity_from_mrz(mrz, photo), mrz, False
    dg13 = _parsed("DG13", parse_dg13, files[13])

    def text(name: str) -> str:
        value = dg13.get(name, "")
        return value if isinstance(value, str) else ""

    id_number = text("id_number")
    if mrz.national_id and mrz.national_id != id_number:
        raise ChipDataError("DG1 and DG13 disagree on the ID number").at("DG13")
    birth = _parsed("DG13", parse_vn_date, text("date_of_birth"))
    if birth is None:
        raise ChipDataError("DG13 has no date of birth").at("DG13")
    issue = text("date_of_issue")
    expiry = text("date_of_expiry")
    identity = CitizenIdentity(
        id_number=id_number,
        full_name=text("full_name"),
        date_of_birth=birth,
        sex=text("sex"),
        nationality=text("nationality") or "Việt Nam",
        ethnicity=text("ethnicity"),
        place_of_origin=text("place_of_origin"),
        place_of_residence=text("place_of_residence"),
        date_of_issue=_parsed("DG13", parse_vn_date, issue) if issue else None,
        date_of_expiry=_parsed("DG13", parse_vn_date, expiry) if expiry else None,
        old_id_number=text("old_id_number"),
        photo=bytearray(photo) if photo else None,
    )
    return identity, mrz, True


def _parsed(name: str, parse: Callable[[Any], T], data: Any) -> T:
    """``parse(data)``; a chip error names the file it came from (no personal data)."""
    try:
        return parse(data)
    except CardError as exc:
        raise exc.at(name) from None


def _mrz_date(yymmdd: str, future: bool) -> date | None:
    """YYMMDD → a date: a birth date is in the past, an expiry date within 50 years."""
    try:
        parsed = datetime.strptime(yymmdd, "%y%m%d").date()
    except ValueError:
        return None
    today = date.today()
    if not future and parsed > today:
        parsed = parsed.replace(year=parsed.year - 100)
    elif future and parsed.year > today.year + 50:
        parsed = parsed.replace(year=parsed.year - 100)
    return parsed


def _identity_from_mrz(mrz: MrzInfo, photo: bytes | None) -> CitizenIdentity:
    surname, _, given = mrz.names.partition("<<")
    birth = _mrz_date(mrz.date_of_birth, future=False)
    if birth is None:
        raise ChipDataError("the MRZ's date of birth is not a date").at("DG1")
    return CitizenIdentity(
        id_number=mrz.national_id or "",
        full_name=" ".join(part.replace("<", " ").strip() for part in (surname, given)).strip(),
        date_of_birth=birth,
        sex={"F": "Nữ", "M": "Nam"}.get(mrz.sex, ""),
        nationality=mrz.nationality,
        date_of_expiry=_mrz_date(mrz.date_of_expiry, future=True),
        photo=bytearray(photo) if photo else None,
    )


def read_identity(
    transport: Transport,
    key: AccessKey,
    trust_store: list[x509.Certificate],
    progress: Callable[[ReadStep], None] | None = None,
) -> CardReadResult:
    """Read, then check in the order that keeps verdicts honest.

    Passive authentication comes first: altered data is reported as *not
    genuine* before anything parses it (a forged DG13 or DG15 must not turn into
    a mere "unreadable" that invites another try).  Active and chip
    authentication follow while the secure channel is still open.  None of the
    three raises on a hostile chip: every failure inside them is a verdict (only a
    failed link, :class:`CardLinkError`, passes through).
    """
    reader = ChipReader(transport, progress)
    timings = reader.stats.timings_ms
    try:
        files = reader.read_all(key)
        groups = {k: v for k, v in files.files.items() if isinstance(k, int)}
        started = time.perf_counter()
        verdict = passive_authentication(files.files.get("SOD"), groups, trust_store)
        timings["passive_authentication"] = (time.perf_counter() - started) * 1000
        if verdict.status is PaStatus.DATA_ALTERED:
            raise NotGenuineError(verdict.detail).at("passive authentication")
        started = time.perf_counter()
        active = active_authentication(reader.send, files.files.get(15), files.files.get(14))
        timings["active_authentication"] = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        chip_auth = chip_authentication(reader.send, reader.switch_keys, files.files.get(14))
        timings["chip_authentication"] = (time.perf_counter() - started) * 1000
        identity, mrz, citizen_data = identity_from_files(files.files)
        files.wipe()
    finally:
        reader.close()
    result = CardReadResult(identity, verdict.status.value, dict(timings))
    result.detail = verdict.detail
    result.vouched_by = verdict.vouched_by
    result.apdus = reader.stats.apdus
    result.access_control = files.access_control
    result.active_authentication = active.value
    result.chip_authentication = chip_auth.value
    result.bytes_in = reader.stats.bytes_in
    result.document_code = mrz.document_code
    result.issuing_state = mrz.issuing_state
    result.citizen_data = citizen_data
    return result
