"""`kiosk doctor`: each broken part is named, with the remedy a technician types.

Real parts throughout: pcscd's client library against a socket with no daemon, a real
tmpfs filled to the brim, a real SQLite file with a page overwritten, the reference
centre on loopback with its clock moved.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.doctor import run_checks
from kiosk.doctor.report import Status
from kiosk.runtime.config import KioskConfig
from tests.central_helpers import KIOSK_ID, Central, start_central
from tests.kiosk.doctor.translated import assert_speaks_both

ROOT = Path(__file__).resolve().parents[3]


def doctor_cli(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = dict(
        os.environ, XDG_DATA_HOME=str(tmp_path), KIOSK_CONFIG=str(tmp_path / "k.toml"), **env
    )
    return subprocess.run(
        [sys.executable, "-m", "kiosk", "doctor", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=environ,
        cwd=ROOT,
    )


def test_doctor_says_pcscd_is_not_running_with_the_command_that_starts_it(tmp_path: Path) -> None:
    # A socket path with no daemon behind it: the machine's own pcscd is never touched.
    out = doctor_cli(
        tmp_path,
        "--only",
        "pcscd",
        "--lang",
        "en",
        KIOSK_DEVICES_CARD_READER="pcsc",
        PCSCLITE_CSOCK_NAME=str(tmp_path / "no-pcscd.comm"),
    )
    assert out.returncode == 1, out.stderr[-2000:]
    assert (
        "FAIL pcscd: pcscd is not running: sudo systemctl enable --now pcscd.socket" in out.stdout
    )
    assert "1 check(s) fail: pcscd" in out.stdout


@pytest.mark.parametrize("language", ["", "vi", "en"])
def test_doctor_speaks_the_kiosks_language_and_keeps_the_command(
    tmp_path: Path, language: str
) -> None:
    """Vietnamese unless the kiosk is set to English (``ui.language``); --lang overrides it."""
    out = doctor_cli(
        tmp_path,
        "--only",
        "pcscd",
        "trust_store",
        *(["--lang", "vi"] if language == "vi" else []),
        KIOSK_DEVICES_CARD_READER="pcsc",
        PCSCLITE_CSOCK_NAME=str(tmp_path / "no-pcscd.comm"),
        KIOSK_UI_LANGUAGE="en" if language in ("vi", "en") else "vi",
    )
    assert out.returncode == 1, out.stderr[-2000:]
    if language == "en":
        assert "FAIL trust_store: devices.trust_store is not set: kiosk config set" in out.stdout
        assert "Lỗi" not in out.stdout
        return
    lines = out.stdout.splitlines()
    assert lines[0] == "✗ Đầu đọc thẻ (pcscd) · Lỗi: dịch vụ pcscd không chạy"
    assert lines[1].strip() == (
        "Cách khắc phục: bật dịch vụ pcscd: sudo systemctl enable --now pcscd.socket"
    )
    assert lines[2].startswith("✗ Kho chứng thư CSCA [trust_store] · Lỗi: chưa đặt thư mục")
    assert "kiosk trust import FILE" in lines[3] and "rồi nhập danh sách" in lines[3]
    assert lines[-1] == "2 mục kiểm tra chưa đạt: pcscd, trust_store"


def test_doctor_json_is_one_object_with_each_check(tmp_path: Path) -> None:
    out = doctor_cli(
        tmp_path,
        "--json",
        "--only",
        "pcscd",
        "fonts",
        "face_models",
        KIOSK_DEVICES_CARD_READER="pcsc",
        PCSCLITE_CSOCK_NAME=str(tmp_path / "no-pcscd.comm"),
    )
    report = json.loads(out.stdout)
    by_name = {check["name"]: check for check in report["checks"]}
    assert report["ok"] is False and out.returncode == 1
    assert by_name["pcscd"]["status"] == "fail"
    assert by_name["pcscd"]["remedy"] == "sudo systemctl enable --now pcscd.socket"
    assert by_name["pcscd"]["detail_key"] == "doctor.pcscd.no_service"
    assert by_name["pcscd"]["remedy_key"] == "doctor.remedy.start_pcscd"
    assert by_name["fonts"]["status"] == by_name["face_models"]["status"] == "ok"


def test_doctor_passes_when_nothing_is_wrong(tmp_path: Path) -> None:
    out = doctor_cli(
        tmp_path, "--only", "fonts", "face_models", "disk", "catalogue", "--lang", "en"
    )
    assert out.returncode == 0, out.stdout
    assert out.stdout.strip().endswith("all checks pass")


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MB tmpfs, filled: the kiosk's data folder on a disk with no room left."""
    mount = tmp_path / "data"
    mount.mkdir()
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True
    )
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (not root?): {made.stderr.decode()[:200]}")
    try:
        with open(mount / "filler", "wb") as fh:
            try:
                fh.write(b"\0" * (8 * 1024 * 1024))
            except OSError:
                pass  # ENOSPC: full, as wanted
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def test_doctor_finds_a_full_disk(full_disk: Path) -> None:
    config = KioskConfig().replace(storage={"data_dir": str(full_disk), "min_free_mb": 1})
    result = run_checks(config, full_disk, ["disk"]).get("disk")
    assert result.status is Status.FAIL
    assert result.detail == f"only 0 MB free for {full_disk} (dossiers are refused below 1 MB)"
    assert "journalctl --vacuum-size" in result.remedy
    assert_speaks_both([result])
    (full_disk / "filler").unlink()
    assert run_checks(config, full_disk, ["disk"]).get("disk").status is Status.OK


