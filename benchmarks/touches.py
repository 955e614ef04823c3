"""Touches and keystrokes a citizen needs, per procedure, measured on the real screens.

The tour's automatic driver (:mod:`ui.automatic`) files one dossier per procedure with
sensible answers, the way a citizen would: the start tile, the card on the reader (its
QR code read by the camera), the procedure picked by its category, the card's values
confirmed, every question answered, a paper left for the counter, the answers sent.
An application-wide event filter counts what was touched:

- a key of the on-screen keyboard is a *keystroke*;
- any other button, list entry or field is a *navigation touch*, and so is a swipe to
  bring a button into view that was scrolled out of it;
- the demo panel stands in for the citizen's hands (the card placed, held under the
  camera, the face looked at): it counts for nothing.

It stops at the receipt: the dossier is filed.  The target (issue 18) is for the
interconnected birth group: at most 20 navigation touches, and keystrokes only for
what neither the card nor the state's data can know (the child's name).

    python -m benchmarks.touches          (every procedure; --quick: the birth group)
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parent.parent
NAV_TARGET = 20
BIRTH_GROUP = "LT-KS-TT-BHYT"

# Typed answers, as the keys a citizen touches (Telex for Vietnamese letters).
TYPED: dict[str, str] = {
    "child_name": "Traanf Minh Khooi",  # Trần Minh Khôi
    "mother_name": "Traanf Thij Lan",
    "relationship": "Con",
    "deceased_name": "Traanf Vawn Binhf",
    "deceased_id": "001045012345",
    "date_of_death": "10112026",  # the date pad puts in the slashes
    "child_dob": "01112026",
    "partner_name": "Lee Vawn Nam",
    "partner_id": "001190054321",
    "partner_dob": "20051990",
    "purpose": "Xin vieecj",
    "purpose_other": "Hocj taapj",
    "head_name": "Nguyeenx Vawn Ba",
    "head_relationship": "Con",
    "owner_name": "Nguyeenx Vawn Ba",
    "months": "6",
    "from_date": "01/12/2026",
    "to_date": "01/06/2027",
    "reason": "Ddi laom awn xa",
    "licence_number": "010123456789",
    "members": "3",
    "employer": "Coong ty ABC",
    "termination_date": "01102026",
    "bank_account": "0123456789",
    "bank_name": "Vietcombank",
    "document_type": "Bawngf toost nghieepj",
    "pages": "2",
    "copies": "1",
    "phone": "0912345678",
}
# Choices other than the first offered one (the common case for each procedure).
CHOSEN: dict[str, str] = {
    "declarant_role": "mother",
    "born_in_facility": "yes",
    "late_registration": "no",
    "parents_married": "yes",
    "died_in_facility": "yes",
    "benefits": "funeral",
    "social_insurance": "no",
    "partner_same_commune": "yes",
    "fee_exempt": "no",
    "needs_health_check": "no",
    "members_changed": "no",
    "licence_class": "a1",
    "child_sex": "female",
}
# The interconnected birth group born at home as well: more pages, an address, a paper.
SCENARIOS: tuple[tuple[str, str, dict[str, str]], ...] = (
    (BIRTH_GROUP, "hospital birth", {}),
    (BIRTH_GROUP, "home birth", {"born_in_facility": "no"}),
)
# An address the kiosk has no offer for: searched, picked, the house typed.
ADDRESS_SEARCH = (
    ("ha noi", "Thành phố Hà Nội"),
    ("hoan kiem", "Phường Hoàn Kiếm"),
    "So 5 Trangf Tieenf",
)


@dataclass
class Count:
    """What one dossier took."""

    code: str
    scenario: str = ""
    navigation: int = 0
    keystrokes: int = 0
    typed: list[str] = field(default_factory=list)  # the pages where keys were touched
    pages: int = 0
    filed: bool = False  # the receipt is out: nothing more is counted

    @property
    def meets_target(self) -> bool | None:
        """The birth group's target; None for the other procedures (no target)."""
        if self.code != BIRTH_GROUP:
            return None
        return self.navigation <= NAV_TARGET and set(self.typed) <= {"child_name", "child_dob"}


