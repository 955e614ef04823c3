"""Whether a configuration can serve citizens: ``kiosk run`` and technician mode ask here."""

from __future__ import annotations

from kiosk.runtime.config import KioskConfig


def citizen_service_problems(config: KioskConfig) -> list[str]:
    """Why this configuration cannot serve citizens (empty: it can).

    Outside demo mode every device must be real, the card's signers trusted, the
    dossiers sealed for and sent to the real centre, and the face models intact:
    otherwise a dossier could be filed under a lent card or never reach the centre.
    """
    d, sync = config.devices, config.sync
    problems = [
        f"devices.{name} = {value!r}: expected {real!r} to serve citizens"
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
            problems.append(f"{key} = '': required to serve citizens")
    from kiosk.face.errors import FaceError
    from kiosk.face.models import check_models

    try:
        check_models()
    except FaceError as exc:
        problems.append(f"face models: {exc.detail}")
    return problems
