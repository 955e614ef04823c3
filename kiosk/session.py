"""The citizen's session data and the one wipe that ends every session.

Python cannot overwrite an ``str`` in place, so the wipe drops every
reference the kiosk holds (identity, answers, photo) and zeroes the mutable
buffers it can (the chip photo is kept in a ``bytearray`` for that reason).
The core then replaces the session object; the UI clears every screen and
the clipboard; the logging scrubber forgets the session's values.  A test
looks for a finished session's personal data in the widget tree and in all
objects the garbage collector can reach.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date
from typing import Any

PERSONAL_FIELDS = (
    "id_number",
    "full_name",
    "date_of_birth",
    "sex",
    "nationality",
    "ethnicity",
    "place_of_origin",
    "place_of_residence",
    "date_of_issue",
    "date_of_expiry",
)


@dataclass
class CitizenIdentity:
    """What the chip says about its holder (DG1/DG13/DG2), already parsed."""

    id_number: str
    full_name: str
    date_of_birth: date
    sex: str = ""
    nationality: str = "Việt Nam"
    ethnicity: str = ""
    place_of_origin: str = ""
    place_of_residence: str = ""
    date_of_issue: date | None = None
    date_of_expiry: date | None = None
    photo: bytearray | None = field(default=None, repr=False)

    def __repr__(self) -> str:  # never print personal data by accident
        return "CitizenIdentity(<personal data>)"

    __str__ = __repr__

    def scrub_values(self) -> list[str]:
        """The values a log line must never contain."""
        values: list[str] = []
        for name in PERSONAL_FIELDS:
            value = getattr(self, name)
            if isinstance(value, date):
                values += [value.strftime("%d/%m/%Y"), value.isoformat(), value.strftime("%d%m%Y")]
            elif value:
                values.append(str(value))
        return values

    def wipe(self) -> None:
        if self.photo is not None:
            self.photo[:] = bytes(len(self.photo))
            self.photo = None
        for f in fields(self):
            if f.name == "photo":
                continue
            setattr(self, f.name, None if f.type.startswith("date") else "")


@dataclass
class CitizenSession:
    """Everything the kiosk knows during one citizen's visit."""

    identity: CitizenIdentity | None = None
    procedure_code: str | None = None
    answers: dict[str, str] = field(default_factory=dict)
    form: Any = field(default=None, repr=False)  # a kiosk.form.FormSession over ``answers``
    # Papers still needed: document key -> a photographed page, or None (at the counter).
    papers: dict[str, Any] = field(default_factory=dict, repr=False)
    dossier_code: str | None = None
    appointment: date | None = None
    error_key: str | None = None
    card_attempts: int = 0
    access_key: object | None = field(default=None, repr=False)  # an AccessKey: a secret
    key_candidates: list[object] = field(default_factory=list, repr=False)  # from the QR
    key_prefill: tuple[str, str] | None = field(default=None, repr=False)  # ID, birth
    authenticity: str = "not_checked"
    active_authentication: str = "not_checked"

    @property
    def identified(self) -> bool:
        return self.identity is not None

    def drop_personal_data(self) -> None:
        """Forget identity and answers (once the dossier is sealed, nothing needs them)."""
        self.access_key = None
        self.key_candidates.clear()
        self.key_prefill = None
        if self.identity is not None:
            self.identity.wipe()
            self.identity = None
        if self.form is not None:
            self.form.wipe()
            self.form = None
        for key in list(self.answers):
            self.answers[key] = ""
        self.answers.clear()
        self.papers.clear()

    def wipe(self) -> None:
        self.drop_personal_data()
        self.procedure_code = None
        self.dossier_code = None
        self.appointment = None
        self.error_key = None
        self.card_attempts = 0
        self.authenticity = "not_checked"
        self.active_authentication = "not_checked"
