"""The attract screen, the goodbye screen and staff help."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QTimer
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel

from kiosk.core import KioskCore
from kiosk.runtime.flow import Step, Transition, Trigger
from kiosk.runtime.i18n import N_
from ui.screens.base import Screen, Tile, button, label

TILES: tuple[tuple[str, str, Trigger, bool], ...] = (
    ("tile_submit", N_("tile.submit"), Trigger.SUBMIT_CHOSEN, True),
    ("tile_lookup", N_("tile.lookup"), Trigger.LOOKUP_CHOSEN, False),
    ("tile_queue", N_("tile.queue"), Trigger.QUEUE_CHOSEN, False),
    ("tile_browse", N_("tile.browse"), Trigger.BROWSE_CHOSEN, False),
    ("tile_rating", N_("tile.rating"), Trigger.RATING_CHOSEN, False),
)

END_NOTICES = {
    "timed_out": N_("notice.timed_out"),
    "card_removed": N_("notice.card_removed"),
    "crashed": N_("notice.crashed"),
    "cancelled": N_("notice.cancelled"),
}


class AttractScreen(Screen):
    step = Step.ATTRACT

    def __init__(self, core: KioskCore) -> None:
        super().__init__(core)
        self.bind(self.title.setText, "attract.title")
        self.bind(self.subtitle.setText, "attract.subtitle")
        self.notice = label("notice")
        self.notice.hide()
        self.body.addWidget(self.notice)
        self.grid = QGridLayout()
        self.grid.setSpacing(20)
        self.tiles: list[Tile] = []
        for name, key, trigger, primary in TILES:
            tile = Tile(name, primary=primary)
            self.bind(tile.setText, key)
            tile.clicked.connect(lambda _=False, t=trigger: self.core.fire(t))
            self.tiles.append(tile)
        self._place_tiles()
        self.body.addLayout(self.grid, 1)
        self.card_hint = label("hint")
        self.bind(self.card_hint.setText, "attract.card_hint")
        # Under the page, never scrolled: with larger text and a notice the tiles scroll,
        # the line about the card stays whole (the start screen has no buttons down there).
        self.nav.addWidget(self.card_hint, 1)

    def _place_tiles(self) -> None:
        """Landscape: "Submit a dossier" tall on the left, the four others two by two.
        Portrait (an upright kiosk): one column, "Submit" first and twice as tall, every
        tile the full width a hand reaches across."""
        grid = self.grid
        for tile in self.tiles:
            grid.removeWidget(tile)
        for column in range(3):
            grid.setColumnStretch(column, 0)
        for row in range(6):
            grid.setRowStretch(row, 0)
        first, *others = self.tiles
        if self.portrait:
            grid.addWidget(first, 0, 0)
            grid.setRowStretch(0, 2)
            for row, tile in enumerate(others, start=1):
                grid.addWidget(tile, row, 0)
                grid.setRowStretch(row, 1)
            grid.setColumnStretch(0, 1)
        else:
            grid.addWidget(first, 0, 0, 2, 1)
            for i, tile in enumerate(others):
                grid.addWidget(tile, i // 2, 1 + i % 2)
            for column in range(3):
                grid.setColumnStretch(column, 1)
            grid.setRowStretch(0, 1)
            grid.setRowStretch(1, 1)

    def set_portrait(self, portrait: bool) -> None:
        super().set_portrait(portrait)
        self._place_tiles()
        self._refit()

    def refresh(self) -> None:
        key = END_NOTICES.get(self.core.last_end_reason or "")
        if key:
            self.notice.setText(self.core.tr(key))
            self.notice.show()
        else:
            self.notice.hide()
        self._refit()

    # Room: with larger text and a notice the tiles would scroll; the instruction over
    # them ("touch a tile") gives its room first, the tiles being their own instruction.
    def _refit(self) -> None:
        self.subtitle.show()
        QTimer.singleShot(0, self, self._fit)

    def _fit(self) -> None:
        for layout in (self.layout(), self.body):
            layout.activate()
        if self.scroll_area.verticalScrollBar().maximum() > 0:
            self.subtitle.hide()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._refit()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.StyleChange, QEvent.Type.FontChange):
            self._refit()


class GoodbyeScreen(Screen):
    step = Step.GOODBYE

    def __init__(self, core: KioskCore) -> None:
        super().__init__(core)
        self.bind(self.title.setText, "goodbye.title")
        self.bind(self.subtitle.setText, "goodbye.subtitle")
        reminder = label("notice")
        self.bind(reminder.setText, "goodbye.take_card")
        self.body.addWidget(reminder)
        self.body.addStretch(1)
        self.add_stretch()
        home = button("home", primary=True)
        self.bind(home.setText, "goodbye.home")
        home.clicked.connect(lambda: self.core.fire(Trigger.FINISHED))
        self.nav.addWidget(home)


class StaffHelpScreen(Screen):
    step = Step.STAFF_HELP

    def __init__(self, core: KioskCore) -> None:
        super().__init__(core)
        self.bind(self.title.setText, "staff.title")
        self.bind(self.subtitle.setText, "staff.subtitle")
        self.reason = label("errorText")
        self.body.addWidget(self.reason)
        row = QHBoxLayout()
        where = QLabel()
        where.setWordWrap(True)
        self.bind(where.setText, "staff.wait_here")
        row.addWidget(where)
        self.body.addLayout(row)
        self.body.addStretch(1)
        # "Quay lại" withdraws the call and goes back to the step in progress, nothing lost
        # (ending the session stays with that step's own "Hủy").
        back = button("back")
        self.bind(back.setText, "nav.back")
        back.clicked.connect(self.core.staff.withdraw)
        self.nav.addWidget(back)
        self.add_stretch()
        resume = button("resume", primary=True)
        self.bind(resume.setText, "staff.resume")
        resume.clicked.connect(lambda: self.core.fire(Trigger.STAFF_DONE))
        self.nav.addWidget(resume)

    def on_enter(self, transition: Transition) -> None:
        key = self.core.session.error_key if transition.source is not Step.ATTRACT else None
        self.reason.setText(self.core.tr(key) if key else "")
        self.reason.setVisible(bool(key))
