"""Choose a service, fill the form, check answers, submit, receipt; and browsing."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk.catalogue.model import Procedure
from kiosk.catalogue.search import search
from kiosk.core import KioskCore
from kiosk.forms.engine import time_text
from kiosk.runtime.flow import Step, Transition, Trigger
from ui.screens.base import ChoiceButton, Screen, Tile, button, clear_layout, label
from ui.screens.busy import BusyIndicator
from ui.screens.qr import CodeLabel, QrPanel

ONE_LINE_TILE = "QPushButton#procedure { min-height: 56px; }"


def scroll_area(inner: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidget(inner)
    return area


class ProcedureList(Screen):
    """Find a procedure: a search box (accents optional), category buttons, most used first."""

    def __init__(self, core: KioskCore) -> None:
        super().__init__(core)
        self.search = QLineEdit()
        self.search.setObjectName("procedure_search")
        self.search.setMinimumHeight(64)
        # Qt's own clear button is 22 px: too small to touch (WCAG 2.5.5); ours is full size.
        clear = button("procedure_search_clear")
        clear.setText("✕")
        # As tall as the field beside it (a taller row would push the results down).
        clear.setStyleSheet("min-height: 0; min-width: 72px; max-width: 72px; padding: 0;")
        clear.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
        self.bind(clear.setAccessibleName, "choose.search_clear")
        clear.clicked.connect(self.search.clear)
        clear.hide()
        self.bind(self.search.setPlaceholderText, "choose.search_hint")
        self.bind(self.search.setAccessibleName, "choose.search")
        self.search.textChanged.connect(lambda _text: self.refresh())
        self.search.textChanged.connect(lambda text: clear.setVisible(bool(text)))
        # The areas (lĩnh vực) folded under one button beside the search: open, their rows
        # of buttons would push the procedures themselves below the fold.
        self.filter = button("category_filter")
        # As tall as the search field beside it (a taller row pushes the procedures down).
        self.filter.setStyleSheet("min-height: 0; padding: 0 20px;")
        self.filter.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Preferred)
        self.filter.clicked.connect(lambda: self.open_filter(not self.filter_open))
        self.filter_open = False
        search_row = QHBoxLayout()
        search_row.addWidget(self.search, 1)
        search_row.addWidget(clear)
        search_row.addWidget(self.filter)
        self.body.addLayout(search_row)
        self.category_panel = QWidget()
        self.categories = QGridLayout(self.category_panel)
        self.categories.setContentsMargins(0, 0, 0, 0)
        self.categories.setSpacing(8)
        self.category_panel.hide()
        self.body.addWidget(self.category_panel)
        self.category: str | None = None
        self.found: list[Procedure] = []
        self.empty = label("notice")
        self.bind(self.empty.setText, "choose.none")
        self.empty.hide()
        self.body.addWidget(self.empty)
        self.list = QVBoxLayout()
        self.list.setSpacing(12)
        self.body.addLayout(self.list)
        self.body.addStretch(1)
        self.items: dict[str, QWidget] = {}  # procedure code -> its button in the list

    def on_enter(self, transition: Transition) -> None:
        self.search.setText("")
        self.category = None
        self.filter_open = False
        self.refresh()

    def open_filter(self, shown: bool) -> None:
        """Show (or fold away) the area buttons."""
        self.filter_open = shown
        self._show_filter()
        if shown:
            QTimer.singleShot(0, self, self._place_chips)

    def _show_filter(self) -> None:
        tr = self.core.tr
        names = {c.key: c.name(tr.language) for c in self.core.catalogue.categories}
        chosen = names.get(self.category or "", tr("choose.all"))
        mark = "▲" if self.filter_open else "▼"
        self.filter.setText(f"{tr('choose.filter', category=chosen)} {mark}")
        self.filter.setAccessibleName(tr("choose.filter", category=chosen))
        self.filter.setVisible(not self.compact)
        self.category_panel.setVisible(self.filter_open and not self.compact)

    def _category_buttons(self) -> None:
        clear_layout(self.categories)
        self._chip_rows = []
        self._chip_fit = None
        lang = self.core.tr.language
        entries = [(None, self.core.tr("choose.all"))]
        entries += [(c.key, c.name(lang)) for c in self.core.catalogue.categories]
        self.chips: list[QPushButton] = []
        for key, caption in entries:
            chip = ChoiceButton(f"category_{key or 'all'}", exclusive=True)
            chip.setChecked(key == self.category)
            chip.setText(caption)
            chip.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            chip.clicked.connect(lambda _=False, k=key: self.pick_category(k))
            self.chips.append(chip)
        self._place_chips()

    def _place_chips(self) -> None:
        """Row by row, as many as fit the width at their own size (larger text, an upright
        screen, long English names): no category button is ever cut off, and short names
        share a row."""
        chips = getattr(self, "chips", [])
        if not chips:
            return
        width = self.scroll_area.viewport().width() or self.width() - 96
        spacing = self.categories.horizontalSpacing()
        for chip in chips:
            chip.ensurePolished()
        sizes = [chip.sizeHint().width() for chip in chips]
        if (width, sizes) == getattr(self, "_chip_fit", None):
            return
        self._chip_fit = (width, sizes)
        for row in getattr(self, "_chip_rows", []):
            while row.count():
                row.takeAt(0)
            self.categories.removeItem(row)
        self._chip_rows: list[QHBoxLayout] = []
        used = width + 1
        for chip, size in zip(chips, sizes, strict=True):
            if used + spacing + size > width:
                row = QHBoxLayout()
                row.setSpacing(spacing)
                self.categories.addLayout(row, len(self._chip_rows), 0)
                self._chip_rows.append(row)
                used = -spacing
            self._chip_rows[-1].addWidget(chip)
            used += spacing + size

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        QTimer.singleShot(0, self, self._place_chips)  # a new width, or new text sizes

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.StyleChange, QEvent.Type.FontChange):
            QTimer.singleShot(0, self, self._place_chips)

    def pick_category(self, key: str | None) -> None:
        self.category = key
        self.filter_open = False  # chosen: the buttons fold away, the list shows
        self.refresh()

    def keep_out_of_list(self) -> None:
        """Before the list is rebuilt: take out what must survive it (a subclass's detail)."""

    def refresh(self) -> None:
        self._category_buttons()
        self._show_filter()
        self.keep_out_of_list()
        clear_layout(self.list)
        self.items.clear()
        found = search(self.core.catalogue, self.search.text(), category=self.category)
        self.found = found
        self.empty.setVisible(not found)
        for procedure in found:
            # A tile, not a plain button: a long name wraps instead of being cut off.
            item = Tile(f"procedure_{procedure.code}", height=96)
            item.setObjectName("procedure")
            item.caption.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            item.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
            item.clicked.connect(lambda _=False, p=procedure: self.chosen(p))
            self.list.addWidget(item)
            self.items[procedure.code] = item
        self._tile_texts()

    def _tile_texts(self) -> None:
        """Name and legal time; while typing (the keyboard up), the name alone, so that
        more than one result fits above the keyboard."""
        tr, lang = self.core.tr, self.core.tr.language
        self.list.setSpacing(8 if self.compact else 12)
        for procedure in self.found:
            item = self.items.get(procedure.code)
            if item is None:
                continue
            text = procedure.name(lang)
            if not self.compact:
                time = time_text(procedure.processing_time, tr)
                text += "\n" + tr("procedure.time", time=time)
            # The theme's height is for two lines; one line needs less (still touch-sized).
            item.setStyleSheet(ONE_LINE_TILE if self.compact else "")
            edge = 6 if self.compact else 12
            layout = item.layout()
            if layout is not None:
                layout.setContentsMargins(16, edge, 16, edge)
            item.setText(text)

    def chosen(self, procedure: Procedure) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def set_compact(self, compact: bool) -> None:
        """Typing a search: the area buttons and the legal times give their room to the
        results."""
        changed = compact != self.compact
        super().set_compact(compact)
        if changed:
            self._show_filter()
            self._tile_texts()

    def set_portrait(self, portrait: bool) -> None:
        super().set_portrait(portrait)
        self.refresh()

    def companions(self, field: QWidget) -> list[QWidget]:
        """With the search box: the first result (or the "nothing found" notice)."""
        if field is not self.search:
            return super().companions(field)
        return [self.empty, *list(self.items.values())[:1]]


class ChooseServiceScreen(ProcedureList):
    step = Step.CHOOSE_SERVICE

    def __init__(self, core: KioskCore) -> None:
        super().__init__(core)
        self.service = core.service
        self.bind(self.title.setText, "choose.title")
        self.bind(self.subtitle.setText, "choose.subtitle")
        self.add_cancel()
        self.add_stretch()

    def chosen(self, procedure: Procedure) -> None:
        self.service.choose(procedure.code)


class BrowseScreen(ProcedureList):
    step = Step.BROWSE

    def __init__(self, core: KioskCore) -> None:
        super().__init__(core)
        self.bind(self.title.setText, "browse.title")
        self.bind(self.subtitle.setText, "browse.subtitle")
        # The detail opens right under the procedure touched, and is scrolled into view.
        self.detail = label("notice")
        self.detail.hide()
        self.add_back()
        self.add_stretch()
        self.submit = button("browse_submit", primary=True)
        self.bind(self.submit.setText, "browse.submit")
        self.submit.clicked.connect(lambda: self.core.fire(Trigger.SUBMIT_CHOSEN))
        self.submit.hide()
        self.nav.addWidget(self.submit)
        self._selected: Procedure | None = None

    def on_enter(self, transition: Transition) -> None:
        self._selected = None
        self.detail.hide()
        self.submit.hide()
        super().on_enter(transition)

    def keep_out_of_list(self) -> None:
        if self.list.indexOf(self.detail) >= 0:
            self.list.removeWidget(self.detail)
        self.detail.hide()

    def refresh(self) -> None:
        super().refresh()
        if self._selected is not None and self._selected.code in self.items:
            self.chosen(self._selected)
        else:
            self.submit.hide()

    def chosen(self, procedure: Procedure) -> None:
        self._selected = procedure
        lang = self.core.tr.language
        from_card = sum(1 for f in procedure.fields if f.from_card)
        self.detail.setText(
            self.core.tr(
                "browse.detail",
                name=procedure.name(lang),
                fee=procedure.fee(lang),
                time=time_text(procedure.processing_time, self.core.tr),
                from_card=from_card,
                total=len(procedure.fields),
            )
        )
        self.keep_out_of_list()
        item = self.items.get(procedure.code)
        self.list.insertWidget(self.list.indexOf(item) + 1 if item else 0, self.detail)
        self.detail.show()
        self.submit.show()
        # Once laid out: the procedure touched and its detail in view.
        QTimer.singleShot(0, self.show_detail)

    def show_detail(self) -> None:
        if self.detail.isVisible():
            item = self.items.get(self._selected.code) if self._selected else None
            if item is not None:
                self.scroll_area.ensureWidgetVisible(item, 0, 0)
            self.scroll_area.ensureWidgetVisible(self.detail, 0, 24)


class SubmittingScreen(Screen):
    step = Step.SUBMITTING

    def __init__(self, core: KioskCore) -> None:
        super().__init__(core)
        self.bind(self.title.setText, "submitting.title")
        self.bind(self.subtitle.setText, "submitting.subtitle")
        self.busy = BusyIndicator()  # something moves: the kiosk has not frozen
        self.bind(self.busy.setText, "submitting.busy")
        self.body.addWidget(self.busy)
        self.body.addStretch(1)


class ReceiptScreen(Screen):
    """The dossier code, the date to come back and (with a fee) how to pay.

    On the left what to do now (take the receipt from the slot), then the ticket: the code
    on one line, the return date right under it, the procedure. Beside them the fee's
    VietQR code. When the receipt did not print, the ticket also holds the dossier code as a
    QR code to photograph and spans the width, the fee's panel under it (secondary: the fee
    can be paid at the counter too)."""

    step = Step.RECEIPT

    def __init__(self, core: KioskCore) -> None:
        super().__init__(core)
        self.service = core.service
        self.submission = core.submission
        self.bind(self.title.setText, "receipt_screen.title")
        ticket = self.ticket = QrPanel("receipt_photo", 200)
        ticket.heading.hide()
        ticket.lines.hide()
        self.photo = ticket.qr  # the dossier code to photograph when the receipt did not print
        self.photo.hide()
        self.code_caption = label("hint")
        self.bind(self.code_caption.setText, "receipt_screen.code_caption")
        self.code = CodeLabel("dossierCode")
        self.appointment = label()
        self.appointment.setStyleSheet("font-weight: 700;")
        self.procedure = label()
        for widget in (self.code_caption, self.code, self.appointment, self.procedure):
            ticket.add(widget)
        ticket.hint.hide()
        # What to do now (take the receipt from the slot, or photograph the code) comes
        # first, never scrolled away.
        self.printer = label("notice")
        lead = QVBoxLayout()
        lead.setSpacing(14)
        lead.addWidget(self.printer)
        lead.addWidget(ticket)
        lead.addStretch(1)
        self.fee = QrPanel("receipt_fee", 200)
        self.fee.hide()
        row = self.row = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        row.setSpacing(24)
        row.addLayout(lead, 2)
        row.addWidget(self.fee, 3, Qt.AlignmentFlag.AlignTop)
        self.body.addLayout(row)
        self.body.addStretch(1)
        self.add_stretch()
        go = button("receipt_continue", primary=True)
        self.bind(go.setText, "nav.continue")
        go.clicked.connect(self.submission.receipt_done)
        self.nav.addWidget(go)
        self.submission.receipt_printed.connect(lambda _key: self.refresh())

    def refresh(self) -> None:
        session = self.core.session
        self.code.set_code(session.dossier_code or "")
        procedure = self.service.procedure
        lang = self.core.tr.language
        self.procedure.setText(procedure.name(lang) if procedure else "")
        self.appointment.setText(
            self.core.tr("receipt_screen.appointment", date=f"{session.appointment:%d/%m/%Y}")
            if session.appointment
            else ""
        )
        self.appointment.setVisible(session.appointment is not None)
        key = self.submission.print_error_key
        self.printer.setText(
            self.core.tr(key) + " " + self.core.tr("receipt_screen.photo_title") + "."
            if key
            else self.core.tr("receipt_screen.printing")
        )
        self.printer.setObjectName("errorText" if key else "notice")
        self._show_codes(session.dossier_code or "", key)
        self.printer.style().unpolish(self.printer)
        self.printer.style().polish(self.printer)
        self.subtitle.setText(self.core.tr("receipt_screen.subtitle"))

    def set_portrait(self, portrait: bool) -> None:
        super().set_portrait(portrait)
        self._arrange()

    def _arrange(self) -> None:
        """Side by side on a wide screen; stacked on an upright one, and when the ticket
        holds the QR code to photograph (it needs the width for the code on one line)."""
        stacked = self.portrait or not self.photo.isHidden()
        self.row.setDirection(
            QBoxLayout.Direction.TopToBottom if stacked else QBoxLayout.Direction.LeftToRight
        )

    def _show_codes(self, code: str, print_error: str | None) -> None:
        tr = self.core.tr
        failed = bool(print_error and code)
        # No receipt: the code as a QR code to photograph, in the ticket beside the code.
        self.photo.set_text(code if failed else "")  # what the receipt's QR code would hold
        self.photo.setVisible(failed)
        self.ticket.hint.setVisible(failed)
        if failed:
            hint = getattr(self.submission, "photo_hint_key", "receipt_screen.photo_hint")
            self.ticket.hint.setText(tr(hint))
        payment = self.submission.payment
        self.fee.setVisible(payment is not None)
        if payment is not None:
            from kiosk.forms.summary import money_text
            from kiosk.payment import vietqr_payload

            self.fee.qr.set_text(vietqr_payload(payment))
            holder = self.core.config.payment.account_name or "-"
            self.fee.heading.setText(
                tr("receipt_screen.fee_title", amount=money_text(payment.amount_vnd, tr))
            )
            self.fee.lines.setText(
                tr("receipt_screen.fee_account", account=payment.account, holder=holder)
            )
            self.fee.hint.setText(tr("receipt_screen.fee_hint"))
        self._arrange()

    def reset(self) -> None:
        self.code.set_code("")
        for widget in (self.procedure, self.appointment, self.printer, self.ticket.hint):
            widget.setText("")
        for panel in (self.ticket, self.fee):
            panel.qr.set_text("")
        self.photo.hide()
        self.fee.hide()
        super().reset()
