"""Deadlines on every call to a card, so the reader thread never waits on a silent chip.

A chip that answers a few commands and then goes silent, its connection still
open, blocks the call that is waiting for it: pcscd with a virtual reader has
no timeout of its own, and some real readers' drivers wait for minutes.  So
every blocking call to the card (connect, each APDU, disconnect) runs on a
``card-io`` :class:`~devices.worker.DeviceThread`, and the reader thread waits
for it at most the APDU's deadline and what is left of the whole read's.

When a deadline passes, the call is *abandoned*: the reader raises
:class:`~devices.card.errors.CardTimeoutError` at once, the ``card-io`` thread
(still blocked in the driver) is left to finish on its own and then to clean
up (disconnect, release its PC/SC context), and the next read gets a fresh
``card-io`` thread.  The reader adapters show the stuck call as
``ReaderState.NOT_RESPONDING`` until it comes back.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, TypeVar

from devices.card.base import CardDeadlines
from devices.card.errors import CardTimeoutError
from devices.card.mrtd.apdu import Transport
from devices.worker import DeviceThread

log = logging.getLogger(__name__)
R = TypeVar("R")


class CardIo:
    """One ``card-io`` thread and the deadline of the read in progress.

    Threading contract: :meth:`call`, :meth:`begin_read`, :meth:`end_read` and
    :meth:`abandon` are called by the reader thread only; the functions passed to
    :meth:`call` run on the ``card-io`` thread, one at a time, in order.
    """

    def __init__(
        self, deadlines: CardDeadlines, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.deadlines = deadlines
        self.clock = clock
        self.abandoned = False
        self.calls = 0
        self._thread = DeviceThread("card-io")
        self._read_ends: float | None = None

    def begin_read(self) -> None:
        """The whole read's deadline starts now."""
        self._read_ends = self.clock() + self.deadlines.read_s
        self.calls = 0

    def end_read(self) -> None:
        self._read_ends = None

    def call(self, fn: Callable[..., R], *args: Any) -> R:
        """``fn(*args)`` on the ``card-io`` thread, waited for within the deadlines.

        Raises :class:`CardTimeoutError` when the APDU deadline or the whole read's
        passes first (the call is then abandoned, see :meth:`abandon`).
        """
        if self.abandoned:
            raise CardTimeoutError("the card's connection was abandoned after a deadline")
        wait, whole_read = self.deadlines.apdu_s, False
        if self._read_ends is not None:
            left = self._read_ends - self.clock()
            if left <= 0:
                # Every command answered in time, yet far too slowly overall: nothing is
                # blocked, so the connection is kept and closed normally.
                raise CardTimeoutError(
                    f"the whole read took longer than {self.deadlines.read_s:g} s "
                    f"({self.calls} commands)"
                )
            wait, whole_read = min(wait, left), left < wait
        self.calls += 1
        future: Future[R] = self._thread.call(fn, *args)
        try:
            return future.result(timeout=wait)
        except FutureTimeout:
            self.abandoned = True
            log.warning(
                "card_call_abandoned",
                extra={"fields": {"command": self.calls, "waited_s": round(wait, 2)}},
            )
            if whole_read:
                message = (
                    f"the whole read took longer than {self.deadlines.read_s:g} s "
                    f"(command {self.calls} still unanswered)"
                )
            else:
                message = f"no answer within {wait:g} s (command {self.calls} of this read)"
            raise CardTimeoutError(message) from None

    def abandon(self, cleanup: Callable[[], object] | None = None) -> Future[object]:
        """Leave the blocked call to finish on its own; then ``cleanup`` and stop the thread.

        The returned future is done when the abandoned call has come back and the
        cleanup has run: until then the reader is ``NOT_RESPONDING``.
        """
        self.abandoned = True
        done: Future[object] = self._thread.call(cleanup or (lambda: None))
        self._thread.stop(timeout=0)  # queued after the cleanup; nobody waits for it
        return done

    def stop(self) -> None:
        """Stop an idle thread (after a read that ended normally)."""
        self._thread.stop(timeout=0 if self.abandoned else 2.0)


class IoTransport:
    """A :class:`~devices.card.mrtd.apdu.Transport` whose every APDU goes through ``io``."""

    def __init__(self, io: CardIo, inner: Transport) -> None:
        self.io = io
        self.inner = inner

    def transmit(self, apdu: bytes) -> bytes:
        return self.io.call(self.inner.transmit, apdu)
