"""A private cupsd for the printer tests: its own ServerRoot, spool and logs in a temporary
folder, listening only on a Unix socket, with cups-pdf queues that write into that folder.

cups-pdf reads its settings from /etc/cups/cups-pdf.conf, a path compiled into it, so
cupsd runs in its own mount namespace (``unshare -m``) where a private cups-pdf.conf is
bind-mounted over that file; the system's CUPS and its configuration are never touched.
Needs root (cupsd runs cups-pdf as root) and ``unshare``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

CUPS_PDF_PPD = Path("/usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd")


@dataclass
class Cupsd:
    root: Path
    socket: str
    out: Path
    process: subprocess.Popen[bytes]

    def admin(self, *args: str) -> None:
        subprocess.run(
            list(args),
            check=True,
            capture_output=True,
            env={**os.environ, "CUPS_SERVER": self.socket},
        )

    def add_pdf_queue(self, name: str, *options: str) -> None:
        self.admin(
            "lpadmin", "-p", name, "-E", "-v", "cups-pdf:/", "-P", str(CUPS_PDF_PPD), *options
        )

    def pdfs(self) -> list[Path]:
        return sorted(self.out.glob("*.pdf"), key=lambda p: p.stat().st_mtime)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()


def why_not() -> str | None:
    """Why a private cupsd cannot run here, or None."""
    if os.geteuid() != 0:
        return "cupsd must start as root to run the cups-pdf backend"
    for tool in ("cupsd", "unshare", "lpadmin"):
        if shutil.which(tool) is None:
            return f"{tool} not installed (packages cups, util-linux)"
    if not Path("/usr/lib/cups/backend/cups-pdf").exists() or not CUPS_PDF_PPD.exists():
        return "cups-pdf not installed (package printer-driver-cups-pdf)"
    return None


def start_cupsd(folder: Path) -> Cupsd:
    """Start it and wait for its socket; raises RuntimeError naming the cause."""
    root, out = folder / "root", folder / "out"
    for sub in ("root/ppd", "spool", "cache", "state", "log", "tmp", "out"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    for sub in ("tmp", "out"):
        (folder / sub).chmod(0o1777)
    folder.chmod(0o755)
    socket = str(folder / "cups.sock")
    (root / "cups-files.conf").write_text(
        f"ServerRoot {root}\nRequestRoot {folder / 'spool'}\nCacheDir {folder / 'cache'}\n"
        f"StateDir {folder / 'state'}\nTempDir {folder / 'tmp'}\n"
        f"AccessLog {folder / 'log/access_log'}\nErrorLog {folder / 'log/error_log'}\n"
        f"PageLog {folder / 'log/page_log'}\nUser lp\nGroup lp\nSystemGroup root\n"
    )
    (root / "cupsd.conf").write_text(
        f"Listen {socket}\nLogLevel info\nWebInterface No\nBrowsing No\n"
        "DefaultAuthType None\nErrorPolicy stop-printer\n"
        "<Location />\n  Order allow,deny\n  Allow all\n</Location>\n"
        "<Policy default>\n  <Limit All>\n    Order deny,allow\n  </Limit>\n</Policy>\n"
    )
    (root / "cups-pdf.conf").write_text(
        f"Out {out}\nAnonDirName {out}\nLabel 0\nUserUMask 0000\nTitlePref 1\n"
    )
    command = (
        f"mount --bind {root / 'cups-pdf.conf'} /etc/cups/cups-pdf.conf && "
        f"exec cupsd -f -c {root / 'cupsd.conf'} -s {root / 'cups-files.conf'}"
    )
    process = subprocess.Popen(
        ["unshare", "-m", "sh", "-c", command],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while not Path(socket).exists():
        if process.poll() is not None:
            output = process.stdout.read().decode(errors="replace") if process.stdout else ""
            raise RuntimeError(f"cupsd exited ({process.returncode}): {output.strip()[:300]}")
        if time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("cupsd did not open its socket within 30 s")
        time.sleep(0.05)
    return Cupsd(root, socket, out, process)
