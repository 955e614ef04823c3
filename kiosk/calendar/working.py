"""The centre's working calendar.

A day is a working day when it is Monday to Friday and neither a public holiday
(``holidays`` country ``VN``: New Year, Tết by the lunar calendar, Hùng Kings' day,
30/4, 1/5, 2/9 and the days the package knows were moved) nor one of the centre's
own days off; a Saturday or Sunday is a working day when it is a make-up working day
(the package's known ones and the centre's).  Working hours are the morning and
afternoon sessions of the schedule.

Processing times follow the catalogue's units (``kiosk.catalogue.model.ProcessingTime``,
read here by its attributes so this package stays below the catalogue):

- ``working_days``: the result is due that many working days after the day received
  (counting starts the next working day); 0 is the same day, or the next working
  day when received after ``same_day_cutoff`` or on a day off;
- ``working_hours``: that many hours of the schedule from the moment received;
- ``days`` (calendar): that many days later, moved to the next working day.

Thread-safe: the holiday table is filled per year under a lock.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol

MORNING = (time(7, 30), time(11, 30))
AFTERNOON = (time(13, 30), time(17, 0))
_MAX_SCAN_DAYS = 3660  # ten years: a calendar with no working day at all is a mistake


class ProcessingTimeLike(Protocol):
    value: int
    unit: str
    same_day_cutoff: str | None


def parse_dates(text: str) -> tuple[date, ...]:
    """'2026-02-14, 2026-02-21' -> dates (empty text: none); ValueError names the bad one."""
    result = []
    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            result.append(date.fromisoformat(part))
        except ValueError:
            raise ValueError(f"{part!r}: expected a date as YYYY-MM-DD") from None
    return tuple(result)


def parse_schedule(text: str) -> tuple[tuple[time, time], ...]:
    """'07:30-11:30, 13:30-17:00' -> the sessions, in order, not overlapping."""
    sessions: list[tuple[time, time]] = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            start_text, end_text = part.split("-")
            start, end = (
                time.fromisoformat(start_text.strip()),
                time.fromisoformat(end_text.strip()),
            )
        except ValueError:
            raise ValueError(f"{part!r}: expected HH:MM-HH:MM") from None
        if end <= start or (sessions and start < sessions[-1][1]):
            raise ValueError(f"{part!r}: sessions must be in order and not overlap")
        sessions.append((start, end))
    if not sessions:
        raise ValueError("the schedule needs at least one session")
    return tuple(sessions)


class WorkingCalendar:
    def __init__(
        self,
        days_off: Iterable[date] = (),
        workdays: Iterable[date] = (),
        sessions: Iterable[tuple[time, time]] = (MORNING, AFTERNOON),
    ) -> None:
        self.days_off = frozenset(days_off)
        self.workdays = frozenset(workdays)
        self.sessions = tuple(sessions)
        self._lock = threading.Lock()
        self._holidays: Any = None

    # Days ------------------------------------------------------------------------------
    def _lookup(self, day: date) -> tuple[str | None, bool]:
        """(the public holiday's name or None, whether it is a known make-up working day)."""
        with self._lock:  # the table fills a year on first use: not thread-safe by itself
            if self._holidays is None:
                import holidays  # a large import: only when a date is first asked

                self._holidays = holidays.country_holidays("VN", language="vi")
            name = self._holidays.get(day)  # fills the year when new
            return (str(name) if name else None), day in self._holidays.weekend_workdays

    def holiday_name(self, day: date) -> str | None:
        """The public holiday's Vietnamese name, or None."""
        return self._lookup(day)[0]

    def is_working_day(self, day: date) -> bool:
        if day in self.days_off:
            return False
        name, makeup = self._lookup(day)
        if day in self.workdays or makeup:
            return True
        return day.weekday() < 5 and name is None

    def next_working_day(self, day: date) -> date:
        """The first working day after ``day``."""
        for _ in range(_MAX_SCAN_DAYS):
            day += timedelta(days=1)
            if self.is_working_day(day):
                return day
        raise ValueError("no working day within ten years: check the calendar settings")

    def add_working_days(self, start: date, days: int) -> date:
        """The ``days``-th working day after ``start`` (``start`` itself not counted)."""
        day = start
        for _ in range(days):
            day = self.next_working_day(day)
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end``."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            count += self.is_working_day(day)
        return count

    # Hours -----------------------------------------------------------------------------
    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        """The moment ``hours`` of the schedule after ``start``."""
        left = timedelta(hours=hours)
        day, now = start.date(), start.time()
        for _ in range(_MAX_SCAN_DAYS):
            if self.is_working_day(day):
                for begin, end in self.sessions:
                    if now >= end:
                        continue
                    session_start = datetime.combine(day, max(begin, now))
                    room = datetime.combine(day, end) - session_start
                    if left <= room:
                        return session_start + left
                    left -= room
            day, now = day + timedelta(days=1), time(0, 0)
        raise ValueError("no working hours within ten years: check the calendar settings")

    # The appointment ---------------------------------------------------------------------
    def due(self, received: datetime, processing: ProcessingTimeLike) -> date:
        """The date the result is due for a dossier received at ``received``: the one date
        the receipt, the requirements screen and the look-up show."""
        start = received.date()
        if processing.unit == "days":
            end = start + timedelta(days=processing.value)
            return end if self.is_working_day(end) else self.next_working_day(end)
        if processing.unit == "working_hours":
            return self.add_working_hours(received, processing.value).date()
        if processing.value == 0:
            cutoff = time.fromisoformat(processing.same_day_cutoff or "23:59")
            if not self.is_working_day(start) or received.time() > cutoff:
                return self.next_working_day(start)
            return start
        return self.add_working_days(start, processing.value)


def calendar_from_settings(settings: Any) -> WorkingCalendar:
    """From the ``[calendar]`` settings (``days_off``, ``workdays``, ``schedule``)."""
    return WorkingCalendar(
        days_off=parse_dates(settings.days_off),
        workdays=parse_dates(settings.workdays),
        sessions=parse_schedule(settings.schedule),
    )


@functools.lru_cache(maxsize=4)
def centre_calendar(settings: Any) -> WorkingCalendar:
    """The calendar for these ``[calendar]`` settings (a frozen value: one per change)."""
    return calendar_from_settings(settings)


def appointment_date(config: Any, processing: ProcessingTimeLike, received: datetime) -> date:
    """The date the result is due, for a ``KioskConfig``: what the receipt prints, the
    requirements screen promises and the look-up repeats."""
    return centre_calendar(config.calendar).due(received, processing)
