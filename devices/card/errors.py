"""The card errors every reader raises; each names the translated text to show the citizen.

A leaf module: the chip stack (:mod:`devices.card.mrtd`) derives its own errors
from these without importing the reader interface.

Messages are for technicians: they name the file or step (``EF.SOD: truncated TLV``)
and never contain personal data or keys.
"""

from __future__ import annotations

from typing import Self


class CardError(Exception):
    """A card could not be read; ``message_key`` is the translated text to show."""

    message_key = "card.error.unreadable"
    where = ""  # the file or step it happened in, once named (see :meth:`at`)

    def at(self, where: str) -> Self:
        """Name the file or step this happened in ("DG2", "EF.SOD", "access control").

        The innermost name wins: a parser that named its file is not renamed by the
        step that called it.  Returns the error itself, to be raised again.
        """
        if not self.where:
            self.where = where
            text = str(self.args[0]) if self.args else ""
            if not text.startswith(where):
                text = f"{where}: {text}" if text else where
            self.args = (text, *self.args[1:])
        return self


class CardLinkError(CardError):
    """The link to the chip failed (the reader, the card taken off, no answer in time).

    Not a verdict on the chip's content: authentication steps let these through
    instead of calling the chip a clone.
    """


class CardRemovedError(CardLinkError):
    message_key = "card.error.removed"


class CardTimeoutError(CardLinkError):
    """The chip or the reader did not answer within its deadline.

    Not the citizen's fault and not a wrong key: no attempt is counted.  The
    blocked call has been abandoned; the reader recovers by itself.
    """

    message_key = "card.error.timeout"


class AccessDeniedError(CardError):
    message_key = "card.error.access_denied"


class NotGenuineError(CardError):
    """Passive, active or chip authentication failed: altered data, a clone, a forgery."""

    message_key = "card.error.not_genuine"


class NotIdCardError(CardError):
    """A genuine ICAO document that is not a Vietnamese ID card (a passport, say).

    The kiosk's services need the personal data of the CCCD's DG13.
    """

    message_key = "card.error.not_id_card"
