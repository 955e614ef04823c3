"""Whether a configuration can serve citizens: ``kiosk run`` and technician mode ask here."""

from __future__ import annotations

from kiosk.doctor.report import Said, said
from kiosk.runtime.config import KioskConfig


def citizen_service_findings(config: KioskConfig) -> list[Said]:
    """Why this configuration cannot serve citizens (empty: it can), each as a message
    key with its English text (:func:`kiosk.doctor.texts.translate_said` translates it).

    Outside demo mode every device must be real, the card's signers trusted, the
    dossiers sealed for and sent to the real centre, and the face models intact:
    otherwise a dossier could be filed under a lent card or never reach the centre.
    """
    d, sync = config.devices, config.sync
    problems = [
        said(
            "doctor.readiness.device",
            "devices.{name} = {value}: expected {real} to serve citizens",
            name=name,
            value=repr(value),
            real=repr(real),
        )
        for name, value, real in (
            ("card_reader", d.card_reader, "pcsc"),
            ("camera", d.camera, "opencv"),
            ("printer", d.printer, "cups"),
            # A kiosk in service speaks (EN 301 549 clause 8): the simulator only records.
            ("speech", d.speech, "espeak"),
        )
        if value != real
    ]
    for key, value in (
        ("devices.trust_store", d.trust_store),
        ("sync.central_url", sync.central_url),
        ("sync.central_public_key", sync.central_public_key),
    ):
        if not value:
            problems.append(
                said(
                    "doctor.readiness.required",
                    "{setting} = '': required to serve citizens",
                    setting=key,
                )
            )
    from kiosk.face.errors import FaceError
    from kiosk.face.models import check_models

    try:
        check_models()
    except FaceError as exc:
        problems.append(
            said("doctor.readiness.face_models", "face models: {error}", error=str(exc.detail))
        )
    return problems


def citizen_service_problems(config: KioskConfig) -> list[str]:
    """:func:`citizen_service_findings` in English (``kiosk run`` prints them)."""
    return [finding.text for finding in citizen_service_findings(config)]
