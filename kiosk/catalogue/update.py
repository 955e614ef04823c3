"""Catalogue updates from the centre: signed, validated, then switched to.

The centre serves the catalogue in a signed envelope (``GET /v1/catalogue``).
The kiosk switches only when the signature verifies with the configured
catalogue key *and* the catalogue passes the same validation as the bundled
one.  Accepted updates are kept as the envelope itself, so each start-up
checks the signature again: a catalogue edited on the kiosk's disk is never
used.  Anything wrong leaves the kiosk on the catalogue it has.

Runs on the sync worker's thread; the switch itself happens on the core's
thread, between sessions (a citizen mid-form keeps the procedure they chose).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from kiosk.base.central import Accepted
from kiosk.catalogue.load import CatalogueError, parse_catalogue
from kiosk.catalogue.model import CATALOGUE_FILE, Catalogue
from kiosk.catalogue.schema import SCHEMA_FILE
from kiosk.central.protocol import ProtocolError, open_catalogue

if TYPE_CHECKING:  # the HTTP client (requests) is not needed to read the catalogue
    from kiosk.central.client import CentralClient

log = logging.getLogger(__name__)
ENVELOPE = "catalogue-envelope.json"
VALIDATED = "bundled-catalogue.validated"  # sha256 of the bundled catalogue and schema


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with tmp.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)


def _version_key(version: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in version.split("."))
    except ValueError:
        return ()


def load_current(folder: Path, public_key: Ed25519PublicKey | None) -> Catalogue:
    """The last accepted update if its signature still verifies, else the bundled one.

    Only the catalogue that is used is validated (each validation costs start-up time).
    """
    stored = folder / ENVELOPE
    if public_key is None or not stored.exists():
        return load_bundled(folder)
    try:
        version, data = open_catalogue(public_key, stored.read_bytes())
        catalogue = parse_catalogue(data, "catalogue.json")
        if catalogue.version != version:
            raise ProtocolError(f"envelope says {version!r}, catalogue {catalogue.version!r}")
    except (OSError, ProtocolError, CatalogueError) as exc:
        log.error("stored_catalogue_rejected", extra={"fields": {"reason": str(exc)[:200]}})
        return load_bundled(folder)
    if _version_key(catalogue.version) < _version_key(_bundled_version()):
        return load_bundled(folder)  # the kiosk software brought a newer one
    return catalogue


def load_bundled(folder: Path) -> Catalogue:
    """The catalogue shipped with the kiosk software.

    Its JSON Schema check costs about 0.2 s of every start: it runs once per content
    of catalogue and schema, remembered by their hash in ``folder``; the checks a
    schema cannot express run every time.
    """
    try:
        data = CATALOGUE_FILE.read_bytes()
        digest = hashlib.sha256(data + b"\0" + SCHEMA_FILE.read_bytes()).hexdigest()
    except OSError as exc:
        raise CatalogueError(f"{CATALOGUE_FILE}: cannot read: {exc.strerror or exc}") from None
    marker = folder / VALIDATED
    try:
        known = marker.read_text(encoding="ascii").strip() == digest
    except (OSError, ValueError):
        known = False
    catalogue = parse_catalogue(data, str(CATALOGUE_FILE), schema_checked=known)
    if not known:
        try:
            _atomic_write(marker, digest.encode("ascii"))
        except OSError:
            pass  # a read-only data folder: validated again next time
    return catalogue


def _bundled_version() -> str:
    """The bundled catalogue's content version, read without validating the whole file."""
    try:
        version = json.loads(CATALOGUE_FILE.read_bytes()).get("version")
    except (OSError, ValueError, AttributeError):
        return ""
    return version if isinstance(version, str) else ""


class CatalogueUpdater:
    def __init__(
        self,
        client: CentralClient,
        public_key: Ed25519PublicKey,
        folder: Path,
        current_version: Callable[[], str],
        on_new: Callable[[Catalogue], None],
    ) -> None:
        self.client = client
        self.public_key = public_key
        self.folder = folder
        self.current_version = current_version
        self.on_new = on_new
        self._etag: str | None = None

    def check(self) -> str:
        """One check; returns what happened (for logs and the technician CLI)."""
        outcome, envelope, etag = self.client.fetch_catalogue(self._etag)
        if not isinstance(outcome, Accepted):
            return f"unavailable: {getattr(outcome, 'reason', outcome)}"
        if not envelope:
            return "unchanged"
        try:
            version, data = open_catalogue(self.public_key, envelope)
            catalogue = parse_catalogue(data, f"catalogue-{version}.json")
        except (ProtocolError, CatalogueError) as exc:
            log.error("catalogue_update_rejected", extra={"fields": {"reason": str(exc)[:300]}})
            self._etag = etag  # do not fetch the same bad file again and again
            return f"rejected: {exc}"
        self._etag = etag
        if catalogue.version != version:
            return f"rejected: envelope says {version!r}, catalogue says {catalogue.version!r}"
        if _version_key(version) <= _version_key(self.current_version()):
            return "unchanged"
        _atomic_write(self.folder / ENVELOPE, envelope)
        log.info("catalogue_updated", extra={"fields": {"version": version}})
        self.on_new(catalogue)
        return f"updated to {version}"
