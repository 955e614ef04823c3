"""The checks that ask the centre: reachable with this kiosk's credential, and the clock.

One signed heartbeat answers both: it is authenticated like every call (RFC 9421,
a ``created`` time within :data:`~kiosk.central.protocol.MAX_SKEW_S` of the
centre's clock), and its answer carries the centre's time.  A kiosk whose clock is
off by more than that is refused as ``stale_request``: that is a clock problem,
not an enrolment one, and the remedy says so.  The heartbeat sent is a real one
(version, queue, the other checks' summary), so the centre's fleet page sees it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kiosk.base.central import Accepted, KioskRefused, RetryLater
from kiosk.central.protocol import MAX_SKEW_S
from kiosk.doctor.report import CheckResult, Status
from kiosk.runtime.config import ConfigError, KioskConfig

SKEW_FAIL_S = 60
"""Beyond a minute the receipts' times and the centre's disagree visibly; at
MAX_SKEW_S (5 min) every call is refused."""
REMEDY_CLOCK = "sudo timedatectl set-ntp true (and check the time zone: timedatectl)"


def _skew_text(skew: float) -> str:
    side = "behind" if skew > 0 else "ahead of"
    return f"the kiosk's clock is {abs(skew):.0f} s {side} the centre's"


def check_centre(
    config: KioskConfig,
    payload: dict[str, Any] | None = None,
    clock: Callable[[], float] = time.time,
) -> tuple[CheckResult, CheckResult]:
    """(centre, clock) results from one authenticated heartbeat."""
    url = config.sync.central_url
    if not url:
        skip = "sync.central_url is not set (demo: the kiosk's own centre)"
        return (
            CheckResult("centre", Status.SKIP, skip),
            CheckResult("clock", Status.SKIP, skip),
        )
    # Imported here: the client brings requests, which the local checks do not need.
    from kiosk.central.client import CentralClient
    from kiosk.central.protocol import load_ed25519_private

    s = config.sync
    kiosk = s.kiosk_id or f"{config.centre.unit_code}-K{config.centre.kiosk_number:02d}"
    try:
        if not s.credential:
            raise ConfigError("sync.credential is not set")
        key = load_ed25519_private(Path(s.credential))
    except (OSError, ValueError) as exc:
        unknown = CheckResult("clock", Status.SKIP, "not checked: no credential")
        return (
            CheckResult(
                "centre",
                Status.FAIL,
                f"this kiosk has no usable credential ({str(exc)[:120]})",
                "enrol the kiosk in technician mode (Centre → Enrol)",
            ),
            unknown,
        )
    client = CentralClient(
        url,
        kiosk,
        key,
        ca_bundle=s.ca_bundle,
        connect_timeout_s=s.connect_timeout_s,
        read_timeout_s=min(s.read_timeout_s, 10.0),
        clock=clock,
    )
    started = clock()
    try:
        outcome = client.heartbeat(payload or {})
    finally:
        client.close()
    if isinstance(outcome, KioskRefused) and "stale_request" in outcome.reason:
        return (
            CheckResult(
                "centre",
                Status.FAIL,
                f"{url} refuses the kiosk's requests as out of date (clock off by more than "
                f"{MAX_SKEW_S} s)",
                REMEDY_CLOCK,
            ),
            CheckResult(
                "clock",
                Status.FAIL,
                f"the kiosk's clock is more than {MAX_SKEW_S} s off the centre's",
                REMEDY_CLOCK,
            ),
        )
    if isinstance(outcome, KioskRefused):
        return (
            CheckResult(
                "centre",
                Status.FAIL,
                f"{url} refuses kiosk {kiosk}: {outcome.reason}",
                "the centre must approve this kiosk's key: enrol it in technician mode and give "
                "the centre its fingerprint",
            ),
            CheckResult("clock", Status.SKIP, "not checked: the centre refused the kiosk"),
        )
    if isinstance(outcome, RetryLater) or not isinstance(outcome, Accepted):
        reason = getattr(outcome, "reason", type(outcome).__name__)
        return (
            CheckResult(
                "centre",
                Status.FAIL,
                f"cannot reach the centre at {url} ({reason})",
                "check the network cable and the address: kiosk config set sync.central_url URL",
            ),
            CheckResult("clock", Status.SKIP, "not checked: the centre did not answer"),
        )
    centre = CheckResult("centre", Status.OK, f"{url} accepts kiosk {kiosk}")
    server_time = outcome.payload.get("server_time")
    if not isinstance(server_time, int | float):
        return centre, CheckResult("clock", Status.SKIP, "the centre did not send its time")
    # The answer left the centre between ``started`` and now: compare with the midpoint.
    skew = float(server_time) - (started + clock()) / 2
    if abs(skew) > SKEW_FAIL_S:
        return centre, CheckResult("clock", Status.FAIL, _skew_text(skew), REMEDY_CLOCK)
    return centre, CheckResult(
        "clock", Status.OK, f"within {max(1, round(abs(skew)))} s of the centre"
    )
