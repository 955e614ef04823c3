"""One family of typed errors for everything that can go wrong with a chip.

Each error carries ``message_key``, the translated text to show the citizen,
and a message for technicians that never contains personal data or keys.
"""

from __future__ import annotations

from devices.card.errors import AccessDeniedError, CardError, CardLinkError


class ChipDataError(CardError):
    """A chip file is malformed, truncated, too large or not what it claims."""

    message_key = "card.error.unreadable"


class StatusWordError(CardError):
    """The card answered a command with an error status word."""

    message_key = "card.error.unreadable"

    def __init__(self, sw: int, command: str) -> None:
        super().__init__(f"{command}: status {sw:04X}")
        self.sw = sw


class SecureMessagingError(CardError):
    """A protected response failed its MAC or was malformed: the session is over."""

    message_key = "card.error.unreadable"


class AccessControlError(AccessDeniedError):
    """BAC or PACE was refused: usually a wrong access key (dates, number or CAN)."""

    message_key = "card.error.access_denied"


class CanNotAcceptedError(AccessControlError):
    """The CAN was given but the card does not do PACE: it needs the ID number and dates."""

    message_key = "card.error.can_unsupported"


class ExtendedLengthRefusedError(CardLinkError):
    """The reader or card refused an extended-length APDU during secure messaging."""
