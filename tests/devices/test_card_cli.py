"""`kiosk card …` argument errors: one line saying what was expected, never a traceback.

The reads themselves (exit status 0 accepted, 3 refused, 1 unreadable) run against
the real pcscd in tests/devices/test_pcsc.py.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.cli.card import add_card_commands, run_card_command

ROOT = Path(__file__).resolve().parents[2]


def card_cli(argv: list[str], tmp_path: Path) -> int:
    parser = argparse.ArgumentParser(prog="kiosk")
    add_card_commands(parser.add_subparsers(dest="command"))
    try:
        args = parser.parse_args(["card", *argv])
    except SystemExit as exit_:
        return int(exit_.code or 0)
    return run_card_command(args, tmp_path)


def test_a_passport_number_given_as_the_id_says_what_id_expects(tmp_path: Path) -> None:
    # As found: a ValueError traceback.  Through the real command line.
    out = subprocess.run(
        [
            *(sys.executable, "-m", "kiosk", "card", "read", "--id", "L898902C"),
            *("--dob", "1974-08-12", "--expiry", "2032-04-15"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env=dict(os.environ, KIOSK_CONFIG=str(tmp_path / "k.toml"), XDG_DATA_HOME=str(tmp_path)),
    )
    assert out.returncode == 2
    assert out.stdout == ""
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
    assert "--id L898902C: expected the 12-digit ID number" in out.stderr


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--dob", "17/05/1990"], "argument --dob: expected a date as YYYY-MM-DD"),
        (["--id", "079203001234"], "--id needs --dob and --expiry"),
        ([], "expected --id, --dob and --expiry (a CCCD)"),
        (["--mrz", "P<UTO"], "--mrz: expected the 3 lines of 30"),
        (["--qr", "not a card"], "--qr: expected the text of a CCCD's QR code"),
        (["--can", "12"], "--can 12: expected the 6 digits"),
        (["--document-number", "L8989/02C"], "expected up to 9 letters or digits"),
        (["--can", "123456", "--trust", "/nonexistent"], "--trust /nonexistent: expected a"),
        (["--can", "123456", "--apdu-timeout", "soon"], "expected seconds between 0 and 600"),
    ],
)
def test_argument_errors_are_one_line_saying_what_was_expected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], expected: str
) -> None:
    assert card_cli(["read", *argv], tmp_path) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("kiosk card read: "), err
    assert expected in err


def test_an_emulator_option_out_of_range_is_one_line(tmp_path, capsys) -> None:
    assert card_cli(["emulate", "--silent-after", "-1"], tmp_path) == 2
    assert capsys.readouterr().err == (
        "kiosk card emulate: --silent-after -1: expected 0 or more commands\n"
    )
