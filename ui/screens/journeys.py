"""Side journeys: rating, dossier lookup, queue numbers."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QGridLayout, QHBoxLayout, QLineEdit, QVBoxLayout

from kiosk.core import KioskCore
from kiosk.journeys.lookup import LookupResult
from kiosk.journeys.ticket import QueueTicket
from kiosk.runtime.flow import Step, Transition, Trigger
from kiosk.runtime.i18n import N_
from ui.screens.base import Screen, Tile, button, clear_layout, label

RATING_BUTTONS = (
    ("very_satisfied", N_("rating.very_satisfied"), "★★★"),
    ("satisfied", N_("rating.satisfied"), "★★"),
    ("dissatisfied", N_("rating.dissatisfied"), "★"),
)


class RatingScreen(Screen):
    step = Step.RATING

    def __init__(self, core: KioskCore) -> None:
        super().__init__(core)
        self.rating = core.rating
        self.bind(self.title.setText, "rating.title")
        self.bind(self.subtitle.setText, "rating.subtitle")
        row = QHBoxLayout()
        row.setSpacing(20)
        for level, key, face in RATING_BUTTONS:
            choice = Tile(f"rate_{level}")
            self.bind(lambda text, c=choice, f=face: c.setText(f"{f}\n{text}"), key)
            choice.clicked.connect(lambda _=False, lv=level: self.choose(lv))
            row.addWidget(choice)
        self.body.addLayout(row)
        self.reason_caption = label()
        self.bind(self.reason_caption.setText, "rating.reason")
        self.reason = QLineEdit()
        self.reason.setObjectName("rating_reason")
        self.error = label("errorText")
        for widget in (self.reason_caption, self.reason, self.error):
            self.body.addWidget(widget)
        self.body.addStretch(1)
        skip = button("rating_skip")
        self.bind(skip.setText, "rating.skip")
        skip.clicked.connect(lambda: self.core.fire(Trigger.RATING_SKIPPED))
        self.nav.addWidget(skip)
        self.add_stretch()
        self.send = button("rating_send", primary=True)
        self.bind(self.send.setText, "rating.send")
        self.send.clicked.connect(lambda: self.rating.rate("dissatisfied", self.reason.text()))
        self.nav.addWidget(self.send)
        self.rating.errors.connect(self.on_error)
        self._show_reason(False)

    def _show_reason(self, visible: bool) -> None:
        for widget in (self.reason_caption, self.reason, self.send):
            widget.setVisible(visible)
        self.error.hide()

    def choose(self, level: str) -> None:
        if level == "dissatisfied":
            self._show_reason(True)
            self.reason.setFocus()
        else:
            self.rating.rate(level)

    def on_error(self, key: str) -> None:
        self.error.setText(self.core.tr(key))
        self.error.show()

    def on_enter(self, transition: Transition) -> None:
        self._show_reason(False)
        self.reason.setText("")


class LookupScreen(Screen):
    step = Step.LOOKUP

    def __init__(self, core: KioskCore) -> None:
        super().__init__(core)
        self.lookup = core.lookup
        self.bind(self.title.setText, "lookup.title")
        self.bind(self.subtitle.setText, "lookup.subtitle")
        grid = QGridLayout()
        code_caption = label()
        self.bind(code_caption.setText, "lookup.code")
        self.code = QLineEdit()
        self.code.setObjectName("lookup_code")
        id_caption = label()
        self.bind(id_caption.setText, "lookup.id_number")
        self.id_number = QLineEdit()
        self.id_number.setObjectName("lookup_id")
        self.id_number.setMaxLength(12)
        self.id_number.setProperty("keyboard", "numeric")
        grid.addWidget(code_caption, 0, 0)
        grid.addWidget(self.code, 1, 0)
        grid.addWidget(id_caption, 2, 0)
        grid.addWidget(self.id_number, 3, 0)
        self.body.addLayout(grid)
        self.error = label("errorText")
        self.body.addWidget(self.error)
        self.result = label("notice")
        self.result.hide()
        self.body.addWidget(self.result)
        self.body.addStretch(1)
        self.add_back()
        self.add_stretch()
        search = button("lookup_search", primary=True)
        self.bind(search.setText, "lookup.search")
        search.clicked.connect(self.search)
        self.nav.addWidget(search)
        self.lookup.finished.connect(self.on_result)

    def search(self) -> None:
        self.result.hide()
        key = self.lookup.request(self.code.text(), self.id_number.text().strip())
        self.error.setText(self.core.tr(key) if key else "")
        self.error.setVisible(bool(key))

    def on_result(self, result: LookupResult) -> None:
        self.result.setText(self.core.tr(result.status_key, code=result.code))
        self.result.show()

    def on_enter(self, transition: Transition) -> None:
        self.reset()

    def reset(self) -> None:
        super().reset()
        self.error.hide()
        self.result.setText("")
        self.result.hide()


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
