"""Daily counters that survive restarts (dossier numbers, queue tickets).

A kiosk must number dossiers and tickets without asking the centre, and a
restart must never hand out a number twice.  The counters hold no personal
data; they live in a small JSON file replaced atomically (temporary file,
fsync, rename), so a crash leaves either the old or the new value.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path


class DailyCounters:
    """``next(name)`` returns 1, 2, 3, … per name and per calendar day."""

    def __init__(self, path: Path, today: Callable[[], date] = date.today) -> None:
        self._path = path
        self._today = today
        self._lock = threading.Lock()

    def _read(self) -> dict[str, int]:
        try:
            data = json.loads(self._path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            # A damaged file must not stop the kiosk; numbering restarts high enough
            # below (see next()) to stay clear of anything handed out today.
            return {"__damaged__": 1}
        return {k: int(v) for k, v in data.items() if isinstance(v, int)}

    def next(self, name: str) -> int:
        with self._lock:
            day = self._today().isoformat()
            data = self._read()
            damaged = data.pop("__damaged__", 0)
            key = f"{name}:{day}"
            value = data.get(key, 0) + 1
            if damaged:
                value = max(value, 5000)
            kept = {k: v for k, v in data.items() if k.endswith(day)}
            kept[key] = value
            self._path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self._path.with_suffix(".tmp")
            with tmp.open("w", encoding="utf-8") as fh:
                json.dump(kept, fh)
                fh.flush()
                os.fsync(fh.fileno())
            tmp.replace(self._path)
            return value
