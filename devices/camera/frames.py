"""Looking at a camera's new frames on a thread of one's own.

The QR scanner, the paper scanner and the face check each look at the camera's
*latest* frame on a background thread, so image work never runs on the GUI
thread and a slow consumer simply looks at fewer frames (nothing is queued).
:class:`FrameWorker` is that thread, once: it hands each frame not seen before
to a per-frame function until the function says it is done or the worker is
stopped, and an exception in the function is logged and ends the worker, never
silently.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator

from devices.camera.base import Camera, Frame

log = logging.getLogger(__name__)


def new_frames(camera: Camera, stopped: threading.Event, interval_s: float) -> Iterator[Frame]:
    """Each frame the camera has not shown before, polled every ``interval_s``, until ``stopped``.

    It never queues frames, so a slow consumer simply looks at fewer of them.
    """
    seen = -1
    while not stopped.wait(interval_s):
        frame = camera.latest()
        if frame is not None and frame.seq != seen:
            seen = frame.seq
            yield frame


class FrameWorker:
    """Calls ``on_frame(frame)`` on a named daemon thread for each new frame of ``camera``.

    The worker ends when ``on_frame`` returns ``True`` (done) or :meth:`stop` is called.
    ``on_start()`` runs first on the thread, before any frame (returning ``True`` ends the
    worker there); ``on_end(error)`` runs last, however the worker ended, with the exception
    that ended it or ``None``.  An exception from ``on_start`` or ``on_frame`` is logged
    (``frame_worker_failed``, with the traceback) and ends the worker; a consumer that must
    tell someone passes ``on_end``.

    Threading: the three functions run on the worker's thread, one at a time.
    :meth:`start`, :meth:`stop` and :meth:`join` may be called from any thread, and
    :meth:`stop` from inside the functions too (it then does not wait for itself).  A
    worker runs once: it cannot be started again after it ended.
    """

    def __init__(
        self,
        camera: Camera,
        on_frame: Callable[[Frame], bool | None],
        *,
        name: str,
        interval_s: float = 0.05,
        on_start: Callable[[], bool | None] | None = None,
        on_end: Callable[[Exception | None], None] | None = None,
    ) -> None:
        self.camera = camera
        self.interval_s = interval_s
        self._on_frame = on_frame
        self._on_start = on_start
        self._on_end = on_end
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    @property
    def name(self) -> str:
        return self._thread.name

    @property
    def stopping(self) -> bool:
        """True once the worker was told to stop or has ended (a frame in progress may check
        it before reporting: a stopped worker's result is not wanted)."""
        return self._stopped.is_set()

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout_s: float = 2.0) -> bool:
        """Ask the worker to end, and wait up to ``timeout_s`` for it (``0``: do not wait).

        Returns ``True`` once the thread has ended (or was never started).  From inside
        ``on_frame`` (or the other functions) it returns ``False`` at once: the worker ends
        when the function returns.
        """
        self._stopped.set()
        if threading.current_thread() is self._thread:
            return False
        return self.join(timeout_s)

    def join(self, timeout_s: float = 3.0) -> bool:
        """Wait up to ``timeout_s`` for the thread to end; ``True`` when it has."""
        if self._thread.ident is None:
            return True  # never started
        if timeout_s > 0 and threading.current_thread() is not self._thread:
            self._thread.join(timeout_s)
            if self._thread.is_alive():
                log.warning(
                    "frame_worker_still_running",
                    extra={"fields": {"worker": self.name, "waited_s": timeout_s}},
                )
        return not self._thread.is_alive()

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        error: Exception | None = None
        try:
            done = self._stopped.is_set()
            if not done and self._on_start is not None:
                done = bool(self._on_start())
            if not done:
                for frame in new_frames(self.camera, self._stopped, self.interval_s):
                    if self._on_frame(frame):
                        break
        except Exception as exc:
            log.exception("frame_worker_failed", extra={"fields": {"worker": self.name}})
            error = exc
        finally:
            self._stopped.set()
            if self._on_end is not None:
                try:
                    self._on_end(error)
                except Exception:
                    log.exception(
                        "frame_worker_end_failed", extra={"fields": {"worker": self.name}}
                    )
