"""What the kiosk says, as text before synthesis: numbers and dates the Vietnamese way,
each screen's phrases, the privacy rule, and speech mode's time (the core, Qt-free)."""

from __future__ import annotations

import pytest

from devices.speech.simulator import SimulatedSpeaker
from kiosk.runtime.flow import Step, Trigger
from kiosk.runtime.i18n import Translator
from kiosk.speech.reading import code, date_vi, grouped, number_vi, speakable
from kiosk.speech.script import ScreenParts, screen_script, spoken_text
from tests.conftest import FakeClock, Kiosk


@pytest.mark.parametrize(
    ("number", "words"),
    [
        (0, "không"),
        (10, "mười"),
        (15, "mười lăm"),
        (21, "hai mươi mốt"),
        (24, "hai mươi tư"),
        (55, "năm mươi lăm"),
        (105, "một trăm linh năm"),
        (110, "một trăm mười"),
        (1005, "một nghìn không trăm linh năm"),
        (2026, "hai nghìn không trăm hai mươi sáu"),
        (50_000, "năm mươi nghìn"),
        (1_200_000, "một triệu hai trăm nghìn"),
    ],
)
def test_numbers_are_said_in_vietnamese_words(number: int, words: str) -> None:
    assert number_vi(number) == words


def test_dates_are_said_day_month_year_and_april_is_thang_tu() -> None:
    assert date_vi(25, 11, 2026) == (
        "ngày hai mươi lăm tháng mười một năm hai nghìn không trăm hai mươi sáu"
    )
    assert "tháng tư" in date_vi(1, 4, 2027)
    assert speakable("Ngày hẹn trả: 25/11/2026.", "vi") == (
        "Ngày hẹn trả: ngày hai mươi lăm tháng mười một năm hai nghìn không trăm hai mươi sáu."
    )
    assert speakable("Return date: 25/11/2026.", "en") == "Return date: 25 November 2026."


def test_a_dossier_code_is_read_in_its_groups_digit_by_digit() -> None:
    assert code("DEMO01-261120-K010001", "vi") == (
        "D E M O, không một, hai sáu, một một, hai không, K, không một, không không không một"
    )
    spoken = speakable("Mã hồ sơ: DEMO01-261120-K010001", "en")
    assert spoken == "Mã hồ sơ: D E M O, zero one, two six, one one, two zero, K, zero one, " + (
        "zero zero zero one"
    )


def test_phone_and_id_numbers_fees_and_page_counts() -> None:
    assert grouped("0912345678", "vi") == "không chín một hai, ba bốn năm, sáu bảy tám"
    assert grouped("001185012345", "en").count(",") == 3  # 001 185 012 345
    assert speakable("Lệ phí: 50.000 ₫", "vi") == "Lệ phí: năm mươi nghìn đồng"
    assert speakable("Câu 2/9", "vi") == "Câu hai trên chín"


def test_a_screen_says_its_title_instruction_choices_and_main_button() -> None:
    tr = Translator("vi")
    parts = ScreenParts(
        title="Trẻ có sinh tại bệnh viện không?",
        instruction="Câu 2/9",
        errors=("Hãy chọn một câu trả lời",),
        choices=("Có", "Không"),
        main_button="Tiếp tục",
    )
    text = spoken_text(screen_script(parts, tr), "vi", tr, headset=False)
    assert text == (
        "Trẻ có sinh tại bệnh viện không? Câu hai trên chín. Hãy chọn một câu trả lời. "
        "Các lựa chọn: Có; Không. Nút chính: Tiếp tục."
    )


def test_personal_values_only_into_the_headset() -> None:
    tr = Translator("vi")
    parts = ScreenParts(
        title="Họ và tên của trẻ",
        values=(("Họ và tên", "Trần Minh Khôi"), ("Số định danh", "001185012345"), ("", "Kinh")),
        main_button="Tiếp tục",
    )
    phrases = screen_script(parts, tr)
    loud = spoken_text(phrases, "vi", tr, headset=False)
    assert "Khôi" not in loud and "không không một" not in loud
    assert tr("speech.withheld") in loud
    private = spoken_text(phrases, "vi", tr, headset=True)
    assert "Họ và tên: Trần Minh Khôi." in private
    assert "Số định danh: không không một, một tám năm, không một hai, ba bốn năm." in private
    assert "năm. Kinh. Nút chính" in private  # a value shown without a caption
    # A phrase that happens to show a personal value (any screen) is held back as well.
    notice = ScreenParts(title="Xin chào", notices=("Chào Trần Minh Khôi",))
    loud = spoken_text(
        screen_script(notice, tr), "vi", tr, headset=False, needles=["Trần Minh Khôi"]
    )
    assert "Khôi" not in loud


