"""Application wiring: choose adapters from the configuration and build the core.

Qt-free.  The UI entry point calls :func:`build_core` with its own
dispatcher; tests call it with a :class:`~kiosk.base.events.QueueDispatcher`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey

from devices.camera.base import Camera
from devices.card.base import CardDeadlines, CardReader
from devices.card.emulator.pki import load_or_create_pki
from devices.card.mrtd.sod import load_trust_store
from devices.card.simulator import DEMO_PROFILE, SimulatedCard, SimulatedCardReader
from devices.printer.base import Printer
from devices.speech.base import SilentSpeaker, Speaker, Voice
from kiosk.base.events import Dispatcher
from kiosk.base.paths import data_dir as resolve_data_dir
from kiosk.catalogue.update import load_current
from kiosk.core import KioskCore
from kiosk.doctor.heartbeat import HealthSummary
from kiosk.journeys.base import Devices
from kiosk.runtime.config import ConfigError, KioskConfig, RuntimeFlags
from kiosk.runtime.i18n import Translator
from kiosk.sync_setup import setup_sync
from offline_cache.store import SqlOutbox

log = logging.getLogger(__name__)


@dataclass
class Simulators:
    """Handles on the simulated devices, for the demo panel and the tour."""

    reader: SimulatedCardReader | None = None
    card: SimulatedCard | None = None


def make_camera(config: KioskConfig) -> Camera:
    d = config.devices
    if d.camera == "opencv":
        from devices.camera.opencv import OpenCvCamera

        return OpenCvCamera.from_settings(d)
    from devices.camera.simulator import SimulatedCamera

    return SimulatedCamera()


DEMO_FEE_ACCOUNT = {"account": "0011009999999", "account_name": "TRUNG TAM DEMO - KHONG CHUYEN"}


def make_printer(config: KioskConfig) -> Printer:
    if config.devices.printer == "cups":
        from devices.printer.cups import CupsPrinter

        return CupsPrinter(
            config.devices.printer_name, config.printing.job_timeout_s, config.printing.server
        )
    from devices.printer.simulator import SimulatedPrinter

    return SimulatedPrinter(timeout_s=config.printing.job_timeout_s)


def make_speaker(config: KioskConfig) -> Speaker:
    d = config.devices
    if d.speech == "espeak":
        from devices.speech.espeak import EspeakSpeaker, engine_path

        if engine_path() is None:
            log.warning("speech_engine_missing", extra={"fields": {"engine": "espeak-ng"}})
            return SilentSpeaker()
        return EspeakSpeaker(
            Voice(d.speech_voice, rate_wpm=d.speech_rate_wpm, volume=d.speech_volume)
        )
    from devices.speech.simulator import SimulatedSpeaker

    return SimulatedSpeaker()


def build_core(
    config: KioskConfig,
    flags: RuntimeFlags,
    dispatcher: Dispatcher,
    translator: Translator | None = None,
    *,
    card_apdu_delay_s: float = 0.03,
    central_key: X25519PublicKey | None = None,
    now: Callable[[], datetime] = datetime.now,
    clock: Callable[[], float] | None = None,
    sync: bool = True,
) -> tuple[KioskCore, Simulators]:
    root = resolve_data_dir(config.storage.data_dir)
    if flags.demo:  # the demo shows an untrusted signer recorded; in service it is refused
        config = config.replace(devices={"require_trusted_signer": False})
        if not config.payment.account:  # a made-up account: the fee QR code shows in the demo
            config = config.replace(payment=DEMO_FEE_ACCOUNT)
    translator = translator or Translator(config.ui.language)
    sims = Simulators()
    # The simulated reader's cards are signed by a test PKI kept in the data folder, so
    # the demo's trust store (that PKI's CSCA) stays valid across runs.
    pki = load_or_create_pki(root / "demo-pki")
    if config.devices.trust_store:
        trust_store = load_trust_store(Path(config.devices.trust_store))
    elif flags.demo:
        trust_store = [pki.csca]
    else:
        raise ConfigError(
            "devices.trust_store = '' : expected the folder of the CSCA certificates the "
            "centre trusts (without it no card can be checked for forgery)"
        )
    if not trust_store:
        raise ConfigError(
            f"devices.trust_store = {config.devices.trust_store!r}: expected at least one CSCA "
            "certificate (PEM or DER) in it"
        )
    reader: CardReader
    d = config.devices
    deadlines = CardDeadlines(d.card_apdu_timeout_s, d.card_read_timeout_s)
    if config.devices.card_reader == "pcsc":
        from devices.card.pcsc import PcscCardReader

        reader = PcscCardReader(config.devices.card_reader_name, trust_store, deadlines=deadlines)
    else:
        simulated = SimulatedCardReader(
            pki, trust_store, apdu_delay_s=card_apdu_delay_s, deadlines=deadlines
        )
        profile = (
            Path(config.devices.demo_card_profile)
            if config.devices.demo_card_profile
            else DEMO_PROFILE
        )
        try:
            card = SimulatedCard.from_profile(profile)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConfigError(
                f"devices.demo_card_profile = {str(profile)!r}: cannot load the card profile "
                f"({type(exc).__name__}: {exc})"
            ) from None
        sims.reader, sims.card = simulated, card
        reader = simulated
    devices = Devices(
        reader=reader,
        camera=make_camera(config),
        printer=make_printer(config),
        speaker=make_speaker(config),
    )
    extra = {"clock": clock} if clock is not None else {}
    # Demo mode numbers from its own database; a kiosk in service learns its numbering's
    # high-water mark from the centre (or a technician's `kiosk store enrol`) first.
    outbox = SqlOutbox.open(
        root / "kiosk.db", min_free_bytes=config.storage.min_free_mb * 1_000_000, enrol=flags.demo
    )
    wiring = setup_sync(config, flags, outbox, root, central_key, start=sync)
    core = KioskCore(
        config=config,
        translator=translator,
        dispatcher=dispatcher,
        devices=devices,
        catalogue=load_current(root / "catalogue", wiring.catalogue_key),
        outbox=outbox,
        central_key=wiring.central_key,
        data_dir=root,
        now=now,
        **extra,
    )
    core.services.extend(wiring.services)
    if wiring.worker is not None:
        worker = wiring.worker
        core.submission.dossier_queued.connect(lambda _meta: worker.kick())
        core.rating.queued.connect(worker.kick)
        queue_state = worker.heartbeat_payload
        health = HealthSummary(config, root)  # the doctor's light checks, every 15 min

        def heartbeat() -> dict[str, object]:
            # Read from the worker's thread: value snapshots only, no personal data.
            status = core.identify.reader_status
            return {
                **(queue_state() if queue_state else {}),
                # Submissions refused for lack of room: count, last time, reason.
                "submissions_refused": outbox.refusals(),
                "devices": {
                    "card_reader": status.state.value if status else "unknown",
                    "printer": core.submission.print_error_key or "ok",
                },
                "doctor": health(),
            }

        worker.heartbeat_payload = heartbeat
    core.sync = wiring.worker
    _open_staff_mode(core, config, flags, root, outbox, wiring)
    core.lookup.client = wiring.lookup_client
    wiring.watch_catalogue(
        root / "catalogue",
        config.sync.catalogue_check_interval_s,
        lambda: core.catalogue.version,
        core.offer_catalogue,
    )
    return core, sims


def _open_staff_mode(
    core: KioskCore,
    config: KioskConfig,
    flags: RuntimeFlags,
    root: Path,
    outbox: SqlOutbox,
    wiring: Any,
) -> None:
    """Staff mode: the desk (sign-in, audit trail) and the relay of calls and audit."""
    from kiosk.staff.relay import StaffRelay
    from kiosk.staff.setup import key_paths, open_desk
    from kiosk.sync_setup import kiosk_id, make_client

    desk = open_desk(config, root, outbox.engine, kiosk_id(config), demo=flags.demo)
    relay = None
    if wiring.client is not None:
        credential = next(path for path in key_paths(config, root) if path.is_file())
        client = make_client(config, wiring.client.base_url, str(credential))
        relay = StaffRelay(desk.store, client, list_key=wiring.catalogue_key)
        relay.sent = core.staff.call_sent
        worker = wiring.worker
        relay.kick_sync = worker.kick if worker is not None else relay.kick_sync
        core.services.append(relay)
    core.staff.attach(desk, relay)

    def devices() -> dict[str, str]:
        status = core.identify.reader_status
        worker = core.sync
        return {
            "reader": status.state.value if status else "unknown",
            "camera": "simulator" if config.devices.camera == "simulator" else "opencv",
            "printer": core.submission.print_error_key or "ok",
            "network": "unknown"
            if worker is None or worker.online is None
            else ("online" if worker.online else "offline"),
            "centre": (worker.last_error or "ok") if worker is not None else "none",
        }

    core.staff.device_status = devices
