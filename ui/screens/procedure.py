"""Choose a service, fill the form, check answers, submit, receipt; and browsing."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from kiosk.catalogue import Procedure
from kiosk.core import KioskCore
from kiosk.flow import Step, Transition, Trigger
from ui.screens.base import Screen, button, clear_layout, label


def scroll_area(inner: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidget(inner)
    return area


class ProcedureList(Screen):
    """A list of the catalogue's procedures as big buttons."""

    def __init__(self, core: KioskCore) -> None:
        super().__init__(core)
        inner = QWidget()
        self.list = QVBoxLayout(inner)
        self.list.setSpacing(12)
        self.body.addWidget(scroll_area(inner), 1)

    def refresh(self) -> None:
        clear_layout(self.list)
        lang = self.core.tr.language
        for procedure in self.core.catalogue.procedures:
            item = button("procedure")
            item.setProperty("tour", f"procedure_{procedure.code}")
            item.setText(
                f"{procedure.name(lang)}\n"
                + self.core.tr("procedure.days", days=procedure.processing_days)
            )
            item.setMinimumHeight(96)
            item.setStyleSheet("text-align: left; padding: 12px 20px;")
            item.clicked.connect(lambda _=False, p=procedure: self.chosen(p))
            self.list.addWidget(item)
        self.list.addStretch(1)

    def chosen(self, procedure: Procedure) -> None:  # pragma: no cover - overridden
        raise NotImplementedError


class ChooseServiceScreen(ProcedureList):
    step = Step.CHOOSE_SERVICE

    def __init__(self, core: KioskCore) -> None:
        super().__init__(core)
        self.bind(self.title.setText, "choose.title")
        self.bind(self.subtitle.setText, "choose.subtitle")
        self.add_cancel()
        self.add_stretch()

    def chosen(self, procedure: Procedure) -> None:
        self.core.choose_service(procedure.code)


class BrowseScreen(ProcedureList):
    step = Step.BROWSE

    def __init__(self, core: KioskCore) -> None:
        super().__init__(core)
        self.bind(self.title.setText, "browse.title")
        self.bind(self.subtitle.setText, "browse.subtitle")
        self.detail = label("notice")
        self.detail.hide()
        self.body.addWidget(self.detail)
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
        self.refresh()

    def refresh(self) -> None:
        super().refresh()
        if self._selected is not None:
            self.chosen(self._selected)

    def chosen(self, procedure: Procedure) -> None:
        self._selected = procedure
        lang = self.core.tr.language
        from_card = sum(1 for f in procedure.fields if f.from_card)
        self.detail.setText(
            self.core.tr(
                "browse.detail",
                name=procedure.name(lang),
                fee=procedure.fee(lang),
                days=procedure.processing_days,
                from_card=from_card,
                total=len(procedure.fields),
            )
        )
        self.detail.show()
        self.submit.show()


