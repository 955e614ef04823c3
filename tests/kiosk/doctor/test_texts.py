"""The doctor speaks the technician's language: Vietnamese first, English second.

Every result carries message keys beside its English text.  Checked two ways, so a new
result path cannot slip through untranslated: statically (every key the doctor's code
names is in both catalogues, with the code's own English, and no catalogue key is left
over) and on the results the checks really produce in situations built here with real
files, folders, certificates and sockets (:func:`assert_speaks_both`).
"""

from __future__ import annotations

import ast
import json
import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from devices.card.emulator.pki import create_test_pki, save_pki
from kiosk.doctor import CHECKS, LOCAL, run_checks
from kiosk.doctor.readiness import citizen_service_findings, citizen_service_problems
from kiosk.doctor.report import CheckResult, Status
from kiosk.doctor.texts import TITLE_PREFIX, describe, title_key, translate_said
from kiosk.runtime.config import KioskConfig
from kiosk.runtime.i18n import Translator, load_catalogue
from tests.kiosk.doctor.translated import assert_speaks_both, literal_args

ROOT = Path(__file__).resolve().parents[3]
KEY = re.compile(r"^[a-z_]+(\.[a-z_]+)+$")  # as tests/kiosk/test_i18n.py
SOURCES = [*sorted((ROOT / "kiosk" / "doctor").glob("*.py")), ROOT / "kiosk/cli/doctor.py"]


def said_in_code() -> dict[str, str | None]:
    """Each ``doctor.…`` key the code names, with the English text beside it when the
    code spells it out (``said(key, "…")`` or a ``(key, "…")`` pair)."""
    found: dict[str, str | None] = {}
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            items = node.args if isinstance(node, ast.Call) else getattr(node, "elts", None)
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if node.value.startswith("doctor.") and KEY.match(node.value):
                    found.setdefault(node.value, None)
            if isinstance(node, ast.Call | ast.Tuple) and items and len(items) >= 2:
                key, english = items[0], items[1]
                if (
                    isinstance(key, ast.Constant)
                    and str(key.value).startswith("doctor.")
                    and isinstance(english, ast.Constant)
                ):
                    found[key.value] = english.value
    return found


def test_every_key_the_doctor_names_is_in_both_catalogues_with_the_codes_english() -> None:
    vi, en = load_catalogue("vi"), load_catalogue("en")
    named = said_in_code()
    assert len(named) > 80  # the scan found the doctor's sentences
    for key, english in named.items():
        assert key in vi and key in en, key
        if english is not None:
            assert en[key] == english, key
    titles = {title_key(name) for name in CHECKS}
    assert titles <= set(vi) and titles <= set(en)
    # No sentence left in the catalogues that no check says any more.
    doctor_keys = {k for k in vi if k.startswith("doctor.")}
    assert doctor_keys - set(named) - titles == set()


def test_vietnamese_titles_name_the_part_not_the_code_identifier() -> None:
    vi = Translator("vi")
    titles = {name: describe(CheckResult(name, Status.OK, ""), vi)[0] for name in CHECKS}
    assert titles["trust_store"] == "Kho chứng thư CSCA"
    assert titles["pcscd"] == "Đầu đọc thẻ (pcscd)"
    assert titles["disk"] == "Dung lượng đĩa"
    assert all(title != name for name, title in titles.items() if name != "camera")


def test_a_key_missing_from_the_catalogue_falls_back_to_the_english() -> None:
    result = CheckResult(
        "new_check", Status.FAIL, "it broke", "fix it", detail_key="doctor.no_such.sentence"
    )
    assert describe(result, Translator("vi")) == ("new_check", "it broke", "fix it")
    # A key only the Vietnamese catalogue had would reach an English screen as Vietnamese.
    english_only = CheckResult("disk", Status.OK, "free", detail_key="staff.device.online")
    load_catalogue("en").pop("staff.device.online", None)  # as if the en text were missing
    try:
        assert describe(english_only, Translator("en"))[1] == "free"
    finally:
        load_catalogue.cache_clear()


def test_the_default_kiosk_speaks_both_languages_in_every_check(tmp_path: Path) -> None:
    # Demo devices, no database yet, no trust store, no centre: skips, a warning, a failure.
    report = run_checks(KioskConfig(), tmp_path)
    assert [r.name for r in report.results] == list(CHECKS)
    assert_speaks_both(report)


def test_an_empty_trust_store_is_explained_in_vietnamese_with_the_command(tmp_path: Path) -> None:
    config = KioskConfig().replace(devices={"trust_store": str(tmp_path)})
    result = run_checks(config, tmp_path, ["trust_store"]).get("trust_store")
    title, detail, remedy = describe(result, Translator("vi"))
    assert title == "Kho chứng thư CSCA"
    assert detail == f"không có chứng thư CSCA nào trong {tmp_path}"
    assert "kiosk config set devices.trust_store DIR" in remedy
    assert "kiosk trust import FILE" in remedy and "danh sách chứng thư CSCA" in remedy
    assert describe(result, Translator("en"))[1] == f"no CSCA certificate in {tmp_path}"


@pytest.mark.parametrize(
    ("age_days", "status"), [(0, Status.OK), (15 * 365 - 10, Status.WARN), (16 * 365, Status.FAIL)]
)
def test_trust_store_findings_speak_both(tmp_path: Path, age_days: int, status: Status) -> None:
    save_pki(create_test_pki(now=datetime.now(UTC) - timedelta(days=age_days)), tmp_path / "pki")
    store = tmp_path / "trust"
    store.mkdir()
    (store / "csca.pem").write_bytes((tmp_path / "pki" / "csca.pem").read_bytes())
    config = KioskConfig().replace(devices={"trust_store": str(store)})
    result = run_checks(config, tmp_path, ["trust_store"]).get("trust_store")
    assert result.status is status, result.line()
    assert_speaks_both([result])


