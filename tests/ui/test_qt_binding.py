"""The Qt binding itself must hold up for a day of citizens.

PySide6 6.12.0 on Python 3.11 drops a reference to ``None`` on every call of a Qt
method that returns nothing: a kiosk session makes thousands of such calls, so after
some 15-20 citizens ``None`` is deallocated and the interpreter aborts
("Fatal Python error: none_dealloc").  The lock files pin a release without the leak;
this test fails if an upgrade brings one back.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject


def test_qt_calls_that_return_nothing_do_not_leak_references_to_none() -> None:
    widget = QObject()
    before = sys.getrefcount(None)
    for _ in range(2000):
        widget.setObjectName("x")
    assert sys.getrefcount(None) >= before - 50  # some slack for the interpreter's own use
