"""The technician's checks that need no centre: devices, disk, database, trust, files.

Each check is a function ``(config, data_dir) -> CheckResult`` that never raises: a
failure is a result with a plain remedy (a command to type, or what to plug in).
Devices are probed the way the kiosk uses them (pcscd through pyscard, the camera
through the kiosk's own adapter, CUPS through libcups), so a passing check means the
kiosk will find them too.  Run in the kiosk's own process only the light checks
(:data:`LIGHT`): the camera is then the kiosk's and must not be opened twice.
"""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kiosk.doctor.report import CheckResult, Status
from kiosk.runtime.config import KioskConfig

Check = Callable[[KioskConfig, Path], CheckResult]

DB_FILE = "kiosk.db"
CAMERA_WAIT_S = 5.0
TRUST_WARN_DAYS = 30
REMEDY_PCSCD = "sudo systemctl enable --now pcscd.socket"
REMEDY_CUPS = "sudo systemctl enable --now cups"


def _result(name: str, status: Status, detail: str, remedy: str = "") -> CheckResult:
    return CheckResult(name, status, detail, remedy)


def check_pcscd(config: KioskConfig, _root: Path) -> CheckResult:
    d = config.devices
    if d.card_reader != "pcsc":
        return _result("pcscd", Status.SKIP, f"devices.card_reader = {d.card_reader!r} (demo)")
    from devices.card.base import ReaderState
    from devices.card.pcsc import list_readers

    state, readers = list_readers()
    if state is ReaderState.NO_SERVICE:
        return _result("pcscd", Status.FAIL, "pcscd is not running", REMEDY_PCSCD)
    if not readers:
        return _result(
            "pcscd",
            Status.FAIL,
            "pcscd is running but sees no card reader",
            "plug the reader in (a USB port on the kiosk itself, not a hub), then `kiosk card "
            "readers`",
        )
    if d.card_reader_name and not any(d.card_reader_name in name for name in readers):
        return _result(
            "pcscd",
            Status.FAIL,
            f"no reader named {d.card_reader_name!r} (pcscd sees: {', '.join(readers)})",
            "plug that reader in, or choose one: kiosk config set devices.card_reader_name NAME",
        )
    return _result("pcscd", Status.OK, f"pcscd sees {len(readers)} reader(s): {', '.join(readers)}")


def check_camera(config: KioskConfig, _root: Path) -> CheckResult:
    d = config.devices
    if d.camera != "opencv":
        return _result("camera", Status.SKIP, f"devices.camera = {d.camera!r} (demo)")
    from devices.camera.opencv import OpenCvCamera

    camera = OpenCvCamera(
        d.camera_index,
        d.camera_width,
        d.camera_height,
        allow_virtual=d.camera_allow_virtual,
        usb_id=d.camera_usb_id,
        usb_port=d.camera_usb_port,
    )
    started = time.monotonic()
    try:
        camera.start()
        while time.monotonic() - started < CAMERA_WAIT_S:
            frame = camera.latest()
            if frame is not None:
                h, w = frame.image.shape[:2]
                return _result("camera", Status.OK, f"camera {d.camera_index} gives {w}x{h} frames")
            time.sleep(0.05)
    except Exception as exc:  # an adapter failing is a finding, never a crash of the doctor
        return _result(
            "camera",
            Status.FAIL,
            f"camera {d.camera_index} cannot be opened ({type(exc).__name__})",
            "check its cable, then `kiosk face cameras` to find its index",
        )
    finally:
        with contextlib.suppress(Exception):
            camera.stop()
    return _result(
        "camera",
        Status.FAIL,
        f"camera {d.camera_index} gave no frame in {CAMERA_WAIT_S:.0f} s",
        "check its cable and that no other program uses it; `kiosk face cameras` lists them "
        "(a virtual camera is refused)",
    )


# CUPS printer-state-reasons (RFC 8011 §5.4.12) a technician can act on.
_REASONS = {
    "media-empty": "out of paper: load a new roll",
    "media-needed": "out of paper: load a new roll",
    "media-jam": "paper jam: open the printer and clear it",
    "door-open": "the printer's cover is open: close it",
    "cover-open": "the printer's cover is open: close it",
    "offline": "the printer is off or unplugged: switch it on, check its USB cable",
    "paused": "the queue is paused: sudo cupsenable {queue}",
    "toner-empty": "replace the ink or toner",
    "marker-supply-empty": "replace the ink or toner",
}