def _database(folder: Path) -> Path:
    from offline_cache.store import SqlOutbox

    outbox = SqlOutbox.open(folder / "kiosk.db", enrol=True)
    outbox.engine.dispose()
    return folder / "kiosk.db"


def test_doctor_finds_a_corrupted_database_and_says_to_salvage(tmp_path: Path) -> None:
    path = _database(tmp_path)
    config = KioskConfig().replace(storage={"data_dir": str(tmp_path)})
    healthy = run_checks(config, tmp_path, ["database"]).get("database")
    assert healthy.status is Status.OK, healthy.line()
    assert "intact" in healthy.detail
    with open(path, "r+b") as fh:  # a torn write: the second page turned to garbage
        fh.seek(4096)
        fh.write(os.urandom(4096))
    result = run_checks(config, tmp_path, ["database"]).get("database")
    assert result.status is Status.FAIL
    assert result.remedy == "stop the kiosk (sudo systemctl stop kiosk), then `kiosk store salvage`"
    assert_speaks_both([healthy, result])


@pytest.fixture(scope="module")
def centre(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Central]:
    central = start_central(tmp_path_factory.mktemp("centre"))
    yield central
    central.running.stop()


def _centre_config(central: Central) -> KioskConfig:
    return KioskConfig().replace(
        sync={
            "central_url": central.running.url,
            "kiosk_id": KIOSK_ID,
            "credential": str(central.credential),
        }
    )


@pytest.mark.parametrize(
    ("shift_s", "clock", "centre_status", "words"),
    [
        (0, Status.OK, Status.OK, "within"),
        # The centre answers in whole seconds: 149 to 151.
        (-150, Status.FAIL, Status.OK, r"the kiosk's clock is 1(49|50|51) s ahead of the centre's"),
        (3600, Status.FAIL, Status.FAIL, "more than 300 s off the centre's"),
    ],
)
def test_doctor_measures_the_clock_against_the_centre(
    centre: Central, tmp_path: Path, shift_s: int, clock: Status, centre_status: Status, words: str
) -> None:
    centre.service.clock = lambda: time.time() + shift_s
    try:
        report = run_checks(_centre_config(centre), tmp_path, ["clock", "centre"])
    finally:
        centre.service.clock = time.time
    assert report.get("clock").status is clock, report.get("clock").line()
    assert re.search(words, report.get("clock").detail), report.get("clock").detail
    assert report.get("centre").status is centre_status
    assert_speaks_both(report)
    if clock is Status.FAIL:
        assert report.get("clock").remedy.startswith("sudo timedatectl set-ntp true")


def test_doctor_names_an_unreachable_centre_and_a_refused_kiosk(
    centre: Central, tmp_path: Path
) -> None:
    config = _centre_config(centre).replace(sync={"central_url": "http://127.0.0.1:9"})
    result = run_checks(config, tmp_path, ["centre"]).get("centre")
    assert result.status is Status.FAIL and "cannot reach the centre" in result.detail
    centre.service.revoke_kiosk(KIOSK_ID)
    try:
        refused = run_checks(_centre_config(centre), tmp_path, ["centre"]).get("centre")
    finally:
        centre.service.register_kiosk(KIOSK_ID, centre.credential)
    assert refused.status is Status.FAIL and "refuses kiosk" in refused.detail
    assert "fingerprint" in refused.remedy
    assert_speaks_both([result, refused])


def test_doctor_reports_an_empty_or_expired_trust_store(tmp_path: Path) -> None:
    from devices.card.emulator.pki import create_test_pki, save_pki

    empty = tmp_path / "trust"
    empty.mkdir()
    config = KioskConfig().replace(devices={"trust_store": str(empty)})
    assert run_checks(config, tmp_path, ["trust_store"]).get("trust_store").status is Status.FAIL
    save_pki(create_test_pki(), tmp_path / "pki")
    (empty / "csca.pem").write_bytes((tmp_path / "pki" / "csca.pem").read_bytes())
    result = run_checks(config, tmp_path, ["trust_store"]).get("trust_store")
    assert result.status in (Status.OK, Status.WARN), result.line()
    assert_speaks_both([result])
