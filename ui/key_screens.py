"""The key screens: a shorter walk for the tour's other variants.

The full walk (:meth:`ui.automatic.AutomaticDriver.citizen_tour`) runs once, at
1280×800; the variants that caught the defects of issue 18 (larger text with high
contrast, an upright 1080×1920 kiosk) walk the screens a citizen got stuck on, with
the same driver and its checks (nothing under the keyboard on any screen).
"""

from __future__ import annotations

from collections.abc import Iterator

from kiosk.runtime.flow import Step
from ui.automatic import AutomaticDriver, Condition, TourError

SAMPLE_ANSWERS = {
    "text": "Nguyễn Văn An",
    "date": "01/11/2026",
    "phone": "0912345678",
    "id_number": "001185012345",
    "number": "1",
}
"""What the generic form walk types, by the page's input kind."""


class KeyScreens:
    """The screens a citizen got stuck on, walked for the other tour variants (sizes, text
    size, contrast): the access key, a search, every page of a form (each text page first
    left empty: the error summary with the keyboard up), the papers, the receipt, the
    rating's reasons, the look-up by the receipt's QR code, and the goodbye.  It answers
    each form page by its kind, so it follows the catalogue as it changes."""

    def __init__(self, driver: AutomaticDriver) -> None:
        self.d = driver

    def walk(self) -> Iterator[Condition]:
        d, S = self.d, Step  # noqa: N806
        core, window = d.core, d.window
        assert d.sims.reader is not None and d.sims.card is not None
        reader, card = d.sims.reader, d.sims.card
        yield d.at(S.ATTRACT)
        yield d.settle(200)
        d.shot("attract")
        d.click("tile_submit")
        yield d.at(S.INSERT_CARD)
        reader.insert(card)
        yield d.at(S.ACCESS_KEY)
        yield d.settle()
        d.shot("access-key")
        yield from d.type_key(card, expiry="14/03/2044")
        yield d.at(S.ACCESS_KEY)
        yield d.settle()
        d.shot("access-key-rejected")
        yield from d.type_key(card)
        yield d.at(S.FACE_CHECK)
        yield d.settle(100)
        d.click("demo_face_ok")
        yield d.at(S.CHOOSE_SERVICE)
        yield from d.open_birth_registration()
        yield from self.form()
        yield d.at(S.CAPTURE_PAPERS)
        yield d.settle()
        d.shot("papers")
        for paper in core.papers.needed():
            d.click(f"paper_counter_{paper.key}")
        d.click("papers_continue")
        yield d.at(S.CHECK_ANSWERS)
        yield d.settle()
        d.shot("check-answers")
        d.click("send")
        yield d.at(S.SUBMITTING)
        d.shot("submitting")
        yield d.at(S.RECEIPT)
        yield d.settle(200)
        d.shot("receipt")
        code = core.session.dossier_code or ""
        d.click("receipt_continue")
        yield d.at(S.RATING)
        d.click("rate_dissatisfied")
        yield d.settle()
        d.shot("rating-reasons")
        d.click("reason_waiting")
        d.click("rating_send")
        yield d.at(S.GOODBYE)
        yield d.settle()
        d.shot("goodbye")
        reader.remove()
        d.click("home")
        yield d.at(S.ATTRACT)
        # The look-up: the receipt's QR code held up to the camera, the ID number typed.
        d.click("tile_lookup")
        yield d.at(S.LOOKUP)
        yield from self.show_receipt_qr(code)
        d.type_into("lookup_id", card.id_number)
        yield d.settle()
        d.shot("lookup-keyboard")
        d.click("lookup_search")
        yield d.visible(window.screens[S.LOOKUP].result)  # type: ignore[attr-defined]
        yield d.settle()
        d.shot("lookup-result")
        d.click("back")
        yield d.at(S.ATTRACT)

    def show_receipt_qr(self, code: str) -> Iterator[Condition]:
        """The citizen holds the receipt's QR code up: the code field fills by itself."""
        from devices.camera.simulator import SimulatedCamera
        from kiosk.scan.qr import qr_frame

        d = self.d
        lookup = d.window.screens[Step.LOOKUP]
        yield lambda: lookup.preview._image is not None  # type: ignore[attr-defined]
        yield d.settle(100)
        d.shot("lookup")
        camera = d.core.devices.camera
        if isinstance(camera, SimulatedCamera):
            camera.show([qr_frame(code)])
        yield lambda: lookup.code.text() == code  # type: ignore[attr-defined]
        if isinstance(camera, SimulatedCamera):
            camera.show(None)

    def form(self) -> Iterator[Condition]:
        """Every page of the form, answered by its kind."""
        from kiosk.forms.pages import PageKind

        d = self.d
        screen = d.window.screens[Step.FILL_FORM]
        for number in range(1, 41):
            form = d.core.forms.form
            if d.core.step is not Step.FILL_FORM or form is None or form.page is None:
                return
            page, key = form.page, form.page_key
            yield d.settle(80)
            name = f"form-{number:02d}-{key}"
            if page.kind is getattr(PageKind, "CARD", None):  # a page of what the card says
                d.shot(name)
                d.click("form_continue")
            elif page.input in ("choice", "yes_no"):
                choices = list(screen.choices)  # type: ignore[attr-defined]
                value = "no" if "no" in choices else choices[0]
                d.click(f"choice_{key}_{value}")
                d.shot(name)
                yield d.settle(600)  # a touch may move on by itself
                if self.on_page(key):
                    d.click("form_continue")
            elif page.input == "address":
                yield from self.address(key, name)
            else:
                if page.required:
                    d.click("form_continue")  # nothing typed: the error summary, keyboard up
                    yield d.settle()
                    d.shot(f"{name}-error")
                d.type_into(f"field_{key}", SAMPLE_ANSWERS.get(page.input, "1"))
                yield d.settle(50)
                d.shot(name)
                d.click("form_continue")
            yield lambda k=key: not self.on_page(k) or bool(d.core.forms.form.errors)  # type: ignore[union-attr]
            if self.on_page(key):
                raise TourError(f"the form kept page {key!r}: {d.core.forms.form.errors}")  # type: ignore[union-attr]
        raise TourError("the form never ended")

    def on_page(self, key: str | None) -> bool:
        form = self.d.core.forms.form
        return self.d.core.step is Step.FILL_FORM and form is not None and form.page_key == key

    def address(self, key: str | None, name: str) -> Iterator[Condition]:
        """The province and the commune picked from their lists (searched by typing), then
        the house and street typed."""
        d = self.d
        d.type_into(f"filter_{key}_province", "ha noi")
        yield d.settle(80)
        d.shot(f"{name}-province")
        d.pick(f"list_{key}_province", "Thành phố Hà Nội")
        yield d.shown(f"filter_{key}_commune")
        d.type_into(f"filter_{key}_commune", "cua nam")
        yield d.settle(80)
        d.shot(f"{name}-commune")
        d.pick(f"list_{key}_commune", "Phường Cửa Nam")
        yield d.shown(f"field_{key}_detail")
        d.type_into(f"field_{key}_detail", "Số 5 ngõ 10 phố Hàng Bông")
        yield d.settle(50)
        d.shot(name)
        d.click("form_continue")


def key_screens(driver: AutomaticDriver) -> Iterator[Condition]:
    """The walk for :func:`ui.automatic.run_tour`'s ``walk``."""
    return KeyScreens(driver).walk()