def measure(codes: list[str] | None = None, scenarios: bool = True) -> list[Count]:
    """File one dossier per procedure (and the birth group's scenarios) on the real screens."""
    import tempfile

    from PySide6.QtCore import QEvent, QEventLoop, QObject
    from PySide6.QtWidgets import QAbstractButton, QAbstractItemView, QLineEdit, QWidget

    from kiosk.runtime.config import KioskConfig, RuntimeFlags
    from ui.app import application, build_window
    from ui.automatic import TourClock

    app = application()
    tmp = tempfile.TemporaryDirectory(prefix="kiosk-touches-")
    config = KioskConfig().replace(
        ui={"language": "vi", "fullscreen": False}, storage={"data_dir": str(Path(tmp.name))}
    )
    clock = TourClock()
    window, core, sims, _dispatcher = build_window(
        config, RuntimeFlags(demo=True, windowed=True), clock=clock, card_apdu_delay_s=0
    )
    printer = core.devices.printer
    if hasattr(printer, "delay_s"):
        printer.delay_s = 0.0

    class Touches(QObject):
        """Counts every release of a touch target in the kiosk's window."""

        def __init__(self) -> None:
            super().__init__()
            self.current: Count | None = None

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            count = self.current
            if count is None or count.filed or event.type() != QEvent.Type.MouseButtonRelease:
                return False
            if not isinstance(watched, QWidget) or watched.window() is not window:
                return False
            target = isinstance(watched, QAbstractButton | QLineEdit) or isinstance(
                watched.parentWidget(), QAbstractItemView
            )
            if not target:
                return False
            if _inside(watched, window.demo_panel):
                return False
            if _inside(watched, window.keyboard):
                count.keystrokes += 1
                page = core.forms.form.page_key if core.forms.form else None
                if page and page not in count.typed:
                    count.typed.append(page)
            else:
                count.navigation += 1
            return False

    touches = Touches()
    app.installEventFilter(touches)
    plan = [(code, "", {}) for code in (codes or [p.code for p in core.catalogue.procedures])]
    if scenarios:
        plan = [s for s in SCENARIOS if codes is None or s[0] in codes] + [
            p for p in plan if p[0] != BIRTH_GROUP
        ]
    results: list[Count] = []
    core.start()
    window.show()
    try:
        for code, scenario, overrides in plan:
            count = Count(code, scenario)
            driver = citizen_driver(window, core, sims, clock)
            driver.count = count
            touches.current = count
            loop = QEventLoop()
            driver.finished.connect(loop.quit)
            driver.start(driver.file(code, {**CHOSEN, **overrides}))
            loop.exec()
            touches.current = None
            error = driver.error
            driver.deleteLater()  # its timer and script go with it, now
            app.processEvents()
            if error is not None:
                raise RuntimeError(f"{code}: {error}") from error
            results.append(count)
    finally:
        app.removeEventFilter(touches)
        touches.deleteLater()
        core.stop()
        window.close()
        window.deleteLater()
        app.processEvents()
        tmp.cleanup()
    return results


def _inside(widget: Any, ancestor: Any) -> bool:
    while widget is not None:
        if widget is ancestor:
            return True
        widget = widget.parentWidget()
    return False


def citizen_driver(*args: Any) -> Any:
    """The tour's driver, taught to file one dossier (Qt is imported only to measure)."""
    return _driver_class()(*args, None)


