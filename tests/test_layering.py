"""House rule: Qt only under ui/ (and the entry point)."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QT_FREE = ("kiosk", "devices", "offline_cache")


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_core_packages_never_import_qt_or_the_ui() -> None:
    offenders = []
    for package in QT_FREE:
        for path in (ROOT / package).rglob("*.py"):
            if path.relative_to(ROOT).as_posix() == "kiosk/cli/main.py":
                continue  # the entry point imports ui lazily, inside the GUI commands
            for name in imported_modules(path):
                if name.split(".")[0] in ("PySide6", "shiboken6", "ui"):
                    offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offenders == []


def test_the_core_loads_without_qt() -> None:
    code = (
        "import sys, kiosk.app, kiosk.core, kiosk.cli.main, devices.card.simulator, "
        "devices.camera.simulator, offline_cache.outbox; "
        "sys.exit(1 if any(m.startswith('PySide6') for m in sys.modules) else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0
