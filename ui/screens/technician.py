"""Technician mode on screen: checks, reader, camera, printer, centre, CSCA, face, logs.

A full-window panel over the kiosk (never a step of a citizen's visit), a thin view of
:class:`~kiosk.journeys.technician.TechnicianMode`.  Every action that may block (a card
read, a test page, the centre) runs on the core's task runner; its result comes back on
the GUI thread.  Texts are translated (Vietnamese first); what a technician must type
into a terminal (remedies, paths) is shown as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.doctor.report import CheckResult, DoctorReport, Status
from kiosk.journeys.technician import THRESHOLD_CHOICES, TechnicianMode
from kiosk.runtime.i18n import Translator
from ui.screens.base import ChoiceButton, button, clear_layout, label
from ui.screens.technician_voice import VoicePage

SECTIONS = tuple("checks reader camera printer voice centre trust face catalogue logs".split())
Run = Callable[[Callable[[], Any], Callable[[Any], None]], None]
NAV_STYLE = 'QPushButton[nav="true"] { min-height: 46px; padding: 0px 16px; }'
STATUS_MARK = {Status.OK: "✓", Status.WARN: "!", Status.FAIL: "✗", Status.SKIP: "–"}


def qr_pixmap(text: str, size: int = 220) -> QPixmap:
    """The QR code of ``text`` (zxing-cpp draws it; Qt only shows it)."""
    import numpy as np
    import zxingcpp

    barcode = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode)
    modules = np.asarray(zxingcpp.write_barcode_to_image(barcode), dtype=np.uint8)
    scale = max(1, -(-size // modules.shape[0]))  # at least ``size`` pixels
    pixels = np.ascontiguousarray(np.kron(modules, np.ones((scale, scale), dtype=np.uint8)))
    height, width = pixels.shape[:2]
    qimage = QImage(pixels.data, width, height, width, QImage.Format.Format_Grayscale8)
    return QPixmap.fromImage(qimage.copy())


class TechnicianPanel(QFrame):
    """``run(work, done)`` calls ``work`` off the GUI thread and ``done(result)`` on it;
    ``camera`` opens the chosen camera for the preview (None: no preview)."""

    def __init__(
        self,
        mode: TechnicianMode,
        tr: Translator,
        run: Run,
        camera: Callable[[], Any] | None = None,
        parent: QWidget | None = None,
        *,
        own_camera: bool = True,
    ) -> None:
        super().__init__(parent)
        self.own_camera = own_camera  # False: the kiosk's running camera, never stopped here
        self.setObjectName("technicianPanel")
        self.setAutoFillBackground(True)
        self.mode, self.tr, self.run, self.open_camera = mode, tr, run, camera
        self.camera: Any = None
        self.detector: Any = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(32, 20, 32, 20)
        top = QHBoxLayout()
        self.title = label("title")
        self.exit = button("tech_exit")
        self.exit.clicked.connect(self.close_panel)
        top.addWidget(self.title, 1)
        top.addWidget(self.exit)
        outer.addLayout(top)
        self.subtitle = label("subtitle")
        outer.addWidget(self.subtitle)
        row = QHBoxLayout()
        outer.addLayout(row, 1)
        nav = QVBoxLayout()
        nav.setSpacing(4)
        self.nav: dict[str, ChoiceButton] = {}
        for name in SECTIONS:
            choice = ChoiceButton(f"tech_{name}", exclusive=True)
            choice.setProperty("nav", True)  # ten of them fit a 800 px screen
            choice.clicked.connect(lambda _c=False, n=name: self.show_section(n))
            self.nav[name] = choice
            nav.addWidget(choice)
        nav.addStretch(1)
        row.addLayout(nav)
        self.stack = QStackedWidget()
        row.addWidget(self.stack, 1)
        self.pages: dict[str, QVBoxLayout] = {}
        for name in SECTIONS:
            page = QWidget()
            page.setObjectName("screenBody")
            layout = QVBoxLayout(page)
            layout.setContentsMargins(16, 0, 0, 0)
            layout.setSpacing(12)
            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QFrame.Shape.NoFrame)
            scroll.setWidget(page)
            self.stack.addWidget(scroll)
            self.pages[name] = layout
        self.outputs: dict[str, QLabel] = {}
        self.last_report: DoctorReport | None = None
        self._build()
        self.voice = VoicePage(self)  # its own module: ui/screens/technician_voice.py
        self.preview_timer = QTimer(self)
        self.preview_timer.setInterval(100)
        self.preview_timer.timeout.connect(self.update_preview)
        tr.language_changed.connect(lambda _l: self.retranslate())
        self.retranslate()
        self.show_section("checks")

    # Building ----------------------------------------------------------------------
    def _output(self, section: str) -> QLabel:
        out = label(f"tech_{section}_output")
        out.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.outputs[section] = out
        return out

    def _field(self, name: str) -> QLineEdit:
        edit = QLineEdit()
        edit.setObjectName(name)
        return edit

    def _build(self) -> None:
        p = self.pages
        self.run_checks = button("tech_run_checks", primary=True)
        self.run_checks.clicked.connect(self.on_run_checks)
        p["checks"].addWidget(self.run_checks, 0, Qt.AlignmentFlag.AlignLeft)
        p["checks"].addWidget(self._output("checks"))
        self.check_rows = QVBoxLayout()
        p["checks"].addLayout(self.check_rows)

        self.reader_choices = QVBoxLayout()
        p["reader"].addLayout(self.reader_choices)
        self.can = self._field("tech_can")
        self.can_label = label("hint")
        self.read_card = button("tech_read_card", primary=True)
        self.read_card.clicked.connect(self.on_read_card)
        for widget in (self.can_label, self.can, self.read_card, self._output("reader")):
            left = widget is self.read_card
            p["reader"].addWidget(
                widget, 0, Qt.AlignmentFlag.AlignLeft if left else Qt.AlignmentFlag(0)
            )

        self.camera_choices = QVBoxLayout()
        p["camera"].addLayout(self.camera_choices)
        self.preview = QLabel()
        self.preview.setObjectName("tech_preview")
        self.preview.setFixedSize(480, 360)
        self.preview.setStyleSheet("background: #202020;")
        p["camera"].addWidget(self.preview)
        p["camera"].addWidget(self._output("camera"))

        self.printer_choices = QVBoxLayout()
        p["printer"].addLayout(self.printer_choices)
        self.test_page = button("tech_test_page", primary=True)
        self.test_page.clicked.connect(self.on_test_page)
        p["printer"].addWidget(self.test_page, 0, Qt.AlignmentFlag.AlignLeft)
        p["printer"].addWidget(self._output("printer"))

        self.url, self.kiosk_id = self._field("tech_url"), self._field("tech_kiosk_id")
        self.url_label, self.kiosk_id_label = label("hint"), label("hint")
        self.save_centre = button("tech_save_centre")
        self.save_centre.clicked.connect(self.on_save_centre)
        self.enrol = button("tech_enrol", primary=True)
        self.enrol.clicked.connect(self.on_enrol)
        self.test_call = button("tech_test_call")
        self.test_call.clicked.connect(self.on_test_call)
        self.qr = QLabel()
        self.qr.setObjectName("tech_qr")
        buttons = QHBoxLayout()
        for widget in (self.save_centre, self.enrol, self.test_call):
            buttons.addWidget(widget)
        buttons.addStretch(1)
        for widget in (self.url_label, self.url, self.kiosk_id_label, self.kiosk_id):
            p["centre"].addWidget(widget)
        p["centre"].addLayout(buttons)
        p["centre"].addWidget(self._output("centre"))
        p["centre"].addWidget(self.qr)

        self.trust_files = self._field("tech_trust_files")
        self.trust_label = label("hint")
        self.trust_import = button("tech_trust_import", primary=True)
        self.trust_import.clicked.connect(self.on_trust_import)
        for widget in (self.trust_label, self.trust_files):
            p["trust"].addWidget(widget)
        p["trust"].addWidget(self.trust_import, 0, Qt.AlignmentFlag.AlignLeft)
        p["trust"].addWidget(self._output("trust"))

        self.face_intro = label("hint")
        p["face"].addWidget(self.face_intro)
        self.face_choices: list[ChoiceButton] = []
        self.face_details: list[QLabel] = []
        for index, choice in enumerate(THRESHOLD_CHOICES):
            card = QFrame()
            card.setObjectName("card")
            inside = QVBoxLayout(card)
            option = ChoiceButton(f"tech_threshold_{index}", exclusive=True)
            option.clicked.connect(lambda _c=False, c=choice: self.on_threshold(c))
            detail = label()
            inside.addWidget(option, 0, Qt.AlignmentFlag.AlignLeft)
            inside.addWidget(detail)
            self.face_choices.append(option)
            self.face_details.append(detail)
            p["face"].addWidget(card)
        p["face"].addWidget(self._output("face"))

        self.catalogue_check = button("tech_catalogue_check", primary=True)
        self.catalogue_check.clicked.connect(self.on_catalogue)
        p["catalogue"].addWidget(self.catalogue_check, 0, Qt.AlignmentFlag.AlignLeft)
        p["catalogue"].addWidget(self._output("catalogue"))

        self.logs_dest = self._field("tech_logs_dest")
        self.logs_label, self.logs_note = label("hint"), label("hint")
        self.logs_export = button("tech_logs_export", primary=True)
        self.logs_export.clicked.connect(self.on_logs)
        for widget in (self.logs_note, self.logs_label, self.logs_dest):
            p["logs"].addWidget(widget)
        p["logs"].addWidget(self.logs_export, 0, Qt.AlignmentFlag.AlignLeft)
        p["logs"].addWidget(self._output("logs"))
        for layout in p.values():
            layout.addStretch(1)

    def retranslate(self) -> None:
        tr = self.tr
        self.title.setText(tr("tech.title"))
        self.subtitle.setText(tr("tech.subtitle"))
        self.exit.setText(tr("tech.exit"))
        for name, choice in self.nav.items():
            choice.setText(tr(f"tech.section.{name}"))
        texts = {
            self.run_checks: "tech.run_checks",
            self.read_card: "tech.reader.read",
            self.test_page: "tech.printer.test",
            self.save_centre: "tech.centre.save",
            self.enrol: "tech.centre.enrol",
            self.test_call: "tech.centre.test",
            self.trust_import: "tech.trust.import",
            self.catalogue_check: "tech.catalogue.check",
            self.logs_export: "tech.logs.export",
        }
        for widget, key in texts.items():
            widget.setText(tr(key))
        self.can_label.setText(tr("tech.reader.can"))
        self.can.setAccessibleName(self.can_label.text())
        self.url_label.setText(tr("tech.centre.url"))
        self.kiosk_id_label.setText(tr("tech.centre.kiosk_id"))
        self.trust_label.setText(tr("tech.trust.files"))
        self.face_intro.setText(tr("tech.face.intro"))
        self.logs_label.setText(tr("tech.logs.destination"))
        self.logs_dest.setAccessibleName(self.logs_label.text())
        self.logs_note.setText(tr("tech.logs.note"))
        if self.last_report is not None:  # the checks' rows, in the new language
            self.outputs["checks"].setText(self.show_report(self.last_report))
        for option, detail, choice in zip(
            self.face_choices, self.face_details, THRESHOLD_CHOICES, strict=True
        ):
            number = self.number
            threshold = tr("tech.face.calibrated") if not choice.threshold else choice.threshold
            option.setText(
                tr(
                    "tech.face.choice",
                    threshold=number(str(threshold)),
                    target=number(choice.target_fmr),
                )
            )
            detail.setText(
                tr(
                    "tech.face.row",
                    fmr=number(choice.fmr),
                    fnmr=number(choice.fnmr),
                    source=tr(
                        f"tech.face.source.{choice.source}",
                        people=choice.people,
                        photos=number(str(choice.photos)),
                    ),
                )
            )

    def number(self, text: str) -> str:
        """English figures ("1,234.5") written the Vietnamese way ("1.234,5") in Vietnamese."""
        if self.tr.language != "vi":
            return text
        return text.replace(",", "\0").replace(".", ",").replace("\0", ".")

    # Sections ----------------------------------------------------------------------
    def show_section(self, name: str) -> None:
        for other, choice in self.nav.items():
            choice.setChecked(other == name)
        self.stack.setCurrentIndex(SECTIONS.index(name))
        self.section = name
        config = self.mode.config
        if name == "camera":
            self.start_preview()
        else:
            self.stop_preview()
        if name == "reader":
            self.busy("reader")
            self.run(
                self.mode.readers,
                lambda names: self.fill_choices(
                    self.reader_choices,
                    names,
                    config.devices.card_reader_name,
                    self.mode.choose_reader,
                    "tech.reader.none",
                    "reader",
                ),
            )
        elif name == "printer":
            self.busy("printer")
            self.run(
                self.mode.printers,
                lambda names: self.fill_choices(
                    self.printer_choices,
                    names,
                    config.devices.printer_name,
                    self.mode.choose_printer,
                    "tech.printer.none",
                    "printer",
                ),
            )
        elif name == "centre":
            self.url.setText(config.sync.central_url)
            self.kiosk_id.setText(config.sync.kiosk_id)
        elif name == "face":
            for option, choice in zip(self.face_choices, THRESHOLD_CHOICES, strict=True):
                option.setChecked(choice.threshold == config.face.threshold)

    def fill_choices(
        self,
        layout: QVBoxLayout,
        names: list[str],
        current: str,
        choose: Callable[[str], None],
        empty_key: str,
        section: str,
    ) -> None:
        clear_layout(layout)  # the choice just touched goes too: its focus with it
        out = self.outputs[section]
        out.setText("" if names else self.tr(empty_key))
        # Nothing to choose is a problem to see at once, and nothing to test.
        out.setObjectName(f"tech_{section}_output" if names else "errorText")
        out.style().unpolish(out)
        out.style().polish(out)
        {"reader": self.read_card, "printer": self.test_page}[section].setEnabled(bool(names))
        for index, name in enumerate(names):
            option = ChoiceButton(f"tech_{section}_choice_{index}", exclusive=True)
            option.setText(name)
            option.setChecked(name == current)
            option.clicked.connect(lambda _c=False, n=name: self.on_choose(choose, n, section))
            layout.addWidget(option)

    def on_choose(self, choose: Callable[[str], None], name: str, section: str) -> None:
        self.guarded(section, lambda: choose(name))
        self.outputs[section].setText(self.tr("tech.chosen", name=name))
        self.show_section(section)

    def busy(self, section: str) -> None:
        self.outputs[section].setText(self.tr("tech.running"))

    def guarded(self, section: str, action: Callable[[], Any]) -> Any:
        try:
            return action()
        except Exception as exc:  # a refused setting: its one-line reason, on screen
            self.outputs[section].setText(self.tr("tech.error", error=str(exc)))
            return None

    def background(self, section: str, work: Callable[[], Any], done: Callable[[Any], str]) -> None:
        self.busy(section)

        def safe() -> Any:
            try:
                return work()
            except Exception as exc:
                return exc

        def show(result: Any) -> None:
            text = (
                self.tr("tech.error", error=str(result))
                if isinstance(result, Exception)
                else done(result)
            )
            self.outputs[section].setText(text)

        self.run(safe, show)

    # Actions -----------------------------------------------------------------------
    def on_run_checks(self) -> None:
        self.background("checks", self.mode.checks, self.show_report)

    def result_line(self, result: CheckResult) -> str:
        """One check in the screen's language; commands, paths and numbers as typed."""
        from kiosk.doctor.texts import describe

        title, detail, remedy = describe(result, self.tr)
        text = f"{STATUS_MARK[result.status]} {title} · "
        text += f"{self.tr(f'tech.status.{result.status.value}')}: {detail}"
        if remedy and result.status in (Status.FAIL, Status.WARN):
            text += "\n    " + self.tr("tech.remedy", remedy=remedy)
        return text

    def show_report(self, report: DoctorReport) -> str:
        clear_layout(self.check_rows)
        self.last_report = report  # drawn again in the other language when it changes
        for result in report.results:
            row = label("errorText" if result.failed else "")
            row.setText(self.result_line(result))
            row.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.check_rows.addWidget(row)
        failing = len(report.failing)
        return (
            self.tr("tech.checks.failing", count=failing)
            if failing
            else self.tr("tech.checks.ready")
        )

    def on_read_card(self) -> None:
        can = self.can.text().strip()

        def done(read: Any) -> str:
            if read.error:
                return self.tr("tech.reader.failed", error=read.error)
            verdict = self.tr("tech.reader.accepted" if read.ok else "tech.reader.refused")
            lines = [self.tr("tech.reader.result", verdict=verdict, total=read.total_ms)]
            lines.append(self.tr("tech.reader.pa", value=read.passive_authentication))
            lines.append(
                f"{read.access_control} · AA {read.active_authentication} · "
                f"CA {read.chip_authentication}"
            )
            lines += [f"  {step}: {ms} ms" for step, ms in read.steps_ms.items()]
            return "\n".join(lines)

        self.background("reader", lambda: self.mode.test_read(can), done)

    def on_test_page(self) -> None:
        def done(result: Any) -> str:
            if result.error:
                return self.tr("tech.printer.failed", error=result.error)
            reasons = f" ({', '.join(result.reasons)})" if result.reasons else ""
            return self.tr(
                "tech.printer.state", queue=result.queue, state=result.state, reasons=reasons
            )

        self.background("printer", self.mode.print_test_page, done)

    def on_save_centre(self) -> None:
        url, kiosk = self.url.text().strip(), self.kiosk_id.text().strip()
        try:
            self.mode.set_centre(url, kiosk, None)
            text = self.tr("tech.chosen", name=url)
        except Exception as exc:  # a refused address: the setting's one-line reason
            text = self.tr("tech.error", error=str(exc))
        self.outputs["centre"].setText(text)

    def on_enrol(self) -> None:
        enrolment = self.guarded("centre", self.mode.enrol)
        if enrolment is None:
            return
        self.outputs["centre"].setText(
            self.tr("tech.centre.fingerprint") + "\n" + enrolment.fingerprint
        )
        self.qr.setPixmap(qr_pixmap(f"KIOSK:{enrolment.kiosk_id};FP:{enrolment.fingerprint}"))

    def on_test_call(self) -> None:
        def done(results: Any) -> str:
            return "\n".join(self.result_line(r) for r in results)

        self.background("centre", self.mode.test_call, done)

    def on_trust_import(self) -> None:
        files = [Path(p.strip()) for p in self.trust_files.text().split(",") if p.strip()]

        def done(result: Any) -> str:
            added, problems = result
            return "\n".join([self.tr("tech.trust.result", count=added), *problems])

        self.background("trust", lambda: self.mode.import_csca(files), done)

    def on_threshold(self, choice: Any) -> None:
        self.guarded("face", lambda: self.mode.choose_threshold(choice))
        for option, other in zip(self.face_choices, THRESHOLD_CHOICES, strict=True):
            option.setChecked(other is choice)

    def on_catalogue(self) -> None:
        self.background("catalogue", self.mode.check_catalogue, str)

    def on_logs(self) -> None:
        target = Path(self.logs_dest.text().strip() or ".")
        self.background(
            "logs",
            lambda: self.mode.export_logs(target),
            lambda path: self.tr("tech.logs.done", path=str(path)),
        )

    # Camera preview -------------------------------------------------------------------
    def start_preview(self) -> None:
        if self.open_camera is None:
            self.outputs["camera"].setText(self.tr("tech.camera.none"))
            return
        if self.camera is None:
            self.camera = self.open_camera()
        self.preview_timer.start()

    def stop_preview(self) -> None:
        self.preview_timer.stop()

    def update_preview(self) -> None:
        frame = self.camera.latest() if self.camera is not None else None
        if frame is None:
            return
        import cv2

        if self.detector is None:
            from kiosk.face.detect import FaceDetector

            self.detector = FaceDetector()
        faces = self.detector.detect(frame.image)
        rgb = cv2.cvtColor(frame.image, cv2.COLOR_BGR2RGB)
        height, width = rgb.shape[:2]
        image = QImage(rgb.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()
        painter = QPainter(image)
        painter.setPen(QPen(QColor("#00c853"), 4))
        for face in faces:
            x, y, w, h = (int(v) for v in face.box)
            painter.drawRect(x, y, w, h)
        painter.end()
        self.preview.setPixmap(
            QPixmap.fromImage(image).scaled(self.preview.size(), Qt.AspectRatioMode.KeepAspectRatio)
        )
        key = "tech.camera.face" if faces else "tech.camera.no_face"
        self.outputs["camera"].setText(self.tr("tech.camera.preview") + " " + self.tr(key))

    def close_panel(self) -> None:
        self.stop_preview()
        if self.camera is not None and self.own_camera:
            self.camera.stop()
            self.camera = None
        self.hide()
        self.deleteLater()

    def resize_to_parent(self) -> None:
        parent = self.parentWidget()
        if parent is not None:
            self.setGeometry(parent.rect())


def open_technician(
    window: Any,
    mode: TechnicianMode,
    camera: Callable[[], Any] | None = None,
    *,
    own_camera: bool = True,
) -> TechnicianPanel:
    """Cover the kiosk's window with technician mode (the caller checked the role)."""
    core = window.core

    def run(work: Callable[[], Any], done: Callable[[Any], None]) -> None:
        core.tasks.run(work, on_done=done, on_error=lambda exc: done(exc))

    panel = TechnicianPanel(mode, core.tr, run, camera, parent=window, own_camera=own_camera)
    # Its background comes from the theme's style sheet, so it follows a theme change.
    panel.setStyleSheet(NAV_STYLE)
    panel.resize_to_parent()
    panel.show()
    panel.raise_()
    return panel
