"""What every doctor result must satisfy to reach a Vietnamese technician in Vietnamese.

Called on the results the doctor's tests produce (the situations they build with real
parts), so a new result path without its translation fails where it is first met.
"""

from __future__ import annotations

from collections.abc import Iterable

from kiosk.doctor.report import CheckResult, DoctorReport
from kiosk.doctor.texts import describe, title_key
from kiosk.runtime.i18n import Translator, load_catalogue


def literal_args(args: dict[str, str | int]) -> list[str]:
    """The arguments shown as they are (paths, commands, numbers, raw errors): all but
    the message keys and the English words those keys translate."""
    return [
        str(value)
        for name, value in args.items()
        if not name.endswith("_key") and f"{name}_key" not in args
    ]


def assert_speaks_both(results: DoctorReport | Iterable[CheckResult]) -> None:
    """Each result has its title, detail and remedy in both catalogues; in English they
    are the JSON's own texts; in Vietnamese they differ from the English and keep every
    literal argument (path, command, number, error text) as it is."""
    found = results.results if isinstance(results, DoctorReport) else tuple(results)
    vi, en = Translator("vi"), Translator("en")
    catalogues = load_catalogue("vi"), load_catalogue("en")
    for result in found:
        where = result.line()
        assert result.detail_key, where
        assert bool(result.remedy) == bool(result.remedy_key), where
        for key in filter(None, (title_key(result.name), result.detail_key, result.remedy_key)):
            assert all(key in catalogue for catalogue in catalogues), (key, where)
        assert describe(result, en)[1:] == (result.detail, result.remedy), where
        title, detail, remedy = describe(result, vi)
        assert title != result.name and detail != result.detail, (title, detail)
        assert not result.remedy or remedy != result.remedy, remedy
        for value in literal_args(dict(result.detail_args)):
            assert value in detail, (value, detail)
        for value in literal_args(dict(result.remedy_args)):
            assert value in remedy, (value, remedy)