class FormScreen(Screen):
    """All questions of the chosen procedure; card answers read-only and marked."""

    step = Step.FILL_FORM

    def __init__(self, core: KioskCore) -> None:
        super().__init__(core)
        self.summary = QFrame()
        self.summary.setObjectName("errorSummary")
        summary_layout = QVBoxLayout(self.summary)
        self.summary_title = label()
        summary_layout.addWidget(self.summary_title)
        self.summary_items = QVBoxLayout()
        summary_layout.addLayout(self.summary_items)
        self.summary.hide()
        inner = QWidget()
        page = QVBoxLayout(inner)
        page.setContentsMargins(0, 0, 0, 0)
        page.addWidget(self.summary)
        self.grid = QGridLayout()
        page.addLayout(self.grid)
        page.addStretch(1)
        self.grid.setVerticalSpacing(6)
        self.grid.setHorizontalSpacing(24)
        self.scroller = scroll_area(inner)
        self.body.addWidget(self.scroller, 1)
        self.edits: dict[str, QLineEdit] = {}
        self.messages: dict[str, object] = {}
        self.add_back()
        self.add_cancel()
        self.add_stretch()
        go = button("form_continue", primary=True)
        self.bind(go.setText, "nav.continue")
        go.clicked.connect(self.submit)
        self.nav.addWidget(go)
        core.form_errors.connect(self.show_errors)

    def on_enter(self, transition: Transition) -> None:
        self.build()
        key = self.core.change_field
        if key in self.edits:
            # "Change" on the check-answers page: straight to that question.
            QTimer.singleShot(0, lambda: self.focus_field(self.edits[key]))

    def build(self) -> None:
        procedure = self.core.procedure
        clear_layout(self.grid)
        self.edits.clear()
        self.messages.clear()
        self.summary.hide()
        if procedure is None:
            return
        lang = self.core.tr.language
        self.title.setText(procedure.name(lang))
        self.subtitle.setText(self.core.tr("form.subtitle"))
        row = 0
        for field in procedure.fields:
            caption = label()
            caption.setText(field.label(lang))
            self.grid.addWidget(caption, row, 0, 1, 2)
            edit = QLineEdit()
            edit.setObjectName(f"field_{field.key}")
            edit.setText(self.core.answer(field))
            edit.setAccessibleName(field.label(lang))
            if field.from_card:
                edit.setReadOnly(True)
                edit.setFocusPolicy(Qt.FocusPolicy.NoFocus)
                badge = label("badge")
                badge.setText("✓ " + self.core.tr("form.from_card"))
                self.grid.addWidget(badge, row + 1, 1)
            self.grid.addWidget(edit, row + 1, 0)
            message = label("errorText")
            message.hide()
            self.grid.addWidget(message, row + 2, 0, 1, 2)
            self.edits[field.key] = edit
            self.messages[field.key] = message
            row += 3
        self.grid.setColumnStretch(0, 3)
        self.grid.setColumnStretch(1, 1)
        self.grid.setRowStretch(row, 1)

    def refresh(self) -> None:
        if self.core.step is Step.FILL_FORM:
            answers = {k: e.text() for k, e in self.edits.items()}
            self.build()
            for key, value in answers.items():
                self.edits[key].setText(value)

    def submit(self) -> None:
        answers = {key: edit.text() for key, edit in self.edits.items()}
        self.core.complete_form(answers)

    def show_errors(self, errors: dict[str, str]) -> None:
        procedure = self.core.procedure
        if procedure is None:
            return
        lang = self.core.tr.language
        clear_layout(self.summary_items)
        for field in procedure.fields:
            edit = self.edits.get(field.key)
            message = self.messages.get(field.key)
            if edit is None or message is None:
                continue
            key = errors.get(field.key)
            edit.setProperty("invalid", bool(key))
            edit.style().unpolish(edit)
            edit.style().polish(edit)
            message.setVisible(bool(key))  # type: ignore[attr-defined]
            if key:
                text = self.core.tr(key, field=field.label(lang))
                message.setText(text)  # type: ignore[attr-defined]
                link = button("link")
                link.setText(text)
                link.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the field gets the focus, not it
                link.clicked.connect(lambda _=False, e=edit: self.focus_field(e))
                self.summary_items.addWidget(link)
        if errors:
            self.summary_title.setText(self.core.tr("form.error_summary"))
            self.summary.show()
            self.title.setText(self.core.tr("form.error_prefix") + procedure.name(lang))
            first = next(f.key for f in procedure.fields if f.key in errors)
            self.scroller.ensureWidgetVisible(self.summary)
            self.edits[first].setFocus()
        else:
            self.summary.hide()

    def focus_field(self, edit: QLineEdit) -> None:
        self.scroller.ensureWidgetVisible(edit, 50, 120)
        edit.setFocus()

    def reset(self) -> None:
        clear_layout(self.summary_items)
        clear_layout(self.grid)
        self.edits.clear()
        self.messages.clear()
        self.title.setText("")
        super().reset()


