"""The one-question-per-page form and the check-answers page (requirements: requirements.py).

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

from kiosk.catalogue.model import FormField
from kiosk.core import KioskCore
from kiosk.forms.answers import validate_answer
from kiosk.forms.engine import AddressOffer, PageKind, money_text
from kiosk.runtime.flow import Step, Transition, Trigger
from ui.screens.base import ChoiceButton, Screen, button, clear_layout, label
from ui.screens.requirements import RequirementsScreen, info_row, section

__all__ = ["CheckAnswersScreen", "FormScreen", "RequirementsScreen"]

TEXT_INPUTS = {"text": "text", "phone": "numeric", "number": "numeric", "id_number": "numeric"}
"""Page input kind → on-screen keyboard mode (``date`` has its own)."""


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
        # Above the question, outside the part that scrolls: the question stays as it was,
        # and the summary is never scrolled away or clipped (nor hidden by the keyboard).
        self._outer.insertWidget(0, self.summary)
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
        self.go = go  # hidden on a choice page: the choice itself moves on
        self._choosing: str | None = None  # a choice touched, its page about to be left
        self._offered = False  # an address page offers addresses the kiosk already has
        # What the current page's inputs are, for reading them and pointing at problems.
        self.edits: dict[str, QLineEdit] = {}
        self.messages: dict[str, QLabel] = {}
        self.choices: dict[str, QPushButton] = {}
        self.lists: dict[str, QListWidget] = {}
        self.address: dict[str, str] = {}
        self.address_detail = ""
        self._page_title = ""  # the question, without the "Lỗi:" of a page with problems
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
        optional = "" if page.required else " " + tr("form.optional")
        self._page_title = page.label(lang) + optional
        self.title.setText(self._page_title)
        hint = page.hint(lang) if page.hint else ""
        if page.input == "date":
            hint = (hint + "\n" if hint else "") + tr("form.date_hint")
        self.hint.setText(hint)
        self._choosing = None
        self.go.setVisible(page.input not in ("choice", "yes_no"))
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
        self._offered = False
        self.hint.setText("")

    def _message(self, key: str) -> QLabel:
        message = label("errorText")
        message.hide()
        self.messages[key] = message
        self.area.addWidget(message)
        return message

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
            edit.setPlaceholderText(self.core.tr("form.date_placeholder"))
        edit.returnPressed.connect(self.submit)
        edit.textChanged.connect(lambda text, k=key: self._recheck(k, text))
        self.edits[key] = edit
        self.area.addWidget(edit)

    def _choice_page(self, key: str, choices: tuple, current: str) -> None:
        self._message(key)
        lang = self.core.tr.language
        for value, caption in choices:
            choice = ChoiceButton(f"choice_{key}_{value}", exclusive=True)
            choice.setAutoExclusive(True)
            choice.setText(caption(lang))
            choice.setMinimumHeight(72)
            choice.setChecked(value == current)
            choice.setStyleSheet("text-align: left; padding: 12px 24px;")
            choice.clicked.connect(lambda _=False, k=key, v=value: self._chosen(k, v))
            self.choices[value] = choice
            self.area.addWidget(choice)

    CHOICE_PAUSE_MS = 150  # the touched answer is seen marked before the next page

    def _chosen(self, key: str, value: str) -> None:
        """One touch on an answer answers the page (Back is there to go back to it)."""
        if self._choosing is not None:
            return  # a second touch while the first one moves on
        self._choosing = key

        def answer() -> None:
            form = self.forms.form
            if self._choosing == key and form is not None and form.page_key == key:
                self.forms.answer_page(value)

        QTimer.singleShot(self.CHOICE_PAUSE_MS, answer)

    def _address_page(self, key: str) -> None:
        """Province, then commune or ward, then house and street: one choice at a time."""
        form = self.forms.form
        assert form is not None and form.units is not None
        picked = form.addresses.get(key)
        if picked is not None and not self.address:
            self.address = {"province": picked.province_code, "commune": picked.commune_code}
            self.address_detail = picked.detail
        elif picked is None:
            self._address_offers(key)
        self._address_parts(key)

    def _address_offers(self, key: str) -> None:
        """The addresses the kiosk already has: one touch answers the page."""
        form = self.forms.form
        assert form is not None
        tr, lang = self.core.tr, self.core.tr.language
        offers = form.address_offers(key)
        # The keyboard waits for a touch on the search: it would cover these answers.
        self._offered = bool(offers)
        for offer in offers:
            what = (
                tr("form.address.same_as_card")
                if offer.label is None
                else tr("form.address.same_as", what=offer.label(lang))
            )
            choice = button(f"same_{key}_{offer.source}")
            choice.setText(f"{what}\n{offer.text}")
            choice.setMinimumHeight(96)
            choice.setStyleSheet("text-align: left; padding: 12px 24px;")
            choice.clicked.connect(lambda _=False, k=key, o=offer: self._same_as(k, o))
            self.area.addWidget(choice)
        if offers:
            self.area.addWidget(section(tr("form.address.other")))

    def _same_as(self, key: str, offer: AddressOffer) -> None:
        self._offered = False
        known = offer.address
        if known.complete:
            parts = {"province": known.province_code, "commune": known.commune_code}
            self.forms.answer_page({**parts, "detail": known.detail})
            return
        # Only the province is known (an address from before July 2025): pick the rest.
        self.address = {"province": known.province_code}
        if known.commune_code:
            self.address["commune"] = known.commune_code
        self.address_detail = known.detail
        self._rebuild_address(key)

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
            items.setAccessibleName(tr(caption))
            items.setMinimumHeight(300)
            items.setStyleSheet("QListWidget::item { min-height: 56px; padding-left: 12px; }")
            search.setProperty("controls", items)  # the keyboard never hides the list
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
        detail.textChanged.connect(lambda text, k=f"{key}.detail": self._recheck(k, text))
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
        form = self.forms.form
        if form is not None and form.errors.pop(f"{key}.{part}", None):  # put right
            QTimer.singleShot(0, lambda: self.show_errors(dict(form.errors), refocus=False))
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
        self._offered = False  # a part was picked: the offers are gone
        self._address_parts(key)
        QTimer.singleShot(0, self._focus_first)

    # Answering -------------------------------------------------------------------
    def value(self) -> str | dict[str, str]:
        form = self.forms.form
        page = form.page if form else None
        if page is None:
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

    def _recheck(self, key: str, text: str) -> None:
        """A field with a problem being corrected: once the problem is gone, its message and
        its line in the summary go at once, not at the next Continue (a new problem, say a
        date half typed, waits for Continue)."""
        form = self.forms.form
        page = form.page if form else None
        if form is None or page is None or key not in form.errors:
            return
        text = " ".join(text.split())
        if form.errors[key] in ("form.error.required", "form.error.address_detail"):
            fixed = bool(text)
        elif key != page.key:
            return
        else:
            probe = FormField(page.key, page.label, kind=page.input, options=page.options)
            fixed = bool(text) and validate_answer(probe, text, self.core.now().date()) is None
        if fixed:
            del form.errors[key]
            self.show_errors(dict(form.errors), refocus=False)

    def show_errors(self, errors: dict[str, str], *, refocus: bool = True) -> None:
        form = self.forms.form
        page = form.page if form else None
        if form is None or page is None:
            return
        tr, lang = self.core.tr, self.core.tr.language
        clear_layout(self.summary_items)
        for key, message in self.messages.items():
            problem = errors.get(key)
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
        # The page title says there is a problem (read first by a screen reader).
        title = self._page_title
        self.title.setText(tr("form.error_title", title=title) if errors else title)
        if errors:
            self.summary_title.setText(tr("form.error_summary"))
            self.summary.show()
            self._show_messages()
            if refocus:
                self.focus_input(next(iter(errors)))
        else:
            self.summary.hide()
            self._show_messages()

    def _show_messages(self) -> None:
        """Each problem beside its input too; but with the keyboard up the summary right
        above the question says it, and the input keeps the room."""
        for message in self.messages.values():
            message.setVisible(
                bool(message.text()) and not (self.compact and self.summary.isVisibleTo(self))
            )

    def set_compact(self, compact: bool) -> None:
        super().set_compact(compact)
        self._show_messages()

    def focus_input(self, key: str) -> None:
        widget: QWidget | None = (
            self.edits.get(key)
            or self.edits.get(f"{key}.filter")
            or self.lists.get(key)
            or next(iter(self.choices.values()), None)
        )
        if widget is not None:
            widget.setFocus()
            # Once laid out with its message: the input and what goes with it in sight.
            QTimer.singleShot(0, self, lambda: self.keep_in_view(widget))

    def companions(self, field: QWidget) -> list[QWidget]:
        """With a field: the error summary, its message, and the list it filters."""
        companions = super().companions(field)
        if self.summary.isVisible():
            companions.insert(0, self.summary)
        for key, edit in self.edits.items():
            if edit is field:
                message = self.messages.get(key.removesuffix(".filter"))
                if message is not None:
                    companions.append(message)
        return companions

    def _focus_first(self) -> None:
        if self.edits and not self._offered:
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

    def _row(
        self, caption: str, value: str, *, badge: str = "", change: str = "", note: str = ""
    ) -> QFrame:
        frame = QFrame()
        frame.setObjectName("answerRow")
        row = QHBoxLayout(frame)
        name = label()
        name.setText(caption)
        shown = label()
        shown.setText(value)
        shown.setStyleSheet("font-weight: 600;")
        row.addWidget(name, 2)
        if note:  # under the value: how the kiosk knew it
            cell = QVBoxLayout()
            cell.addWidget(shown)
            how = label("badge")
            how.setText(note)
            cell.addWidget(how)
            row.addLayout(cell, 3)
        else:
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
                    # A worked-out answer says so, and can be changed like any other.
                    source = row.derived_from(lang) if row.derived_from else ""
                    note = "✓ " + tr("check.derived", source=source) if source else ""
                    value = row.value or "—"
                    widget = self._row(row.label(lang), value, note=note, change=row.key)
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
