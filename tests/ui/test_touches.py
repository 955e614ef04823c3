"""Fewer touches, by design: the birth group filed on the real screens within the target.

The tour's driver files the interconnected birth group (a hospital birth, and a home
birth with its address and paper) the way a citizen would; `make bench` prints the same
count for every procedure (benchmarks/touches.py).  It was 33 navigation touches and 95
keystrokes: the access key typed, a page repeating the card, a Continue after every
choice, the 60-day question, the address searched and typed, the phone.
"""

from __future__ import annotations

from benchmarks.touches import BIRTH_GROUP, NAV_TARGET, measure_apart


def test_the_birth_group_takes_at_most_20_touches_and_keys_only_for_the_childs_name() -> None:
    results = {r.scenario: r for r in measure_apart(quick=True)}
    hospital, home = results["hospital birth"], results["home birth"]
    assert hospital.code == home.code == BIRTH_GROUP
    assert hospital.navigation <= NAV_TARGET and home.navigation <= NAV_TARGET
    # Keys only for what the card and the state's data cannot know: the child's name,
    # and for a home birth (no birth certificate from a hospital) the date of birth.
    assert hospital.typed == ["child_name"]
    assert home.typed == ["child_name", "child_dob"]
    assert hospital.keystrokes == len("Traanf Minh Khooi") + 3  # Telex, Shift for capitals


def test_one_touch_answers_and_a_worked_out_answer_shown_as_such(ui_kiosk) -> None:
    """A choice moves on by itself; the card's address is one touch; the 60-day answer is
    not asked, and the check-answers page says where it came from and lets it be changed."""
    from PySide6.QtWidgets import QLabel

    from kiosk.runtime.flow import Step

    ui_kiosk.open_form(BIRTH_GROUP)
    assert ui_kiosk.find("form_continue") is None  # a choice page: the choice answers it
    ui_kiosk.fill(
        [
            ("declarant_role", "mother"),
            ("born_in_facility", "no"),
            ("parents_married", "yes"),
            ("child_name", "Bé Na"),
            ("child_dob", "02/11/2026"),
            ("child_sex", "female"),
        ]
    )
    ui_kiosk.wait_page("child_birthplace")
    ui_kiosk.click("same_child_birthplace_place_of_residence")
    ui_kiosk.wait_page("phone")
    ui_kiosk.click("form_continue")  # optional: the result goes to VNeID
    ui_kiosk.wait_for(Step.CAPTURE_PAPERS)
    ui_kiosk.click("paper_counter_witness_statement")
    ui_kiosk.click("papers_continue")
    ui_kiosk.wait_for(Step.CHECK_ANSWERS)
    check = ui_kiosk.window.screens[Step.CHECK_ANSWERS]

    def shown() -> list[str]:
        return [w.text() for w in check.findChildren(QLabel) if w.isVisible()]

    ui_kiosk.qtbot.waitUntil(lambda: "✓ Tự điền từ: Ngày sinh của trẻ" in shown(), timeout=10_000)
    assert "Số 12 phố Hàng Bạc, Phường Hoàn Kiếm, Thành phố Hà Nội" in shown()
    ui_kiosk.click("change_late_registration")
    ui_kiosk.wait_page("late_registration")
    ui_kiosk.click("choice_late_registration_yes")
    ui_kiosk.wait_for(Step.CHECK_ANSWERS)
    assert ui_kiosk.core.forms.form.values["late_registration"] == "yes"
