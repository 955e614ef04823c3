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

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from kiosk.base.identity import CitizenIdentity


@dataclass
class CitizenSession:
    """Everything the kiosk knows during one citizen's visit."""

    identity: CitizenIdentity | None = None
    procedure_code: str | None = None
    answers: dict[str, str] = field(default_factory=dict)
    form: Any = field(default=None, repr=False)  # a kiosk.forms.engine.FormSession over ``answers``
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
    face_check: Any = None  # the face journey's outcome (kiosk.journeys.face.FaceOutcome)

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
        self.face_check = None
