"""Technician mode and the first-run set-up: each device chosen, tried, and written down.

Not a journey of a citizen's visit: a mode outside any session, for a signed-in
technician (:class:`~kiosk.staff.roles.Role`) or, on a kiosk not yet set up, for
whoever runs ``kiosk setup`` at its keyboard (root on the machine: before any staff
directory exists there is nobody else to sign in).  Every choice is written through
the typed configuration (:func:`~kiosk.runtime.config.write_setting`), so a wrong
value is refused with the same message as ``kiosk config set``.

Thread contract: every method may block (a card read, a test page, the centre); the
screen calls them on the task runner and shows the value returned.  Nothing
personal is returned: a test read reports timings and verdicts, never the card's data.
"""

from __future__ import annotations

import re
import shutil
import tarfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from devices.speech.base import Speaker
from kiosk.doctor import DoctorReport, run_checks
from kiosk.doctor.centre import check_centre
from kiosk.doctor.checks import printer_state
from kiosk.doctor.enrol import make_key_pair
from kiosk.doctor.report import CheckResult
from kiosk.runtime.config import ConfigError, KioskConfig, load_config, write_setting
from kiosk.staff.roles import Role

KEY_FILE = "kiosk-key.pem"
TRUST_DIR = "trust"
CARD_WAIT_S = 5.0


@dataclass(frozen=True)
class ThresholdChoice:
    """A face threshold and what it was measured to do (docs/face.md, 'Figures')."""

    threshold: float  # 0: the embedder's calibrated one
    target_fmr: str
    fmr: str
    fnmr: str
    source: str  # which faces: tech.face.source.<source> says it in the screen's language
    people: int
    photos: int


# The kiosk's pipeline (FaceMesh alignment + mirror), rows of docs/face.md.
THRESHOLD_CHOICES = (
    ThresholdChoice(
        0.0,
        "0.1 %",
        "0.096 % (102 / 106,276)",
        "0.35 % [0.03–1.7]",
        "east_asian",
        87,
        469,
    ),
    ThresholdChoice(
        0.484,
        "0.01 %",
        "≤ 0.01 % (n = 198,039)",
        "1.76 % [0.30–3.9]",
        "east_southeast_asian",
        113,
        638,
    ),
    ThresholdChoice(
        0.488,
        "0.01 %",
        "≤ 0.01 % (n = 106,276)",
        "1.59 % [0.15–4.5]",
        "east_asian",
        87,
        469,
    ),
)
"""Figures in English notation; the screen writes them the Vietnamese way in Vietnamese."""


@dataclass(frozen=True)
class TestRead:
    """A test card read: what a technician needs, never the holder's data."""

    ok: bool
    total_ms: int
    steps_ms: dict[str, int] = field(default_factory=dict)
    access_control: str = ""
    passive_authentication: str = "not_checked"
    active_authentication: str = "not_checked"
    chip_authentication: str = "not_checked"
    refusal: str | None = None  # the message key the kiosk would refuse it with
    error: str = ""


@dataclass(frozen=True)
class PrintTest:
    queue: str
    state: str
    reasons: tuple[str, ...]
    error: str = ""


@dataclass(frozen=True)
class VoiceTest:
    """A sample said: how long it lasts, or why nobody heard it."""

    speech: str  # the setting: 'espeak', or 'simulator' (records it, says nothing)
    seconds: float = 0.0
    problem: str = ""  # '', 'no_engine', 'failed', 'silent', 'no_sound' (no sound output)
    detail: str = ""


@dataclass(frozen=True)
class Enrolment:
    kiosk_id: str
    fingerprint: str
    public_key_pem: bytes
    key_file: Path