class CheckAnswersScreen(Screen):
    step = Step.CHECK_ANSWERS

    def __init__(self, core: KioskCore) -> None:
        super().__init__(core)
        self.bind(self.title.setText, "check.title")
        self.bind(self.subtitle.setText, "check.subtitle")
        self.error = label("errorText")
        self.body.addWidget(self.error)
        inner = QWidget()
        self.rows = QVBoxLayout(inner)
        self.rows.setSpacing(8)
        self.body.addWidget(scroll_area(inner), 1)
        self.add_back()
        self.add_cancel()
        self.add_stretch()
        send = button("send", primary=True)
        self.bind(send.setText, "check.send")
        send.clicked.connect(self.core.confirm_answers)
        self.nav.addWidget(send)

    def refresh(self) -> None:
        clear_layout(self.rows)
        key = self.core.session.error_key
        self.error.setText(self.core.tr(key) if key else "")
        self.error.setVisible(bool(key))
        procedure = self.core.procedure
        if procedure is None:
            return
        lang = self.core.tr.language
        for field in procedure.fields:
            frame = QFrame()
            frame.setObjectName("answerRow")
            row = QHBoxLayout(frame)
            name = label()
            name.setText(field.label(lang))
            value = label()
            value.setText(self.core.answer(field))
            value.setStyleSheet("font-weight: 600;")
            row.addWidget(name, 2)
            row.addWidget(value, 3)
            if field.from_card:
                badge = label("badge")
                badge.setText(self.core.tr("form.from_card"))
                row.addWidget(badge, 1)
            else:
                change = button("link")
                change.setProperty("tour", f"change_{field.key}")
                change.setText(self.core.tr("check.change"))
                change.clicked.connect(lambda _=False, k=field.key: self.core.request_change(k))
                row.addWidget(change, 1)
            self.rows.addWidget(frame)
        self.rows.addStretch(1)

    def reset(self) -> None:
        clear_layout(self.rows)
        super().reset()


class SubmittingScreen(Screen):
    step = Step.SUBMITTING

    def __init__(self, core: KioskCore) -> None:
        super().__init__(core)
        self.bind(self.title.setText, "submitting.title")
        self.bind(self.subtitle.setText, "submitting.subtitle")
        self.body.addStretch(1)


class ReceiptScreen(Screen):
    step = Step.RECEIPT

    def __init__(self, core: KioskCore) -> None:
        super().__init__(core)
        self.bind(self.title.setText, "receipt_screen.title")
        ticket = QFrame()
        ticket.setObjectName("ticket")
        inner = QVBoxLayout(ticket)
        inner.setContentsMargins(32, 24, 32, 24)
        self.code_caption = label("hint")
        self.bind(self.code_caption.setText, "receipt_screen.code_caption")
        self.code = label("bigNumber")
        self.code.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.procedure = label()
        self.appointment = label()
        self.printer = label("hint")
        for widget in (
            self.code_caption,
            self.code,
            self.procedure,
            self.appointment,
            self.printer,
        ):
            inner.addWidget(widget)
        self.body.addWidget(ticket)
        self.body.addStretch(1)
        self.add_stretch()
        go = button("receipt_continue", primary=True)
        self.bind(go.setText, "nav.continue")
        go.clicked.connect(self.core.receipt_done)
        self.nav.addWidget(go)
        core.receipt_printed.connect(lambda _key: self.refresh())

    def refresh(self) -> None:
        session = self.core.session
        self.code.setText(session.dossier_code or "")
        procedure = self.core.procedure
        lang = self.core.tr.language
        self.procedure.setText(procedure.name(lang) if procedure else "")
        if session.appointment:
            self.appointment.setText(
                self.core.tr("receipt_screen.appointment", date=f"{session.appointment:%d/%m/%Y}")
            )
        key = self.core.print_error_key
        self.printer.setText(
            self.core.tr(key) + " " + self.core.tr("receipt_screen.note_code")
            if key
            else self.core.tr("receipt_screen.printing")
        )
        self.printer.setObjectName("errorText" if key else "hint")
        self.printer.style().unpolish(self.printer)
        self.printer.style().polish(self.printer)
        self.subtitle.setText(self.core.tr("receipt_screen.subtitle"))

    def reset(self) -> None:
        for widget in (self.code, self.procedure, self.appointment, self.printer):
            widget.setText("")
        super().reset()
