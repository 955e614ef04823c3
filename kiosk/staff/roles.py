"""Who is using the kiosk: a citizen (the default), a staff member or a technician."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Role(enum.Enum):
    CITIZEN = "citizen"
    STAFF = "staff"
    TECHNICIAN = "technician"

    def may(self, needed: Role) -> bool:
        """A technician may do what staff may; staff and technicians what a citizen may."""
        rank = {Role.CITIZEN: 0, Role.STAFF: 1, Role.TECHNICIAN: 2}
        return rank[self] >= rank[needed]


@dataclass(frozen=True)
class Operator:
    """A signed-in staff member or technician: known by staff ID only, never by name."""

    staff_id: str
    role: Role
