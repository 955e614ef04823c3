"""Before the form: what the card filled in (confirmed here, once), papers, fee and time.

A thin view over the chosen procedure (``core.service``) and its form (``core.forms``).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QVBoxLayout

from kiosk.calendar import appointment_date
from kiosk.catalogue.model import Document
from kiosk.core import KioskCore
from kiosk.forms.engine import condition_text, requirements, time_text
from kiosk.runtime.flow import Step
from ui.screens.base import Screen, button, clear_layout, label


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


def card_values(values: list[tuple[str, str, str]]) -> QFrame:
    """What the chip filled in, two to a row: each caption above its value (object name)."""
    frame = QFrame()
    frame.setObjectName("answerRow")
    grid = QGridLayout(frame)
    grid.setContentsMargins(16, 10, 16, 10)
    grid.setHorizontalSpacing(24)
    for column in range(2):
        grid.setColumnStretch(column, 1)
    for i, (caption, value, name) in enumerate(values):
        cell = QVBoxLayout()
        cell.setSpacing(0)
        shown = label("hint")
        shown.setText(caption)
        data = label()
        data.setObjectName(name)
        data.setText(value)
        data.setStyleSheet("font-weight: 600;")
        cell.addWidget(shown)
        cell.addWidget(data)
        grid.addLayout(cell, i // 2, i % 2, Qt.AlignmentFlag.AlignTop)
    return frame


def key_papers(still_needed: list[Document], tr: Callable[..., str]) -> str:
    """How many papers the citizen must still bring, and how many only in some cases."""
    maybe = sum(1 for document in still_needed if document.when)
    sure = len(still_needed) - maybe
    if sure and maybe:
        return tr("req.key_papers_both", count=sure, maybe=maybe)
    if sure:
        return tr("req.key_papers", count=sure)
    if maybe:
        return tr("req.key_papers_maybe", count=maybe)
    return tr("req.none_needed")


class RequirementsScreen(Screen):
    """Before the form: what the card fills in (the values, confirmed here once), papers no
    longer needed and why, fee, time."""

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
        self.bind(start.setText, "req.confirm")
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
        due = appointment_date(self.core.config, procedure.processing_time, self.core.now())
        # First, before the card's values that the main button confirms: what the citizen
        # must know before going on (the fee, the date, papers still to bring); the details
        # follow further down.
        papers = key_papers(needs.still_needed, tr)
        key_facts = [
            tr("req.fee", fee=procedure.fee(lang)),
            tr("requirements.appointment", date=f"{due:%d/%m/%Y}"),
            papers,
        ]
        self.key_facts = info_row("\n".join(key_facts), name="notice")
        self.key_facts.setProperty("tour", "req_key_facts")
        self.facts.addWidget(self.key_facts)
        form = self.forms.form
        if form is not None and form.card_fields():
            # The values themselves, first: the citizen checks them here, once, and the
            # button under them says they are right.
            self.facts.addWidget(section("✓ " + tr("req.from_card")))
            hint = label("hint")
            hint.setText(tr("form.card_page.hint"))
            self.facts.addWidget(hint)
            values = [
                (f.label(lang), form.card_value(f), f"card_{f.key}") for f in form.card_fields()
            ]
            self.facts.addWidget(card_values(values))
        elif needs.from_card:
            self.facts.addWidget(section("✓ " + tr("req.from_card")))
            names = ", ".join(f.label(lang) for f in needs.from_card)
            self.facts.addWidget(info_row(names))
        summary = [tr("req.fee", fee=procedure.fee(lang))]
        summary.append(tr("procedure.time", time=time_text(procedure.processing_time, tr)))
        # The date the receipt will print (the same working-day count, holidays included).
        summary.append(tr("requirements.appointment", date=f"{due:%d/%m/%Y}"))
        if procedure.agency is not None:
            summary.append(tr("req.agency", agency=procedure.agency.name(lang)))
        if procedure.result is not None:
            summary.append(tr("req.collect", place=procedure.result.collect_at(lang)))
        self.facts.addWidget(section("• " + tr("req.about")))
        self.facts.addWidget(info_row("\n".join(summary), name="notice"))
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
