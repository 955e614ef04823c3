"""Requirements, the one-question-per-page form, and the check-answers page.

Thin views over :class:`kiosk.forms.engine.FormSession` (``core.forms.form``): the page to
show, its problems, the rows to check all come from there.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kiosk.core import KioskCore
from kiosk.forms.engine import (
    PageKind,
    condition_text,
    money_text,
    requirements,
    time_text,
)
from kiosk.runtime.flow import Step, Transition, Trigger
from ui.screens.base import Screen, button, clear_layout, label

TEXT_INPUTS = {"text": "text", "phone": "numeric", "number": "numeric", "id_number": "numeric"}
"""Page input kind → on-screen keyboard mode (``date`` has its own)."""


def section(title: str) -> QLabel:
    heading = label("sectionTitle")
    heading.setText(title)
    heading.setStyleSheet("font-weight: 700; margin-top: 8px;")
    return heading


def info_row(text: str, note: str = "", *, name: str = "answerRow") -> QFrame:
    frame = QFrame()
    frame.setObjectName(name)
    column = QVBoxLayout(frame)
    column.setContentsMargins(16, 10, 16, 10)
    main = label()
    main.setText(text)
    column.addWidget(main)
    if note:
        hint = label("hint")
        hint.setText(note)
        column.addWidget(hint)
    return frame


class RequirementsScreen(Screen):
    """Before the form: what the card fills in, papers no longer needed and why, fee, time."""

    step = Step.REQUIREMENTS

    def __init__(self, core: KioskCore) -> None:
        super().__init__(core)
        self.forms = core.forms
        self.service = core.service
        self.bind(self.subtitle.setText, "req.subtitle")
        self.facts = QVBoxLayout()
        self.facts.setSpacing(8)
        self.body.addLayout(self.facts)
        self.body.addStretch(1)
        self.add_back()
        self.add_cancel()
        self.add_stretch()
        start = button("req_start", primary=True)
        self.bind(start.setText, "req.start")
        start.clicked.connect(self.forms.start)
        self.nav.addWidget(start)

    def refresh(self) -> None:
        clear_layout(self.facts)
        procedure = self.service.procedure
        if procedure is None:
            return
        tr, lang = self.core.tr, self.core.tr.language
        self.title.setText(procedure.name(lang))
        needs = requirements(procedure)
        summary = [tr("req.fee", fee=procedure.fee(lang))]
        summary.append(tr("procedure.time", time=time_text(procedure.processing_time, tr)))
        if procedure.agency is not None:
            summary.append(tr("req.agency", agency=procedure.agency.name(lang)))
        if procedure.result is not None:
            summary.append(tr("req.collect", place=procedure.result.collect_at(lang)))
        self.facts.addWidget(info_row("\n".join(summary), name="notice"))

        if needs.from_card:
            self.facts.addWidget(section("✓ " + tr("req.from_card")))
            names = ", ".join(f.label(lang) for f in needs.from_card)
            self.facts.addWidget(info_row(names))
        if needs.replaced:
            self.facts.addWidget(section("✓ " + tr("req.replaced")))
            for document in needs.replaced:
                notes = []
                if document.replaced_by:
                    source = self.core.catalogue.data_source(document.replaced_by)
                    notes.append(tr("req.replaced_by", source=source.name(lang)))
                condition = condition_text(procedure, document, lang)
                if condition:
                    notes.append(tr("req.only_if", condition=condition))
                self.facts.addWidget(info_row(document.name(lang), "\n".join(notes)))
        self.facts.addWidget(section("• " + tr("req.still_needed")))
        if needs.still_needed:
            for document in needs.still_needed:
                condition = condition_text(procedure, document, lang)
                note = tr("req.only_if", condition=condition) if condition else ""
                self.facts.addWidget(info_row(document.name(lang), note))
        else:
            self.facts.addWidget(info_row(tr("req.none_needed")))

    def reset(self) -> None:
        clear_layout(self.facts)
        self.title.setText("")
        super().reset()


class FormScreen(Screen):
    """One page of the form: a question, its input, its problems; Back and Continue."""

    step = Step.FILL_FORM

    def __init__(self, core: KioskCore) -> None:
        super().__init__(core)
        self.forms = core.forms
        self.summary = QFrame()
        self.summary.setObjectName("errorSummary")
        summary_layout = QVBoxLayout(self.summary)
        self.summary_title = label()
        summary_layout.addWidget(self.summary_title)
        self.summary_items = QVBoxLayout()
        summary_layout.addLayout(self.summary_items)
        self.summary.hide()
        self.body.addWidget(self.summary)
        self.hint = label("hint")
        self.body.addWidget(self.hint)
        self.area = QVBoxLayout()
        self.area.setSpacing(10)
        self.body.addLayout(self.area)
        self.body.addStretch(1)
        back = button("back")
        self.bind(back.setText, "nav.back")
        back.clicked.connect(self.forms.back)
        self.nav.addWidget(back)
        self.add_cancel()
        self.add_stretch()
        go = button("form_continue", primary=True)
        self.bind(go.setText, "nav.continue")
        go.clicked.connect(self.submit)
        self.nav.addWidget(go)
        # What the current page's inputs are, for reading them and pointing at problems.
        self.edits: dict[str, QLineEdit] = {}
        self.messages: dict[str, QLabel] = {}
        self.choices: dict[str, QPushButton] = {}
        self.lists: dict[str, QListWidget] = {}
        self.address: dict[str, str] = {}
        self.address_detail = ""
        self.forms.errors.connect(self.show_errors)
        self.forms.page_changed.connect(self.build)

    def on_enter(self, transition: Transition) -> None:
        self.build()

    def refresh(self) -> None:
        if self.core.step is Step.FILL_FORM:
            self.build()

    # Building a page -------------------------------------------------------------
    def build(self) -> None:
        form = self.forms.form
        self._clear_page()
        if form is None or (page := form.page) is None:
            return
        tr, lang = self.core.tr, self.core.tr.language
        number, total = form.progress()
        self.subtitle.setText(
            f"{tr('form.progress', n=number, total=total)} · {form.procedure.name(lang)}"
        )
        optional = "" if page.required or page.kind is PageKind.CARD else " " + tr("form.optional")
        if page.kind is PageKind.CARD:
            self.title.setText(tr("form.card_page.title"))
            self.hint.setText(tr("form.card_page.hint"))
            self._card_page()
        else:
            self.title.setText(page.label(lang) + optional)
            hint = page.hint(lang) if page.hint else ""
            if page.input == "date":
                hint = (hint + "\n" if hint else "") + tr("form.date_hint")
            self.hint.setText(hint)
            if page.input in ("choice", "yes_no"):
                self._choice_page(page.key, page.choices, form.value(page.key))
            elif page.input == "address":
                self._address_page(page.key)
            else:
                self._text_page(page.key, page.input, form.value(page.key), page.label(lang))
        self.hint.setVisible(bool(self.hint.text()))
        if form.errors:
            self.show_errors(form.errors)
        else:
            QTimer.singleShot(0, self._focus_first)

    def _clear_page(self) -> None:
        clear_layout(self.area)
        clear_layout(self.summary_items)
        self.summary.hide()
        self.edits.clear()
        self.messages.clear()
        self.choices.clear()
        self.lists.clear()
        self.address.clear()
        self.address_detail = ""
        self.hint.setText("")

    def _message(self, key: str) -> QLabel:
        message = label("errorText")
        message.hide()
        self.messages[key] = message
        self.area.addWidget(message)
        return message

    def _card_page(self) -> None:
        form = self.forms.form
        assert form is not None
        lang = self.core.tr.language
        for form_field in form.card_fields():
            frame = QFrame()
            frame.setObjectName("answerRow")
            row = QHBoxLayout(frame)
            name = label()
            name.setText(form_field.label(lang))
            value = label()
            value.setObjectName(f"card_{form_field.key}")
            value.setText(form.card_value(form_field))
            value.setStyleSheet("font-weight: 600;")
            badge = label("badge")
            badge.setText("✓ " + self.core.tr("form.from_card"))
            row.addWidget(name, 2)
            row.addWidget(value, 3)
            row.addWidget(badge, 2)
            self.area.addWidget(frame)

    def _text_page(self, key: str, kind: str, value: str, caption: str) -> None:
        self._message(key)
        edit = QLineEdit()
        edit.setObjectName(f"field_{key}")
        edit.setAccessibleName(caption)
        edit.setText(value)
        edit.setMinimumHeight(64)
        edit.setMaxLength({"phone": 13, "id_number": 14, "date": 10}.get(kind, 120))
        edit.setProperty("keyboard", "date" if kind == "date" else TEXT_INPUTS.get(kind, "text"))
        if kind == "date":
            edit.setPlaceholderText("dd/mm/yyyy")
        edit.returnPressed.connect(self.submit)
        self.edits[key] = edit
        self.area.addWidget(edit)

    def _choice_page(self, key: str, choices: tuple, current: str) -> None:
        self._message(key)
        lang = self.core.tr.language
        for value, caption in choices:
            choice = button(f"choice_{key}_{value}")
            choice.setCheckable(True)
            choice.setAutoExclusive(True)
            choice.setText(caption(lang))
            choice.setMinimumHeight(72)
            choice.setChecked(value == current)
            choice.setStyleSheet("text-align: left; padding: 12px 24px;")
            self.choices[value] = choice
            self.area.addWidget(choice)

    def _address_page(self, key: str) -> None:
        """Province, then commune or ward, then house and street: one choice at a time."""
        form = self.forms.form
        assert form is not None and form.units is not None
        picked = form.addresses.get(key)
        if picked is not None and not self.address:
            self.address = {"province": picked.province_code, "commune": picked.commune_code}
            self.address_detail = picked.detail
        self._address_parts(key)

    def _address_parts(self, key: str) -> None:
        form = self.forms.form
        assert form is not None and form.units is not None
        units, tr = form.units, self.core.tr
        for part, caption in (
            ("province", "form.address.province"),
            ("commune", "form.address.commune"),
        ):
            code = self.address.get(part)
            if code:
                name = (
                    units.province(code).full_name
                    if part == "province"
                    else units.commune(code).full_name
                )
                frame = QFrame()
                frame.setObjectName("answerRow")
                row = QHBoxLayout(frame)
                shown = label()
                shown.setText(f"{tr(caption)}: {name}")
                shown.setStyleSheet("font-weight: 600;")
                row.addWidget(shown, 1)
                again = button(f"rechoose_{key}_{part}")
                again.setText(tr("form.address.change"))
                again.clicked.connect(lambda _=False, k=key, p=part: self._rechoose(k, p))
                row.addWidget(again)
                self.area.addWidget(frame)
                continue
            self.area.addWidget(section(tr(caption)))
            self._message(f"{key}.{part}")
            search = QLineEdit()
            search.setObjectName(f"filter_{key}_{part}")
            search.setPlaceholderText(tr("form.address.filter"))
            search.setMinimumHeight(64)
            self.edits[f"{key}.{part}.filter"] = search
            self.area.addWidget(search)
            items = QListWidget()
            items.setObjectName(f"list_{key}_{part}")
            items.setMinimumHeight(300)
            items.setStyleSheet("QListWidget::item { min-height: 56px; padding-left: 12px; }")
            self.lists[f"{key}.{part}"] = items
            self.area.addWidget(items)
            search.textChanged.connect(lambda _t, k=key, p=part: self._fill_list(k, p))
            # A touch (or Enter) picks; merely moving the current item does not.
            items.itemClicked.connect(lambda item, k=key, p=part: self._picked(k, p, item))
            items.itemActivated.connect(lambda item, k=key, p=part: self._picked(k, p, item))
            self._fill_list(key, part)
            return  # one choice at a time
        self.area.addWidget(section(tr("form.address.detail")))
        self._message(f"{key}.detail")
        detail = QLineEdit()
        detail.setObjectName(f"field_{key}_detail")
        detail.setAccessibleName(tr("form.address.detail"))
        detail.setMinimumHeight(64)
        detail.setMaxLength(120)
        detail.setText(self.address_detail)
        detail.textChanged.connect(lambda text: setattr(self, "address_detail", text))
        detail.returnPressed.connect(self.submit)
        self.edits[f"{key}.detail"] = detail
        self.area.addWidget(detail)

    def _fill_list(self, key: str, part: str) -> None:
        form = self.forms.form
        items = self.lists.get(f"{key}.{part}")
        search = self.edits.get(f"{key}.{part}.filter")
        if form is None or form.units is None or items is None or search is None:
            return
        units, text = form.units, search.text()
        if part == "province":
            found = units.find_provinces(text) if text.strip() else list(units.provinces)
            entries = [(p.code, p.full_name) for p in found]
        else:
            province = self.address.get("province", "")
            communes = (
                units.find_communes(province, text)
                if text.strip()
                else list(units.communes_of(province))
            )
            entries = [(c.code, c.full_name) for c in communes]
        items.blockSignals(True)
        items.clear()
        for code, name in entries:
            item = QListWidgetItem(name)
            item.setData(Qt.ItemDataRole.UserRole, code)
            items.addItem(item)
        items.blockSignals(False)

    def _picked(self, key: str, part: str, item: QListWidgetItem | None) -> None:
        if item is None:
            return
        self.address[part] = item.data(Qt.ItemDataRole.UserRole)
        # Not inside the list's own signal: the list is replaced by the next step.
        QTimer.singleShot(0, lambda: self._rebuild_address(key))

    def _rechoose(self, key: str, part: str) -> None:
        self.address.pop("commune", None)
        if part == "province":
            self.address.pop("province", None)
        self._rebuild_address(key)

    def _rebuild_address(self, key: str) -> None:
        form = self.forms.form
        if form is None or form.page_key != key:
            return
        clear_layout(self.area)
        self.edits.clear()
        self.messages.clear()
        self.lists.clear()
        self._address_parts(key)
        QTimer.singleShot(0, self._focus_first)

    # Answering -------------------------------------------------------------------
    def value(self) -> str | dict[str, str]:
        form = self.forms.form
        page = form.page if form else None
        if page is None or page.kind is PageKind.CARD:
            return ""
        if page.input in ("choice", "yes_no"):
            return next((v for v, b in self.choices.items() if b.isChecked()), "")
        if page.input == "address":
            return {
                "province": self.address.get("province", ""),
                "commune": self.address.get("commune", ""),
                "detail": self.address_detail,
            }
        edit = self.edits.get(page.key)
        return edit.text() if edit else ""

    def submit(self) -> None:
        self.forms.answer_page(self.value())

    def show_errors(self, errors: dict[str, str]) -> None:
        form = self.forms.form
        page = form.page if form else None
        if form is None or page is None:
            return
        tr, lang = self.core.tr, self.core.tr.language
        clear_layout(self.summary_items)
        for key, message in self.messages.items():
            problem = errors.get(key)
            message.setVisible(bool(problem))
            message.setText(tr(problem, field=page.label(lang)) if problem else "")
        for key, edit in self.edits.items():
            invalid = key in errors or key.removesuffix(".filter") in errors
            edit.setProperty("invalid", invalid)
            edit.style().unpolish(edit)
            edit.style().polish(edit)
        for key, problem in errors.items():
            link = button("link")
            link.setText(tr(problem, field=page.label(lang)))
            link.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the input gets the focus, not it
            link.clicked.connect(lambda _=False, k=key: self.focus_input(k))
            self.summary_items.addWidget(link)
        if errors:
            self.summary_title.setText(tr("form.error_summary"))
            self.summary.show()
            self.title.setText(tr("form.error_prefix") + page.label(lang))
            self.scroll_area.ensureWidgetVisible(self.summary)
            self.focus_input(next(iter(errors)))
        else:
            self.summary.hide()

    def focus_input(self, key: str) -> None:
        widget: QWidget | None = (
            self.edits.get(key)
            or self.edits.get(f"{key}.filter")
            or self.lists.get(key)
            or next(iter(self.choices.values()), None)
        )
        if widget is not None:
            self.scroll_area.ensureWidgetVisible(widget, 50, 120)
            widget.setFocus()

    def _focus_first(self) -> None:
        if self.edits:
            next(iter(self.edits.values())).setFocus()

    def reset(self) -> None:
        self._clear_page()
        self.title.setText("")
        self.subtitle.setText("")
        super().reset()


class CheckAnswersScreen(Screen):
    """Every answer with a Change link; card answers marked; papers; fee; then send."""

    step = Step.CHECK_ANSWERS

    def __init__(self, core: KioskCore) -> None:
        super().__init__(core)
        self.forms = core.forms
        self.papers = core.papers
        self.bind(self.title.setText, "check.title")
        self.bind(self.subtitle.setText, "check.subtitle")
        self.error = label("errorText")
        self.body.addWidget(self.error)
        self.rows = QVBoxLayout()
        self.rows.setSpacing(8)
        self.body.addLayout(self.rows)
        self.body.addStretch(1)
        self.add_back()
        self.add_cancel()
        self.add_stretch()
        send = button("send", primary=True)
        self.bind(send.setText, "check.send")
        send.clicked.connect(self.forms.confirm_answers)
        self.nav.addWidget(send)

    def _row(self, caption: str, value: str, *, badge: str = "", change: str = "") -> QFrame:
        frame = QFrame()
        frame.setObjectName("answerRow")
        row = QHBoxLayout(frame)
        name = label()
        name.setText(caption)
        shown = label()
        shown.setText(value)
        shown.setStyleSheet("font-weight: 600;")
        row.addWidget(name, 2)
        row.addWidget(shown, 3)
        if badge:
            mark = label("badge")
            mark.setText(badge)
            row.addWidget(mark, 1)
        if change:
            link = button("link")
            link.setProperty("tour", f"change_{change}")
            link.setText(self.core.tr("check.change"))
            row.addWidget(link, 1)
            if change == "papers":
                link.clicked.connect(lambda: self.core.fire(Trigger.PAPERS_NEEDED))
            else:
                link.clicked.connect(lambda _=False, k=change: self.forms.request_change(k))
        return frame

    def refresh(self) -> None:
        clear_layout(self.rows)
        tr, lang = self.core.tr, self.core.tr.language
        key = self.core.session.error_key
        self.error.setText(tr(key) if key else "")
        self.error.setVisible(bool(key))
        form = self.forms.form
        if form is None:
            return
        rows = form.rows(lang)
        groups = (
            ("check.group.questions", [r for r in rows if r.kind is PageKind.QUESTION]),
            ("check.group.card", [r for r in rows if r.from_card]),
            ("check.group.form", [r for r in rows if r.kind is PageKind.FIELD]),
        )
        for title, members in groups:
            if not members:
                continue
            self.rows.addWidget(section(tr(title)))
            for row in members:
                if row.from_card:
                    widget = self._row(row.label(lang), row.value, badge=tr("form.from_card"))
                else:
                    widget = self._row(row.label(lang), row.value or "—", change=row.key)
                self.rows.addWidget(widget)
        papers = self.papers.needed()
        if papers:
            self.rows.addWidget(section(tr("check.group.papers")))
            for document in papers:
                attached = self.core.session.papers.get(document.key) is not None
                status = tr("check.paper_attached" if attached else "check.paper_at_counter")
                self.rows.addWidget(self._row(document.name(lang), status, change="papers"))
        amount, fee_label = form.fee()
        fee = money_text(amount, tr)
        if fee_label is not None:
            fee = fee_label(lang) + (f" ({fee})" if amount else "")
        self.rows.addWidget(info_row(tr("check.fee", fee=fee), name="notice"))

    def reset(self) -> None:
        clear_layout(self.rows)
        super().reset()
