"""Working days and working hours: Vietnam's public holidays (the ``holidays`` package, lunar
ones included), the centre's own days off and make-up working days, and its morning and
afternoon schedule.  One function, :func:`appointment_date`, gives the appointment date
that the receipt, the requirements screen and the look-up all show.
"""

from kiosk.calendar.working import (
    WorkingCalendar,
    appointment_date,
    calendar_from_settings,
    centre_calendar,
)

__all__ = ["WorkingCalendar", "appointment_date", "calendar_from_settings", "centre_calendar"]
