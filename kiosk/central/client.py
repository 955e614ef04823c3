"""The kiosk's client for the central API (``requests``, one pooled session).

Every call has a connect and a read timeout, and every answer is sorted into the
outcome the sync worker decides on (:mod:`kiosk.base.central`: accepted, retry later,
refused, kiosk refused).

Requests are signed per RFC 9421 (:mod:`kiosk.central.signatures`): method, path,
query, body digest and idempotency key, with a timestamp and a fresh nonce.

Thread contract: one client per thread (``requests.Session`` is not
guaranteed thread-safe); the sync worker owns one.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.base.central import (
    Accepted,
    DossierUpload,
    KioskRefused,
    Outcome,
    Refused,
    RetryLater,
)
from kiosk.central import protocol as p
from kiosk.central.signatures import sign_request

if TYPE_CHECKING:  # requests loads with the first call, not with the kiosk
    import requests


def _retry_after(value: str | None) -> float | None:
    """RFC 9110 §10.2.3: delay-seconds or an HTTP date."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _reason(response: requests.Response) -> str:
    try:
        body = response.json()
        text = body.get("error", "")
        if body.get("detail"):
            text += f": {body['detail']}"
    except ValueError:
        text = response.reason or ""
    return f"HTTP {response.status_code} {text}".strip()[:500]


def classify(response: requests.Response) -> Outcome:
    status = response.status_code
    if 200 <= status < 300 or status == 304:
        try:
            payload = response.json() if response.content and status != 304 else {}
        except ValueError:
            return RetryLater(f"HTTP {status} with a body that is not JSON")
        return Accepted(payload if isinstance(payload, dict) else {}, status)
    if status == 429 or status == 408 or status >= 500:
        return RetryLater(_reason(response), _retry_after(response.headers.get("Retry-After")))
    if status in (401, 403):
        return KioskRefused(_reason(response), status)
    return Refused(_reason(response), status)


class CentralClient:
    def __init__(
        self,
        base_url: str,
        kiosk_id: str,
        credential: Ed25519PrivateKey,
        *,
        ca_bundle: str = "",
        connect_timeout_s: float = 5.0,
        read_timeout_s: float = 20.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.kiosk_id = kiosk_id
        self._key = credential
        self._timeout = (connect_timeout_s, read_timeout_s)
        self._deadline_s = connect_timeout_s + read_timeout_s
        self._clock = clock
        self._session: requests.Session | None = None
        # Passed on every call: a session-level ``verify`` loses to REQUESTS_CA_BUNDLE in
        # the environment (requests issue #3829), and the configured bundle must win.
        self._verify: str | bool = ca_bundle or True

    @property
    def session(self) -> requests.Session:
        """The pooled HTTP session, made on the first call (requests is slow to import)."""
        if self._session is None:
            import requests

            self._session = requests.Session()
            self._session.headers["User-Agent"] = "vn-kiosk"
        return self._session

    def close(self) -> None:
        if self._session is not None:
            self._session.close()

    def _call(
        self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> tuple[Outcome, requests.Response | None]:
        full_path = p.API + path
        all_headers = dict(headers or {})
        all_headers.update(
            sign_request(
                self._key,
                self.kiosk_id,
                method,
                full_path,
                all_headers,
                body,
                int(self._clock()),
            )
        )
        if body:
            all_headers["Content-Type"] = "application/json"
        import requests

        started = time.monotonic()
        try:
            response = self.session.request(
                method,
                self.base_url + full_path,
                data=body or None,
                headers=all_headers,
                timeout=self._timeout,
                verify=self._verify,
                stream=True,
            )
            # The read timeout bounds each read, not the whole body: a server trickling
            # bytes could hold the worker (and its lease) for ever.  Bound the total.
            # read1 returns after each receive, so the check runs however slow the drip.
            chunks = []
            with response:
                while chunk := response.raw.read1(64 * 1024, decode_content=True):
                    chunks.append(chunk)
                    if time.monotonic() - started > self._deadline_s:
                        return RetryLater("network: body too slow"), None
            response._content = b"".join(chunks)
        except requests.exceptions.SSLError as exc:
            # A certificate problem will not heal by retrying soon, but it is the kiosk's
            # setup (or an interception), not the dossier: keep it queued.
            return KioskRefused(f"TLS: {exc}"[:300], 0), None
        except requests.RequestException as exc:
            return RetryLater(f"network: {type(exc).__name__}"), None
        return classify(response), response

    def submit_dossier(self, upload: DossierUpload, idempotency_key: str) -> Outcome:
        outcome, _ = self._call(
            "POST", "/dossiers", upload.to_json(), {p.H_IDEMPOTENCY: idempotency_key}
        )
        return outcome

    def dossier_status(self, code: str, id_number: str) -> Outcome:
        body = json.dumps({"id_number": id_number}).encode()
        outcome, _ = self._call("POST", f"/dossiers/{code}/status", body)
        return outcome

    def submit_rating(
        self, level: str, procedure_code: str | None, reason_sealed: bytes | None, key: str
    ) -> Outcome:
        body = json.dumps(
            {
                "level": level,
                "procedure_code": procedure_code,
                "reason_sealed": p.b64(reason_sealed) if reason_sealed else None,
            }
        ).encode()
        outcome, _ = self._call("POST", "/ratings", body, {p.H_IDEMPOTENCY: key})
        return outcome

    def heartbeat(self, payload: dict[str, Any]) -> Outcome:
        outcome, _ = self._call("POST", "/heartbeat", json.dumps(payload).encode())
        return outcome

    def send_staff_call(
        self, call_id: str, step: str, called_at: str, alert: dict[str, str] | None = None
    ) -> Outcome:
        """The citizen's call for staff: the kiosk, the step and the time (once per call id);
        an alert the kiosk raises itself adds ``alert`` (reason, detail, dossier code)."""
        body = json.dumps({"step": step, "called_at": called_at, **(alert or {})}).encode()
        outcome, _ = self._call("POST", "/calls", body, {p.H_IDEMPOTENCY: call_id})
        return outcome

    def staff_call_status(self, call_id: str) -> Outcome:
        """Accepted with ``{"state": "open" | "acknowledged"}``."""
        outcome, _ = self._call("GET", f"/calls/{call_id}")
        return outcome

    def send_audit(self, entries: list[dict[str, Any]]) -> Outcome:
        """Audit entries, in order (the centre keeps each once, by kiosk and number)."""
        outcome, _ = self._call("POST", "/audit", json.dumps({"entries": entries}).encode())
        return outcome

    def fetch_staff_list(self, etag: str | None = None) -> tuple[Outcome, bytes, str | None]:
        """The staff list's signed envelope (empty when unchanged: 304), and its ETag."""
        outcome, response = self._call(
            "GET", "/staff", headers={"If-None-Match": etag} if etag else None
        )
        if response is None or not isinstance(outcome, Accepted) or response.status_code == 304:
            return outcome, b"", etag
        return outcome, response.content, response.headers.get("ETag")

    def fetch_catalogue(self, etag: str | None = None) -> tuple[Outcome, bytes, str | None]:
        """The signed envelope (empty when unchanged: 304), and its ETag."""
        outcome, response = self._call(
            "GET", "/catalogue", headers={"If-None-Match": etag} if etag else None
        )
        if response is None or not isinstance(outcome, Accepted) or response.status_code == 304:
            return outcome, b"", etag
        return outcome, response.content, response.headers.get("ETag")