def speaker_of(kiosk: Kiosk) -> SimulatedSpeaker:
    speaker = kiosk.core.devices.speaker
    assert isinstance(speaker, SimulatedSpeaker)
    return speaker


def test_listen_turns_speech_on_for_the_visit_and_a_new_screen_cuts_it_off(
    kiosk: Kiosk, clock: FakeClock
) -> None:
    core, speaker = kiosk.core, speaker_of(kiosk)
    core.speech.screen_shown(ScreenParts(title="Xin chào"))
    assert speaker.transcript == []  # silent until the citizen asks
    core.fire(Trigger.SUBMIT_CHOSEN)
    core.speech.listen(ScreenParts(title="Đặt thẻ căn cước"))
    assert [u.text for u in speaker.transcript] == ["Đặt thẻ căn cước."]
    kiosk.reader.insert(kiosk.card)
    kiosk.wait_for(Step.ACCESS_KEY)
    assert speaker.speaking is None and speaker.cut_off == 1  # the screen changed
    core.speech.screen_shown(ScreenParts(title="Nhập số"))
    assert speaker.transcript[-1].text == "Nhập số."  # from now on, said by itself
    core.cancel()
    assert core.step is Step.GOODBYE and core.speech.on  # still this citizen's goodbye
    clock.advance(core.config.session.goodbye_s + 1)
    core.tick()
    assert core.step is Step.ATTRACT and not core.speech.on  # the next citizen: silent
    assert speaker.transcript == []  # and nothing of what was said is kept


def test_speech_mode_doubles_the_time_says_the_warning_and_more_time_works_twice(
    kiosk: Kiosk, clock: FakeClock
) -> None:
    core, speaker = kiosk.core, speaker_of(kiosk)
    cfg = core.config.session
    core.fire(Trigger.SUBMIT_CHOSEN)
    core.speech.listen(ScreenParts(title="Đặt thẻ căn cước"))
    clock.advance(cfg.idle_timeout_s - cfg.idle_warning_s + 1)
    core.tick()
    assert speaker.transcript[-1].text == "Đặt thẻ căn cước."  # no warning yet: double time
    core.user_activity()
    for _more_time in range(3):  # WCAG 2.2.1: at least twice
        clock.advance(2 * (cfg.idle_timeout_s - cfg.idle_warning_s) + 1)
        core.tick()
        core.tick()  # the warning repeats its countdown every second: said once
        warning = [u.text for u in speaker.transcript if u.text.startswith("Bạn có cần")]
        assert len(warning) == 1, speaker.transcript
        assert "Nút chính: Tôi cần thêm thời gian." in warning[0]
        speaker.clear()
        core.continue_session()
        assert core.step is Step.INSERT_CARD
    clock.advance(2 * cfg.idle_timeout_s + 1)
    core.tick()
    assert core.step is Step.ATTRACT
    assert core.context.idle.timeout_s == cfg.idle_timeout_s  # the next citizen: as configured


def test_a_headset_plugged_in_gets_the_personal_values(kiosk: Kiosk) -> None:
    core, speaker = kiosk.core, speaker_of(kiosk)
    kiosk.identify()
    shown = ScreenParts(title="Thông tin từ thẻ", values=(("Họ và tên", kiosk.card.full_name),))
    core.speech.listen(shown)
    assert kiosk.card.full_name not in speaker.transcript[-1].text
    speaker.plug_headset(True)
    kiosk.settle()
    assert core.speech.headset
    core.speech.listen(shown)
    assert kiosk.card.full_name in speaker.transcript[-1].text
    assert speaker.transcript[-1].headset
