"""Where the kiosk keeps its files, and its private temporary folder.

Personal data never goes to disk in clear.  Anything that must pass through a
file (a print job spooled to CUPS, say) goes to :func:`private_tmp`, a 0700
folder inside the data directory that is emptied at start-up and at the end of
every citizen session, so a crash cannot leave such a file behind for long.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from pathlib import Path

ASSETS = Path(__file__).resolve().parents[2] / "assets"


class DataDirError(ValueError):
    """The data folder cannot be used: one line naming the setting, the folder and why."""


def data_dir(configured: str = "") -> Path:
    """The kiosk's data folder (created 0700 when missing), checked to be a writable folder.

    Raises :class:`DataDirError` (a file, ``/proc/…``, a read-only or foreign folder).
    """
    if configured:
        path = Path(configured).expanduser()
        label = f"storage.data_dir = {configured!r}"
    else:
        base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
        path = Path(base) / "vn-kiosk"
        label = f"storage.data_dir = '' (the default, {path})"
    try:
        if path.exists() and not path.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, "it is a file, not a folder")
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        # Writable for this user (root included: /proc and read-only mounts refuse even root).
        fd, probe = tempfile.mkstemp(dir=path, prefix=".write-test-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise DataDirError(
            f"{label}: cannot keep the kiosk's data in {path} ({reason}): expected a folder "
            "this user can write to"
        ) from None
    return path


def private_tmp(root: Path) -> Path:
    """The kiosk's own temporary folder under ``root`` (mode 0700)."""
    path = root / "tmp"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)
    return path


def sweep_private_tmp(root: Path) -> int:
    """Delete everything in the private temporary folder; returns how many entries went."""
    path = private_tmp(root)
    removed = 0
    for entry in path.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        removed += 1
    return removed
