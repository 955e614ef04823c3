"""Catalogue updates: only a catalogue that is signed by the centre and valid is used."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.catalogue.load import load_catalogue
from kiosk.catalogue.model import CATALOGUE_FILE, Catalogue
from kiosk.catalogue.update import ENVELOPE, CatalogueUpdater, load_current
from kiosk.central.protocol import sign_catalogue
from kiosk.runtime.flow import Step
from tests.central_helpers import start_central

BUNDLED = load_catalogue(CATALOGUE_FILE)


def newer(version: str = "2099.1.1", **changes: object) -> bytes:
    raw = json.loads(CATALOGUE_FILE.read_text(encoding="utf-8"))
    raw["version"] = version
    raw["procedures"][0]["name"]["en"] = "Renamed by the centre"
    raw.update(changes)
    return json.dumps(raw, ensure_ascii=False).encode("utf-8")


@pytest.fixture
def centre(tmp_path: Path):
    running = start_central(tmp_path)
    yield running
    running.running.stop()


def updater(centre, folder: Path, taken: list[Catalogue]) -> CatalogueUpdater:
    return CatalogueUpdater(
        centre.client(),
        centre.service.catalogue_key.public_key(),
        folder,
        lambda: taken[-1].version if taken else BUNDLED.version,
        taken.append,
    )


def test_a_signed_valid_newer_catalogue_is_taken_kept_and_checked_again_at_start(
    centre, tmp_path: Path
) -> None:
    taken: list[Catalogue] = []
    folder = tmp_path / "catalogue"
    check = updater(centre, folder, taken)
    assert check.check().startswith("unavailable")  # the centre has none yet
    centre.service.publish_catalogue(newer())
    assert check.check() == "updated to 2099.1.1"
    assert taken[-1].procedures[0].name("en") == "Renamed by the centre"
    assert check.check() == "unchanged"  # 304 on the ETag
    key = centre.service.catalogue_key.public_key()
    assert load_current(folder, key).version == "2099.1.1"
    # Edited on the kiosk's disk: the signature no longer matches, the bundled one is used.
    stored = json.loads((folder / ENVELOPE).read_text())
    stored["catalogue"] = stored["catalogue"][:-8] + "AAAAAAA="
    (folder / ENVELOPE).write_text(json.dumps(stored))
    assert load_current(folder, key).version == BUNDLED.version


def test_a_catalogue_signed_by_another_key_is_rejected(centre, tmp_path: Path) -> None:
    taken: list[Catalogue] = []
    centre.service.catalogue_envelope = sign_catalogue(
        Ed25519PrivateKey.generate(), "2099.1.1", newer()
    )
    result = updater(centre, tmp_path / "catalogue", taken).check()
    assert result == "rejected: catalogue envelope: the signature does not match"
    assert taken == [] and not (tmp_path / "catalogue" / ENVELOPE).exists()


def test_a_signed_but_broken_catalogue_is_rejected_naming_the_problem(
    centre, tmp_path: Path
) -> None:
    taken: list[Catalogue] = []
    broken = json.loads(newer())
    del broken["procedures"][1]["fields"][0]["key"]
    centre.service.publish_catalogue(json.dumps(broken).encode())
    result = updater(centre, tmp_path / "catalogue", taken).check()
    assert result.startswith("rejected: ") and "catalogue-2099.1.1.json" in result
    assert "'key'" in result
    assert taken == []


def test_an_older_catalogue_is_not_taken(centre, tmp_path: Path) -> None:
    taken: list[Catalogue] = []
    centre.service.publish_catalogue(newer("2000.1.1"))
    assert updater(centre, tmp_path / "catalogue", taken).check() == "unchanged"
    assert taken == []


@pytest.mark.parametrize(
    ("stored", "used"), [("2000.1.1", BUNDLED.version), ("2099.1.1", "2099.1.1")]
)
def test_at_start_the_newer_of_the_stored_update_and_the_bundled_catalogue_is_used(
    tmp_path: Path, stored: str, used: str
) -> None:
    """A kiosk software upgrade may bring a newer catalogue than the last update it took."""
    key = Ed25519PrivateKey.generate()
    (tmp_path / ENVELOPE).write_bytes(sign_catalogue(key, stored, newer(stored)))
    assert load_current(tmp_path, key.public_key()).version == used


def test_the_kiosk_switches_catalogue_between_sessions_not_during_one(kiosk) -> None:
    update = load_catalogue(CATALOGUE_FILE)
    update = Catalogue("2099.1.1", update.procedures, update.queue_areas)
    kiosk.identify()
    kiosk.core.offer_catalogue(update)
    kiosk.dispatcher.drain()
    assert kiosk.core.catalogue.version == BUNDLED.version  # a citizen is being served
    kiosk.core.cancel()
    kiosk.dispatcher.drain()
    assert kiosk.core.catalogue.version == "2099.1.1"
    assert kiosk.core.step in (Step.GOODBYE, Step.ATTRACT)


def test_the_bundled_catalogues_schema_check_runs_once_per_content(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kiosk.catalogue import load, schema
    from kiosk.catalogue.update import VALIDATED, load_bundled

    checks: list[object] = []
    real = schema.first_problem
    monkeypatch.setattr(schema, "first_problem", lambda raw: checks.append(raw) or real(raw))
    load._parse.cache_clear()
    first = load_bundled(tmp_path)
    assert len(checks) == 1 and (tmp_path / VALIDATED).exists()
    load._parse.cache_clear()
    again = load_bundled(tmp_path)  # the next start: same content, no schema check
    assert len(checks) == 1 and again.version == first.version
    (tmp_path / VALIDATED).write_text("0" * 64)  # the software (catalogue or schema) changed
    load._parse.cache_clear()
    load_bundled(tmp_path)
    assert len(checks) == 2
