"""Papers still needed: photograph each with the kiosk's camera, or hand it in at the counter."""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QHBoxLayout, QVBoxLayout

from kiosk.core import KioskCore
from kiosk.flow import Step
from ui.screens.base import Screen, button, clear_layout, label


class PapersScreen(Screen):
    step = Step.CAPTURE_PAPERS

    def __init__(self, core: KioskCore) -> None:
        super().__init__(core)
        self.bind(self.title.setText, "papers.title")
        self.bind(self.subtitle.setText, "papers.subtitle")
        self.items = QVBoxLayout()
        self.items.setSpacing(10)
        self.body.addLayout(self.items)
        self.body.addStretch(1)
        self.add_back()
        self.add_cancel()
        self.add_stretch()
        go = button("papers_continue", primary=True)
        self.bind(go.setText, "nav.continue")
        go.clicked.connect(self.core.papers_done)
        self.nav.addWidget(go)

    def refresh(self) -> None:
        clear_layout(self.items)
        tr, lang = self.core.tr, self.core.tr.language
        papers = self.core.session.papers
        for document in self.core.papers_needed():
            frame = QFrame()
            frame.setObjectName("answerRow")
            row = QHBoxLayout(frame)
            name = label()
            name.setText(document.name(lang))
            row.addWidget(name, 3)
            status = label("badge")
            if document.key in papers:
                status.setText(
                    tr("papers.attached") if papers[document.key] else tr("papers.deferred")
                )
            row.addWidget(status, 2)
            counter = button(f"paper_counter_{document.key}")
            counter.setText(tr("papers.at_counter"))
            counter.clicked.connect(lambda _=False, k=document.key: self._at_counter(k))
            row.addWidget(counter)
            self.items.addWidget(frame)

    def _at_counter(self, key: str) -> None:
        self.core.paper_at_counter(key)
        self.refresh()

    def reset(self) -> None:
        clear_layout(self.items)
        super().reset()