class TechnicianMode:
    """The set-up steps; ``role`` must be the technician's (or ``Role.TECHNICIAN`` for
    ``kiosk setup`` at the machine)."""

    def __init__(self, config_path: Path, data_dir: Path, role: Role) -> None:
        if not role.may(Role.TECHNICIAN):
            raise PermissionError("technician mode needs the technician role")
        self.config_path = config_path
        self.data_dir = data_dir
        self.role = role

    # Settings ---------------------------------------------------------------------
    @property
    def config(self) -> KioskConfig:
        return load_config(self.config_path, environ={})

    def set(self, key: str, value: object) -> KioskConfig:
        text = str(value).lower() if isinstance(value, bool) else str(value)
        return write_setting(self.config_path, key, text)

    def problems(self) -> list[str]:
        """What still stops this kiosk from serving citizens (empty: it can)."""
        from kiosk.doctor.readiness import citizen_service_problems

        # The list `kiosk run` prints: technician mode and the command never disagree.
        return citizen_service_problems(self.config)

    # Card reader --------------------------------------------------------------------
    def readers(self) -> list[str]:
        from devices.card.pcsc import list_readers

        return list_readers()[1]

    def choose_reader(self, name: str) -> None:
        self.set("devices.card_reader", "pcsc")
        self.set("devices.card_reader_name", name)

    def test_read(self, can: str = "", mrz_key: Any = None, timeout_s: float = 30) -> TestRead:
        """Read the card on the chosen reader with its CAN (or an AccessKey)."""
        from devices.card.access import AccessKey
        from devices.card.base import CardDeadlines, CardError, ReaderState
        from devices.card.mrtd.sod import load_trust_store
        from devices.card.pcsc import PcscCardReader
        from kiosk.journeys.identify import refusal

        config = self.config
        d = config.devices
        trust = load_trust_store(Path(d.trust_store)) if d.trust_store else []
        key = mrz_key or AccessKey(can=can)
        reader = PcscCardReader(
            d.card_reader_name, trust, deadlines=CardDeadlines(d.card_apdu_timeout_s, 20)
        )
        reader.start()
        started = time.perf_counter()
        try:
            # The technician places the card first: wait (a little) for the reader to see it.
            while time.perf_counter() - started < CARD_WAIT_S:
                if reader.status().state is ReaderState.CARD_PRESENT:
                    break
                time.sleep(0.05)
            started = time.perf_counter()
            result = reader.read_card(key).result(timeout=timeout_s)
        except CardError as exc:
            return TestRead(False, round((time.perf_counter() - started) * 1000), error=str(exc))
        except Exception as exc:  # a timeout of the guard, or pcscd going away
            return TestRead(False, round((time.perf_counter() - started) * 1000), error=repr(exc))
        finally:
            reader.stop()
        refused = refusal(result, d.require_trusted_signer)
        return TestRead(
            refused is None,
            round((time.perf_counter() - started) * 1000),
            {name: round(ms) for name, ms in result.timings_ms.items()},
            result.access_control,
            result.authenticity,
            result.active_authentication,
            result.chip_authentication,
            refused,
        )

    # Camera ---------------------------------------------------------------------------
    def cameras(self) -> list[tuple[int, str, str | None]]:
        """(index, name, why it is refused or None) of every capture device."""
        from devices.camera.opencv import is_capture, list_devices, virtual_reason

        found = []
        for device in list_devices():
            if is_capture(device) and device.node.removeprefix("video").isdigit():
                index = int(device.node.removeprefix("video"))
                found.append((index, device.cap_card or device.name, virtual_reason(device)))
        return found

    def choose_camera(self, index: int) -> None:
        self.set("devices.camera", "opencv")
        self.set("devices.camera_index", index)

    # Printer --------------------------------------------------------------------------
    def printers(self) -> list[str]:
        import cups

        try:
            return sorted(cups.Connection().getPrinters())
        except RuntimeError:
            return []

    def choose_printer(self, queue: str) -> None:
        self.set("devices.printer", "cups")
        self.set("devices.printer_name", queue)

    def print_test_page(self) -> PrintTest:
        from devices.printer.base import PrinterError
        from devices.printer.cups import CupsPrinter

        queue = self.config.devices.printer_name
        printer = CupsPrinter(queue)
        try:
            printer.print_pdf(test_page_pdf(self.config), "kiosk-test-page").result(60)
        except PrinterError as exc:
            return PrintTest(queue, "unknown", (), str(exc))
        finally:
            printer.stop()
        try:
            name, state, reasons = printer_state(queue)
        except (RuntimeError, LookupError) as exc:
            return PrintTest(queue, "unknown", (), f"CUPS: {exc}")
        return PrintTest(name, state, tuple(reasons))

    # Speech ---------------------------------------------------------------------------
    VOICES = ("vi", "vi-vn-x-central", "vi-vn-x-south")  # Northern, Central, Southern
    PACES = (140, 160, 180)  # words a minute: slow (the default, for elderly listeners) to fast
    VOLUMES = (60, 100, 140, 180)  # espeak-ng amplitude: quiet, its default, loud, very loud

    def choose_voice(self, voice: str, rate_wpm: int | None = None) -> None:
        """Speech through espeak-ng with this Vietnamese voice (and pace, words a minute)."""
        if voice not in self.VOICES:
            raise ValueError(f"unknown voice {voice!r}")
        self.set("devices.speech", "espeak")
        self.set("devices.speech_voice", voice)
        if rate_wpm is not None:
            self.set("devices.speech_rate_wpm", rate_wpm)

    def choose_pace(self, rate_wpm: int) -> None:
        self.set("devices.speech_rate_wpm", rate_wpm)

    def choose_volume(self, volume: int) -> None:
        self.set("devices.speech_volume", volume)

    def speak_sample(self, text: str, speaker: Speaker | None = None) -> VoiceTest:
        """Say ``text`` as the settings make the kiosk speak.  With espeak-ng: rendered
        (``voice-test.wav`` in the data folder, measured not silent), then played on the
        sound output; with the simulator: only recorded (into ``speaker`` if given)."""
        import subprocess
        import wave

        from devices.speech.base import Voice
        from devices.speech.espeak import command, engine_path

        d = self.config.devices
        if d.speech != "espeak":
            from devices.speech.simulator import SimulatedSpeaker

            (speaker or SimulatedSpeaker()).say(text, "vi", headset=False)
            return VoiceTest(d.speech)
        if engine_path() is None:
            return VoiceTest("espeak", problem="no_engine")
        wav = self.data_dir / "voice-test.wav"
        _loudness, error = self.test_voice(text, wav)
        if error:
            failed = error.startswith("espeak-ng failed")
            return VoiceTest("espeak", problem="failed" if failed else "silent", detail=error)
        with wave.open(str(wav)) as sound:
            seconds = sound.getnframes() / sound.getframerate()
        voice = Voice(d.speech_voice, rate_wpm=d.speech_rate_wpm, volume=d.speech_volume)
        try:  # espeak-ng exits 0 without a sound card: what it complains of tells
            played = subprocess.run(
                command(voice, "vi"),
                input=text.encode("utf-8"),
                capture_output=True,
                timeout=seconds + 30,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            return VoiceTest("espeak", seconds, "no_sound", str(exc))
        lines = played.stderr.decode("utf-8", "replace").splitlines()
        complaints = [
            re.sub(r"^ALSA lib [^ ]*\) ", "", line)  # "ALSA lib conf.c:5180:(func) ..."
            for line in lines
            if re.search(r"error|cannot|unknown|refused", line, re.IGNORECASE)
        ]
        if played.returncode or complaints:
            detail = complaints[0] if complaints else f"exit status {played.returncode}"
            return VoiceTest("espeak", seconds, "no_sound", detail)
        return VoiceTest("espeak", seconds)

    def test_voice(self, text: str, wav: Path | None = None) -> tuple[float, str]:
        """Synthesise ``text`` with the chosen voice into a WAV file (the technician plays
        it); returns its loudness (RMS, dBFS) and an error ('' when it spoke)."""
        import math
        import wave

        import numpy as np

        from devices.speech.base import Voice
        from devices.speech.espeak import engine_path, render_wav

        if engine_path() is None:
            return -math.inf, "espeak-ng is not installed: sudo apt-get install espeak-ng"
        d = self.config.devices
        target = wav or self.data_dir / "voice-test.wav"
        target.parent.mkdir(parents=True, exist_ok=True)
        voice = Voice(d.speech_voice, rate_wpm=d.speech_rate_wpm, volume=d.speech_volume)
        try:
            render_wav(text, "vi", target, voice)
            with wave.open(str(target)) as sound:
                samples = np.frombuffer(sound.readframes(sound.getnframes()), dtype="<i2")
        except (OSError, ValueError, EOFError, wave.Error) as exc:
            return -math.inf, f"espeak-ng failed: {exc}"
        rms = float(np.sqrt(np.mean(samples.astype(np.float64) ** 2))) if samples.size else 0.0
        loudness = 20 * math.log10(rms / 32768) if rms > 0 else -math.inf
        return loudness, "" if loudness > -40 else "espeak-ng gave silence"

    # Centre ---------------------------------------------------------------------------
    def set_centre(self, url: str, kiosk_id: str, central_public_key: Path | None) -> None:
        self.set("sync.central_url", url)
        self.set("sync.kiosk_id", kiosk_id)
        if central_public_key is not None:
            target = self.data_dir / "central-public.pem"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(central_public_key, target)
            self.set("sync.central_public_key", target)

    def enrol(self) -> Enrolment:
        """This kiosk's key pair (made once); its fingerprint goes to the centre."""
        key_file, public, fingerprint = make_key_pair(self.data_dir / KEY_FILE)
        self.set("sync.credential", key_file)
        return Enrolment(self.config.sync.kiosk_id, fingerprint, public, key_file)

    def test_call(self) -> tuple[CheckResult, CheckResult]:
        """(centre, clock): one authenticated call to the centre."""
        from kiosk import __version__

        return check_centre(self.config, {"version": __version__})

    # Trust store ----------------------------------------------------------------------
    def import_csca(self, files: Sequence[Path]) -> tuple[int, list[str]]:
        """CSCA certificate files, or master lists and CRLs (``kiosk trust import``'s
        checks: a list is kept only when its signature chains to a CSCA already
        trusted), into the trust store; (certificates added, problems)."""
        from devices.card.trust import CERTIFICATE_SUFFIXES, TrustImportError, import_file

        folder = Path(self.config.devices.trust_store or self.data_dir / TRUST_DIR)
        folder.mkdir(parents=True, exist_ok=True)
        added, problems = 0, []
        for path in files:
            if path.suffix.lower() not in CERTIFICATE_SUFFIXES:
                try:
                    added += sum(r.added for r in import_file(path, folder))
                except (TrustImportError, OSError) as exc:
                    problems.append(str(exc))
                continue
            kept, problem = _copy_csca(path, folder)
            added += kept
            problems += problem
        if added:
            self.set("devices.trust_store", folder)
        return added, problems

    # Face threshold -------------------------------------------------------------------
    def choose_threshold(self, choice: ThresholdChoice) -> None:
        self.set("face.threshold", choice.threshold)

    # Catalogue --------------------------------------------------------------------------
    def check_catalogue(self) -> str:
        from kiosk.catalogue.update import CatalogueUpdater, load_current
        from kiosk.central.client import CentralClient
        from kiosk.central.protocol import load_ed25519_private, load_ed25519_public

        s = self.config.sync
        if not s.catalogue_public_key or not s.central_url or not s.credential:
            return "not set up: the centre's address, this kiosk's key and the catalogue key"
        key = load_ed25519_public(Path(s.catalogue_public_key))
        folder = self.data_dir / "catalogue"
        current = load_current(folder, key)
        client = CentralClient(
            s.central_url,
            s.kiosk_id,
            load_ed25519_private(Path(s.credential)),
            ca_bundle=s.ca_bundle,
        )
        try:
            return CatalogueUpdater(
                client, key, folder, lambda: current.version, lambda _c: None
            ).check()
        finally:
            client.close()

    # Logs and checks --------------------------------------------------------------------
    def export_logs(self, destination: Path) -> Path:
        """The logs (scrubbed of personal data when written) as one .tar.gz in ``destination``."""
        destination.mkdir(parents=True, exist_ok=True)
        archive = destination / f"kiosk-logs-{datetime.now():%Y%m%d-%H%M%S}.tar.gz"
        with tarfile.open(archive, "w:gz") as tar:
            logs = self.data_dir / "logs"
            if logs.is_dir():
                tar.add(logs, arcname="logs")
        return archive

    def checks(self, only: Sequence[str] | None = None) -> DoctorReport:
        return run_checks(self.config, self.data_dir, only)


def _copy_csca(path: Path, folder: Path) -> tuple[int, list[str]]:
    """Certificate files (PEM or DER) whose certificates are CAs, copied one per file."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization

    data = path.read_bytes()
    try:
        certs = (
            x509.load_pem_x509_certificates(data)
            if b"-----BEGIN" in data
            else [x509.load_der_x509_certificate(data)]
        )
    except ValueError:
        return 0, [f"{path.name}: not a certificate"]
    kept, problems = 0, []
    for cert in certs:
        try:
            ca = cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        except x509.ExtensionNotFound:
            ca = False
        if not ca:
            problems.append(f"{path.name}: not a CA certificate, so not a CSCA")
            continue
        name = f"csca-{cert.fingerprint(hashes.SHA256()).hex()[:16]}.pem"
        (folder / name).write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        kept += 1
    return kept, problems


def test_page_pdf(config: KioskConfig) -> bytes:
    """One short page: the centre, the time, the font's Vietnamese letters."""
    from io import BytesIO

    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    from kiosk.printing.fonts import font_files

    pdfmetrics.registerFont(TTFont("KioskTest", str(font_files()["Regular"])))
    out = BytesIO()
    page = canvas.Canvas(out, pagesize=(80 * mm, 60 * mm))
    page.setFont("KioskTest", 10)
    lines = [
        "Trang in thử — Test page",
        config.centre.name[:40],
        datetime.now().strftime("%d/%m/%Y %H:%M"),
        "ăâđêôơư ÁÀẢÃẠ ỨỪỬỮỰ",
    ]
    for i, line in enumerate(lines):
        page.drawString(5 * mm, (50 - 8 * i) * mm, line)
    page.showPage()
    page.save()
    return out.getvalue()


__all__ = [
    "THRESHOLD_CHOICES",
    "ConfigError",
    "Enrolment",
    "PrintTest",
    "TechnicianMode",
    "TestRead",
    "ThresholdChoice",
    "VoiceTest",
]
