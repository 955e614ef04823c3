"""`kiosk staff` manages the local list (each change audited); `kiosk audit verify` says
whether the trail is intact and, when not, which entry was touched; `kiosk audit show`."""

from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.central.protocol import save_public_key
from kiosk.cli.main import main
from kiosk.staff.directory import sign_list
from kiosk.staff.pins import PinHasher


def _cli(config: Path, *args: str) -> list[str]:
    return ["--config", str(config), *args]


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "k.toml"
    path.write_text(f'[storage]\ndata_dir = "{tmp_path / "data"}"\n', encoding="utf-8")
    return path


def test_staff_changes_are_audited_and_tampering_is_named(
    config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    for staff_id in ("NV010", "NV011", "NV012"):
        monkeypatch.setattr("sys.stdin", io.StringIO("482916\n"))
        assert main(_cli(config, "staff", "add", staff_id, "--pin-stdin")) == 0
    assert main(_cli(config, "staff", "remove", "NV011")) == 0
    capsys.readouterr()
    assert main(_cli(config, "staff", "list")) == 0
    listed = capsys.readouterr().out
    assert "NV010" in listed and "NV011" not in listed and "482916" not in listed

    assert main(_cli(config, "audit", "verify")) == 0
    assert "intact: 4 entries" in capsys.readouterr().out
    assert main(_cli(config, "audit", "show", "--json")) == 0
    shown = json.loads(capsys.readouterr().out)
    assert [e["action"] for e in shown] == ["staff_added"] * 3 + ["staff_removed"]
    assert shown[1]["detail"] == {"granted": "staff", "target": "NV011"}

    # Someone hides that NV011 was ever added.
    with sqlite3.connect(tmp_path / "data" / "kiosk.db") as db:
        db.execute("UPDATE audit_log SET detail = '{}' WHERE seq = 2")
    assert main(_cli(config, "audit", "verify", "--json")) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["intact"] is False
    assert [(f["kind"], f["seq"]) for f in report["findings"]] == [("edited", 2)]
    assert main(_cli(config, "audit", "verify")) == 1
    assert "edited     entry 2 was edited" in capsys.readouterr().out


def test_a_staff_list_signed_by_the_centre_is_imported_and_a_forged_one_refused(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    centre = Ed25519PrivateKey.generate()
    save_public_key(centre.public_key(), tmp_path / "centre.pem")
    config.write_text(
        config.read_text(encoding="utf-8")
        + f'[sync]\ncatalogue_public_key = "{tmp_path / "centre.pem"}"\n',
        encoding="utf-8",
    )
    hashed = PinHasher(time_cost=1, memory_kib=1024, parallelism=1).hash("1234")
    rows = [{"staff_id": "NV100", "role": "staff", "pin_hash": hashed, "card_sha256": None}]
    (tmp_path / "list.json").write_bytes(sign_list(centre, "2026.12.04", rows))
    (tmp_path / "forged.json").write_bytes(
        sign_list(Ed25519PrivateKey.generate(), "2026.12.05", rows)
    )
    assert main(_cli(config, "staff", "import", str(tmp_path / "forged.json"))) == 1
    assert "signature does not match" in capsys.readouterr().out
    assert main(_cli(config, "staff", "import", str(tmp_path / "list.json"))) == 0
    assert main(_cli(config, "staff", "list")) == 0
    assert "NV100" in capsys.readouterr().out
