"""The sync worker: sends queued dossiers to the centre, oldest first.

One background thread (never the GUI thread).  The policy, declared once in
:class:`Backoff`, follows ODK Collect's send loop and its lessons:

- each dossier is leased before sending (locked once sending starts) and sent
  with its own idempotency key, so a worker killed at any instant never makes
  the centre record a dossier twice;
- a retryable failure (network, timeout, 5xx, 429) counts an attempt, delays
  that dossier exponentially with jitter up to a cap (or as ``Retry-After``
  asks) and pauses the whole batch: the next dossiers would fail the same way;
- a permanent refusal (4xx) moves that dossier to the dead-letter state with
  the reason, for staff; the batch goes on;
- a refusal of the kiosk itself (401/403) keeps the dossier queued and
  pauses sending: the credential, not the dossier, needs fixing;
- when a send or a heartbeat succeeds after failures, the network is back:
  every waiting dossier becomes due at once (the backoff resets);
- every heartbeat carries its send time (``sent_at``: the centre keeps the newest)
  and the numbering's high-water mark, and the centre's
  answer (the highest numbers it has seen from this kiosk) raises it: that is
  how a kiosk that lost its data folder learns where to go on numbering from
  (``offline_cache/numbering.py``).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from kiosk.base.central import Accepted, DossierUpload, KioskRefused, Outcome, Refused, RetryLater
from kiosk.base.loop import BackgroundLoop
from offline_cache.outbox import Claim, Outbox

log = logging.getLogger(__name__)


class Central(Protocol):
    def submit_dossier(self, upload: DossierUpload, idempotency_key: str) -> Outcome: ...

    def heartbeat(self, payload: dict[str, Any]) -> Outcome: ...

    def submit_rating(
        self, level: str, procedure_code: str | None, reason_sealed: bytes | None, key: str
    ) -> Outcome: ...


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with "equal jitter" and a cap (seconds)."""

    initial_s: float = 2.0
    cap_s: float = 300.0
    rng: random.Random = field(default_factory=random.Random, compare=False)

    def delay(self, attempt: int, retry_after_s: float | None = None) -> float:
        base = min(self.cap_s, self.initial_s * 2 ** max(0, attempt - 1))
        jittered = base / 2 + self.rng.uniform(0, base / 2)
        if retry_after_s is not None:
            # The centre said when: never sooner, and never absurdly later than the cap.
            return min(max(jittered, retry_after_s), max(self.cap_s, 3600.0))
        return jittered


@dataclass
class SyncReport:
    sent: int = 0
    retried: int = 0
    dead: int = 0
    paused_s: float = 0.0
    last_error: str | None = None


