"""The PC/SC card reader (pyscard's low-level ``scard`` API).

Threading contract: the ``card-reader`` thread owns the watching context and
runs each read; nothing else watches (AusweisApp and Electrum do the same).
Between jobs it *waits* on the reader with ``SCardGetStatusChange`` (PC/SC part 5
§3.1.9) for up to ``poll_s``, so a card is seen the moment pcscd sees it rather
than at the next poll (the greeting followed the card by up to half a second when
this polled).  A job (a read) or :meth:`PcscCardReader.stop` ends the wait at once
with ``SCardCancel``, the one PC/SC call meant to come from another thread; the
GUI never waits on the reader.  The card itself is talked to on
a ``card-io`` thread with a PC/SC context of its own (:mod:`devices.card.deadline`):
a chip that stops answering holds that thread, never the reader's, and each
call has a deadline.

The adapter survives what happens in the field: pcscd not running (said
plainly: NO_SERVICE, the most common "reader not found"), pcscd restarted
(the context is dropped and established again), the reader unplugged and
plugged back, the card pulled out mid-read, a chip that goes silent with its
connection open (the call is abandoned after its deadline, the reader shows
NOT_RESPONDING until it comes back, and the next card is read on a fresh
``card-io`` thread and context).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar

from cryptography import x509
from smartcard import scard

from devices.card.access import AccessKey
from devices.card.base import (
    CardDeadlines,
    CardLinkError,
    CardReadResult,
    CardRemovedError,
    CardTimeoutError,
    ReaderSignals,
    ReaderState,
    ReaderStatus,
)
from devices.card.chipread import read_identity
from devices.card.deadline import CardIo, IoTransport
from devices.card.mrtd.errors import ExtendedLengthRefusedError
from devices.worker import DeviceThread

log = logging.getLogger(__name__)
T = TypeVar("T")

_SERVICE_GONE = {
    scard.SCARD_E_NO_SERVICE,
    scard.SCARD_E_SERVICE_STOPPED,
    scard.SCARD_E_INVALID_HANDLE,
    scard.SCARD_F_COMM_ERROR,
}
_CARD_GONE = {
    scard.SCARD_W_REMOVED_CARD,
    scard.SCARD_E_NO_SMARTCARD,
    scard.SCARD_W_RESET_CARD,
    scard.SCARD_E_READER_UNAVAILABLE,
    scard.SCARD_E_UNKNOWN_READER,
}


# pcsc-lite's pseudo-reader that changes state when a reader is plugged in or out.
PNP_NOTIFICATION = "\\\\?PnP?\\Notification"


def _code(hresult: int) -> str:
    return f"{hresult & 0xFFFFFFFF:08X}"


class _PcscLink:
    """One connection to the card, made, used and closed on the ``card-io`` thread only.

    It has a PC/SC context of its own: pcsc-lite serialises the calls of one context,
    so a transmit stuck on a silent chip would otherwise block the reader's polls too.
    """

    def __init__(self, reader_name: str) -> None:
        self.reader_name = reader_name
        self.context: int | None = None
        self.card: int | None = None
        self.protocol = 0

    def connect(self) -> None:
        hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        if hresult != scard.SCARD_S_SUCCESS:
            raise CardLinkError(f"no PC/SC context ({_code(hresult)})")
        self.context = context
        hresult, card, protocol = scard.SCardConnect(
            context,
            self.reader_name,
            scard.SCARD_SHARE_EXCLUSIVE,
            scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1,
        )
        if hresult in _CARD_GONE:
            raise CardRemovedError("no card on the reader")
        if hresult == scard.SCARD_E_SHARING_VIOLATION:
            # An abandoned call still holds the reader (a silent chip not yet taken off).
            raise CardTimeoutError("the reader is still held by a call that did not return")
        if hresult != scard.SCARD_S_SUCCESS:
            raise CardLinkError(f"connect failed {_code(hresult)}")
        self.card, self.protocol = card, protocol

    def transmit(self, apdu: bytes) -> bytes:
        if self.card is None:
            raise CardLinkError("not connected")
        hresult, response = scard.SCardTransmit(self.card, self.protocol, list(apdu))
        if hresult == scard.SCARD_S_SUCCESS:
            if len(response) < 2:
                # No status word: the card went silent (taken off the reader mid-exchange).
                raise CardRemovedError("the card stopped answering")
            return bytes(response)
        extended = len(apdu) > 5 and apdu[4] == 0
        if extended and hresult in (
            scard.SCARD_E_INSUFFICIENT_BUFFER,
            scard.SCARD_E_NOT_TRANSACTED,
        ):
            # The reader's driver does not carry extended-length APDUs: the protocol
            # starts again in short APDUs (it cannot fake a card's answer under SM).
            raise ExtendedLengthRefusedError("the reader refused an extended-length APDU")
        if hresult in _CARD_GONE or hresult == scard.SCARD_E_NOT_TRANSACTED:
            # Contact lost mid-exchange: for the citizen, "place the card again".
            raise CardRemovedError("card removed during read")
        raise CardLinkError(f"reader error {_code(hresult)}")

    def close(self, disposition: int = scard.SCARD_RESET_CARD) -> None:
        """Disconnect (resetting the card, or powering it off after a silent spell)."""
        if self.card is not None:
            scard.SCardDisconnect(self.card, disposition)
            self.card = None
        if self.context is not None:
            scard.SCardReleaseContext(self.context)
            self.context = None


class PcscCardReader(ReaderSignals):
    """Implements :class:`devices.card.base.CardReader` over PC/SC."""

    def __init__(
        self,
        reader_name: str = "",
        trust_store: list[x509.Certificate] | None = None,
        poll_s: float = 0.5,
        deadlines: CardDeadlines | None = None,
    ) -> None:
        super().__init__()
        self.reader_name = reader_name
        self.trust_store = trust_store or []
        self.deadlines = deadlines or CardDeadlines()
        self.poll_s = poll_s
        # The tick blocks in SCardGetStatusChange itself: no pause between ticks.
        self._thread = DeviceThread("card-reader", tick=self._poll, tick_s=0.0)
        self._wake = threading.Event()  # a job or stop is waiting: do not start a wait
        self._stopping = False
        self._known: dict[str, int] = {}  # reader → its state at the last wait
        self._pnp = True  # pcsc-lite tells of readers plugged in (turned off if not)
        self._context: int | None = None
        self._reader: str | None = None
        self._present = False
        self._events: int | None = None
        self._status = ReaderStatus(ReaderState.NO_SERVICE)
        self._status_lock = threading.Lock()
        self._io: CardIo | None = None  # the card-io thread of the next read
        self._stuck: Future[object] | None = None  # done when an abandoned call came back

    # Interface -------------------------------------------------------------------
    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping = True
        if self._thread.is_current:
            self._release()
        else:
            self._thread.call(self._job, self._release)
            self._interrupt()
        self._thread.stop()

    def status(self) -> ReaderStatus:
        with self._status_lock:
            return self._status

    def read_card(self, key: AccessKey) -> Future[CardReadResult]:
        future = self._thread.call(self._job, self._read, key)
        self._interrupt()
        return future

    def _job(self, fn: Callable[..., T], *args: object) -> T:
        self._wake.clear()  # the job runs: nothing more to cancel
        return fn(*args)

    def _interrupt(self) -> None:
        """End the reader thread's wait now (from any thread): a job is queued, or stop.

        ``SCardCancel`` ends a wait in progress, but one that reaches pcscd while the
        reader thread is between two waits (listing the readers, or entering the call)
        is lost, and the thread would then sit out a whole wait.  So a short-lived thread
        repeats it until the reader thread has taken the job (``_wake`` cleared).
        """
        self._wake.set()
        threading.Thread(target=self._cancel_wait, name="card-reader-wake", daemon=True).start()

    def _cancel_wait(self) -> None:
        deadline = time.monotonic() + self.poll_s + 1.0
        while self._wake.is_set() and time.monotonic() < deadline:
            context = self._context
            if context is not None:
                scard.SCardCancel(context)
            time.sleep(0.005)

    # On the reader thread --------------------------------------------------------
    def _set_status(self, status: ReaderStatus) -> None:
        if self._stuck is not None and status.state in (
            ReaderState.READY,
            ReaderState.CARD_PRESENT,
        ):
            status = ReaderStatus(ReaderState.NOT_RESPONDING, status.reader_name)
        with self._status_lock:
            changed = status != self._status
            self._status = status
        if changed:
            log.info("reader_status", extra={"fields": {"state": status.state.value}})
            self.status_changed.emit(status)

    def _presence_status(self) -> ReaderStatus:
        state = ReaderState.CARD_PRESENT if self._present else ReaderState.READY
        return ReaderStatus(state, self._reader or "")

    def _release(self) -> None:
        if self._io is not None:
            self._io.stop()
            self._io = None
        if self._context is not None:
            context, self._context = self._context, None
            scard.SCardReleaseContext(context)
        self._known.clear()

    def _lost_service(self) -> None:
        self._release()
        self._set_presence(False)
        self._reader = None
        self._set_status(ReaderStatus(ReaderState.NO_SERVICE))

    def _set_presence(self, present: bool) -> None:
        if present == self._present:
            return
        self._present = present
        status = self._presence_status()
        self._set_status(status)
        (self.card_inserted if present else self.card_removed).emit(status)

    def _poll(self) -> None:
        if self._wake.is_set():
            self._wake.clear()  # a job is queued: let the thread run it first
            return
        if self._stopping:
            return
        self._watch()
        if self._stuck is not None and self._stuck.done():
            self._stuck = None  # the abandoned call came back and was cleaned up
            log.info("reader_recovered")
            if self.status().state is ReaderState.NOT_RESPONDING:
                self._set_status(self._presence_status())

    def _pause(self) -> None:
        """No pcscd or no reader to wait on: try again after ``poll_s`` (or a job)."""
        if self._wake.wait(self.poll_s):
            self._wake.clear()

    def _watch(self) -> None:
        """Wait for the reader's (or the reader list's) next change, then report it."""
        if self._context is None:
            hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
            if hresult != scard.SCARD_S_SUCCESS:
                self._set_status(ReaderStatus(ReaderState.NO_SERVICE))
                self._pause()
                return
            self._context = context
        hresult, readers = scard.SCardListReaders(self._context, [])
        if hresult in _SERVICE_GONE:
            self._lost_service()
            self._pause()
            return
        matching = [r for r in (readers or []) if self.reader_name.lower() in r.lower()]
        if hresult != scard.SCARD_S_SUCCESS or not matching:
            self._set_presence(False)
            self._reader = None
            self._set_status(ReaderStatus(ReaderState.NO_READER))
            if not self._wait([]):
                self._pause()
            return
        if matching[0] != self._reader:
            self._known.pop(self._reader or "", None)
        self._reader = matching[0]
        self._wait([self._reader])

    def _wait(self, readers: list[str]) -> bool:
        """One ``SCardGetStatusChange`` on ``readers`` (and the PnP pseudo-reader).

        Each reader is passed the state seen last time, so the call returns as soon as
        anything differs (the first call, with UNAWARE, returns at once).  False when
        there was nothing to wait on (no PnP support and no reader).
        """
        names = readers + ([PNP_NOTIFICATION] if self._pnp else [])
        if not names or self._context is None:
            return False
        timeout_ms = max(1, int(self.poll_s * 1000))
        hresult, states = scard.SCardGetStatusChange(
            self._context,
            timeout_ms,
            [(name, self._known.get(name, scard.SCARD_STATE_UNAWARE)) for name in names],
        )
        if hresult in _SERVICE_GONE:
            self._lost_service()
            return True
        if hresult == scard.SCARD_E_CANCELLED:
            return True  # a job or stop: the thread runs it now
        if hresult not in (scard.SCARD_S_SUCCESS, scard.SCARD_E_TIMEOUT) or not states:
            if self._pnp and hresult == scard.SCARD_E_UNKNOWN_READER:
                self._pnp = False  # this pcsc-lite has no PnP pseudo-reader
            else:
                self._pause()  # an error that would come back at once: no busy loop
            return True
        for name, event_state, _atr in states:
            if name == PNP_NOTIFICATION and event_state & scard.SCARD_STATE_UNKNOWN:
                self._pnp = False
                continue
            self._known[name] = event_state & ~scard.SCARD_STATE_CHANGED
            if name == self._reader:
                self._reader_state(event_state)
        return True

    def _reader_state(self, event_state: int) -> None:
        if event_state & (scard.SCARD_STATE_UNKNOWN | scard.SCARD_STATE_UNAVAILABLE):
            return  # unplugged: the next list of readers says so
        # A mute card is still a card: the read then fails with a plain message instead
        # of leaving the citizen waiting on "place your card".
        present = bool(event_state & scard.SCARD_STATE_PRESENT)
        # pcsc-lite counts card events in the high 16 bits: a card swapped during a read
        # (when nothing waits) shows as a changed counter with the card present both times.
        events = (event_state >> 16) & 0xFFFF
        if present and self._present and self._events is not None and events != self._events:
            self._set_presence(False)
        self._events = events
        if not self._present and not present:
            self._set_status(ReaderStatus(ReaderState.READY, self._reader or ""))
        self._set_presence(present)

    def _read(self, key: AccessKey) -> CardReadResult:
        if self._context is None or self._reader is None:
            raise CardLinkError("no reader")
        io = self._io = self._io or CardIo(self.deadlines)
        link = _PcscLink(self._reader)
        io.begin_read()
        try:
            try:
                io.call(link.connect)
            except CardLinkError as exc:
                raise exc.at("connect") from None
            return read_identity(
                IoTransport(io, link), key, self.trust_store, self.read_progress.emit
            )
        finally:
            io.end_read()
            if not io.abandoned:
                try:
                    io.call(link.close)
                except CardTimeoutError:
                    pass  # abandoned below, like a command that got no answer
            if io.abandoned:
                self._abandon(io, link)

    def _abandon(self, io: CardIo, link: _PcscLink) -> None:
        """A call to the card passed its deadline: leave it, keep the reader going.

        The blocked ``card-io`` thread disconnects (powering the card off) and releases
        its context once the call comes back (for a silent chip: when it is taken off).
        The next read gets a fresh thread and context; the polls go on meanwhile on the
        reader's own context, so the next card is seen.
        """
        self._io = None
        context = link.context
        if context is not None:
            # Ends any blocking status wait on that context (pcsc-lite does not cancel a
            # transmit: the transmit ends when the card is taken off).
            scard.SCardCancel(context)
        self._stuck = io.abandon(lambda: link.close(scard.SCARD_UNPOWER_CARD))
        self._set_status(self._presence_status())


def list_readers() -> tuple[ReaderState, list[str]]:
    """For the technician CLI: is pcscd there, and which readers does it see?"""
    hresult, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if hresult != scard.SCARD_S_SUCCESS:
        return ReaderState.NO_SERVICE, []
    try:
        hresult, readers = scard.SCardListReaders(context, [])
        if hresult != scard.SCARD_S_SUCCESS or not readers:
            return ReaderState.NO_READER, []
        return ReaderState.READY, list(readers)
    finally:
        scard.SCardReleaseContext(context)
