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

from kiosk.doctor.printer import check_printer, demo
from kiosk.doctor.printer import printer_state as printer_state  # for technician mode
from kiosk.doctor.report import CheckResult, Said, Status, said
from kiosk.doctor.sound import check_speech
from kiosk.runtime.config import KioskConfig

Check = Callable[[KioskConfig, Path], CheckResult]

DB_FILE = "kiosk.db"
CAMERA_WAIT_S = 5.0
TRUST_WARN_DAYS = 30
REMEDY_PCSCD = "sudo systemctl enable --now pcscd.socket"


def _result(name: str, status: Status, detail: Said, remedy: Said | None = None) -> CheckResult:
    return CheckResult.of(name, status, detail, remedy)


def check_pcscd(config: KioskConfig, _root: Path) -> CheckResult:
    d = config.devices
    if d.card_reader != "pcsc":
        return _result("pcscd", Status.SKIP, demo("card_reader", repr(d.card_reader)))
    from devices.card.base import ReaderState
    from devices.card.pcsc import list_readers

    state, readers = list_readers()
    if state is ReaderState.NO_SERVICE:
        return _result(
            "pcscd",
            Status.FAIL,
            said("doctor.pcscd.no_service", "pcscd is not running"),
            said("doctor.remedy.start_pcscd", REMEDY_PCSCD),
        )
    if not readers:
        return _result(
            "pcscd",
            Status.FAIL,
            said("doctor.pcscd.no_reader", "pcscd is running but sees no card reader"),
            said(
                "doctor.remedy.plug_reader",
                "plug the reader in (a USB port on the kiosk itself, not a hub), then `kiosk card "
                "readers`",
            ),
        )
    if d.card_reader_name and not any(d.card_reader_name in name for name in readers):
        return _result(
            "pcscd",
            Status.FAIL,
            said(
                "doctor.pcscd.not_named",
                "no reader named {name} (pcscd sees: {readers})",
                name=repr(d.card_reader_name),
                readers=", ".join(readers),
            ),
            said(
                "doctor.remedy.choose_reader",
                "plug that reader in, or choose one: "
                "kiosk config set devices.card_reader_name NAME",
            ),
        )
    return _result(
        "pcscd",
        Status.OK,
        said(
            "doctor.pcscd.ok",
            "pcscd sees {count} reader(s): {readers}",
            count=len(readers),
            readers=", ".join(readers),
        ),
    )


def check_camera(config: KioskConfig, _root: Path) -> CheckResult:
    d = config.devices
    if d.camera != "opencv":
        return _result("camera", Status.SKIP, demo("camera", repr(d.camera)))
    from devices.camera.opencv import OpenCvCamera

    camera = OpenCvCamera.from_settings(d)
    started = time.monotonic()
    try:
        camera.start()
        while time.monotonic() - started < CAMERA_WAIT_S:
            frame = camera.latest()
            if frame is not None:
                h, w = frame.image.shape[:2]
                return _result(
                    "camera",
                    Status.OK,
                    said(
                        "doctor.camera.ok",
                        "camera {index} gives {width}x{height} frames",
                        index=d.camera_index,
                        width=w,
                        height=h,
                    ),
                )
            time.sleep(0.05)
    except Exception as exc:  # an adapter failing is a finding, never a crash of the doctor
        return _result(
            "camera",
            Status.FAIL,
            said(
                "doctor.camera.cannot_open",
                "camera {index} cannot be opened ({error})",
                index=d.camera_index,
                error=type(exc).__name__,
            ),
            said(
                "doctor.remedy.camera_cable",
                "check its cable, then `kiosk face cameras` to find its index",
            ),
        )
    finally:
        with contextlib.suppress(Exception):
            camera.stop()
    return _result(
        "camera",
        Status.FAIL,
        said(
            "doctor.camera.no_frame",
            "camera {index} gave no frame in {seconds} s",
            index=d.camera_index,
            seconds=f"{CAMERA_WAIT_S:.0f}",
        ),
        said(
            "doctor.remedy.camera_busy",
            "check its cable and that no other program uses it; `kiosk face cameras` lists them "
            "(a virtual camera is refused)",
        ),
    )


