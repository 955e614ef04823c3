"""Rating: three levels of satisfaction, a reason required for "not satisfied".

Step: ``rating`` (after the receipt, or from its tile).  The rating is queued
durably off the GUI thread and sent after the dossiers.  The reason is one of
:data:`RATING_REASONS`, touched, and/or free text the citizen typed (it may name
them); both are sealed like a dossier, as ``reason:<key>`` on the first line and the
text after it.
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
RATING_REASONS = ("waiting", "hard_to_use", "unclear", "staff", "other")
"""The common reasons offered to touch (texts ``rating.reason.<key>``), so nobody must type."""


class RatingJourney(Journey):
    steps = frozenset({Step.RATING})

    def __init__(self, context: JourneyContext) -> None:
        super().__init__(context)
        self.errors = Signal("rating_errors")  # (message key)
        self.queued = Signal("rating_queued")  # (): the sync worker wakes

    def rate(self, level: str, reason: str = "", choice: str | None = None) -> bool:
        """Rate the visit; ``choice`` is one of :data:`RATING_REASONS`, ``reason`` typed text.
        False (and ``errors``) when "not satisfied" comes with neither."""
        if level not in RATING_LEVELS:
            raise ValueError(level)
        if choice is not None and choice not in RATING_REASONS:
            raise ValueError(choice)
        reason = reason.strip()
        if level == "dissatisfied" and not reason and choice is None:
            self.errors.emit("rating.error.reason_required")
            return False
        if choice is not None:
            reason = f"reason:{choice}" + (f"\n{reason}" if reason else "")
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
        log.info("rated", extra={"fields": {"level": level, "reason": choice}})
        context.fire(Trigger.RATED)
        return True
