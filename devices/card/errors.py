"""The card errors every reader raises; each names the translated text to show the citizen.

A leaf module: the chip stack (:mod:`devices.card.mrtd`) derives its own errors
from these without importing the reader interface.
"""

from __future__ import annotations


class CardError(Exception):
    """A card could not be read; ``message_key`` is the translated text to show."""

    message_key = "card.error.unreadable"


class CardRemovedError(CardError):
    message_key = "card.error.removed"


class AccessDeniedError(CardError):
    message_key = "card.error.access_denied"


class NotGenuineError(CardError):
    """Passive authentication found altered data (or, later, a failed clone check)."""

    message_key = "card.error.not_genuine"