def check_disk(config: KioskConfig, root: Path) -> CheckResult:
    need = config.storage.min_free_mb
    try:
        free = shutil.disk_usage(root).free // 1_000_000
    except OSError as exc:
        return _result(
            "disk",
            Status.FAIL,
            said(
                "doctor.disk.unreadable",
                "the data folder {folder} cannot be read ({error})",
                folder=str(root),
                error=str(exc.strerror),
            ),
            said(
                "doctor.remedy.make_folder",
                "sudo mkdir -p {folder} and give it to the kiosk's user",
                folder=str(root),
            ),
        )
    remedy = said(
        "doctor.remedy.free_space",
        "free space on the disk holding {folder}: sudo journalctl --vacuum-size=100M, "
        "sudo apt-get clean, remove old files from the data folder's logs/",
        folder=str(root),
    )
    found = {"free": free, "folder": str(root), "need": need}
    if free < need:
        return _result(
            "disk",
            Status.FAIL,
            said(
                "doctor.disk.full",
                "only {free} MB free for {folder} (dossiers are refused below {need} MB)",
                **found,
            ),
            remedy,
        )
    if free < 2 * need:
        return _result(
            "disk",
            Status.WARN,
            said("doctor.disk.low", "{free} MB free for {folder} (minimum {need} MB)", **found),
            remedy,
        )
    return _result(
        "disk",
        Status.OK,
        said("doctor.disk.ok", "{free} MB free for {folder}", free=free, folder=str(root)),
    )


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
            said("doctor.database.missing", "no database yet at {path}", path=str(path)),
            said(
                "doctor.remedy.first_start",
                "it is made at the first start; then `kiosk store enrol` (numbering)",
            ),
        )
    found = check_store(path)
    if found.problems:
        # The store's own findings (English) are quoted after a translated sentence.
        problems = "; ".join(found.problems)
        if all("numbering's mark" in p for p in found.problems):
            return _result(
                "database",
                Status.FAIL,
                said("doctor.database.numbering", "{problems}", problems=problems),
                said("doctor.remedy.store_enrol", "kiosk store enrol"),
            )
        return _result(
            "database",
            Status.FAIL,
            said("doctor.database.damaged", "{problems}", problems=problems),
            said(
                "doctor.remedy.salvage",
                "stop the kiosk (sudo systemctl stop kiosk), then `kiosk store salvage`",
            ),
        )
    try:
        revision, head = _revision(path), head_revision()
    except sqlite3.Error as exc:
        return _result(
            "database",
            Status.FAIL,
            said(
                "doctor.database.unreadable",
                "cannot open {path}: {error}",
                path=str(path),
                error=str(exc),
            ),
            said("doctor.remedy.store_check", "kiosk store check"),
        )
    if head is not None and revision != head:
        return _result(
            "database",
            Status.WARN,
            said(
                "doctor.database.migration",
                "the database is at migration {revision}, this software at {head}",
                revision=revision or "none",
                head=head,
            ),
            said(
                "doctor.remedy.migrate",
                "it is migrated when the kiosk starts: sudo systemctl restart kiosk",
            ),
        )
    rows = sum(n or 0 for n in found.readable.values())
    return _result(
        "database",
        Status.OK,
        said(
            "doctor.database.ok",
            "{file} intact, migration {revision}, {rows} rows",
            file=path.name,
            revision=str(revision),
            rows=rows,
        ),
    )


def check_trust_store(config: KioskConfig, _root: Path) -> CheckResult:
    folder = config.devices.trust_store
    remedy = said(
        "doctor.remedy.trust_store",
        "kiosk config set devices.trust_store DIR, then import the CSCA master list: "
        "kiosk trust import FILE (or in technician mode; docs/trust.md)",
    )
    if not folder:
        return _result(
            "trust_store",
            Status.FAIL,
            said("doctor.trust_store.not_set", "devices.trust_store is not set"),
            remedy,
        )
    from devices.card.mrtd.sod import load_trust_store

    certificates = load_trust_store(Path(folder))
    if not certificates:
        return _result(
            "trust_store",
            Status.FAIL,
            said("doctor.trust_store.empty", "no CSCA certificate in {folder}", folder=folder),
            remedy,
        )
    now = datetime.now(UTC)
    valid = [c for c in certificates if c.not_valid_before_utc <= now <= c.not_valid_after_utc]
    if not valid:
        return _result(
            "trust_store",
            Status.FAIL,
            said(
                "doctor.trust_store.expired",
                "all {count} CSCA certificate(s) in {folder} are expired",
                count=len(certificates),
                folder=folder,
            ),
            remedy,
        )
    soon = min(c.not_valid_after_utc for c in valid)
    if soon - now < timedelta(days=TRUST_WARN_DAYS) and len(valid) == len(certificates):
        return _result(
            "trust_store",
            Status.WARN,
            said(
                "doctor.trust_store.expiring",
                "a CSCA certificate expires on {date}",
                date=f"{soon:%Y-%m-%d}",
            ),
            remedy,
        )
    return _result(
        "trust_store",
        Status.OK,
        said(
            "doctor.trust_store.ok",
            "{count} valid CSCA certificate(s) in {folder}",
            count=len(valid),
            folder=folder,
        ),
    )