def printer_state(queue: str = "") -> tuple[str, str, list[str]]:
    """(queue, state, reasons) from CUPS; raises RuntimeError when CUPS does not answer."""
    import cups

    try:
        connection = cups.Connection()
        printers = connection.getPrinters()
        name = queue or connection.getDefault() or ""
    except (RuntimeError, cups.IPPError) as exc:
        raise RuntimeError(str(exc)) from None
    if name not in printers:
        raise LookupError(name)
    attrs = printers[name]
    state = {3: "idle", 4: "printing", 5: "stopped"}.get(attrs.get("printer-state"), "unknown")
    reasons = [r for r in attrs.get("printer-state-reasons", []) if r != "none"]
    if not attrs.get("printer-is-accepting-jobs", True):
        reasons.append("not-accepting-jobs")
    return name, state, reasons


def check_printer(config: KioskConfig, _root: Path) -> CheckResult:
    d = config.devices
    if d.printer != "cups":
        return _result("printer", Status.SKIP, f"devices.printer = {d.printer!r} (demo)")
    try:
        queue, state, reasons = printer_state(d.printer_name)
    except RuntimeError:
        return _result("printer", Status.FAIL, "CUPS is not running", REMEDY_CUPS)
    except LookupError as exc:
        missing = str(exc.args[0]) if exc.args and exc.args[0] else "(no default queue)"
        return _result(
            "printer",
            Status.FAIL,
            f"CUPS has no printer queue {missing}",
            "add the printer (lpadmin, or http://localhost:631), then "
            "kiosk config set devices.printer_name QUEUE",
        )
    stems = [
        r.removesuffix("-error").removesuffix("-warning").removesuffix("-report") for r in reasons
    ]
    for stem in stems:
        if stem in _REASONS:
            return _result(
                "printer",
                Status.FAIL,
                f"printer {queue} is {state} ({', '.join(reasons)})",
                _REASONS[stem].format(queue=queue),
            )
    if state == "stopped":
        return _result(
            "printer", Status.FAIL, f"printer {queue} is stopped", f"sudo cupsenable {queue}"
        )
    if "not-accepting-jobs" in reasons:
        return _result(
            "printer",
            Status.FAIL,
            f"printer {queue} refuses new jobs",
            f"sudo cupsaccept {queue}",
        )
    extra = f" ({', '.join(reasons)})" if reasons else ""
    return _result("printer", Status.OK, f"printer {queue} is {state}{extra}")


def check_disk(config: KioskConfig, root: Path) -> CheckResult:
    need = config.storage.min_free_mb
    try:
        free = shutil.disk_usage(root).free // 1_000_000
    except OSError as exc:
        return _result(
            "disk",
            Status.FAIL,
            f"the data folder {root} cannot be read ({exc.strerror})",
            f"sudo mkdir -p {root} and give it to the kiosk's user",
        )
    remedy = (
        f"free space on the disk holding {root}: sudo journalctl --vacuum-size=100M, "
        "sudo apt-get clean, remove old files from the data folder's logs/"
    )
    if free < need:
        return _result(
            "disk",
            Status.FAIL,
            f"only {free} MB free for {root} (dossiers are refused below {need} MB)",
            remedy,
        )
    if free < 2 * need:
        return _result(
            "disk", Status.WARN, f"{free} MB free for {root} (minimum {need} MB)", remedy
        )
    return _result("disk", Status.OK, f"{free} MB free for {root}")


def _revision(path: Path) -> str | None:
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        try:
            row = db.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.Error:
            return None
    return row[0] if row else None


def check_database(_config: KioskConfig, root: Path) -> CheckResult:
    from offline_cache.database import head_revision
    from offline_cache.salvage import check_store

    path = root / DB_FILE
    if not path.exists():
        return _result(
            "database",
            Status.WARN,
            f"no database yet at {path}",
            "it is made at the first start; then `kiosk store enrol` (numbering)",
        )
    found = check_store(path)
    if found.problems:
        numbering_only = all("numbering's mark" in p for p in found.problems)
        remedy = (
            "kiosk store enrol"
            if numbering_only
            else "stop the kiosk (sudo systemctl stop kiosk), then `kiosk store salvage`"
        )
        return _result("database", Status.FAIL, "; ".join(found.problems), remedy)
    try:
        revision, head = _revision(path), head_revision()
    except sqlite3.Error as exc:
        return _result("database", Status.FAIL, f"cannot open {path}: {exc}", "kiosk store check")
    if head is not None and revision != head:
        return _result(
            "database",
            Status.WARN,
            f"the database is at migration {revision or 'none'}, this software at {head}",
            "it is migrated when the kiosk starts: sudo systemctl restart kiosk",
        )
    rows = sum(n or 0 for n in found.readable.values())
    return _result("database", Status.OK, f"{path.name} intact, migration {revision}, {rows} rows")


