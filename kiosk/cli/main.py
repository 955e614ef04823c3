"""The ``kiosk`` command: run the kiosk, the demo tour, and technician tools.

Qt is imported only inside the commands that open the GUI, so the
technician commands (``kiosk config …``) work on a machine with no display
and load fast.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from kiosk import __version__
from kiosk.base.paths import DataDirError, data_dir
from kiosk.cli.audit import add_audit_commands, run_audit_command
from kiosk.cli.card import add_card_commands, run_card_command
from kiosk.cli.doctor import add_doctor_parser, run_doctor_command
from kiosk.cli.face import add_face_parser, run_face_command
from kiosk.cli.printer import add_printer_commands, run_printer_command
from kiosk.cli.procedures import add_procedures_parser, run_procedures_command
from kiosk.cli.staff import add_staff_commands, run_staff_command
from kiosk.cli.store import add_store_commands, run_store_command
from kiosk.cli.sync import add_sync_commands, run_sync_command, serve_central
from kiosk.cli.trust import add_trust_commands, run_trust_command
from kiosk.doctor.readiness import citizen_service_problems
from kiosk.runtime.config import (
    ConfigError,
    KioskConfig,
    RuntimeFlags,
    declared_settings,
    default_config_path,
    load_config,
    write_setting,
)
from kiosk.runtime.logs import setup_logging
from offline_cache.outbox import StoreError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kiosk", description="Self-service kiosk (một cửa).")
    parser.add_argument("--config", type=Path, help="operator settings file (TOML)")
    parser.add_argument("--version", action="version", version=f"kiosk {__version__}")
    sub = parser.add_subparsers(dest="command")

    run = sub.add_parser("run", help="start the kiosk (the default)")
    run.add_argument("--demo", action="store_true", help="simulated devices and a demo card")
    run.add_argument("--windowed", action="store_true", help="a window instead of full screen")
    setup = sub.add_parser("setup", help="technician mode: choose and test devices, enrol")
    setup.add_argument("--windowed", action="store_true", help="a window instead of full screen")
    demo = sub.add_parser("demo", help="start in demo mode, windowed")
    demo.add_argument("--fullscreen", action="store_true")

    tour = sub.add_parser("demo-tour", help="drive every screen headless and save screenshots")
    tour.add_argument("--screenshots", type=Path, required=True, metavar="DIR")
    tour.add_argument("--lang", choices=("vi", "en"), default="vi")
    tour.add_argument(
        "--size",
        type=_screen_size,
        default=(1280, 800),
        metavar="WxH",
        help="the screen, e.g. 1920x1080, or 1080x1920 for an upright kiosk (default 1280x800)",
    )
    tour.add_argument("--large-text", action="store_true", help="start with larger text")
    tour.add_argument("--high-contrast", action="store_true", help="start in high contrast")
    tour.add_argument(
        "--switch-language-at",
        metavar="SHOT",
        help="the citizen touches the other language before this shot (its name or number)",
    )
    tour.add_argument(
        "--short",
        action="store_true",
        help="only the key screens (search, form pages, look-up...): a quicker check",
    )

    config = sub.add_parser("config", help="show, check or change operator settings")
    csub = config.add_subparsers(dest="config_command", required=True)
    show = csub.add_parser("show", help="every setting: value, default, description")
    show.add_argument("--json", action="store_true")
    show.add_argument("--markdown", action="store_true", help="the reference table for docs/")
    check = csub.add_parser("check", help="validate a settings file")
    check.add_argument("file", type=Path, nargs="?")
    set_ = csub.add_parser("set", help="persist one setting")
    set_.add_argument("key")
    set_.add_argument("value")
    csub.add_parser("path", help="print where the settings file is")
    add_card_commands(sub)
    add_trust_commands(sub)
    add_sync_commands(sub)
    add_store_commands(sub)
    add_procedures_parser(sub)
    add_face_parser(sub)
    add_doctor_parser(sub)
    add_audit_commands(sub)
    add_staff_commands(sub)
    add_printer_commands(sub)
    dossier = sub.add_parser("dossier", help="dossier tools for demos and tests")
    dsub = dossier.add_subparsers(dest="dossier_command", required=True)
    demo_submit = dsub.add_parser("submit-demo", help="submit N demo dossiers like the screens")
    demo_submit.add_argument("--count", type=int, default=1)
    return parser


def _config_command(args: argparse.Namespace, path: Path) -> int:
    if args.config_command == "path":
        print(path)
        return 0
    if args.config_command == "check":
        target = args.file or path
        if args.file and not args.file.exists():
            raise ConfigError(f"{target}: no such settings file")
        load_config(target, environ={})
        print(f"{target}: OK")
        return 0
    if args.config_command == "set":
        write_setting(path, args.key, args.value)
        print(f"{args.key} = {args.value!r} saved to {path}")
        return 0
    if args.markdown:
        from kiosk.cli.settings_doc import settings_markdown

        print(settings_markdown(), end="")
        return 0
    config = load_config(path)
    rows = []
    for info in declared_settings():
        section, name = info.key.split(".")
        value = getattr(getattr(config, section), name)
        rows.append(
            {
                "key": info.key,
                "value": value,
                "default": info.default,
                "type": info.type.__name__,
                "env": info.env_name,
                "description": info.description,
            }
        )
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        for row in rows:
            marker = "" if row["value"] == row["default"] else "  (changed)"
            print(f"{row['key']} = {row['value']!r}{marker}\n    {row['description']}")
    return 0


def _run_gui(config: KioskConfig, flags: RuntimeFlags) -> int:
    from ui.app import run

    return run(config, flags)


def _screen_size(text: str) -> tuple[int, int]:
    """``"1280x800"`` → ``(1280, 800)``."""
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not WIDTHxHEIGHT, e.g. 1280x800") from None
    if not (640 <= width <= 7680 and 480 <= height <= 7680):
        raise argparse.ArgumentTypeError(f"{text!r}: a screen from 640x480 to 7680x7680")
    return width, height


def _demo_tour(args: argparse.Namespace) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from ui.automatic import TourError, run_tour
    from ui.key_screens import key_screens

    try:
        driver = run_tour(
            args.screenshots,
            args.lang,
            size=args.size,
            large_text=args.large_text,
            high_contrast=args.high_contrast,
            switch_language_at=args.switch_language_at,
            walk=key_screens if args.short else None,
        )
    except TourError as exc:
        print(f"demo tour failed: {exc}", file=sys.stderr)
        return 1
    for path in driver.screenshots:
        print(path)
    print(f"{len(driver.screenshots)} screenshots in {args.screenshots}", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    path = args.config or default_config_path()
    # OpenCV writes its own notices straight to the terminal; only its errors belong there.
    os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")
    try:
        if args.command == "config":
            return _config_command(args, path)
        if args.command == "procedures":
            return run_procedures_command(args)
        if args.command == "face":
            return run_face_command(args)
        config = load_config(path)
        root = data_dir(config.storage.data_dir)
        setup_logging(
            config.logging.level, root / "logs" / "kiosk.log" if config.logging.file else None
        )
        if args.command == "demo-tour":
            return _demo_tour(args)
        if args.command == "card":
            return run_card_command(args, root, config)
        if args.command == "trust":
            return run_trust_command(args, root, config)
        if args.command == "sync":
            return run_sync_command(args, config, root)
        if args.command == "store":
            return run_store_command(args, config, root)
        if args.command in ("receipt", "printer"):
            return run_printer_command(args, config)
        if args.command == "doctor":
            return run_doctor_command(args, config, root)
        if args.command == "setup":
            from ui.technician_setup import run_setup

            return run_setup(path, root, fullscreen=not args.windowed)
        if args.command == "audit":
            return run_audit_command(args, config, root)
        if args.command == "staff":
            return run_staff_command(args, config, root)
        if args.command == "central":
            return serve_central(args)
        if args.command == "dossier":
            from kiosk.cli.dossier import submit_demo

            for code in submit_demo(config, args.count):
                print(code)
            return 0
        if args.command == "demo":
            flags = RuntimeFlags(demo=True, windowed=not args.fullscreen)
        elif args.command == "run":
            flags = RuntimeFlags(demo=args.demo, windowed=args.windowed)
        else:
            flags = RuntimeFlags()
        if not flags.demo and (problems := citizen_service_problems(config)):
            print("The kiosk cannot serve citizens with these settings:", file=sys.stderr)
            for problem in problems:
                print(f"  {problem}", file=sys.stderr)
            print("For a demonstration: kiosk demo (or kiosk run --demo).", file=sys.stderr)
            return 2
        return _run_gui(config, flags)
    except (ConfigError, DataDirError) as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    except StoreError as exc:  # one sentence naming the file and what to do
        print(exc, file=sys.stderr)
        return 4


if __name__ == "__main__":
    raise SystemExit(main())