def test_disk_findings_speak_both(tmp_path: Path) -> None:
    free = run_checks(KioskConfig(), tmp_path, ["disk"]).get("disk")
    megabytes = int(free.detail_args["free"])
    if megabytes + 500 > 1_000_000:  # storage.min_free_mb's maximum
        pytest.skip(f"{megabytes} MB free: too much to ask for more")
    results = [free]
    # Too little (with room for other programs freeing some); less than twice the minimum.
    for need in (megabytes + 500, megabytes * 2 // 3):
        config = KioskConfig().replace(storage={"min_free_mb": need})
        results.append(run_checks(config, tmp_path, ["disk"]).get("disk"))
    results.append(run_checks(KioskConfig(), tmp_path / "gone", ["disk"]).get("disk"))
    assert [r.status for r in results] == [Status.OK, Status.FAIL, Status.WARN, Status.FAIL]
    assert_speaks_both(results)


def test_database_findings_speak_both(tmp_path: Path) -> None:
    from offline_cache.store import SqlOutbox

    outbox = SqlOutbox.open(tmp_path / "kiosk.db", enrol=True)
    outbox.engine.dispose()
    healthy = run_checks(KioskConfig(), tmp_path, ["database"]).get("database")
    (tmp_path / "numbering.json").unlink()  # the numbering's mark lost
    unnumbered = run_checks(KioskConfig(), tmp_path, ["database"]).get("database")
    assert (healthy.status, unnumbered.status) == (Status.OK, Status.FAIL)
    assert unnumbered.remedy == "kiosk store enrol"
    assert_speaks_both([healthy, unnumbered])
    _title, detail, remedy = describe(unnumbered, Translator("vi"))
    assert detail.startswith("thiếu dấu mốc cấp mã hồ sơ: the numbering's mark")
    assert remedy.endswith(": kiosk store enrol")


def test_catalogue_findings_speak_both(tmp_path: Path) -> None:
    stored = tmp_path / "catalogue" / "catalogue-envelope.json"
    stored.parent.mkdir()
    stored.write_text(json.dumps({"version": "2026.12", "signature": "forged"}))
    unkeyed = run_checks(KioskConfig(), tmp_path, ["catalogue"]).get("catalogue")
    key = tmp_path / "catalogue.pub"
    key.write_bytes(
        Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    config = KioskConfig().replace(sync={"catalogue_public_key": str(key)})
    forged = run_checks(config, tmp_path, ["catalogue"]).get("catalogue")
    assert unkeyed.status is forged.status is Status.FAIL
    assert_speaks_both([unkeyed, forged])
    assert f"rm {stored}" in describe(forged, Translator("vi"))[2]


def test_centre_findings_without_a_centre_speak_both(tmp_path: Path) -> None:
    # No credential yet; then a centre address where nothing listens (port 9, discard).
    unenrolled = KioskConfig().replace(sync={"central_url": "http://127.0.0.1:9"})
    key = tmp_path / "kiosk.pem"
    key.write_bytes(
        Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    unreachable = unenrolled.replace(sync={"credential": str(key), "kiosk_id": "K1"})
    (tmp_path / "not-a-key.pem").write_text("not a key")
    damaged = unenrolled.replace(sync={"credential": str(tmp_path / "not-a-key.pem")})
    results = [
        *run_checks(unenrolled, tmp_path, ["clock", "centre"]).results,
        *run_checks(unreachable, tmp_path, ["clock", "centre"]).results,
        *run_checks(damaged, tmp_path, ["clock", "centre"]).results,
    ]
    assert [r.status for r in results] == [Status.SKIP, Status.FAIL] * 3
    assert_speaks_both(results)
    assert describe(results[1], Translator("vi"))[1].startswith("ki-ốt chưa được đăng ký")


def test_what_stops_serving_citizens_is_said_in_both_languages() -> None:
    findings = citizen_service_findings(KioskConfig())  # the demo's devices, nothing set
    assert [f.text for f in findings] == citizen_service_problems(KioskConfig())
    assert {f.key for f in findings} >= {"doctor.readiness.device", "doctor.readiness.required"}
    vi, en = Translator("vi"), Translator("en")
    for finding in findings:
        assert translate_said(finding, en) == finding.text
        text = translate_said(finding, vi)
        assert text != finding.text and all(v in text for v in literal_args(dict(finding.args)))
    assert "devices.trust_store" in translate_said(findings[4], vi)


def test_a_check_that_breaks_is_named_in_vietnamese_with_its_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_config: KioskConfig, _root: Path) -> CheckResult:
        raise OSError(os.strerror(5))

    monkeypatch.setitem(LOCAL, "fonts", broken)
    result = run_checks(KioskConfig(), tmp_path, ["fonts"]).get("fonts")
    assert result.detail == "the check failed: OSError: Input/output error"
    assert_speaks_both([result])
    assert describe(result, Translator("vi"))[1].endswith(": OSError: Input/output error")


def test_json_keeps_its_fields_and_adds_the_keys(tmp_path: Path) -> None:
    config = KioskConfig().replace(devices={"trust_store": str(tmp_path)})
    checks = run_checks(config, tmp_path, ["trust_store"]).as_dict()["checks"]
    (found,) = json.loads(json.dumps(checks))
    assert found["detail"] == f"no CSCA certificate in {tmp_path}"
    assert found["detail_key"] == "doctor.trust_store.empty"
    assert found["detail_args"] == {"folder": str(tmp_path)}
    assert found["remedy_key"] == "doctor.remedy.trust_store" and found["remedy_args"] == {}
    assert TITLE_PREFIX + found["name"] in load_catalogue("vi")
