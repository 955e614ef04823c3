import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.cli.main import main


def test_config_show_lists_every_setting_with_its_description(tmp_path: Path, capsys) -> None:
    assert main(["--config", str(tmp_path / "k.toml"), "config", "show", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    keys = {r["key"] for r in rows}
    assert {"centre.name", "session.idle_timeout_s", "ui.language"} <= keys
    assert all(r["description"] for r in rows)


def test_config_set_then_check(tmp_path: Path, capsys) -> None:
    path = tmp_path / "k.toml"
    assert main(["--config", str(path), "config", "set", "session.idle_timeout_s", "200"]) == 0
    assert main(["--config", str(path), "config", "check"]) == 0
    assert "OK" in capsys.readouterr().out
    assert main(["--config", str(path), "config", "set", "ui.language", "de"]) == 2
    assert "ui.language" in capsys.readouterr().err


@pytest.mark.timeout(600)  # a tour in its own process: minutes on a loaded machine
def test_demo_tour_command_saves_a_picture_of_every_screen(tmp_path: Path) -> None:
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        XDG_DATA_HOME=str(tmp_path / "xdg"),
        KIOSK_CONFIG=str(tmp_path / "none.toml"),
    )
    out = tmp_path / "shots"
    # The short walk: the full one runs in tests/ui/test_screens.py, in-process.
    command = ["demo-tour", "--short", "--screenshots", str(out), "--lang", "en"]
    result = subprocess.run(
        [sys.executable, "-m", "kiosk", *command],
        env=env,
        capture_output=True,
        text=True,
        timeout=540,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    pngs = sorted(out.glob("*.png"))
    assert len(pngs) >= 20
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in pngs)


def test_the_kiosk_refuses_to_serve_citizens_without_its_real_devices(
    tmp_path: Path, capsys
) -> None:
    assert main(["--config", str(tmp_path / "k.toml"), "run"]) == 2
    err = capsys.readouterr().err
    assert "devices.card_reader = 'simulator': expected 'pcsc'" in err
    assert "sync.central_url = '': required" in err
    assert "kiosk demo" in err


def test_demo_dossiers_go_through_the_screens_path_into_the_durable_outbox(
    tmp_path: Path, capsys
) -> None:
    from kiosk.base.dossier import CODE_PATTERN
    from offline_cache.store import SqlOutbox

    config = tmp_path / "k.toml"
    config.write_text(f'[storage]\ndata_dir = "{tmp_path / "data"}"\n', encoding="utf-8")
    assert main(["--config", str(config), "dossier", "submit-demo", "--count", "3"]) == 0
    codes = capsys.readouterr().out.split()
    assert len(codes) == 3 and len(set(codes)) == 3
    assert all(CODE_PATTERN.match(code) for code in codes)
    queued = SqlOutbox.open(tmp_path / "data" / "kiosk.db").pending()
    assert [q.meta.code for q in queued] == codes


def run_kiosk(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The ``kiosk`` command in its own process, as a technician or a service manager runs it."""
    return subprocess.run(
        [sys.executable, "-m", "kiosk", "--config", str(config), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_kiosk_that_refuses_to_start_exits_non_zero_for_its_service_manager(
    tmp_path: Path,
) -> None:
    config = tmp_path / "k.toml"
    config.write_text(f'[storage]\ndata_dir = "{tmp_path / "data"}"\n', encoding="utf-8")
    result = run_kiosk(config, "run")
    assert result.returncode == 2
    assert "cannot serve citizens" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_technicians_terminal_shows_the_commands_output_not_alembics_narration(
    tmp_path: Path,
) -> None:
    config = tmp_path / "k.toml"
    config.write_text(f'[storage]\ndata_dir = "{tmp_path / "data"}"\n', encoding="utf-8")
    result = run_kiosk(config, "sync", "status")  # a new data folder: every migration runs
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "data" / "kiosk.db").is_file()
    assert result.stdout.startswith("dossiers: none")
    assert "alembic" not in (result.stdout + result.stderr).lower()


def test_the_json_log_goes_to_the_file_and_the_terminal_shows_only_warnings(
    tmp_path: Path,
) -> None:
    config = tmp_path / "k.toml"
    config.write_text(f'[storage]\ndata_dir = "{tmp_path / "data"}"\n', encoding="utf-8")
    result = run_kiosk(config, "dossier", "submit-demo")
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.split()) == 1  # the dossier code, nothing else
    terminal = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    assert all(entry["level"] in ("WARNING", "ERROR", "CRITICAL") for entry in terminal)
    logged = (tmp_path / "data" / "logs" / "kiosk.log").read_text(encoding="utf-8")
    events = [json.loads(line) for line in logged.splitlines()]
    assert any(e["level"] == "INFO" and e["event"] == "step_changed" for e in events)
    assert not [e for e in events if e["logger"].startswith("alembic")]
