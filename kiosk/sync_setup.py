"""Wiring the sync: the central client, the worker, and the demo's own central service.

Qt-free; used by :func:`kiosk.app.build_core` and the ``kiosk sync`` commands.

- ``sync.central_url`` set: the kiosk talks to that centre with its issued
  credential (``sync.credential``) and seals for ``sync.central_public_key``;
- demo mode without a URL: a reference central service starts on loopback
  inside the process (data in ``<data_dir>/demo-central``), so the demo
  shows dossiers really leaving the kiosk.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

from kiosk import __version__
from kiosk.catalogue.model import CATALOGUE_FILE
from kiosk.catalogue.update import CatalogueUpdater
from kiosk.central.client import CentralClient
from kiosk.central.protocol import load_ed25519_private, load_ed25519_public
from kiosk.runtime.config import ConfigError, KioskConfig, RuntimeFlags
from offline_cache.outbox import Outbox
from offline_cache.sync import Backoff, SyncWorker

log = logging.getLogger(__name__)


def kiosk_id(config: KioskConfig) -> str:
    return config.sync.kiosk_id or f"{config.centre.unit_code}-K{config.centre.kiosk_number:02d}"


def load_central_key(config: KioskConfig) -> X25519PublicKey:
    path = config.sync.central_public_key
    try:
        key = serialization.load_pem_public_key(Path(path).read_bytes())
    except (OSError, ValueError) as exc:
        raise ConfigError(f"sync.central_public_key = {path!r}: cannot load: {exc}") from None
    if not isinstance(key, X25519PublicKey):
        raise ConfigError(f"sync.central_public_key = {path!r}: expected an X25519 public key")
    return key


def make_client(config: KioskConfig, url: str = "", credential: str = "") -> CentralClient:
    s = config.sync
    url, credential = url or s.central_url, credential or s.credential
    if not url:
        raise ConfigError("sync.central_url = '' : expected the URL of the central service")
    if not credential:
        raise ConfigError(
            "sync.credential = '' : expected the PEM file of the kiosk key issued by the centre"
        )
    try:
        key = load_ed25519_private(Path(credential))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"sync.credential = {credential!r}: cannot load: {exc}") from None
    if s.ca_bundle and not Path(s.ca_bundle).is_file():  # else every send fails, unexplained
        raise ConfigError(f"sync.ca_bundle = {s.ca_bundle!r}: expected a PEM file of CAs")
    return CentralClient(
        url,
        kiosk_id(config),
        key,
        ca_bundle=s.ca_bundle,
        connect_timeout_s=s.connect_timeout_s,
        read_timeout_s=s.read_timeout_s,
    )


def make_worker(config: KioskConfig, outbox: Outbox, client: CentralClient) -> SyncWorker:
    s = config.sync

    def heartbeat() -> dict[str, Any]:
        status = outbox.status(datetime.now())
        return {
            "version": __version__,
            "queue": status["counts"],
            "oldest_pending_age_s": status["oldest_pending_age_s"],
        }

    return SyncWorker(
        outbox,
        client,
        backoff=Backoff(s.backoff_initial_s, s.backoff_max_s),
        # Twice the longest request (the client bounds each one): a live worker never
        # loses its lease, and a killed one's dossier is picked up soon after.
        lease=timedelta(seconds=2 * (s.connect_timeout_s + s.read_timeout_s)),
        heartbeat_interval_s=s.heartbeat_interval_s,
        heartbeat_payload=heartbeat,
    )


@dataclass
class SyncSetup:
    """What the app starts and stops besides the devices."""

    central_key: X25519PublicKey
    worker: SyncWorker | None = None
    demo_central: Any = None  # kiosk.central.reference.server.RunningCentral
    services: list[Any] = field(default_factory=list)
    catalogue_key: Ed25519PublicKey | None = None
    client: CentralClient | None = None
    # A second client for the task thread (dossier lookups): one requests.Session per thread.
    lookup_client: CentralClient | None = None

    def watch_catalogue(
        self,
        folder: Path,
        interval_s: float,
        current: Callable[[], str],
        on_new: Callable[..., None],
    ) -> None:
        """Check the centre for a new catalogue on the worker's thread."""
        if self.worker is None or self.client is None or self.catalogue_key is None:
            return
        updater = CatalogueUpdater(self.client, self.catalogue_key, folder, current, on_new)
        self.worker.chores.append((interval_s, updater.check))


def load_catalogue_key(config: KioskConfig) -> Ed25519PublicKey | None:
    path = config.sync.catalogue_public_key
    if not path:
        return None
    try:
        return load_ed25519_public(Path(path))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"sync.catalogue_public_key = {path!r}: cannot load: {exc}") from None


def setup_sync(
    config: KioskConfig,
    flags: RuntimeFlags,
    outbox: Outbox,
    root: Path,
    central_key: X25519PublicKey | None = None,
    start: bool = True,
) -> SyncSetup:
    """``start=False`` only resolves the key dossiers are sealed for (queue, no sending)."""
    if config.sync.central_url:
        key = central_key or load_central_key(config)
        catalogue_key = load_catalogue_key(config)
        if not start:
            return SyncSetup(key, catalogue_key=catalogue_key)
        client = make_client(config)
        worker = make_worker(config, outbox, client)
        return SyncSetup(key, worker, None, [worker], catalogue_key, client, make_client(config))
    if not flags.demo:
        raise ConfigError(
            "sync.central_url = '' : expected the URL of the central service (only demo mode "
            "runs its own)"
        )
    if central_key is not None:  # tests that open the boxes themselves: no sync
        return SyncSetup(central_key)
    from kiosk.central.reference.server import CentralService, RunningCentral

    folder = root / "demo-central"
    service = CentralService(folder, catalogue=CATALOGUE_FILE.read_bytes())
    catalogue_key = service.catalogue_key.public_key()
    if not start:
        return SyncSetup(service.seal_key.public_key(), catalogue_key=catalogue_key)
    credential = folder / "kiosk-credential.pem"
    centre = config.centre  # the numbering the demo centre accepts from this kiosk
    service.register_kiosk(
        kiosk_id(config),
        credential,
        unit_code=centre.unit_code,
        kiosk_number=centre.kiosk_number,
    )
    running = RunningCentral(service)
    client = make_client(config, running.url, str(credential))
    worker = make_worker(config, outbox, client)
    log.info("demo_central_started", extra={"fields": {"url": running.url}})
    return SyncSetup(
        service.seal_key.public_key(),
        worker,
        running,
        [_Started(running), worker],
        catalogue_key,
        client,
        make_client(config, running.url, str(credential)),
    )


class _Started:
    """Adapts RunningCentral to the start/stop of the app's services."""

    def __init__(self, running: Any) -> None:
        self.running = running

    def start(self) -> None:
        self.running.start()

    def stop(self) -> None:
        self.running.stop()
