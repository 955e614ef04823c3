"""Working days as the centre counts them: Tết and Hùng Kings' day from the lunar calendar,
the centre's own days off and make-up working Saturdays, morning and afternoon hours."""

from dataclasses import dataclass
from datetime import date, datetime, time

import pytest

from kiosk.calendar import WorkingCalendar, appointment_date, calendar_from_settings
from kiosk.calendar.working import parse_dates, parse_schedule
from kiosk.runtime.config import ConfigError, KioskConfig


@dataclass(frozen=True)
class Time:
    value: int
    unit: str = "working_days"
    same_day_cutoff: str | None = None


PLAIN = WorkingCalendar()


def test_tet_2026_is_not_counted() -> None:
    # Received Thursday 12/2/2026; Tết runs 16-20/2 (with the weekends around it, 14-22/2).
    # Counting weekends only gives 23/2, a week early.
    assert PLAIN.due(datetime(2026, 2, 12, 10, 0), Time(7)) == date(2026, 3, 2)


def test_the_lunar_holidays_move_each_year() -> None:
    assert not PLAIN.is_working_day(date(2027, 2, 8))  # Tết 2027 is in February, later
    assert PLAIN.is_working_day(date(2026, 2, 8 + 15))  # Monday 23/2/2026: back at work
    assert PLAIN.holiday_name(date(2026, 4, 26)) == "Ngày Giỗ Tổ Hùng Vương"
    assert not PLAIN.is_working_day(date(2026, 4, 27))  # observed on the Monday


def test_a_make_up_working_saturday_counts() -> None:
    # The centre works Saturday 28/2/2026 in exchange for Friday 13/2 off.
    centre = WorkingCalendar(days_off=[date(2026, 2, 13)], workdays=[date(2026, 2, 28)])
    assert not centre.is_working_day(date(2026, 2, 13))
    assert centre.is_working_day(date(2026, 2, 28))
    # From Thursday 26/2: Friday 27, Saturday 28 (worked), Monday 2/3.
    assert centre.due(datetime(2026, 2, 26, 9, 0), Time(2)) == date(2026, 2, 28)
    assert PLAIN.due(datetime(2026, 2, 26, 9, 0), Time(2)) == date(2026, 3, 2)
    # Received the day before the extra day off: the count starts after it and after Tết.
    assert centre.due(datetime(2026, 2, 12, 10, 0), Time(1)) == date(2026, 2, 23)


def test_the_make_up_saturdays_the_package_knows_count_too() -> None:
    assert PLAIN.is_working_day(date(2026, 8, 22))  # worked for Monday 31/8 off
    assert not PLAIN.is_working_day(date(2026, 8, 31))
    assert PLAIN.due(datetime(2026, 8, 21, 9, 0), Time(1)) == date(2026, 8, 22)


def test_same_day_until_the_cutoff_then_the_next_working_day() -> None:
    same_day = Time(0, same_day_cutoff="15:00")
    assert PLAIN.due(datetime(2026, 4, 29, 14, 59), same_day) == date(2026, 4, 29)
    # After 15:00 on 29/4: 30/4 and 1/5 are holidays, then the weekend.
    assert PLAIN.due(datetime(2026, 4, 29, 15, 1), same_day) == date(2026, 5, 4)


def test_working_hours_follow_the_morning_and_afternoon_sessions() -> None:
    # Friday 13/2/2026 16:00: one hour that afternoon, then Tết; 4 + 3 on Monday 23/2.
    assert PLAIN.add_working_hours(datetime(2026, 2, 13, 16, 0), 8) == datetime(2026, 2, 23, 16, 30)
    assert PLAIN.due(datetime(2026, 2, 13, 16, 0), Time(8, "working_hours")) == date(2026, 2, 23)
    # Received at lunch: the count starts with the afternoon session.
    assert PLAIN.add_working_hours(datetime(2026, 3, 2, 12, 0), 2) == datetime(2026, 3, 2, 15, 30)


def test_a_centre_with_its_own_schedule() -> None:
    centre = WorkingCalendar(sessions=parse_schedule("08:00-12:00, 13:00-17:30"))
    assert centre.add_working_hours(datetime(2026, 3, 2, 17, 0), 1) == datetime(2026, 3, 3, 8, 30)


def test_calendar_days_end_on_a_working_day() -> None:
    # 10 calendar days from 20/4/2026 is 30/4 (a holiday): 4/5, the next working day.
    assert PLAIN.due(datetime(2026, 4, 20, 9, 0), Time(10, "days")) == date(2026, 5, 4)


def test_from_the_settings() -> None:
    config = KioskConfig().replace(
        calendar={"days_off": "2026-02-13", "workdays": "2026-02-28", "schedule": "08:00-12:00"}
    )
    centre = calendar_from_settings(config.calendar)
    assert centre.is_working_day(date(2026, 2, 28)) and centre.sessions == ((time(8), time(12)),)
    assert appointment_date(config, Time(2), datetime(2026, 2, 26, 9, 0)) == date(2026, 2, 28)


@pytest.mark.parametrize(
    ("key", "value"), [("days_off", "13/02/2026"), ("schedule", "morning"), ("workdays", "x")]
)
def test_settings_that_are_not_dates_or_hours_are_refused(key: str, value: str) -> None:
    with pytest.raises(ConfigError, match=f"calendar.{key}"):
        KioskConfig().replace(calendar={key: value})


def test_parsing_names_the_bad_part() -> None:
    with pytest.raises(ValueError, match="2026-02-30"):
        parse_dates("2026-02-13, 2026-02-30")
    with pytest.raises(ValueError, match="overlap"):
        parse_schedule("07:30-12:00, 11:00-17:00")
