"""Papers still needed: photographed with the camera, or left for the counter.

Step: ``capture_papers``.  The papers the state holds no data for, given the
answers, are listed; each one is photographed (the camera looks for the page until
it is held still, then the citizen uses or retakes the photo) or left for the
counter.  The photo goes only into the sealed dossier.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kiosk.base.events import Signal
from kiosk.catalogue.model import Document
from kiosk.journeys.base import Journey, JourneyContext
from kiosk.runtime.flow import Step, Transition, Trigger
from kiosk.runtime.session import CitizenSession

if TYPE_CHECKING:  # the page finder (OpenCV, numpy) loads with the first paper, not at start
    from kiosk.scan.pages import CapturedPage
    from kiosk.scan.paper import PaperScanner


def papers_needed(session: CitizenSession) -> list[Document]:
    """The papers the state holds no data for, given the answers."""
    form = session.form
    return [d for d in form.documents() if d.still_needed] if form is not None else []


def papers_to_capture(session: CitizenSession) -> list[Document]:
    """Papers still needed that the citizen has neither photographed nor deferred."""
    return [d for d in papers_needed(session) if d.key not in session.papers]


class PapersJourney(Journey):
    steps = frozenset({Step.CAPTURE_PAPERS})

    def __init__(self, context: JourneyContext) -> None:
        super().__init__(context)
        self._scanner: PaperScanner | None = None
        self.key: str | None = None  # the paper being photographed
        self.taken: CapturedPage | None = None  # its photo, awaiting "use" or "retake"
        self.progress = Signal("paper_progress")  # (PageDetection, frame size)
        self.changed = Signal("paper_changed")  # (): capture started, taken, kept, ended

    def left(self, transition: Transition) -> None:
        self.stop_capture()

    def wiped(self) -> None:
        self.stop_capture()

    def needed(self) -> list[Document]:
        return papers_needed(self.session)

    def to_capture(self) -> list[Document]:
        return papers_to_capture(self.session)

    def attach(self, key: str, page: Any) -> None:
        """A photographed paper (a :class:`kiosk.scan.pages.CapturedPage`)."""
        self.context.touch()
        self.session.papers[key] = page

    def start_capture(self, key: str) -> None:
        """Photograph the paper ``key``: the camera looks for the page until it is taken."""
        if not self.active:
            return
        self.context.touch()
        self.stop_capture()
        self.key, self.taken = key, None
        from kiosk.scan.paper import PaperScanner

        camera, post = self.context.devices.camera, self.context.dispatcher.post
        camera.start()
        scanner = PaperScanner(
            camera,
            lambda detection, size: post(self._on_progress, detection, size),
            lambda page: post(self._on_taken, scanner, page),
            max_bytes=self.context.config.storage.paper_max_kb * 1000,
        )
        self._scanner = scanner
        scanner.start()
        self.changed.emit()

    def _on_progress(self, detection: Any, size: tuple[int, int]) -> None:
        if self._scanner is not None:
            self.progress.emit(detection, size)

    def _on_taken(self, scanner: PaperScanner, page: CapturedPage) -> None:
        if scanner is not self._scanner:
            return  # a late photo from a capture that was cancelled
        self._scanner = None
        self.context.devices.camera.stop()
        self.taken = page
        self.changed.emit()

    def keep(self) -> None:
        """ "Use this photo": it goes into the dossier."""
        if self.key is not None and self.taken is not None:
            self.attach(self.key, self.taken)
        self.key, self.taken = None, None
        self.changed.emit()

    def stop_capture(self) -> None:
        """Cancel or end a capture (the photo not kept is dropped)."""
        if self._scanner is not None:
            self._scanner.stop()
            self._scanner = None
            self.context.devices.camera.stop()
        changed = self.key is not None
        self.key, self.taken = None, None
        if changed:
            self.changed.emit()

    def at_counter(self, key: str) -> None:
        """The citizen will hand this paper in at the counter instead."""
        self.context.touch()
        self.session.papers[key] = None

    def done(self) -> None:
        """Continue: whatever is neither photographed nor deferred goes to the counter."""
        for document in self.to_capture():
            self.session.papers[document.key] = None
        self.context.fire(Trigger.PAPERS_DONE)