def check_trust_store(config: KioskConfig, _root: Path) -> CheckResult:
    folder = config.devices.trust_store
    remedy = (
        "kiosk config set devices.trust_store DIR, then import the CSCA master list: "
        "kiosk trust import FILE (or in technician mode; docs/trust.md)"
    )
    if not folder:
        return _result("trust_store", Status.FAIL, "devices.trust_store is not set", remedy)
    from devices.card.mrtd.sod import load_trust_store

    certificates = load_trust_store(Path(folder))
    if not certificates:
        return _result("trust_store", Status.FAIL, f"no CSCA certificate in {folder}", remedy)
    now = datetime.now(UTC)
    valid = [c for c in certificates if c.not_valid_before_utc <= now <= c.not_valid_after_utc]
    if not valid:
        return _result(
            "trust_store",
            Status.FAIL,
            f"all {len(certificates)} CSCA certificate(s) in {folder} are expired",
            remedy,
        )
    soon = min(c.not_valid_after_utc for c in valid)
    if soon - now < timedelta(days=TRUST_WARN_DAYS) and len(valid) == len(certificates):
        return _result(
            "trust_store",
            Status.WARN,
            f"a CSCA certificate expires on {soon:%Y-%m-%d}",
            remedy,
        )
    return _result("trust_store", Status.OK, f"{len(valid)} valid CSCA certificate(s) in {folder}")


def check_fonts(_config: KioskConfig, _root: Path) -> CheckResult:
    from kiosk.printing.fonts import FAMILY, font_files

    try:
        files = font_files()
    except FileNotFoundError as exc:
        return _result(
            "fonts",
            Status.FAIL,
            "no font with Vietnamese letters",
            str(exc).split(": ", 1)[-1],
        )
    unreadable = [p.name for p in files.values() if p.stat().st_size < 10_000]
    if unreadable:
        return _result(
            "fonts",
            Status.FAIL,
            f"damaged font files: {', '.join(unreadable)}",
            "reinstall: make install",
        )
    family = FAMILY if "BeVietnam" in next(iter(files.values())).name else "Noto Sans"
    return _result("fonts", Status.OK, f"{family}, {len(files)} styles")


def check_face_models(_config: KioskConfig, _root: Path) -> CheckResult:
    from kiosk.face.errors import FaceError
    from kiosk.face.models import check_models

    try:
        paths = check_models()
    except FaceError as exc:
        return _result(
            "face_models",
            Status.FAIL,
            exc.detail or str(exc),
            "reinstall the kiosk's Python packages: make install (they are checked by sha256)",
        )
    return _result("face_models", Status.OK, f"{len(paths)} models intact (sha256)")


def check_catalogue(config: KioskConfig, root: Path) -> CheckResult:
    from kiosk.catalogue.update import ENVELOPE
    from kiosk.central.protocol import ProtocolError, load_ed25519_public, open_catalogue

    stored = root / "catalogue" / ENVELOPE
    if not stored.exists():
        return _result("catalogue", Status.OK, "the catalogue shipped with this software")
    key_file = config.sync.catalogue_public_key
    if not key_file:
        return _result(
            "catalogue",
            Status.FAIL,
            "an update is stored but sync.catalogue_public_key is not set: it is ignored",
            "kiosk config set sync.catalogue_public_key FILE (the centre's catalogue key)",
        )
    try:
        version, _data = open_catalogue(load_ed25519_public(Path(key_file)), stored.read_bytes())
    except (OSError, ValueError, ProtocolError) as exc:
        return _result(
            "catalogue",
            Status.FAIL,
            f"the stored catalogue update fails its signature check ({str(exc)[:120]}); the "
            "kiosk uses the catalogue shipped with it",
            f"rm {stored} (the next check fetches it again); if it recurs, check "
            "sync.catalogue_public_key",
        )
    return _result("catalogue", Status.OK, f"update {version}, signature verified")


LOCAL: dict[str, Check] = {
    "pcscd": check_pcscd,
    "camera": check_camera,
    "printer": check_printer,
    "disk": check_disk,
    "database": check_database,
    "trust_store": check_trust_store,
    "fonts": check_fonts,
    "face_models": check_face_models,
    "catalogue": check_catalogue,
}
LIGHT = ("pcscd", "printer", "disk", "trust_store", "fonts", "face_models", "catalogue")
"""Safe to run inside the running kiosk (for the heartbeat): no camera, no database copy."""
