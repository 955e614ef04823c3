"""Identify with the chip card, then the face check."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import (
    QColor,
    QHideEvent,
    QImage,
    QPainter,
    QPaintEvent,
    QPen,
    QPixmap,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QApplication,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from devices.card.base import ReaderState, ReadStep
from kiosk.core import KioskCore
from kiosk.face.check import FaceProgress, Phase
from kiosk.runtime.flow import Step, Transition, Trigger
from kiosk.runtime.i18n import N_
from ui.screens.base import ChoiceButton, ChoiceRow, Screen, button, label

if TYPE_CHECKING:  # frames come from the camera thread: numpy is not needed to start
    import numpy as np

READ_STEP_KEYS = {
    ReadStep.CONNECTING: N_("reading.step.connecting"),
    ReadStep.UNLOCKING: N_("reading.step.unlocking"),
    ReadStep.READING_DETAILS: N_("reading.step.details"),
    ReadStep.READING_PHOTO: N_("reading.step.photo"),
    ReadStep.CHECKING: N_("reading.step.checking"),
}

REJECTED_KEYS = {
    "numbers": N_("access.error.numbers_rejected"),
    "can": N_("access.error.can_rejected"),
}
"""The chip refused the key: what to check, by the way the citizen gave it."""

READER_STATE_KEYS: dict[ReaderState, str] = {
    ReaderState.NO_READER: N_("reader.no_reader"),
    ReaderState.NO_SERVICE: N_("reader.no_service"),
    ReaderState.NOT_RESPONDING: N_("reader.not_responding"),
}


class CardIllustration(QWidget):
    """A card being placed on a reader, drawn (no image file to go missing)."""

    def __init__(self) -> None:
        super().__init__()
        self.setMinimumSize(360, 260)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        # Drawn on a 400 × 300 canvas, scaled to fit: the parts never overlap.
        scale = min(self.width() / 400, self.height() / 300)
        p.translate((self.width() - 400 * scale) / 2, (self.height() - 300 * scale) / 2)
        p.scale(scale, scale)
        reader = QRectF(50, 200, 300, 90)
        p.setPen(QPen(QColor("#333333"), 3))
        p.setBrush(QColor("#4A4F57"))
        p.drawRoundedRect(reader, 18, 18)
        p.setBrush(QColor("#2EAD4B"))
        p.drawEllipse(QPointF(reader.right() - 30, reader.top() + 25), 8, 8)
        card = QRectF(110, 10, 180, 114)
        p.setBrush(QColor("#F6E7C1"))
        p.setPen(QPen(QColor("#8E1B14"), 3))
        p.drawRoundedRect(card, 12, 12)
        p.setBrush(QColor("#D4AF37"))
        p.setPen(Qt.PenStyle.NoPen)
        p.drawRoundedRect(QRectF(card.left() + 16, card.top() + 38, 34, 26), 5, 5)
        p.setBrush(QColor("#C9B48A"))
        for i in range(3):
            p.drawRect(QRectF(card.left() + 64, card.top() + 32 + i * 18, 98, 8))
        p.setPen(QPen(QColor("#B3261E"), 6))
        top, bottom = card.bottom() + 12, reader.top() - 12
        p.drawLine(QPointF(200, top), QPointF(200, bottom))
        p.drawLine(QPointF(186, bottom - 16), QPointF(200, bottom))
        p.drawLine(QPointF(214, bottom - 16), QPointF(200, bottom))
        p.end()


class InsertCardScreen(Screen):
    step = Step.INSERT_CARD

    def __init__(self, core: KioskCore) -> None:
        super().__init__(core)
        self.identify = core.identify
        self.bind(self.title.setText, "insert.title")
        self.bind(self.subtitle.setText, "insert.subtitle")
        self.error = label("errorText")
        self.body.addWidget(self.error)
        self.body.addWidget(CardIllustration(), 1)
        self.reader_state = label("hint")
        self.body.addWidget(self.reader_state)
        self.add_back()
        self.add_stretch()
        self.identify.reader_status_changed.connect(lambda _s: self.refresh())

    def refresh(self) -> None:
        key = self.core.session.error_key
        self.error.setText(self.core.tr(key) if key else "")
        self.error.setVisible(bool(key))
        status = self.identify.reader_status
        state_key = READER_STATE_KEYS.get(status.state) if status else None
        self.reader_state.setText(self.core.tr(state_key) if state_key else "")


class ReadingCardScreen(Screen):
    step = Step.READING_CARD

    def __init__(self, core: KioskCore) -> None:
        super().__init__(core)
        self.identify = core.identify
        self.bind(self.title.setText, "reading.title")
        self.bind(self.subtitle.setText, "reading.subtitle")
        self.rows: dict[ReadStep, QLabel] = {}
        for step, key in READ_STEP_KEYS.items():
            row = label("stepPending")
            self.bind(row.setText, key)
            self.rows[step] = row
            self.body.addWidget(row)
        self.body.addStretch(1)
        self._current: ReadStep | None = None
        self.identify.card_progress.connect(self.on_progress)

    def on_enter(self, transition: Transition) -> None:
        self._current = None
        self._paint()

    def on_progress(self, step: ReadStep) -> None:
        self._current = step
        self._paint()

    def _paint(self) -> None:
        order = list(ReadStep)
        current = order.index(self._current) if self._current else -1
        for i, step in enumerate(order):
            name = "stepDone" if i < current else "stepActive" if i == current else "stepPending"
            row = self.rows[step]
            mark = "✓ " if i < current else "➜ " if i == current else "• "
            row.setObjectName(name)
            row.setText(mark + self.core.tr(READ_STEP_KEYS[step]))
            row.style().unpolish(row)
            row.style().polish(row)

    def refresh(self) -> None:
        self._paint()


def bgr_to_qimage(image: np.ndarray) -> QImage:
    height, width = image.shape[:2]
    return QImage(image.data, width, height, image.strides[0], QImage.Format.Format_BGR888).copy()


class CameraPreview(QWidget):
    """Shows the camera's latest frame about 30 times a second, with an oval guide.

    It pulls frames (latest-frame semantics), so a slow paint never queues
    frames up; nothing is written to disk.
    """

    def __init__(self, core: KioskCore, guide: str = "face") -> None:
        super().__init__()
        self.core = core
        self.guide = guide  # "face": an oval; "card": the card's outline
        self.setMinimumSize(320, 200)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self._image: QImage | None = None
        self._seq = -1
        self._tone = "guide"
        self._timer = QTimer(self)
        self._timer.setInterval(33)
        self._timer.timeout.connect(self._pull)

    def start(self) -> None:
        self._timer.start()

    def set_tone(self, tone: str) -> None:
        """The oval's colour: white while guiding, green when good, red when it failed."""
        self._tone = tone
        self.update()

    def stop(self) -> None:
        self._timer.stop()
        self._image = None
        self._seq = -1
        self.update()

    def _pull(self) -> None:
        frame = self.core.devices.camera.latest()
        if frame is not None and frame.seq != self._seq:
            self._seq = frame.seq
            self._image = bgr_to_qimage(frame.image)
            self.update()

    mirrored = True  # a person sees themselves as in a mirror

    def paint_frame(self, p: QPainter) -> tuple[float, float, float] | None:
        """The latest frame, fitted and centred; returns (x, y, scale) or None."""
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor("#222222"))
        if self._image is None:
            return None
        scaled = self._image.scaled(
            self.size(),
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
        if self.mirrored:
            scaled = scaled.flipped(Qt.Orientation.Horizontal)
        x = (self.width() - scaled.width()) // 2
        y = (self.height() - scaled.height()) // 2
        p.drawImage(x, y, scaled)
        return x, y, scaled.width() / self._image.width()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        self.paint_frame(p)
        colour = {"good": "#2EBD4E", "bad": "#E5484D", "challenge": "#4EA1FF"}.get(
            self._tone, "#FFFFFF"
        )
        p.setPen(QPen(QColor(colour), 6, Qt.PenStyle.DashLine))
        p.setBrush(Qt.BrushStyle.NoBrush)
        h = self.height()
        if self.guide == "card":
            # An ID card's shape (85.6 × 54 mm), as large as fits: wide or upright screens.
            width = min(self.width() * 0.9, h * 0.76 * 85.6 / 54)
            height = width * 54 / 85.6
            card = QRectF((self.width() - width) / 2, (h - height) / 2, width, height)
            p.drawRoundedRect(card, 16, 16)
        else:
            p.drawEllipse(QRectF(self.width() / 2 - h * 0.28, h * 0.1, h * 0.56, h * 0.78))
        p.end()


CHALLENGE_FAILURES = frozenset({"timeout", "face_lost", "face_changed", "no_motion", "liveness"})
"""Liveness verdicts (kiosk.face.liveness) that mean the action asked was not seen; a photo
or a replayed feed (presentation_attack, replayed_feed) keeps the general message."""


class FaceCheckScreen(Screen):
    """The live camera in an oval, one instruction at a time, the challenges, the result.

    Detection, landmarks and embedding run on the face-check thread
    (:mod:`kiosk.journeys.face`); this screen only paints the latest frame and the
    core's latest :class:`~kiosk.face.check.FaceProgress`.
    """

    step = Step.FACE_CHECK

    def __init__(self, core: KioskCore) -> None:
        super().__init__(core)
        self.face = core.face
        self.bind(self.subtitle.setText, "face.subtitle")
        row = QHBoxLayout()
        left = QVBoxLayout()
        self.photo = QLabel()
        self.photo.setFixedSize(150, 200)
        self.photo.setScaledContents(True)
        self.photo.setObjectName("card")
        left.addWidget(self.photo)
        photo_caption = label("hint")
        self.bind(photo_caption.setText, "face.chip_photo")
        left.addWidget(photo_caption)
        left.addStretch(1)
        row.addLayout(left)
        right = QVBoxLayout()
        self.guidance = label("faceGuidance")  # its colour follows its tone (ui/theme.py)
        right.addWidget(self.guidance)
        self.preview = CameraPreview(core)
        self.preview.setMinimumHeight(260)
        right.addWidget(self.preview, 1)
        self.progress = QProgressBar()
        self.progress.setObjectName("faceProgress")
        self.progress.setRange(0, 100)
        self.progress.setTextVisible(False)
        self.progress.setFixedHeight(14)
        right.addWidget(self.progress)
        row.addLayout(right, 1)
        self.body.addLayout(row, 1)
        self.add_cancel()
        self.add_stretch()
        self.retry = button("face_retry", primary=True)
        self.bind(self.retry.setText, "face.retry")
        self.retry.clicked.connect(self.face.retry)
        self.retry.hide()
        self.nav.addWidget(self.retry)
        self.face.changed.connect(self.show_progress)
        self._asked = ""  # the challenge shown last in this attempt (face.challenge.*)
        self._judged = ""  # why the liveness check failed (timeout, face_lost …)

    def on_enter(self, transition: Transition) -> None:
        self._asked = self._judged = ""
        self.refresh()
        identity = self.core.session.identity
        pixmap = QPixmap()
        if identity is not None and identity.photo:
            pixmap.loadFromData(bytes(identity.photo))
        self.photo.setPixmap(pixmap)
        self.preview.start()
        self.show_progress(self.face.progress)

    def refresh(self) -> None:
        identity = self.core.session.identity
        if identity is not None:
            self.title.setText(self.core.tr("face.title", name=identity.full_name))
        self.show_progress(self.face.progress)

    def show_progress(self, progress: FaceProgress | None) -> None:
        if self.core.step is not Step.FACE_CHECK:
            return
        tr = self.core.tr
        retry = False
        if progress is None:
            text, value, tone = tr("face.loading"), 0, "wait"
        elif progress.phase in (Phase.POSITION, Phase.CHALLENGE):
            if progress.phase is Phase.POSITION:
                self._asked = self._judged = ""  # a new attempt
            elif progress.guidance_key.startswith("face.challenge."):
                self._asked = progress.guidance_key
            text = tr(progress.guidance_key) if progress.guidance_key else ""
            value = round(progress.progress * 100)
            tone = "good" if progress.guidance_key == "face.guide.good" else "guide"
            if progress.phase is Phase.CHALLENGE:
                tone = "challenge"
        elif progress.phase is Phase.MATCHED:
            text, value, tone = tr("face.result.matched"), 100, "good"
        elif progress.phase is Phase.ERROR:
            text, value, tone = tr(progress.reason or "face.error.internal"), 0, "bad"
        elif progress.phase is Phase.NOT_LIVE and not progress.reason.startswith("face."):
            # The check's own verdict, before the journey words it: which challenge failed.
            self._judged = progress.reason
            return
        else:  # not matched / not live: this attempt is over, another remains
            remaining = self.face.remaining
            text = tr(self._failure(progress)) + " " + tr("face.attempts_left", n=remaining)
            value, tone, retry = 0, "bad", True
        self.guidance.setText(text)
        self.guidance.setProperty("tone", tone)
        self.guidance.style().unpolish(self.guidance)
        self.guidance.style().polish(self.guidance)
        self.progress.setValue(value)
        self.retry.setVisible(retry)
        self.preview.set_tone(tone)

    def _failure(self, progress: FaceProgress) -> str:
        """Why the attempt failed, in the citizen's terms: a challenge not seen names the
        action that was asked and how to do it on the next attempt."""
        challenge_failed = self._judged in CHALLENGE_FAILURES
        if progress.reason == "face.result.not_live" and self._asked and challenge_failed:
            return "face.not_live." + self._asked.removeprefix("face.challenge.")
        return progress.reason

    def hideEvent(self, event: QHideEvent) -> None:
        self.preview.stop()
        super().hideEvent(event)

    def reset(self) -> None:
        super().reset()
        self.preview.stop()
        self.photo.clear()
        self.title.setText("")
        self.guidance.setText("")
        self.progress.setValue(0)
        self.retry.hide()


class AccessKeyScreen(Screen):
    """The chip opens only with its key: scan the QR code, or type the numbers, or the CAN."""

    step = Step.ACCESS_KEY
    FIELDS = (
        ("id_number", N_("access.id_number"), 12),
        ("birth", N_("access.birth"), 10),
        ("expiry", N_("access.expiry"), 10),
        ("can", N_("access.can"), 6),
    )
    MODES = (
        ("qr", N_("access.mode.qr")),
        ("numbers", N_("access.mode.numbers")),
        ("can", N_("access.mode.can")),
    )

    def __init__(self, core: KioskCore) -> None:
        super().__init__(core)
        self.identify = core.identify
        self.bind(self.title.setText, "access.title")
        self.bind(self.subtitle.setText, "access.subtitle")
        self.mode_buttons: dict[str, QPushButton] = {}
        for mode, key in self.MODES:
            choice = ChoiceButton(f"access_mode_{mode}", exclusive=True)
            choice.setStyleSheet("padding: 8px 14px;")  # the three in one row in larger text
            self.bind(choice.setText, key)
            choice.clicked.connect(lambda _=False, m=mode: self.choose_mode(m))
            self.mode_buttons[mode] = choice
        # One row when the texts fit it, else one under the other; never sliced under the
        # title when the page scrolls to a field (Screen.keep_in_view).
        self.modes = ChoiceRow(list(self.mode_buttons.values()))
        self.whole.append(self.modes)
        self.body.addWidget(self.modes)
        self.error = label("errorText")
        self.body.addWidget(self.error)
        row = QHBoxLayout()
        self.pages = QStackedWidget()
        # QR page: the camera above the reader sees the card's front.
        qr_page = QWidget()
        qr_layout = QVBoxLayout(qr_page)
        qr_layout.setContentsMargins(0, 0, 0, 0)
        qr_hint = label("hint")
        self.bind(qr_hint.setText, "access.qr_hint")
        qr_layout.addWidget(qr_hint)
        self.preview = CameraPreview(core, guide="card")
        qr_layout.addWidget(self.preview, 1)
        self.pages.addWidget(qr_page)
        self.edits: dict[str, QLineEdit] = {}
        self.messages: dict[str, QLabel] = {}
        for names in (("id_number", "birth", "expiry"), ("can",)):
            page = QWidget()
            form = QVBoxLayout(page)
            form.setContentsMargins(0, 0, 0, 0)
            # Side by side: with the keypad below, the fields and the error above them
            # all stay in sight at 1280×800 (the fields in line when a caption wraps).
            grid = QGridLayout()
            form.addLayout(grid)
            for column in range(3):
                grid.setColumnStretch(column, 1)  # the CAN field as wide as the others
            fields = [f for f in self.FIELDS if f[0] in names]
            for column, (name, key, length) in enumerate(fields):
                caption = label()
                self.bind(caption.setText, key)
                edit = QLineEdit()
                edit.setObjectName(f"access_{name}")
                edit.setMaxLength(length)
                if name in ("birth", "expiry"):
                    self.bind(edit.setPlaceholderText, "form.date_placeholder")
                # The window's on-screen keyboard serves them: a date pad puts in the slashes.
                edit.setProperty("keyboard", "date" if name in ("birth", "expiry") else "numeric")
                message = label("errorText")
                message.hide()
                grid.addWidget(caption, 0, column, Qt.AlignmentFlag.AlignBottom)
                grid.addWidget(edit, 1, column)
                grid.addWidget(message, 2, column, Qt.AlignmentFlag.AlignTop)
                self.edits[name] = edit
                self.messages[name] = message
            form.addStretch(1)
            self.pages.addWidget(page)
        row.addWidget(self.pages, 1)
        self.body.addLayout(row, 1)
        self.add_back()
        self.add_stretch()
        self.go = button("access_read", primary=True)
        self.bind(self.go.setText, "access.read")
        self.go.clicked.connect(self.submit)
        self.nav.addWidget(self.go)
        self.mode = "qr"  # the camera reads the card's QR code: nothing to type
        self._wedge: list[str] = []
        self._wedge_last = 0.0
        self._used: str | None = None  # the way the last key was given: numbers, can, mrz
        self._error_for: str | None = None  # the mode the error on screen is about
        self.identify.qr_result.connect(self.on_qr_result)

    # Keyboard-wedge MRZ scanners type the whole zone in a burst, then Enter. ----------
    WEDGE_GAP_S = 0.05

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or not self.isVisible():
            return False
        now = time.monotonic()
        key_event = event  # a QKeyEvent
        text = key_event.text()  # type: ignore[attr-defined]
        if now - self._wedge_last > self.WEDGE_GAP_S:
            self._wedge.clear()
        self._wedge_last = now
        if key_event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):  # type: ignore[attr-defined]
            burst = "".join(self._wedge)
            if burst.count("<") >= 5 and len(burst.replace("\n", "")) >= 88:
                # Scanners send each MRZ line followed by Enter: this was the last one.
                self._wedge.clear()
                self.reset()  # what the burst typed into a field is not an answer
                self._used = "mrz"
                key = self.identify.submit_mrz(burst)
                if key:
                    self.error.setText(self.core.tr(key))
                    self.error.show()
                return True
            if burst:
                self._wedge.append("\n")
            return False
        if text and (text.isalnum() or text == "<"):
            self._wedge.append(text.upper())
        return False

    def showEvent(self, event: QShowEvent) -> None:
        QApplication.instance().installEventFilter(self)  # type: ignore[union-attr]
        super().showEvent(event)

    def choose_mode(self, mode: str) -> None:
        """The citizen touched another way to give the key: the last way's error goes."""
        if mode != self.mode:
            self._error_for = None
        self.set_mode(mode)
        self.refresh()

    def on_qr_result(self, key: str | None) -> None:
        self._error_for = "qr" if key else None
        self.refresh()

    def set_mode(self, mode: str) -> None:
        self.mode = mode
        for name, choice in self.mode_buttons.items():
            choice.setChecked(name == mode)
        self.pages.setCurrentIndex([m for m, _ in self.MODES].index(mode))
        self.go.setVisible(mode != "qr")
        if mode == "qr":
            self.preview.start()
            self.identify.scan_qr()
        else:
            self.preview.stop()
            self.identify.stop_qr_scan()
            target = self.edits["can" if mode == "can" else "id_number"]
            target.setFocus()

    def on_enter(self, transition: Transition) -> None:
        rejected = transition.trigger is Trigger.KEY_REJECTED
        if not rejected:
            self.reset()  # a new card: nothing of the last key stays on screen
        for message in self.messages.values():
            message.hide()
        prefill = self.core.session.key_prefill
        if rejected and prefill is not None:
            # The QR code gave the number and birth date; only the expiry date is missing.
            self.edits["id_number"].setText(prefill[0])
            self.edits["birth"].setText(prefill[1])
            self.set_mode("numbers")
        else:
            # A new card: the QR code first (the camera is already looking for it);
            # typing the numbers or the CAN is one touch away.
            self.set_mode(self.mode if rejected else "qr")
        self._error_for = self.mode if rejected else None
        self.refresh()
        if rejected and self.mode == "numbers":
            self.edits["expiry"].setFocus()

    def refresh(self) -> None:
        self.modes.arrange()  # another language: other widths
        key = self.core.session.error_key if self._error_for == self.mode else None
        if key == "card.error.access_denied" and self._used in REJECTED_KEYS:
            # Say which numbers to check: those typed, not always the expiry date.
            key = REJECTED_KEYS[self._used]
        self.error.setText(self.core.tr(key) if key else "")
        self.error.setVisible(bool(key))

    def submit(self) -> None:
        self._used = self.mode
        if self.mode == "can":
            errors = self.identify.submit_can(self.edits["can"].text())
        else:
            errors = self.identify.submit_access_key(
                self.edits["id_number"].text(),
                self.edits["birth"].text(),
                self.edits["expiry"].text(),
            )
        for name, message in self.messages.items():
            key = errors.get(name)
            message.setText(self.core.tr(key) if key else "")
            message.setVisible(bool(key))

    def hideEvent(self, event: QHideEvent) -> None:
        self.preview.stop()
        self._wedge.clear()
        QApplication.instance().removeEventFilter(self)  # type: ignore[union-attr]
        super().hideEvent(event)
