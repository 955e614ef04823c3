"""Side journeys: rating, dossier lookup, queue numbers."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QHideEvent, QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QLineEdit,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk.core import KioskCore
from kiosk.forms.summary import money_text
from kiosk.journeys.lookup import LookupResult
from kiosk.journeys.rating import RATING_REASONS
from kiosk.journeys.ticket import QueueTicket
from kiosk.printing.parts import mask_id_number
from kiosk.runtime.flow import Step, Transition, Trigger
from kiosk.runtime.i18n import N_
from ui.screens.base import ChoiceButton, Screen, Tile, button, clear_layout, label
from ui.screens.identify import CameraPreview

RATING_BUTTONS = (
    ("very_satisfied", N_("rating.very_satisfied"), "★★★"),
    ("satisfied", N_("rating.satisfied"), "★★"),
    ("dissatisfied", N_("rating.dissatisfied"), "★"),
)
REASON_KEYS = {
    "waiting": N_("rating.reason.waiting"),
    "hard_to_use": N_("rating.reason.hard_to_use"),
    "unclear": N_("rating.reason.unclear"),
    "staff": N_("rating.reason.staff"),
    "other": N_("rating.reason.other"),
}
assert tuple(REASON_KEYS) == RATING_REASONS


class RatingScreen(Screen):
    """Three tiles; "not satisfied" stays chosen (a mark and its colour) and offers the
    common reasons to touch, typing more being optional."""

    step = Step.RATING

    def __init__(self, core: KioskCore) -> None:
        super().__init__(core)
        self.rating = core.rating
        self.bind(self.title.setText, "rating.title")
        self.bind(self.subtitle.setText, "rating.subtitle")
        self.levels = QGridLayout()
        self.levels.setSpacing(20)
        self.tiles: dict[str, Tile] = {}
        for level, key, face in RATING_BUTTONS:
            choice = Tile(f"rate_{level}", height=110)
            choice.setCheckable(True)
            choice.setAutoExclusive(True)
            self.bind(lambda text, c=choice, f=face: c.setText(f"{f}\n{text}"), key)
            choice.clicked.connect(lambda _=False, lv=level: self.choose(lv))
            self.tiles[level] = choice
        self._place_tiles()
        self.body.addLayout(self.levels)
        self.reason_caption = label()
        self.bind(self.reason_caption.setText, "rating.reason")
        self.body.addWidget(self.reason_caption)
        # The problem right over the reasons it is about, in sight with them and the tile.
        self.error = label("errorText")
        self.body.addWidget(self.error)
        self.reasons = QGridLayout()
        self.reasons.setSpacing(12)
        self.reason_buttons: dict[str, ChoiceButton] = {}
        for key, text_key in REASON_KEYS.items():
            reason = ChoiceButton(f"reason_{key}", exclusive=True)
            reason.setAutoExclusive(True)
            reason.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            reason.setStyleSheet("text-align: left; padding: 8px 12px;")
            self.bind(reason.setText, text_key)
            reason.clicked.connect(self._reason_touched)
            self.reason_buttons[key] = reason
        self._columns: int | None = None  # the reasons' grid, once placed
        self._error_key = ""
        self._place_reasons()
        self.body.addLayout(self.reasons)
        self.more_caption = label()
        self.bind(self.more_caption.setText, "rating.reason_more")
        self.reason = QLineEdit()
        self.reason.setObjectName("rating_reason")
        self.bind(self.reason.setAccessibleName, "rating.reason_more")  # a screen reader's name
        self.reason.setMaxLength(300)
        for widget in (self.more_caption, self.reason):
            self.body.addWidget(widget)
        self.body.addStretch(1)
        skip = button("rating_skip")
        self.bind(skip.setText, "rating.skip")
        skip.clicked.connect(lambda: self.core.fire(Trigger.RATING_SKIPPED))
        self.nav.addWidget(skip)
        self.add_stretch()
        self.send = button("rating_send", primary=True)
        self.bind(self.send.setText, "rating.send")
        self.send.clicked.connect(self.send_reason)
        self.nav.addWidget(self.send)
        self.rating.errors.connect(self.on_error)
        self._show_reason(False)

    def _place_tiles(self) -> None:
        for index, tile in enumerate(self.tiles.values()):
            self.levels.removeWidget(tile)
            if self.portrait:
                self.levels.addWidget(tile, index, 0)
            else:
                self.levels.addWidget(tile, 0, index)

    def _reason_touched(self) -> None:
        self._error_key = ""
        self.error.hide()
        self.reason_caption.show()

    def _place_reasons(self) -> None:
        """Portrait: one column.  Landscape: three when every reason fits a third of the
        width (two rows: the chosen tile and all the reasons in sight), else two."""
        columns = 1 if self.portrait else 2
        if not self.portrait:
            room = self.scroll_area.viewport().width() - 2 * self.reasons.spacing()
            widest = max(b.sizeHint().width() for b in self.reason_buttons.values())
            columns = 3 if widest * 3 <= room else 2
        if columns == self._columns:
            return
        self._columns = columns
        for index, reason in enumerate(self.reason_buttons.values()):
            self.reasons.removeWidget(reason)
            self.reasons.addWidget(reason, index // columns, index % columns)
        for column in range(3):
            self.reasons.setColumnStretch(column, 1 if column < columns else 0)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place_reasons()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.StyleChange, QEvent.Type.FontChange):
            self._place_reasons()  # larger text: the reasons may no longer fit three across

    def set_portrait(self, portrait: bool) -> None:
        super().set_portrait(portrait)
        self._place_tiles()
        self._columns = None
        self._place_reasons()

    def refresh(self) -> None:
        self._place_reasons()  # another language: other widths
        if self._error_key:  # the problem on screen, in the language now chosen
            self.error.setText(self.core.tr(self._error_key))

    def _show_reason(self, visible: bool) -> None:
        self.subtitle.setVisible(not visible)  # the reasons need the room more
        widgets = (self.reason_caption, *self.reason_buttons.values(), self.more_caption)
        for widget in (*widgets, self.reason, self.send):
            widget.setVisible(visible)
        for tile in self.tiles.values():  # lower tiles: the reasons fit under them
            tile.setMinimumHeight(84 if visible else 110)
        self._error_key = ""
        self.error.hide()
        if visible:
            self._place_reasons()  # laid out and styled by now: their widths are known

    def _show_top(self) -> None:
        """The chosen tile and the reasons under it in sight (the text field may scroll)."""
        self.scroll_area.verticalScrollBar().setValue(0)

    def chosen_reason(self) -> str | None:
        return next((k for k, b in self.reason_buttons.items() if b.isChecked()), None)

    def choose(self, level: str) -> None:
        if level == "dissatisfied":
            self._show_reason(True)  # the tile stays chosen: the reasons belong to it
            QTimer.singleShot(0, self, self._show_top)
        else:
            self.rating.rate(level)

    def send_reason(self) -> None:
        self.rating.rate("dissatisfied", self.reason.text(), self.chosen_reason())

    def on_error(self, key: str) -> None:
        self._error_key = key
        self.error.setText(self.core.tr(key))
        self.error.show()
        self.reason_caption.hide()  # the problem says what to do, in its place
        QTimer.singleShot(0, self, self._show_top)

    def companions(self, field: QWidget) -> list[QWidget]:
        return [self.more_caption] if field is self.reason else []

    def on_enter(self, transition: Transition) -> None:
        self.reset()

    def reset(self) -> None:
        super().reset()
        for choice in (*self.tiles.values(), *self.reason_buttons.values()):
            choice.setAutoExclusive(False)  # an exclusive group never lets all go otherwise
            choice.setChecked(False)
            choice.setAutoExclusive(True)
        self._show_reason(False)


class LookupScreen(Screen):
    """The dossier code read from the receipt's QR code (or typed), the ID number typed;
    the status, and the return date when this kiosk took the dossier.

    The answer takes the fields' place: the ID number is no longer on screen (only masked
    like the receipt's), and it is forgotten when the citizen leaves."""

    step = Step.LOOKUP

    def __init__(self, core: KioskCore) -> None:
        super().__init__(core)
        self.lookup = core.lookup
        self.bind(self.title.setText, "lookup.title")
        self.bind(self.subtitle.setText, "lookup.subtitle")
        grid = QGridLayout()
        grid.setColumnStretch(0, 1)
        code_caption = label()
        self.bind(code_caption.setText, "lookup.code")
        self.code = QLineEdit()
        self.code.setObjectName("lookup_code")
        self.bind(self.code.setAccessibleName, "lookup.code")
        self.code.setMaxLength(40)
        self.scan = ChoiceButton("lookup_scan")
        self.bind(self.scan.setText, "lookup.scan")
        self.scan.clicked.connect(self.toggle_scan)
        id_caption = label()
        self.bind(id_caption.setText, "lookup.id_number")
        self.id_number = QLineEdit()
        self.id_number.setObjectName("lookup_id")
        self.bind(self.id_number.setAccessibleName, "lookup.id_number")
        self.id_number.setMaxLength(12)
        self.id_number.setProperty("keyboard", "numeric")
        grid.addWidget(code_caption, 0, 0)
        grid.addWidget(self.code, 1, 0)
        grid.addWidget(self.scan, 2, 0, Qt.AlignmentFlag.AlignLeft)
        grid.addWidget(id_caption, 3, 0)
        grid.addWidget(self.id_number, 4, 0)
        grid.setContentsMargins(0, 0, 0, 0)
        self.inputs = QWidget()  # hidden while an answer is shown
        self.inputs.setLayout(grid)
        self.error = label("errorText")
        self.asked = label("lookupAsked")  # the ID number masked (shown, not said aloud)
        self.asked.hide()
        self.result = label("notice")
        self.result.hide()
        self._shown: LookupResult | None = None  # the answer on screen
        self._masked = ""  # the ID number asked about, as the receipt prints it
        fields = QWidget()
        column = QVBoxLayout(fields)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.inputs)
        column.addWidget(self.error)
        column.addWidget(self.asked)
        column.addWidget(self.result)
        column.addStretch(1)
        # The camera, while it looks for the receipt's QR code: beside the fields on a wide
        # screen (both in sight), under them on an upright one.
        self.camera = QWidget()
        camera_column = QVBoxLayout(self.camera)
        camera_column.setContentsMargins(0, 0, 0, 0)
        self.scan_hint = label("hint")
        self.bind(self.scan_hint.setText, "lookup.scan_hint")
        self.preview = CameraPreview(core, guide="card")
        self.preview.mirrored = False  # the receipt as it is held, not as in a mirror
        self.preview.setMinimumHeight(200)
        camera_column.addWidget(self.scan_hint)
        camera_column.addWidget(self.preview, 1)
        self.camera.hide()
        self.parts = QGridLayout()
        self.parts.setSpacing(24)
        self._fields = fields
        self._place_parts()
        self.body.addLayout(self.parts, 1)
        self.add_back()
        self.add_stretch()
        self.search_button = button("lookup_search", primary=True)
        self.search_button.clicked.connect(self.search)
        self.nav.addWidget(self.search_button)
        self._name_button()
        self.lookup.finished.connect(self.on_result)
        self.lookup.code_scanned.connect(self.on_code_scanned)
        self.lookup.closed.connect(self.forget)  # left or wiped: nothing typed stays

    def _place_parts(self) -> None:
        for widget in (self._fields, self.camera):
            self.parts.removeWidget(widget)
        self.parts.addWidget(self._fields, 0, 0)
        if self.portrait:
            self.parts.addWidget(self.camera, 1, 0)
        else:
            self.parts.addWidget(self.camera, 0, 1)
        self._fit_columns()

    def _fit_columns(self) -> None:
        """Side by side, the camera takes half the width while it looks; none once done."""
        beside = not self.portrait and self.lookup.scanning
        self.parts.setColumnStretch(0, 1)
        self.parts.setColumnStretch(1, 1 if beside else 0)

    def set_portrait(self, portrait: bool) -> None:
        super().set_portrait(portrait)
        self._place_parts()

    def toggle_scan(self) -> None:
        if self.lookup.scanning:
            self.stop_scan()
        else:
            self.start_scan()

    def start_scan(self) -> None:
        self.error.hide()
        self.lookup.scan_code()
        self.scan.setChecked(self.lookup.scanning)
        self.camera.setVisible(self.lookup.scanning)
        self._fit_columns()
        if self.lookup.scanning:
            self.preview.start()

    def stop_scan(self) -> None:
        self.lookup.stop_scan()
        self.preview.stop()
        self.camera.hide()
        self.scan.setChecked(False)
        self._fit_columns()

    def on_code_scanned(self, code: str | None) -> None:
        if code is None:
            self.error.setText(self.core.tr("lookup.error.qr"))
            self.error.show()
            return
        self.stop_scan()
        self.code.setText(code)
        self.error.hide()
        if len(self.id_number.text().strip()) == 12:
            self.search()  # the ID number was typed first: the receipt opens the status
        else:
            self.id_number.setFocus()  # the code is in: only the ID number is left to type

    def search(self) -> None:
        if self._shown is not None:  # "Look up another dossier" / "Type again"
            self.ask_again()
            return
        self.result.hide()
        id_number = self.id_number.text().strip()
        key = self.lookup.request(self.code.text(), id_number)
        self.error.setText(self.core.tr(key) if key else "")
        self.error.setVisible(bool(key))
        if key is None:
            self._masked = mask_id_number(id_number)

    def on_result(self, result: LookupResult) -> None:
        if self.core.step is not Step.LOOKUP:
            return  # the citizen left before the answer came: nothing to show
        focus = self.focusWidget()
        if focus is not None and self.inputs.isAncestorOf(focus):
            self.search_button.setFocus()  # the keyboard goes with the fields
        self.stop_scan()
        self._shown = result
        self.id_number.setText("")  # not left on screen: the masked number says which one
        self.inputs.hide()
        self.error.hide()
        self.asked.setVisible(bool(self._masked))
        self._show_result()
        self._name_button()
        QTimer.singleShot(0, self, lambda: self.scroll_area.verticalScrollBar().setValue(0))

    def _name_button(self) -> None:
        shown = self._shown
        key = "lookup.search" if shown is None else "lookup.retry"
        key = "lookup.again" if shown is not None and shown.found else key
        self.search_button.setText(self.core.tr(key))

    def ask_again(self) -> None:
        """Back to the fields: a found dossier leaves them empty for another one; after
        "not found" or "cannot check now" the code stays and only the ID number is typed."""
        found = self._shown is not None and self._shown.found
        self._shown = None
        self._masked = ""
        self.id_number.setText("")
        if found:
            self.code.setText("")
        self.result.setText("")
        self.asked.setText("")
        for widget in (self.result, self.asked, self.error):
            widget.hide()
        self.inputs.show()
        self._name_button()
        if found:
            self.start_scan()
        else:
            self.id_number.setFocus()

    def forget(self) -> None:
        """The step was left or the session wiped: the ID number and the answer go."""
        self.reset()

    def refresh(self) -> None:
        self._name_button()
        if self._shown is not None:
            self._show_result()

    def _show_result(self) -> None:
        result = self._shown
        if result is None:
            return
        tr = self.core.tr
        self.asked.setText(tr("lookup.id_masked", number=self._masked))
        lines = [tr(result.status_key, code=result.code)]
        if result.status is not None and result.status_key != "lookup.status.queued":
            status = tr("lookup.status_line", status=tr(f"dossier_status.{result.status}"))
            lines.append(f"{status}. {tr(f'lookup.meaning.{result.status}')}")
        if result.status_key == "lookup.status.last_known" and result.known_at is not None:
            at = result.known_at
            lines.append(tr("lookup.known_at", time=f"{at:%H:%M}", date=f"{at:%d/%m/%Y}"))
        if result.payment in ("to_pay", "paid"):
            if result.fee_vnd:
                fee = money_text(result.fee_vnd, tr)
                lines.append(tr(f"lookup.payment.{result.payment}_amount", fee=fee))
            else:
                lines.append(tr(f"lookup.payment.{result.payment}"))
        if result.appointment is not None:
            date = f"{result.appointment:%d/%m/%Y}"
            lines.append(tr("lookup.appointment", date=date))
        if result.history:
            lines.append(tr("lookup.history"))
            for status, when in result.history:
                lines.append(
                    "  • "
                    + tr(
                        "lookup.history_line",
                        date=f"{when:%d/%m/%Y}" if when else "",
                        time=f"{when:%H:%M}" if when else "",
                        status=tr(f"dossier_status.{status}"),
                    ).strip()
                )
        self.result.setText("\n".join(lines))
        self.result.show()

    def companions(self, field: QWidget) -> list[QWidget]:
        """With the code or the ID number: the other field, the error and the answer."""
        if field in (self.code, self.id_number):
            return [self.code, self.id_number, self.error, self.result]
        return []

    def set_compact(self, compact: bool) -> None:
        if compact and self.lookup.scanning:
            self.stop_scan()  # typing instead: the camera gives its room to the keyboard
        super().set_compact(compact)

    def on_enter(self, transition: Transition) -> None:
        self.reset()
        self.start_scan()  # holding the receipt up is easier than typing 21 characters

    def hideEvent(self, event: QHideEvent) -> None:
        self.preview.stop()
        super().hideEvent(event)

    def reset(self) -> None:
        super().reset()  # the fields emptied, their undo history too
        self.stop_scan()
        self._shown = None
        self._masked = ""
        self.error.hide()
        for widget in (self.result, self.asked):
            widget.setText("")
            widget.hide()
        self.inputs.show()
        self._name_button()


