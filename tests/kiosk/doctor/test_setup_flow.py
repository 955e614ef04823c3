"""First-run set-up: from an empty settings file to a kiosk that serves citizens.

Real parts: pcscd with vsmartcard's virtual reader and the project's CCCD emulator
behind it, a private cupsd with a cups-pdf queue, the reference centre on loopback.
The technician chooses each device and tries it, enrols the kiosk (the centre approves
the key whose fingerprint the screen shows), imports the CSCA; then `kiosk run`'s list
of problems is empty and a citizen's card is read by the kiosk built from that file.
There is no camera on the test machine: it is chosen by index and the doctor's camera
check is the one expected to fail (no frames).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from devices.card.emulator.builder import build_chip
from devices.card.emulator.chip import EmulatedChip
from devices.card.emulator.pki import TestPki, create_test_pki, save_pki
from devices.card.emulator.vpcd import VpcdCard
from devices.card.simulator import SimulatedCard
from kiosk.central.reference.fleet import FleetPages, approve_kiosk, fingerprint
from kiosk.central.reference.server import CentralService, RunningCentral
from kiosk.doctor.report import CheckResult, Status
from kiosk.journeys.technician import THRESHOLD_CHOICES, TechnicianMode
from kiosk.staff.roles import Role
from tests.devices.cupsd import Cupsd, start_cupsd, why_not
from tests.devices.test_pcsc import READER, Pcscd
from tests.helpers import key_for
from tests.kiosk.doctor.translated import assert_speaks_both

KIOSK_ID = "000.00.01.H01-K05"


@pytest.fixture(scope="module")
def pki() -> TestPki:
    return create_test_pki()


@pytest.fixture(scope="module")
def card() -> SimulatedCard:
    return SimulatedCard.from_profile()


@pytest.fixture(scope="module")
def pcscd() -> Iterator[Pcscd]:
    if shutil.which("pcscd") is None:
        pytest.skip("pcscd is not installed (make test installs it)")
    daemon = Pcscd()
    daemon.ensure_running()
    try:
        yield daemon
    finally:
        daemon.stop()


@pytest.fixture(scope="module")
def cupsd() -> Iterator[Cupsd]:
    reason = why_not()
    if reason:
        pytest.skip(f"no private cupsd: {reason}")
    folder = Path(tempfile.mkdtemp(prefix="kiosk-cups-"))  # CUPS filters run as lp
    try:
        server = start_cupsd(folder)
    except RuntimeError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        pytest.skip(f"no private cupsd: {exc}")
    server.add_pdf_queue("kiosk-pdf")
    old = os.environ.get("CUPS_SERVER")
    os.environ["CUPS_SERVER"] = server.socket  # pycups, lp and lpstat all read it
    import cups

    cups.setServer(server.socket)
    try:
        yield server
    finally:
        if old is None:
            os.environ.pop("CUPS_SERVER", None)
        else:
            os.environ["CUPS_SERVER"] = old
        cups.setServer(old or "")
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def centre(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CentralService]:
    service = CentralService(tmp_path_factory.mktemp("centre"))
    running = RunningCentral(FleetPages(service)).start()
    service.url = running.url  # type: ignore[attr-defined]
    yield service
    running.stop()


def test_an_empty_kiosk_is_set_up_and_serves_citizens(
    pcscd: Pcscd,
    cupsd: Cupsd,
    centre: CentralService,
    pki: TestPki,
    card: SimulatedCard,
    tmp_path: Path,
) -> None:
    from kiosk.app import build_core
    from kiosk.base.events import QueueDispatcher
    from kiosk.runtime.config import RuntimeFlags
    from kiosk.runtime.flow import Step

    config_path, data = tmp_path / "kiosk.toml", tmp_path / "data"
    config_path.write_text("")
    mode = TechnicianMode(config_path, data, Role.TECHNICIAN)
    assert len(mode.problems()) >= 5  # nothing real yet: reader, camera, printer, trust, centre
    with pytest.raises(PermissionError):
        TechnicianMode(config_path, data, Role.STAFF)

    # The CSCA (here the emulator's test PKI) into the trust store; a non-CA is refused.
    save_pki(pki, tmp_path / "pki")
    added, problems = mode.import_csca([tmp_path / "pki/csca.pem", tmp_path / "pki/ds.pem"])
    assert added == 1 and problems == ["ds.pem: not a CA certificate, so not a CSCA"]

    # The reader, and a test card read: step times and the passive-authentication verdict.
    assert READER in mode.readers()
    mode.choose_reader(READER)
    vpcd = VpcdCard(EmulatedChip(build_chip(card.identity(), pki)))
    vpcd.insert()
    try:
        read = mode.test_read(mrz_key=key_for(card))
    finally:
        vpcd.remove()
    assert read.ok and read.passive_authentication == "verified", read
    assert {"access_control", "DG2", "EF.SOD"} <= set(read.steps_ms) and read.total_ms > 0
    assert "full_name" not in repr(read) and card.id_number not in repr(read)

    # The printer: a test page, then its state.
    assert "kiosk-pdf" in mode.printers()
    mode.choose_printer("kiosk-pdf")
    printed = mode.print_test_page()
    assert printed.error == "" and printed.queue == "kiosk-pdf", printed
    assert printed.state in ("idle", "printing")

    # The centre: address, enrolment, refused until the centre approves the fingerprint.
    url = centre.url  # type: ignore[attr-defined]
    mode.set_centre(url, KIOSK_ID, centre.data_dir / "seal-public.pem")
    enrolment = mode.enrol()
    assert len(enrolment.fingerprint.split()) == 8
    before, _clock = mode.test_call()
    assert before.status is Status.FAIL and "refuses kiosk" in before.detail
    assert fingerprint(enrolment.public_key_pem) == enrolment.fingerprint  # read aloud, compared
    approve_kiosk(centre, KIOSK_ID, enrolment.public_key_pem, "000.00.01.H01", 5)
    after, clock = mode.test_call()
    assert after.status is Status.OK and clock.status is Status.OK, (after, clock)
    assert_speaks_both([before, after, clock])

    # Camera (none on this machine: chosen by index) and the face threshold with its source.
    mode.choose_camera(0)
    mode.choose_threshold(THRESHOLD_CHOICES[0])
    # Speech: a silent kiosk cannot serve citizens who do not read the screen.
    assert any(problem.startswith("devices.speech") for problem in mode.problems())
    mode.choose_voice("vi-vn-x-south", rate_wpm=130)
    loudness, error = mode.test_voice("Xin chào. Đặt thẻ căn cước lên đầu đọc.")
    assert error == "" and loudness > -40, (loudness, error)
    assert mode.problems() == []

    # The doctor on the finished configuration: everything but the absent camera passes.
    report = mode.checks()
    assert [r.name for r in report.failing] == ["camera"], [r.line() for r in report.failing]
    assert report.get("pcscd").status is Status.OK and report.get("printer").status is Status.OK
    assert_speaks_both(report)  # the real reader, printer queue and camera, in both languages

    # The kiosk built from that file reads a citizen's card through the reader and trusts it.
    config = mode.config
    core, sims = build_core(config, RuntimeFlags(), QueueDispatcher(), sync=False)
    assert sims.reader is None
    dispatcher = core.dispatcher
    seen: list[str] = []
    core.step_changed.connect(lambda t: seen.append(f"{t.trigger.value}->{t.target.value}"))
    core.start()
    vpcd = VpcdCard(EmulatedChip(build_chip(card.identity(), pki)))
    try:
        vpcd.insert()
        assert dispatcher.drain_until(lambda: core.step is Step.ACCESS_KEY, 30)
        core.identify.submit_access_key(
            card.id_number, f"{card.date_of_birth:%d/%m/%Y}", f"{card.date_of_expiry:%d/%m/%Y}"
        )
        reached = dispatcher.drain_until(lambda: core.step is Step.FACE_CHECK, 30)
        assert reached, (seen, core.session.error_key)
        assert core.session.authenticity == "verified"
    finally:
        vpcd.remove()
        core.stop()
    archive = mode.export_logs(tmp_path / "usb")
    assert archive.name.endswith(".tar.gz") and archive.exists()


def test_printer_findings_are_said_in_both_languages(cupsd: Cupsd, tmp_path: Path) -> None:
    """The real cupsd's queue paused, then refusing jobs, then absent, then CUPS gone."""
    import cups

    from kiosk.doctor import run_checks
    from kiosk.doctor.texts import describe
    from kiosk.runtime.config import KioskConfig
    from kiosk.runtime.i18n import Translator

    config = KioskConfig().replace(devices={"printer": "cups", "printer_name": "kiosk-pdf"})

    def printer(settings: KioskConfig = config) -> CheckResult:
        return run_checks(settings, tmp_path, ["printer"]).get("printer")

    found = [printer()]
    cupsd.admin("cupsdisable", "kiosk-pdf")
    try:
        found.append(printer())
    finally:
        cupsd.admin("cupsenable", "kiosk-pdf")
    cupsd.admin("cupsreject", "kiosk-pdf")
    try:
        found.append(printer())
    finally:
        cupsd.admin("cupsaccept", "kiosk-pdf")
    found.append(printer(config.replace(devices={"printer_name": "no-such-queue"})))
    cups.setServer(str(tmp_path / "no-cupsd.sock"))
    try:
        found.append(printer())
    finally:
        cups.setServer(cupsd.socket)
    assert [r.status for r in found] == [Status.OK] + [Status.FAIL] * 4, found
    assert_speaks_both(found)
    vi = Translator("vi")
    assert describe(found[1], vi)[1:] == (
        "máy in kiosk-pdf đã dừng (paused)",
        "hàng đợi in đang tạm dừng: sudo cupsenable kiosk-pdf",
    )
    assert describe(found[2], vi)[2] == "cho hàng đợi in nhận lệnh in: sudo cupsaccept kiosk-pdf"
