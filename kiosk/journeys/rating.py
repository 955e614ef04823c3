"""Rating: three levels of satisfaction, a reason required for "not satisfied".

Step: ``rating`` (after the receipt, or from its tile).  The rating is queued
durably off the GUI thread and sent after the dossiers; the reason is free text a
citizen typed (it may name them), so it is sealed like a dossier.
"""

from __future__ import annotations

import logging
import secrets

from kiosk.base.events import Signal
from kiosk.journeys.base import Journey, JourneyContext
from kiosk.runtime.flow import Step, Trigger
from offline_cache.outbox import QueuedRating
from offline_cache.sealing import seal

log = logging.getLogger(__name__)

RATING_LEVELS = ("very_satisfied", "satisfied", "dissatisfied")


class RatingJourney(Journey):
    steps = frozenset({Step.RATING})

    def __init__(self, context: JourneyContext) -> None:
        super().__init__(context)
        self.errors = Signal("rating_errors")  # (message key)
        self.queued = Signal("rating_queued")  # (): the sync worker wakes

    def rate(self, level: str, reason: str = "") -> bool:
        """Rate the visit; False (and ``errors``) when a required reason is missing."""
        if level not in RATING_LEVELS:
            raise ValueError(level)
        reason = reason.strip()
        if level == "dissatisfied" and not reason:
            self.errors.emit("rating.error.reason_required")
            return False
        context = self.context
        sealed = seal(reason.encode("utf-8"), context.central_key, b"rating") if reason else None
        rating = QueuedRating(
            secrets.token_hex(16), level, self.session.procedure_code, sealed, context.now()
        )
        context.tasks.run(
            context.outbox.put_rating,
            rating,
            on_done=lambda _: self.queued.emit(),
            on_error=context.log_error,
        )
        log.info("rated", extra={"fields": {"level": level}})
        context.fire(Trigger.RATED)
        return True