class QueueScreen(Screen):
    step = Step.QUEUE_TICKET

    def __init__(self, core: KioskCore) -> None:
        super().__init__(core)
        self.tickets = core.tickets
        self.bind(self.title.setText, "queue.title")
        self.bind(self.subtitle.setText, "queue.subtitle")
        self.areas = QGridLayout()
        self.areas.setSpacing(16)
        self.body.addLayout(self.areas)
        self.ticket = QFrame()
        self.ticket.setObjectName("ticket")
        inner = QVBoxLayout(self.ticket)
        self.ticket_caption = label()
        self.number = label("bigNumber")
        self.ticket_note = label("hint")
        for widget in (self.ticket_caption, self.number, self.ticket_note):
            inner.addWidget(widget)
        self.ticket.hide()
        self.body.addWidget(self.ticket)
        self.body.addStretch(1)
        self.add_back()
        self.add_stretch()
        self.done = button("queue_done", primary=True)
        self.bind(self.done.setText, "queue.done")
        self.done.clicked.connect(lambda: self.core.fire(Trigger.FINISHED))
        self.done.hide()
        self.nav.addWidget(self.done)
        self.tickets.issued.connect(self.on_ticket)
        self.tickets.printed.connect(self.on_ticket)

    def refresh(self) -> None:
        clear_layout(self.areas)
        lang = self.core.tr.language
        for i, area in enumerate(self.core.catalogue.queue_areas):
            choice = Tile(f"queue_{area.code}", height=100)
            choice.setText(f"{area.code}\n{area.name(lang)}")
            choice.clicked.connect(lambda _=False, c=area.code: self.tickets.take(c))
            self.areas.addWidget(choice, i // 2, i % 2)
        if self.ticket.isVisible() and self.tickets.last:
            self.on_ticket(self.tickets.last)
            self._set_tiles_visible(False)

    def on_enter(self, transition: Transition) -> None:
        self.ticket.hide()
        self.done.hide()
        self.refresh()
        self._set_tiles_visible(True)

    def _set_tiles_visible(self, visible: bool) -> None:
        for i in range(self.areas.count()):
            widget = self.areas.itemAt(i).widget()
            if widget is not None:
                widget.setVisible(visible)
        self.subtitle.setVisible(visible)

    def on_ticket(self, ticket: QueueTicket) -> None:
        self._set_tiles_visible(False)  # one ticket per visit: no double print
        area = next(a for a in self.core.catalogue.queue_areas if a.code == ticket.area_code)
        self.ticket_caption.setText(
            self.core.tr("queue.your_number", area=area.name(self.core.tr.language))
        )
        self.number.setText(ticket.number)
        note = {None: "queue.printing", True: "queue.take_ticket"}.get(
            ticket.printed, "printer.error.note_number"
        )
        self.ticket_note.setText(self.core.tr(note))
        self.ticket.show()
        self.done.show()
