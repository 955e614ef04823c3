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
from ui.screens.qr import QrPanel


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
        search_row = QHBoxLayout()
        search_row.addWidget(self.search, 1)
        search_row.addWidget(clear)
        self.body.addLayout(search_row)
        self.categories = QGridLayout()
        self.categories.setSpacing(8)
        self.body.addLayout(self.categories)
        self.category: str | None = None
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
        self.refresh()

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
        self.refresh()

    def keep_out_of_list(self) -> None:
        """Before the list is rebuilt: take out what must survive it (a subclass's detail)."""

    def refresh(self) -> None:
        self._category_buttons()
        if self.compact:
            self.set_compact(True)  # the new category buttons stay out of the way too
        self.keep_out_of_list()
        clear_layout(self.list)
        self.items.clear()
        tr, lang = self.core.tr, self.core.tr.language
        found = search(self.core.catalogue, self.search.text(), category=self.category)
        self.empty.setVisible(not found)
        for procedure in found:
            # A tile, not a plain button: a long name wraps instead of being cut off.
            item = Tile(f"procedure_{procedure.code}", height=96)
            item.setObjectName("procedure")
            item.caption.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            item.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
            item.setText(
                f"{procedure.name(lang)}\n"
                + tr("procedure.time", time=time_text(procedure.processing_time, tr))
            )
            item.clicked.connect(lambda _=False, p=procedure: self.chosen(p))
            self.list.addWidget(item)
            self.items[procedure.code] = item

    def chosen(self, procedure: Procedure) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def set_compact(self, compact: bool) -> None:
        """Typing a search: the category buttons give their room to the results."""
        super().set_compact(compact)
        for chip in getattr(self, "chips", []):
            chip.setVisible(not compact)

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
    step = Step.RECEIPT

    def __init__(self, core: KioskCore) -> None:
        super().__init__(core)
        self.service = core.service
        self.submission = core.submission
        self.bind(self.title.setText, "receipt_screen.title")
        ticket = QFrame()
        ticket.setObjectName("ticket")
        inner = QVBoxLayout(ticket)
        inner.setContentsMargins(32, 24, 32, 24)
        self.code_caption = label("hint")
        self.bind(self.code_caption.setText, "receipt_screen.code_caption")
        self.code = label("dossierCode")
        self.code.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.code.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.procedure = label()
        self.appointment = label()
        # What to do now (take the receipt from the slot) comes first, never scrolled away
        # nor cut off by the ticket's frame in larger text.
        self.printer = label("notice")
        for widget in (self.code_caption, self.code, self.procedure, self.appointment):
            inner.addWidget(widget)
        inner.addStretch(1)
        # Beside the ticket: the dossier code as a QR code to photograph when the receipt
        # did not print, and the fee's VietQR code when there is a fee to pay.
        self.ticket = ticket
        self.photo = QrPanel("receipt_photo", 240)
        self.fee = QrPanel("receipt_fee", 220)
        row = self.row = QBoxLayout(QBoxLayout.Direction.LeftToRight)  # upright: stacked
        row.setSpacing(24)
        row.addWidget(ticket, 1)
        row.addWidget(self.photo, 1)
        row.addWidget(self.fee, 1)
        self.photo.hide()
        self.fee.hide()
        self.body.addWidget(self.printer)
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
        # A break allowed after each dash: in large text on an upright screen the code
        # wraps at its dashes rather than running off the edge.
        self.code.setText((session.dossier_code or "").replace("-", "-\u200b"))
        procedure = self.service.procedure
        lang = self.core.tr.language
        self.procedure.setText(procedure.name(lang) if procedure else "")
        if session.appointment:
            self.appointment.setText(
                self.core.tr("receipt_screen.appointment", date=f"{session.appointment:%d/%m/%Y}")
            )
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
        self.row.setDirection(
            QBoxLayout.Direction.TopToBottom if portrait else QBoxLayout.Direction.LeftToRight
        )

    def _show_codes(self, code: str, print_error: str | None) -> None:
        tr = self.core.tr
        failed = bool(print_error and code)
        # No receipt: the code as a QR code to photograph takes the ticket's place.
        self.photo.setVisible(failed)
        self.ticket.setVisible(not failed)
        if failed:
            self.photo.qr.set_text(code)  # what the receipt's QR code would have held
            self.photo.heading.setText(tr("receipt_screen.code_caption"))
            self.photo.lines.setText(code.replace("-", "-\u200b"))
            self.photo.lines.setObjectName("title")
            self.photo.lines.style().unpolish(self.photo.lines)
            self.photo.lines.style().polish(self.photo.lines)
            self.photo.hint.setText(tr("receipt_screen.photo_hint"))
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

    def reset(self) -> None:
        for widget in (self.code, self.procedure, self.appointment, self.printer):
            widget.setText("")
        for panel in (self.photo, self.fee):
            panel.qr.set_text("")
            panel.hide()
        self.ticket.show()
        super().reset()