@functools.cache
def _driver_class() -> type:
    """Built once: a Qt class made anew for every dossier crashed the interpreter's exit."""
    from PySide6.QtCore import QPoint, QRect
    from PySide6.QtWidgets import QScrollArea

    from kiosk.runtime.flow import Step
    from ui.automatic import AutomaticDriver
    from ui.keyboard import PUNCTUATION_NAMES

    class Driver(AutomaticDriver):
        """A citizen filing one dossier with the answers given (see the module docstring)."""

        count: Count

        def tap(self, name: str) -> None:
            """Touch a button, first swiping it into view when it is scrolled out of it."""
            widget = self.find_button(name)
            area = widget.parentWidget()
            while area is not None and not isinstance(area, QScrollArea):
                area = area.parentWidget()
            if area is not None:
                viewport = area.viewport()
                seen = QRect(viewport.mapToGlobal(QPoint(0, 0)), viewport.size())
                rect = QRect(widget.mapToGlobal(QPoint(0, 0)), widget.size())
                if not seen.contains(rect):
                    area.ensureWidgetVisible(widget)
                    if not self.count.filed:
                        self.count.navigation += 1  # the swipe
            self.click(name)

        def keys(self, text: str) -> None:
            """Touch the keys of ``text`` on the on-screen keyboard."""
            for char in text:
                if char == " ":
                    self.click("key_space")
                    continue
                if char.isupper():
                    self.click("key_shift")
                self.click(f"key_{PUNCTUATION_NAMES.get(char, char.lower())}")

        def file(self, code: str, chosen: dict[str, str]) -> Iterator[Callable[[], bool]]:
            core, sims, window = self.core, self.sims, self.window
            assert sims.reader is not None and sims.card is not None
            S = Step  # noqa: N806
            yield self.at(S.ATTRACT)
            yield self.settle(50)
            self.tap("tile_submit")
            yield self.at(S.INSERT_CARD)
            sims.reader.insert(sims.card)
            yield self.at(S.ACCESS_KEY)
            # The camera already looks for the card's QR code; the demo shows it the card.
            yield lambda: window.screens[S.ACCESS_KEY].preview._image is not None
            self.click("demo_qr")
            yield self.at(S.FACE_CHECK)
            self.click("demo_face_ok")  # the face check: the citizen only looks at it
            yield self.at(S.CHOOSE_SERVICE)
            yield self.settle(50)
            procedure = core.catalogue.procedure(code)
            self.tap("category_filter")  # the areas are folded under one button
            yield self.settle(50)
            self.tap(f"category_{procedure.category}")
            yield self.settle(50)
            self.tap(f"procedure_{code}")
            yield self.at(S.REQUIREMENTS)
            yield self.settle(50)
            self.tap("req_start")  # the card's values are right
            yield self.at(S.FILL_FORM)
            while core.step is S.FILL_FORM:
                form = core.forms.form
                assert form is not None and form.page is not None
                page = form.page
                self.count.pages += 1
                yield self.settle(60)
                if page.input in ("choice", "yes_no"):
                    offered = [value for value, _label in page.choices]
                    value = chosen.get(page.key, offered[0])
                    self.tap(f"choice_{page.key}_{value if value in offered else offered[0]}")
                elif page.input == "address":
                    yield from self.address(page.key)
                else:
                    text = TYPED.get(page.key, "") if page.required else ""
                    if text:
                        yield self.visible(window.keyboard)
                        self.keys(text)
                    self.tap("form_continue")
                key = page.key
                yield lambda k=key: (  # type: ignore[misc]
                    core.step is not S.FILL_FORM
                    or (core.forms.form is not None and core.forms.form.page_key != k)
                )
            if core.step is S.CAPTURE_PAPERS:
                yield self.settle(50)
                for document in core.papers.to_capture():
                    self.tap(f"paper_counter_{document.key}")  # brought to the counter
                    yield self.settle(30)
                self.tap("papers_continue")
            yield self.at(S.CHECK_ANSWERS)
            yield self.settle(50)
            self.tap("send")
            yield self.at(S.RECEIPT)
            self.count.filed = True  # the rest of the visit is not counted
            self.click("receipt_continue")
            yield self.at(S.RATING)
            self.click("rating_skip")
            yield self.at(S.GOODBYE)
            sims.reader.remove()
            self.click("home")
            yield self.at(S.ATTRACT)

        def address(self, key: str) -> Iterator[Callable[[], bool]]:
            form = self.core.forms.form
            offers = form.address_offers(key) if form is not None else []
            if offers and offers[0].address.complete:
                self.tap(f"same_{key}_{offers[0].source}")  # an address the kiosk has
                return
            (province_typed, province), (commune_typed, commune), detail = ADDRESS_SEARCH
            yield self.visible(self.window.keyboard)
            self.keys(province_typed)
            yield self.settle(50)
            self.pick(f"list_{key}_province", province)
            yield self.settle(80)
            yield self.visible(self.window.keyboard)  # on the commune's search
            self.keys(commune_typed)
            yield self.settle(50)
            self.pick(f"list_{key}_commune", commune)
            yield self.settle(80)
            yield self.visible(self.window.keyboard)  # on the house and street
            self.keys(detail)
            self.tap("form_continue")

    return Driver


def print_table(results: list[Count]) -> bool:
    """The table `make bench` prints; returns False when the birth group misses its target."""
    print("\nTouches per dossier, on the real screens (the tour's driver, sensible answers)")
    columns = f"{'pages':>6}{'navigation':>12}{'keystrokes':>12}  {'target':<8}typed on"
    print(f"{'procedure':<34}{columns}")
    print("-" * 100)
    passed = True
    for r in results:
        name = f"{r.code} ({r.scenario})" if r.scenario else r.code
        ok = r.meets_target
        if ok is not None:
            passed &= ok
        target = "" if ok is None else ("yes" if ok else "NO")
        typed = ", ".join(r.typed) or "—"
        print(f"{name:<34}{r.pages:>6}{r.navigation:>12}{r.keystrokes:>12}  {target:<8}{typed}")
    print(
        f"Target for {BIRTH_GROUP}: at most {NAV_TARGET} navigation touches; keys only for what "
        "neither the card nor the state's data knows (the child's name; a home birth's date)."
    )
    return passed


def measure_apart(quick: bool = False) -> list[Count]:
    """:func:`measure` in a process of its own (what `make bench` runs).

    PySide6 6.12 on Python 3.11 drops a reference to ``None`` at every call of a method
    returning nothing; a few thousand dossiers' worth of screens empties it, and the
    interpreter aborts (at exit, or sooner).  Apart, that cannot take the other
    benchmarks with it, and the child leaves without running the interpreter's exit.
    """
    command = [sys.executable, "-m", "benchmarks.touches", "--json"]
    out = subprocess.run(
        [*command, "--quick"] if quick else command,
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        timeout=1800,
    )
    lines = [line for line in out.stdout.splitlines() if line.startswith("[")]
    if not lines:
        raise RuntimeError(f"the touch count did not finish: {out.stderr.strip()[-400:]}")
    return [Count(**row) for row in json.loads(lines[-1])]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.touches", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="the birth group only")
    parser.add_argument("--json", action="store_true", help="one JSON line (benchmarks.run)")
    args = parser.parse_args(argv)
    results = measure([BIRTH_GROUP] if args.quick else None)
    if args.json:
        print(json.dumps([asdict(r) for r in results], ensure_ascii=False))
        code = 0
    else:
        code = 0 if print_table(results) else 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # see measure_apart: the interpreter's exit may abort


if __name__ == "__main__":
    raise SystemExit(main())
