"""The face stack's one error type: carries a translation key, never personal data."""

from __future__ import annotations


class FaceError(Exception):
    """A problem the citizen or the technician is told about in their language.

    ``message_key`` names the translated text (``face.error.*``); ``detail``
    is for the technician's log and must never hold personal data.
    """

    def __init__(self, message_key: str, detail: str = "") -> None:
        super().__init__(detail or message_key)
        self.message_key = message_key
        self.detail = detail
