"""Submit: number, seal and queue the dossier in one transaction, then the receipt.

Steps: ``submitting`` → ``receipt``.  Queuing is the last step that can fail the
submission; anything after it (rendering, printing) only affects the paper: the
dossier stays queued and the citizen keeps its code, so a retry can never queue it
twice.  Once the dossier is sealed the session drops its personal data.

The appointment is :func:`kiosk.calendar.appointment_date` (working days with the
holidays and the centre's own days), the date the requirements screen promised and the
look-up repeats.  A procedure with a fee records "to pay" in the dossier and, when the
centre's account is configured, offers a VietQR code (:attr:`SubmitJourney.payment`); only
the central service ever says it is paid.  When the receipt does not print, the screen
shows the dossier code as a QR code to photograph and :attr:`SubmitJourney.print_failed`
fires: the staff journey alerts the centre's staff (like "Gọi nhân viên", queued when
offline) and the staff dashboard marks the dossier "not printed" until a reprint; the
dossier itself is already queued and never touched again.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable
from typing import Any

from devices.printer.base import PrinterError, PrintJob
from kiosk.base.dossier import DossierCodes, DossierMeta
from kiosk.base.events import Signal
from kiosk.calendar import appointment_date
from kiosk.catalogue.model import Procedure
from kiosk.forms.summary import money_text, time_text
from kiosk.journeys.base import Journey, JourneyContext
from kiosk.payment import PaymentRequest, fee_request
from kiosk.runtime.flow import Step, Transition, Trigger
from kiosk.runtime.tasks import deliver
from offline_cache.numbering import NumberingUnknownError
from offline_cache.outbox import OutboxFullError
from offline_cache.sealing import seal

log = logging.getLogger(__name__)

NOT_CHECKED = {"result": "not_checked", "attempts": 0}
RECEIPT_JOB = "receipt-"  # print job names: the prefix, then the dossier code


def papers_content(papers: dict[str, Any]) -> list[dict[str, Any]]:
    """The papers for the sealed dossier: photographed ones as JPEG (base64), others deferred."""
    result: list[dict[str, Any]] = []
    for key, page in papers.items():
        if page is None:
            result.append({"key": key, "delivery": "at_counter"})
        else:
            result.append(
                {
                    "key": key,
                    "delivery": "attached",
                    "jpeg_base64": base64.b64encode(page.jpeg).decode("ascii"),
                    "sha256": page.sha256,
                    "width": page.width,
                    "height": page.height,
                }
            )
    return result


class SubmitJourney(Journey):
    steps = frozenset({Step.SUBMITTING, Step.RECEIPT})

    def __init__(self, context: JourneyContext) -> None:
        super().__init__(context)
        centre = context.config.centre
        self.codes = DossierCodes(centre.unit_code, centre.kiosk_number)
        self.print_error_key: str | None = None
        self.fee_vnd: int | None = None  # the fee recorded as "to pay" (None or 0: none)
        self.payment: PaymentRequest | None = None  # the fee's VietQR request, when offered
        self.sync: Any = None  # offline_cache.sync.SyncWorker: is the centre reachable?
        self.dossier_queued = Signal("dossier_queued")  # (DossierMeta): the sync worker wakes
        self.receipt_printed = Signal("receipt_printed")  # (message key or None)
        # (dossier code, message key): the receipt did not print; the staff are alerted.
        self.print_failed = Signal("receipt_print_failed")
        # Does an alert reach staff at the centre?  (Set by the core: a staff relay.)
        self.alerts_centre: Callable[[], bool] = lambda: False

    @property
    def photo_hint_key(self) -> str:
        """What the printer-failed screen says under the QR code: that staff were told
        only when the alert reaches the centre; else, to show the code at the counter."""
        if self.alerts_centre():
            return "receipt_screen.photo_hint"
        return "receipt_screen.photo_hint_counter"

    def entered(self, transition: Transition) -> None:
        if transition.target is Step.SUBMITTING:
            self._start()

    def wiped(self) -> None:
        self.print_error_key = None
        self.fee_vnd = None
        self.payment = None
        # A receipt still in the printer belongs to the citizen who left: it must not come
        # out, with their name on it, for the next one.
        self.context.devices.printer.cancel_pending(RECEIPT_JOB)

    def receipt_done(self) -> None:
        self.context.fire(Trigger.RECEIPT_DONE)

    # Submitting --------------------------------------------------------------------------
    def _start(self) -> None:
        session = self.session
        code = session.procedure_code
        procedure = self.context.catalogue.procedure(code) if code else None
        identity, form = session.identity, session.form
        if procedure is None or identity is None or form is None or not form.complete:
            session.error_key = "submit.error.incomplete"
            self.context.machine.fire(Trigger.SUBMIT_FAILED)
            return
        content: dict[str, Any] = form.draft().as_content()
        face = session.face_check
        content.update(
            {
                "card_authenticity": session.authenticity,
                "card_active_authentication": session.active_authentication,
                "citizen": {
                    "id_number": identity.id_number,
                    "full_name": identity.full_name,
                    "date_of_birth": identity.date_of_birth.isoformat(),
                    "place_of_residence": identity.place_of_residence,
                },
                "papers": papers_content(session.papers),
                "face_check": face.as_content() if face is not None else dict(NOT_CHECKED),
            }
        )
        fee = content.get("fee_vnd")
        self.fee_vnd = fee
        content["payment"] = {"status": "to_pay" if fee else "none", "amount_vnd": fee}
        printed = self._receipt_parts(procedure, content, identity.id_number)
        self.context.tasks.run(
            self._job,
            procedure,
            content,
            identity.full_name,
            printed,
            on_done=self._on_submitted,
            on_error=self._on_error,
        )

    def _receipt_parts(
        self, procedure: Procedure, content: dict[str, Any], id_number: str
    ) -> dict[str, Any]:
        """What the receipt prints besides the dossier code and dates, worded now (the
        papers and the ID number leave the session once the dossier is queued)."""
        from kiosk.printing.parts import ReceiptComponent, mask_id_number

        tr, lang = self.context.tr, self.context.tr.language
        catalogue, papers = self.context.catalogue, self.session.papers
        documents = {d.key: d for d in procedure.documents}
        components = []
        if procedure.form_name is not None:
            components.append(ReceiptComponent(procedure.form_name(lang), "filled"))
        for row in content.get("documents", ()):
            document = documents.get(str(row.get("key")))
            if document is None:
                continue
            if document.status == "replaced_by_data":
                source = row.get("replaced_by") or document.replaced_by
                try:
                    name = catalogue.data_source(str(source)).name(lang)
                except KeyError:
                    name = str(source or "")
                components.append(ReceiptComponent(document.name(lang), "data", name))
            elif document.status == "filled_at_kiosk":
                components.append(ReceiptComponent(document.name(lang), "filled"))
            else:
                supplied = "photographed" if papers.get(document.key) else "at_counter"
                components.append(ReceiptComponent(document.name(lang), supplied))
        fee = content.get("fee_vnd")
        result = procedure.result
        return {
            "id_number_masked": mask_id_number(id_number),
            "components": tuple(components),
            "processing_time": time_text(procedure.processing_time, tr),
            "result_document": result.document(lang) if result else "",
            "collect_at": result.collect_at(lang) if result else "",
            "fee": money_text(fee, tr) if procedure.fee_detail is not None else "",
            "fee_to_pay": bool(fee),
            "offline": self.sync is None or self.sync.online is not True,
            "kiosk_number": self.context.config.centre.kiosk_number,
        }

    def _job(
        self,
        procedure: Procedure,
        content: dict[str, Any],
        receipt_name: str,
        printed: dict[str, Any] | None = None,
    ) -> tuple[DossierMeta, bytes | None]:
        """Runs on the task thread: number, seal, queue; then render the receipt."""
        context = self.context
        received_at = context.now()

        def build(code: str) -> tuple[DossierMeta, bytes]:
            content["code"] = code
            content["received_at"] = received_at.isoformat(timespec="seconds")
            content["payment"]["reference"] = code
            sealed = seal(
                json.dumps(content, ensure_ascii=False).encode("utf-8"),
                context.central_key,
                code.encode("ascii"),
            )
            meta = DossierMeta(
                code=code,
                procedure_code=procedure.code,
                received_at=received_at,
                appointment=appointment_date(
                    context.config, procedure.processing_time, received_at
                ),
            )
            return meta, sealed

        try:
            meta = context.outbox.submit(
                received_at.date(),
                lambda n: self.codes.code(received_at, n),
                build,
                # Kept only as a keyed hash: the kiosk's look-up answers the submitter alone.
                submitter_id=content["citizen"]["id_number"],
            )
        finally:
            content.clear()
        try:
            from kiosk.printing.receipt import ReceiptData, render_receipt

            centre = context.config.centre
            pdf: bytes | None = render_receipt(
                ReceiptData(
                    centre_name=centre.name,
                    centre_address=centre.address,
                    dossier_code=meta.code,
                    procedure_name=procedure.name(context.tr.language),
                    submitter_name=receipt_name,
                    received_at=received_at,
                    appointment=meta.appointment,
                    **(printed or {}),
                ),
                context.tr,
                context.config.printing.receipt_layout,
            )
        except Exception:
            log.exception("receipt_render_failed")
            pdf = None
        return meta, pdf

    def _on_submitted(self, result: tuple[DossierMeta, bytes | None]) -> None:
        meta, pdf = result
        session = self.session
        session.dossier_code = meta.code
        session.appointment = meta.appointment
        try:
            self.payment = fee_request(self.context.config.payment, self.fee_vnd, meta.code)
        except ValueError:  # an account the settings let through but VietQR refuses
            log.warning("fee_qr_not_offered")
            self.payment = None
        # The dossier is sealed and queued: the session no longer needs personal data.
        session.drop_personal_data()
        log.info("dossier_queued", extra={"fields": {"procedure": meta.procedure_code}})
        self.dossier_queued.emit(meta)
        self.print_error_key = None
        code = meta.code
        if pdf is None:
            self._on_print_failed(PrinterError("receipt could not be rendered"), code)
        else:
            deliver(
                self.context.devices.printer.print_pdf(pdf, f"{RECEIPT_JOB}{meta.code}"),
                self.context.dispatcher,
                lambda job: self._on_printed(job, code),
                lambda error: self._on_print_failed(error, code),
            )
        self.context.machine.fire(Trigger.SUBMITTED)

    def _record_receipt(self, code: str | None, printed: bool) -> None:
        """In the store, off the GUI thread: after a restart the kiosk knows which
        dossiers never got their receipt (``kiosk sync status``, a reprint)."""
        if code is None:
            return
        self.context.tasks.run(
            self.context.outbox.mark_receipt,
            code,
            printed,
            self.context.now(),
            on_done=lambda _none: None,
            on_error=lambda error: log.warning(
                "receipt_not_recorded", extra={"fields": {"error": type(error).__name__}}
            ),
        )

    def _on_printed(self, job: PrintJob, code: str | None = None) -> None:
        self.print_error_key = None
        self._record_receipt(code, True)
        self.receipt_printed.emit(None)

    def _on_print_failed(self, error: BaseException, code: str | None = None) -> None:
        self.print_error_key = (
            error.message_key if isinstance(error, PrinterError) else "printer.error.failed"
        )
        log.warning(
            "receipt_not_printed",
            extra={"fields": {"error": type(error).__name__, "reason": self.print_error_key}},
        )
        self._record_receipt(code, False)
        self.receipt_printed.emit(self.print_error_key)
        if code is not None:
            self.print_failed.emit(code, self.print_error_key)

    def _on_error(self, error: BaseException) -> None:
        if isinstance(error, OutboxFullError | OSError):
            self.session.error_key = "submit.error.storage"
        elif isinstance(error, NumberingUnknownError):
            log.warning("submit_refused_numbering_unknown")
            self.session.error_key = "submit.error.numbering"
        else:
            log.error("submit_failed", exc_info=(type(error), error, error.__traceback__))
            self.session.error_key = "submit.error.failed"
        self.context.machine.fire(Trigger.SUBMIT_FAILED)