class SyncWorker(BackgroundLoop):
    """Drains the outbox into the centre.

    ``run_once`` does one pass on the caller's thread (the CLI, tests);
    ``start`` runs passes on a daemon thread until ``stop``; ``kick`` wakes it
    (a dossier was just queued).
    """

    thread_name = "sync-worker"

    def __init__(
        self,
        outbox: Outbox,
        central: Central,
        *,
        backoff: Backoff | None = None,
        lease: timedelta = timedelta(seconds=60),
        heartbeat_interval_s: float = 60.0,
        heartbeat_payload: Callable[[], dict[str, Any]] | None = None,
        now: Callable[[], datetime] = datetime.now,
        on_change: Callable[[SyncReport], None] | None = None,
        chores: list[tuple[float, Callable[[], object]]] | None = None,
    ) -> None:
        super().__init__()
        self.outbox = outbox
        self.central = central
        self.backoff = backoff or Backoff()
        self.lease = lease
        self.heartbeat_interval_s = heartbeat_interval_s
        self.heartbeat_payload = heartbeat_payload
        self.now = now
        self._on_change = on_change
        # Other periodic work on this thread (interval in seconds, function): catalogue checks.
        self.chores = list(chores or [])
        self._next_heartbeat = 0.0  # time.monotonic() of the thread's next heartbeat
        self._chores_due: list[float] = []
        self._failures = 0  # consecutive retryable failures: the network's state
        self.online: bool | None = None
        self.last_error: str | None = None

    # One pass ---------------------------------------------------------------------
    def run_once(self) -> SyncReport:
        report = SyncReport()
        while not self._stop.is_set():
            claim = self.outbox.claim_next(self.now(), self.lease)
            if claim is None:
                break
            outcome = self._send(claim)
            if not self._settle(claim, outcome, report):
                break
        if not report.retried and not report.paused_s:
            self._send_ratings()
        if self._on_change and (report.sent or report.retried or report.dead):
            self._on_change(report)
        return report

    def _send(self, claim: Claim) -> Outcome:
        upload = DossierUpload(
            claim.meta.code,
            claim.meta.procedure_code,
            claim.meta.received_at,
            claim.meta.appointment,
            claim.sealed,
        )
        try:
            return self.central.submit_dossier(upload, claim.idempotency_key)
        except Exception as exc:  # a bug must not kill the worker or lose the dossier
            log.exception("sync_send_crashed")
            return RetryLater(f"internal: {type(exc).__name__}")

    def _settle(self, claim: Claim, outcome: Outcome, report: SyncReport) -> bool:
        """Record the outcome; False stops the pass."""
        now = self.now()
        if isinstance(outcome, Accepted):
            self.outbox.mark_sent(claim, now, str(outcome.payload.get("central_ref", "")))
            report.sent += 1
            self._network_back()
            log.info("dossier_sent", extra={"fields": {"attempts": claim.attempts + 1}})
            return True
        report.last_error = self.last_error = outcome.reason
        if isinstance(outcome, Refused):
            self.outbox.mark_dead(claim, now, outcome.reason)
            report.dead += 1
            log.warning("dossier_refused", extra={"fields": {"status": outcome.status}})
            return True
        if isinstance(outcome, KioskRefused):
            self.outbox.release(claim, now, outcome.reason)
            report.paused_s = self.backoff.cap_s
            self.online = True  # the centre answered; it does not accept this kiosk
            log.error("kiosk_refused", extra={"fields": {"status": outcome.status}})
            return False
        delay = self.backoff.delay(claim.attempts + 1, outcome.retry_after_s)
        self.outbox.mark_retry(claim, now, now + timedelta(seconds=delay), outcome.reason)
        self._failures += 1
        self.online = False
        report.retried += 1
        report.paused_s = delay
        log.warning("dossier_retry_later", extra={"fields": {"delay_s": round(delay, 1)}})
        return False

    def _network_back(self) -> None:
        if self._failures or self.online is False:
            woken = self.outbox.wake_all()
            log.info("network_back", extra={"fields": {"woken": woken}})
        self._failures = 0
        self.online = True
        self.last_error = None

    def _send_ratings(self) -> None:
        """Ratings after dossiers; a failure leaves them for the next pass."""
        for rating in self.outbox.pending_ratings():
            if self._stop.is_set():
                return
            try:
                outcome = self.central.submit_rating(
                    rating.level, rating.procedure_code, rating.sealed_reason, rating.key
                )
            except Exception:
                log.exception("rating_send_crashed")
                return
            if isinstance(outcome, Accepted):
                self.outbox.mark_rating(rating.key, "sent")
            elif isinstance(outcome, Refused):
                log.warning("rating_refused", extra={"fields": {"status": outcome.status}})
                self.outbox.mark_rating(rating.key, "dead")
            else:
                return

    def heartbeat(self) -> Outcome:
        payload = dict(self.heartbeat_payload() if self.heartbeat_payload else {})
        # The kiosk's own send time: the centre keeps the newest heartbeat by it, whatever
        # order copies arrive in (a retry, a second worker).
        payload["sent_at"] = round(time.time(), 3)
        try:
            mark = self.outbox.numbering_mark()
            if mark is not None:
                payload["numbering"] = mark
            outcome = self.central.heartbeat(payload)
        except Exception as exc:
            log.exception("heartbeat_crashed")
            return RetryLater(f"internal: {type(exc).__name__}")
        if isinstance(outcome, Accepted):
            self._network_back()
            self._adopt_numbering(outcome.payload.get("numbering"))
        else:
            self.online = isinstance(outcome, KioskRefused | Refused)
        return outcome

    def _adopt_numbering(self, numbers: object) -> None:
        """The centre's last numbers from this kiosk raise the mark (never lower it)."""
        if not isinstance(numbers, dict):
            return  # a centre that does not keep them: the mark stays as it is
        try:
            if self.outbox.adopt_numbering(numbers, "centre"):
                log.info("numbering_known", extra={"fields": {"from": "centre"}})
        except Exception:  # a full disk or a damaged store: the next heartbeat tries again
            log.exception("numbering_adopt_failed")

    # The thread (kiosk.base.loop) -------------------------------------------------
    def start(self) -> None:
        # A heartbeat and every chore at once, then each at its interval.
        self._next_heartbeat = 0.0
        self._chores_due = [0.0] * len(self.chores)
        super().start()

    def _pass(self) -> float:
        clock = time.monotonic
        try:
            if clock() >= self._next_heartbeat:
                self.heartbeat()
                self._next_heartbeat = clock() + self.heartbeat_interval_s
            for i, (interval, chore) in enumerate(self.chores):
                if clock() >= self._chores_due[i]:
                    self._chores_due[i] = clock() + interval
                    chore()
            report = self.run_once()
            wait = self._until_due(report)
        except Exception:  # the store hiccupped: keep the thread alive and try again
            log.exception("sync_pass_failed")
            wait = self.backoff.initial_s
        return min(wait, max(0.0, self._next_heartbeat - clock()))

    def _until_due(self, report: SyncReport) -> float:
        if report.paused_s:
            return report.paused_s
        due = self.outbox.next_due()
        if due is None:
            return self.heartbeat_interval_s
        return max(0.05, (due - self.now()).total_seconds())


__all__ = ["Backoff", "Central", "SyncReport", "SyncWorker"]
