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
from kiosk.doctor.report import CheckResult, Said, Status, said
from kiosk.runtime.config import ConfigError, KioskConfig

SKEW_FAIL_S = 60
"""Beyond a minute the receipts' times and the centre's disagree visibly; at
MAX_SKEW_S (5 min) every call is refused."""
REMEDY_CLOCK = "sudo timedatectl set-ntp true (and check the time zone: timedatectl)"


def _remedy_clock() -> Said:
    return said("doctor.remedy.clock", REMEDY_CLOCK)


def _skew_text(skew: float) -> Said:
    seconds = f"{abs(skew):.0f}"
    if skew > 0:
        return said(
            "doctor.clock.behind",
            "the kiosk's clock is {seconds} s behind the centre's",
            seconds=seconds,
        )
    return said(
        "doctor.clock.ahead",
        "the kiosk's clock is {seconds} s ahead of the centre's",
        seconds=seconds,
    )


def _clock_not_checked(key: str, english: str) -> CheckResult:
    return CheckResult.of("clock", Status.SKIP, said(key, english))


def check_centre(
    config: KioskConfig,
    payload: dict[str, Any] | None = None,
    clock: Callable[[], float] = time.time,
) -> tuple[CheckResult, CheckResult]:
    """(centre, clock) results from one authenticated heartbeat."""
    url = config.sync.central_url
    if not url:
        skip = said(
            "doctor.centre.not_set", "sync.central_url is not set (demo: the kiosk's own centre)"
        )
        return (
            CheckResult.of("centre", Status.SKIP, skip),
            CheckResult.of("clock", Status.SKIP, skip),
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
        problem = (
            # Not enrolled yet: said in the technician's words, not as an error.
            said(
                "doctor.centre.not_enrolled",
                "this kiosk has no usable credential (sync.credential is not set)",
            )
            if isinstance(exc, ConfigError)
            else said(
                "doctor.centre.no_credential",
                "this kiosk has no usable credential ({error})",
                error=str(exc)[:120],
            )
        )
        return (
            CheckResult.of(
                "centre",
                Status.FAIL,
                problem,
                said("doctor.remedy.enrol", "enrol the kiosk in technician mode (Centre → Enrol)"),
            ),
            _clock_not_checked("doctor.clock.no_credential", "not checked: no credential"),
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
            CheckResult.of(
                "centre",
                Status.FAIL,
                said(
                    "doctor.centre.stale",
                    "{url} refuses the kiosk's requests as out of date (clock off by more than "
                    "{seconds} s)",
                    url=url,
                    seconds=MAX_SKEW_S,
                ),
                _remedy_clock(),
            ),
            CheckResult.of(
                "clock",
                Status.FAIL,
                said(
                    "doctor.clock.stale",
                    "the kiosk's clock is more than {seconds} s off the centre's",
                    seconds=MAX_SKEW_S,
                ),
                _remedy_clock(),
            ),
        )
    if isinstance(outcome, KioskRefused):
        return (
            CheckResult.of(
                "centre",
                Status.FAIL,
                said(
                    "doctor.centre.refused",
                    "{url} refuses kiosk {kiosk}: {reason}",
                    url=url,
                    kiosk=kiosk,
                    reason=str(outcome.reason),
                ),
                said(
                    "doctor.remedy.approve",
                    "the centre must approve this kiosk's key: enrol it in technician mode and "
                    "give the centre its fingerprint",
                ),
            ),
            _clock_not_checked("doctor.clock.refused", "not checked: the centre refused the kiosk"),
        )
    if isinstance(outcome, RetryLater) or not isinstance(outcome, Accepted):
        reason = getattr(outcome, "reason", type(outcome).__name__)
        return (
            CheckResult.of(
                "centre",
                Status.FAIL,
                said(
                    "doctor.centre.unreachable",
                    "cannot reach the centre at {url} ({reason})",
                    url=url,
                    reason=str(reason),
                ),
                said(
                    "doctor.remedy.network",
                    "check the network cable and the address: kiosk config set sync.central_url "
                    "URL",
                ),
            ),
            _clock_not_checked("doctor.clock.no_answer", "not checked: the centre did not answer"),
        )
    centre = CheckResult.of(
        "centre",
        Status.OK,
        said("doctor.centre.ok", "{url} accepts kiosk {kiosk}", url=url, kiosk=kiosk),
    )
    server_time = outcome.payload.get("server_time")
    if not isinstance(server_time, int | float):
        return centre, _clock_not_checked(
            "doctor.clock.no_time", "the centre did not send its time"
        )
    # The answer left the centre between ``started`` and now: compare with the midpoint.
    skew = float(server_time) - (started + clock()) / 2
    if abs(skew) > SKEW_FAIL_S:
        return centre, CheckResult.of("clock", Status.FAIL, _skew_text(skew), _remedy_clock())
    return centre, CheckResult.of(
        "clock",
        Status.OK,
        said(
            "doctor.clock.ok",
            "within {seconds} s of the centre",
            seconds=max(1, round(abs(skew))),
        ),
    )