def check_fonts(_config: KioskConfig, _root: Path) -> CheckResult:
    from kiosk.printing.fonts import FAMILY, font_files

    try:
        files = font_files()
    except FileNotFoundError as exc:
        return _result(
            "fonts",
            Status.FAIL,
            said("doctor.fonts.missing", "no font with Vietnamese letters"),
            # The font module's own advice (names the packages): the en text must say the same.
            said("doctor.remedy.install_font", str(exc).split(": ", 1)[-1]),
        )
    unreadable = [p.name for p in files.values() if p.stat().st_size < 10_000]
    if unreadable:
        return _result(
            "fonts",
            Status.FAIL,
            said(
                "doctor.fonts.damaged", "damaged font files: {files}", files=", ".join(unreadable)
            ),
            said("doctor.remedy.reinstall", "reinstall: make install"),
        )
    family = FAMILY if "BeVietnam" in next(iter(files.values())).name else "Noto Sans"
    return _result(
        "fonts",
        Status.OK,
        said("doctor.fonts.ok", "{family}, {count} styles", family=family, count=len(files)),
    )


def check_face_models(_config: KioskConfig, _root: Path) -> CheckResult:
    from kiosk.face.errors import FaceError
    from kiosk.face.models import check_models

    try:
        paths = check_models()
    except FaceError as exc:
        return _result(
            "face_models",
            Status.FAIL,
            said("doctor.face_models.broken", "{error}", error=exc.detail or str(exc)),
            said(
                "doctor.remedy.reinstall_packages",
                "reinstall the kiosk's Python packages: make install (they are checked by sha256)",
            ),
        )
    return _result(
        "face_models",
        Status.OK,
        said("doctor.face_models.ok", "{count} models intact (sha256)", count=len(paths)),
    )


def check_catalogue(config: KioskConfig, root: Path) -> CheckResult:
    from kiosk.catalogue.update import ENVELOPE
    from kiosk.central.protocol import ProtocolError, load_ed25519_public, open_catalogue

    stored = root / "catalogue" / ENVELOPE
    if not stored.exists():
        return _result(
            "catalogue",
            Status.OK,
            said("doctor.catalogue.shipped", "the catalogue shipped with this software"),
        )
    key_file = config.sync.catalogue_public_key
    if not key_file:
        return _result(
            "catalogue",
            Status.FAIL,
            said(
                "doctor.catalogue.no_key",
                "an update is stored but sync.catalogue_public_key is not set: it is ignored",
            ),
            said(
                "doctor.remedy.catalogue_key",
                "kiosk config set sync.catalogue_public_key FILE (the centre's catalogue key)",
            ),
        )
    try:
        version, _data = open_catalogue(load_ed25519_public(Path(key_file)), stored.read_bytes())
    except (OSError, ValueError, ProtocolError) as exc:
        return _result(
            "catalogue",
            Status.FAIL,
            said(
                "doctor.catalogue.bad_signature",
                "the stored catalogue update fails its signature check ({error}); the "
                "kiosk uses the catalogue shipped with it",
                error=str(exc)[:120],
            ),
            said(
                "doctor.remedy.refetch_catalogue",
                "rm {path} (the next check fetches it again); if it recurs, check "
                "sync.catalogue_public_key",
                path=str(stored),
            ),
        )
    return _result(
        "catalogue",
        Status.OK,
        said("doctor.catalogue.ok", "update {version}, signature verified", version=str(version)),
    )


LOCAL: dict[str, Check] = {
    "pcscd": check_pcscd,
    "camera": check_camera,
    "printer": check_printer,
    "speech": check_speech,
    "disk": check_disk,
    "database": check_database,
    "trust_store": check_trust_store,
    "fonts": check_fonts,
    "face_models": check_face_models,
    "catalogue": check_catalogue,
}
LIGHT = ("pcscd", "printer", "speech", "disk", "trust_store", "fonts", "face_models", "catalogue")
"""Safe to run inside the running kiosk (for the heartbeat): no camera, no database copy."""
