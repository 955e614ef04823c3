"""Build the recorder, read its log, and rebuild a folder as a power cut would leave it."""

from __future__ import annotations

import hashlib
import random
import shutil
import struct
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

SHIM_SOURCE = Path(__file__).resolve().parent / "shim.c"


def build_shim() -> Path:
    """The recorder compiled once per source version (needs a C compiler: build-essential)."""
    source = SHIM_SOURCE.read_bytes()
    target = (
        Path(tempfile.gettempdir())
        / f"kiosk-powerloss-{hashlib.sha256(source).hexdigest()[:12]}.so"
    )
    if not target.exists():
        partial = target.with_suffix(".partial")
        subprocess.run(
            [
                "cc",
                "-shared",
                "-fPIC",
                "-O2",
                "-o",
                str(partial),
                str(SHIM_SOURCE),
                "-ldl",
                "-lpthread",
            ],
            check=True,
            capture_output=True,
        )
        partial.replace(target)
    return target


@dataclass(frozen=True)
class Event:
    kind: str  # W T S U D
    ino: int = 0
    offset: int = 0  # W: where; T: the new length
    data: bytes = b""  # W: the bytes
    names: tuple[tuple[str, int], ...] = ()  # D: (name, inode)
    end: int = 0  # the log's size once this event was written


def read_log(path: Path) -> list[Event]:
    raw = path.read_bytes()
    events: list[Event] = []
    at = 0
    while at < len(raw):
        kind = chr(raw[at])
        at += 1
        if kind == "W":
            ino, offset, length = struct.unpack_from("<QQI", raw, at)
            at += 20
            events.append(Event("W", ino, offset, raw[at : at + length], end=at + length))
            at += length
        elif kind == "T":
            ino, length = struct.unpack_from("<QQ", raw, at)
            at += 16
            events.append(Event("T", ino, length, end=at))
        elif kind in "SU":
            (ino,) = struct.unpack_from("<Q", raw, at)
            at += 8
            events.append(Event(kind, ino, end=at))
        elif kind == "D":
            (count,) = struct.unpack_from("<I", raw, at)
            at += 4
            names = []
            for _ in range(count):
                ino, size = struct.unpack_from("<QH", raw, at)
                at += 10
                names.append((raw[at : at + size].decode(), ino))
                at += size
            events.append(Event("D", names=tuple(names), end=at))
        else:
            raise ValueError(f"log damaged at byte {at - 1}")
    return events


@dataclass
class _File:
    live: bytearray = field(default_factory=bytearray)
    durable: bytes = b""
    pending: list[Event] = field(default_factory=list)  # since the last sync


def _apply(content: bytearray, event: Event) -> None:
    if event.kind == "W":
        end = event.offset + len(event.data)
        if len(content) < end:
            content.extend(bytes(end - len(content)))
        content[event.offset : end] = event.data
    else:  # T
        del content[event.offset :]
        content.extend(bytes(max(0, event.offset - len(content))))


class Disk:
    """The folder's durable state as the log goes on (one pass, cut anywhere)."""

    def __init__(self) -> None:
        self.files: dict[tuple[int, int], _File] = {}
        self.generation: dict[int, int] = {}  # an inode number reused after an unlink
        self.names: dict[str, tuple[int, int]] = {}  # what the last folder sync made durable

    def _file(self, ino: int) -> _File:
        return self.files.setdefault((ino, self.generation.get(ino, 0)), _File())

    def apply(self, event: Event) -> None:
        if event.kind in "WT":
            f = self._file(event.ino)
            _apply(f.live, event)
            f.pending.append(event)
        elif event.kind == "S":
            f = self._file(event.ino)
            f.durable, f.pending = bytes(f.live), []
        elif event.kind == "U":
            self.generation[event.ino] = self.generation.get(event.ino, 0) + 1
        else:  # D
            self.names = {name: (ino, self.generation.get(ino, 0)) for name, ino in event.names}

    def cut(self, rng: random.Random | None = None) -> dict[str, bytes]:
        """The files a power cut now leaves: synced content only, or (``rng``) plus a random
        part of what was written since (each unsynced write kept or lost, in order)."""
        out: dict[str, bytes] = {}
        for name, key in self.names.items():
            f = self.files.get(key)
            if f is None:
                out[name] = b""
                continue
            content = bytearray(f.durable)
            if rng is not None:
                for event in f.pending:
                    if rng.random() < 0.5:
                        _apply(content, event)
            out[name] = bytes(content)
        return out


def cuts(events: list[Event], every: int = 1) -> Iterator[tuple[int, Disk]]:
    """(log position, disk) just before each sync of a file or of the folder, and at the end.

    Between two syncs nothing becomes durable, so these are all the distinct states of a
    cut that loses every unsynced write.
    """
    disk = Disk()
    position = 0
    seen = 0
    for event in events:
        if event.kind in "SD":
            seen += 1
            if seen % every == 0:
                yield position, disk
        disk.apply(event)
        position = event.end
    yield position, disk


def materialize(files: dict[str, bytes], folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for name, content in files.items():
        (folder / name).write_bytes(content)
