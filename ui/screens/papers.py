"""Papers still needed: photograph each with the kiosk's camera, or hand it in at the counter.

Three views of one step: the list of papers; the live camera with the page
outlined and one instruction (the kiosk takes the picture by itself once the
page is held still); the straightened photo with "Use this photo" and
"Retake".  The work (finding the page, straightening, size cap) runs off the
GUI thread in :class:`kiosk.scan.paper.PaperScanner`.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QStackedWidget, QVBoxLayout, QWidget

from kiosk.core import KioskCore
from kiosk.runtime.flow import Step, Transition, Trigger
from ui.screens.base import Screen, button, clear_layout, label
from ui.screens.busy import BusyIndicator
from ui.screens.identify import CameraPreview


class PagePreview(CameraPreview):
    """The camera, not mirrored (text must read the right way), with the page outlined."""

    def __init__(self, core: KioskCore) -> None:
        super().__init__(core, guide="page")
        self.mirrored = False  # the text must read the right way
        self.corners: list[tuple[float, float]] | None = None
        self.good = False

    def show_detection(self, detection: object, size: tuple[int, int]) -> None:
        corners = getattr(detection, "corners", None)
        self.corners = None if corners is None else [(float(x), float(y)) for x, y in corners]
        self.good = bool(getattr(detection, "good", False))
        self.update()

    def stop(self) -> None:
        self.corners = None
        super().stop()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        placed = self.paint_frame(p)
        if placed is not None and self.corners:
            x, y, factor = placed
            outline = QPolygonF(
                [QPointF(x + cx * factor, y + cy * factor) for cx, cy in self.corners]
            )
            p.setPen(QPen(QColor("#2E9E44") if self.good else QColor("#F2B705"), 6))
            p.drawPolygon(outline)
        p.end()


class PapersScreen(Screen):
    step = Step.CAPTURE_PAPERS

    def __init__(self, core: KioskCore) -> None:
        super().__init__(core)
        self.papers = core.papers
        self.bind(self.title.setText, "papers.title")
        self.bind(self.subtitle.setText, "papers.subtitle")
        self.views = QStackedWidget()
        self.body.addWidget(self.views, 1)
        # The list of papers.
        listing = QWidget()
        self.items = QVBoxLayout(listing)
        self.items.setContentsMargins(0, 0, 0, 0)
        self.items.setSpacing(10)
        self.views.addWidget(listing)
        # The camera.
        camera = QWidget()
        column = QVBoxLayout(camera)
        column.setContentsMargins(0, 0, 0, 0)
        self.guidance = label("notice")
        # The kiosk takes the picture by itself: something must show that it is looking.
        self.busy = BusyIndicator("paperBusy")
        self.bind(self.busy.setText, "papers.looking")
        self.preview = PagePreview(core)
        self.preview.setMinimumHeight(200)
        column.addWidget(self.guidance)
        column.addWidget(self.busy)
        column.addWidget(self.preview, 1)
        self.views.addWidget(camera)
        # The photo taken.
        review = QWidget()
        rows = QVBoxLayout(review)
        rows.setContentsMargins(0, 0, 0, 0)
        self.photo = QLabel()
        self.photo.setObjectName("paperPhoto")
        self.photo.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.photo.setMinimumHeight(200)
        rows.addWidget(self.photo, 1)
        self.views.addWidget(review)

        back = button("back")
        self.bind(back.setText, "nav.back")
        back.clicked.connect(self.back)
        self.nav.addWidget(back)
        self.add_cancel()
        self.add_stretch()
        self.go = button("papers_continue", primary=True)
        self.bind(self.go.setText, "nav.continue")
        self.go.clicked.connect(self.papers.done)
        self.nav.addWidget(self.go)
        # Reviewing a photo: take it again, or use it.
        self.retake_button = button("paper_retake")
        self.bind(self.retake_button.setText, "papers.retake")
        self.retake_button.clicked.connect(self.retake)
        self.keep_button = button("paper_keep", primary=True)
        self.bind(self.keep_button.setText, "papers.use")
        self.keep_button.clicked.connect(self.papers.keep)
        self.nav.addWidget(self.retake_button)
        self.nav.addWidget(self.keep_button)
        self.papers.changed.connect(self.refresh)
        self.papers.progress.connect(self.on_progress)

    def on_enter(self, transition: Transition) -> None:
        self.refresh()

    def refresh(self) -> None:
        if self.core.step is not Step.CAPTURE_PAPERS:
            return
        if self.papers.key is None:
            self._show_list()
        elif self.papers.taken is None:
            self.views.setCurrentIndex(1)
            self.guidance.setText(self.core.tr("capture.guide.no_page"))
            self.preview.start()
        else:
            self.preview.stop()
            image = QImage.fromData(self.papers.taken.jpeg)
            self.photo.setPixmap(
                QPixmap.fromImage(image).scaledToHeight(
                    max(self.scroll_area.viewport().height() - 20, 240),
                    Qt.TransformationMode.SmoothTransformation,
                )
            )
            self.views.setCurrentIndex(2)
        listing = self.papers.key is None
        reviewing = self.papers.taken is not None
        self.go.setVisible(listing)
        self.retake_button.setVisible(reviewing)
        self.keep_button.setVisible(reviewing)

    def _show_list(self) -> None:
        self.preview.stop()
        self.photo.clear()
        self.views.setCurrentIndex(0)
        clear_layout(self.items)
        tr, lang = self.core.tr, self.core.tr.language
        papers = self.core.session.papers
        for document in self.papers.needed():
            frame = QFrame()
            frame.setObjectName("answerRow")
            # The paper's name on its own line (long names, larger text), then what is
            # done with it and the two ways to hand it in.
            column = QVBoxLayout(frame)
            column.setContentsMargins(16, 12, 16, 12)
            name = label()
            name.setText(document.name(lang))
            name.setStyleSheet("font-weight: 600;")
            column.addWidget(name)
            row = QHBoxLayout()
            column.addLayout(row)
            status = label("badge")
            if document.key in papers:
                status.setText(
                    tr("papers.attached") if papers[document.key] else tr("papers.deferred")
                )
            row.addWidget(status, 1)
            capture = button(f"paper_capture_{document.key}")
            capture.setText(tr("papers.capture"))
            capture.clicked.connect(lambda _=False, k=document.key: self.papers.start_capture(k))
            row.addWidget(capture)
            counter = button(f"paper_counter_{document.key}")
            counter.setText(tr("papers.at_counter"))
            counter.clicked.connect(lambda _=False, k=document.key: self._at_counter(k))
            row.addWidget(counter)
            self.items.addWidget(frame)
        self.items.addStretch(1)

    def on_progress(self, detection: object, size: tuple[int, int]) -> None:
        self.guidance.setText(self.core.tr(getattr(detection, "guidance_key", "")))
        self.preview.show_detection(detection, size)

    def back(self) -> None:
        """Back from the camera or the photo: the list; from the list: the form."""
        if self.papers.key is not None:
            self.papers.stop_capture()
        else:
            self.core.fire(Trigger.BACK)

    def retake(self) -> None:
        key = self.papers.key
        if key is not None:
            self.papers.start_capture(key)

    def _at_counter(self, key: str) -> None:
        self.papers.at_counter(key)
        self.refresh()

    def reset(self) -> None:
        self.preview.stop()
        self.photo.clear()
        clear_layout(self.items)
        super().reset()
