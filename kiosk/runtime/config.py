"""Kiosk configuration, declared once.

Every operator setting is a field of one of the frozen section dataclasses
below, with its type, default and a one-line description (the idea of
Electrum's ``ConfigVar``).  Settings come from three layers, later ones
winning:

1. the defaults declared here (they run the demo out of the box);
2. a TOML file written by a technician (``kiosk config set`` edits it);
3. environment variables ``KIOSK_<SECTION>_<NAME>`` (for containers and CI).

Volatile runtime flags (demo mode, windowed, a screenshot folder) are *not*
settings: they live in :class:`RuntimeFlags`, come from the command line
and are never written back to the file.

This module is Qt-free and thread-agnostic: a :class:`KioskConfig` is an
immutable value, safe to share between threads.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_type_hints

from kiosk.runtime.config_sections import (
    CalendarSettings,
    PaymentSettings,
    PrintingSettings,
    setting,
)

ENV_PREFIX = "KIOSK_"
CONFIG_ENV = "KIOSK_CONFIG"
FACE_EMBEDDERS = ("sface", "custom")
"""Embedders ``face.embedder`` accepts: each built-in one has a threshold measured on
East-Asian faces for FMR <= 0.1 % (``kiosk.face.embed.CALIBRATIONS``, a test keeps the two
in step); 'custom' must come with its own ``face.threshold``."""


class ConfigError(ValueError):
    """A configuration value is invalid; the message names key, value and expectation."""


@dataclass(frozen=True)
class CentreSettings:
    name: str = setting(
        "Trung tâm Phục vụ hành chính công tỉnh (bản demo)",
        "Name of the one-stop centre shown in the header and on receipts.",
    )
    unit_code: str = setting(
        "DEMO01",
        "Receiving unit code used as the first part of dossier codes.",
        pattern=r"[A-Z0-9.]{2,20}",
    )
    kiosk_number: int = setting(
        1, "Number of this kiosk within the centre (part of dossier codes).", minimum=1, maximum=99
    )
    address: str = setting(
        "Số 1, đường Demo, phường Demo", "Address of the centre printed on receipts."
    )
    staff_pin_only: bool = setting(
        False, "Let staff sign in with staff ID and PIN alone (else their own ID card + PIN)."
    )


@dataclass(frozen=True)
class SessionSettings:
    idle_timeout_s: int = setting(
        120,
        "Seconds without a touch before a citizen session ends (the warning included).",
        minimum=45,
        maximum=1800,
    )
    idle_warning_s: int = setting(
        30,
        "Seconds the 'do you need more time?' warning stays up (WCAG 2.2.1 asks for >= 20).",
        minimum=20,
        maximum=300,
    )
    goodbye_s: int = setting(
        8,
        "Seconds the goodbye screen stays before the kiosk returns to the start.",
        minimum=2,
        maximum=60,
    )
    end_on_card_removal: bool = setting(
        True, "End an identified session as soon as the ID card leaves the reader."
    )
    staff_idle_timeout_s: int = setting(
        180, "Seconds without a staff action before a staff session ends.", minimum=30, maximum=1800
    )


@dataclass(frozen=True)
class UiSettings:
    language: str = setting("vi", "Language the kiosk starts in.", choices=("vi", "en"))
    fullscreen: bool = setting(True, "Run full-screen (turn off for development).")
    high_contrast: bool = setting(False, "Start in the high-contrast theme.")
    large_text: bool = setting(False, "Start with larger text.")
    on_screen_keyboard: bool = setting(
        True,
        "Show the on-screen keyboard (Telex, VNI, accented letters, digits) when a text field "
        "has the focus; turn off for kiosks with a physical keyboard.",
    )
    width: int = setting(
        1280, "Window width in windowed mode, in pixels.", minimum=640, maximum=7680
    )
    height: int = setting(
        800, "Window height in windowed mode, in pixels.", minimum=480, maximum=4320
    )


@dataclass(frozen=True)
class DeviceSettings:
    card_reader: str = setting(
        "simulator",
        "Card reader adapter: 'pcsc' for a real reader, 'simulator' for the built-in emulator.",
        choices=("pcsc", "simulator"),
    )
    card_reader_name: str = setting(
        "", "PC/SC reader to use (part of its name); empty picks the first one."
    )
    trust_store: str = setting(
        "",
        "Folder of trusted CSCA certificates (PEM or DER) for passive authentication; "
        "empty in demo mode trusts the demo's own test CSCA.",
    )
    require_trusted_signer: bool = setting(
        True,
        "Refuse cards whose document signer no trusted CSCA vouches for (altered data always "
        "is); demo mode turns it off to show how such a card is accepted and recorded.",
    )
    card_apdu_timeout_s: float = setting(
        5.0, "Seconds a chip may take to answer one command.", minimum=0.5, maximum=60.0
    )
    card_read_timeout_s: float = setting(
        30.0, "Seconds a whole chip read may take.", minimum=2.0, maximum=300.0
    )
    camera: str = setting(
        "simulator", "Camera adapter: 'opencv' or 'simulator'.", choices=("opencv", "simulator")
    )
    camera_index: int = setting(0, "OpenCV camera index.", minimum=0, maximum=16)
    camera_width: int = setting(640, "Requested camera frame width.", minimum=160, maximum=3840)
    camera_height: int = setting(480, "Requested camera frame height.", minimum=120, maximum=2160)
    camera_allow_virtual: bool = setting(
        False,
        "Accept a virtual camera (v4l2loopback, OBS, a video file): it can play a recorded "
        "face to the face check, so only for tests and demonstrations.",
    )
    camera_usb_id: str = setting(
        "",
        "Pin the camera by USB identity, vendor:product[:serial] in hex as 'kiosk face "
        "cameras' lists it (e.g. 046d:0826:A1B2C3); empty = the camera at camera_index.",
        pattern=r"^([0-9a-fA-F]{4}:[0-9a-fA-F]{4}(:[!-~]{1,64})?)?$",
    )
    camera_usb_port: str = setting(
        "",
        "Pin the camera to a USB port (bus path such as 1-2.3, as 'kiosk face cameras' "
        "lists it); empty = any port.",
        pattern=r"^([0-9]+-[0-9]+(\.[0-9]+)*)?$",
    )
    printer: str = setting(
        "simulator",
        "Receipt printer adapter: 'cups' or 'simulator'.",
        choices=("cups", "simulator"),
    )
    printer_name: str = setting("", "CUPS queue name of the receipt printer; empty for default.")
    demo_card_profile: str = setting(
        "", "Card profile (JSON) for the simulated reader; empty uses the bundled demo card."
    )
    speech: str = setting(
        "simulator", "Speech: 'espeak' (espeak-ng) or 'simulator'.", choices=("espeak", "simulator")
    )
    speech_voice: str = setting(
        "vi",
        "Vietnamese voice: vi (Northern), vi-vn-x-central, vi-vn-x-south.",
        pattern=r"vi[-a-z]*",
    )
    speech_rate_wpm: int = setting(
        140, "Words a minute (espeak-ng: 175; slower for elderly).", minimum=80, maximum=260
    )
    speech_volume: int = setting(
        100, "Loudness, espeak-ng amplitude (100 its default).", minimum=10, maximum=200
    )
    call_chime: bool = setting(True, "Sound a chime when a citizen calls for staff.")


@dataclass(frozen=True)
class FaceSettings:
    embedder: str = setting(
        "sface",
        "Face embedder: 'sface' (OpenCV Zoo SFace, threshold measured on East-Asian faces "
        "for a false-match rate of 0.1 %, docs/face.md) or 'custom' (the model file below, "
        "with the threshold 'kiosk face evaluate' measured for it). Only embedders with a "
        "measured threshold are accepted (dlib's was not good enough: docs/face.md).",
        choices=FACE_EMBEDDERS,
    )
    threshold: float = setting(
        0.0,
        "Cosine-similarity threshold for a match; 0 uses the embedder's calibrated default "
        "(docs/face.md). Recalibrate with 'kiosk face evaluate' before changing it.",
        minimum=0.0,
        maximum=1.0,
    )
    custom_model: str = setting("", "ONNX file of a custom embedder (embedder = 'custom').")
    custom_model_sha256: str = setting(
        "",
        "sha256 of the custom model file; the kiosk refuses to start if it differs.",
        pattern=r"^([0-9a-fA-F]{64})?$",
    )
    attempts: int = setting(
        3, "Face checks a citizen may try before a staff member is called.", minimum=1, maximum=5
    )
    challenges: int = setting(
        2,
        "Random liveness challenges per check (blink, turn the head, move closer).",
        minimum=1,
        maximum=4,
    )
    challenge_timeout_s: float = setting(
        8.0, "Seconds a citizen has for each liveness challenge.", minimum=3.0, maximum=30.0
    )
    replay_check: bool = setting(
        True,
        "Fail a face check whose camera feed looks replayed (frames repeated bit for bit, no "
        "sensor noise in still areas); docs/liveness.md.",
    )
    presentation_check: bool = setting(
        False,
        "Fail a face check whose face shows a print's halftone or a screen's pixel pattern. "
        "Off until its false refusals are measured on the kiosk's camera (docs/liveness.md).",
    )


@dataclass(frozen=True)
class StorageSettings:
    data_dir: str = setting(
        "", "Folder for the kiosk's database and private temporary files; empty = per-user default."
    )
    min_free_mb: int = setting(
        200,
        "Refuse new dossiers (with a message to the citizen) when less disk space is free; "
        "queued dossiers are kept.",
        minimum=0,
        maximum=1_000_000,
    )
    paper_max_kb: int = setting(
        500,
        "Largest photo of a paper attached to a dossier, in kB (the JPEG is made smaller "
        "until it fits).",
        minimum=50,
        maximum=5000,
    )


@dataclass(frozen=True)
class SyncSettings:
    central_public_key: str = setting(
        "",
        "PEM file with the central service's X25519 public key that seals dossiers; "
        "empty is allowed in demo mode only (the demo's own central service).",
    )
    central_url: str = setting(
        "",
        "Base URL of the central public-service API (https://…); empty in demo mode starts "
        "the reference central service on loopback.",
        pattern=r"^(https?://[^\s/]+(/[^\s]*)?)?$",
    )
    kiosk_id: str = setting(
        "",
        "This kiosk's identity at the centre; empty = '<centre.unit_code>-K<kiosk_number>'.",
        pattern=r"^[A-Za-z0-9._-]{0,64}$",
    )
    credential: str = setting(
        "", "PEM file with this kiosk's Ed25519 private key, issued by the centre."
    )
    catalogue_public_key: str = setting(
        "", "PEM file with the centre's Ed25519 key that signs procedure catalogue updates."
    )
    ca_bundle: str = setting(
        "", "CA bundle (PEM) that the centre's TLS certificate must chain to; empty = system CAs."
    )
    connect_timeout_s: float = setting(
        5.0, "Seconds to wait for a connection to the centre.", minimum=0.1, maximum=120
    )
    read_timeout_s: float = setting(
        20.0,
        "Seconds to wait for the centre's answer (also bounds each whole response).",
        minimum=0.1,
        maximum=600,
    )
    backoff_initial_s: float = setting(
        2.0, "First pause after a failed send; doubles per attempt.", minimum=0.1, maximum=600
    )
    backoff_max_s: float = setting(
        300.0, "Longest pause between attempts to send a dossier.", minimum=1, maximum=86_400
    )
    heartbeat_interval_s: float = setting(
        60.0, "Seconds between heartbeats to the centre.", minimum=5, maximum=86_400
    )
    catalogue_check_interval_s: float = setting(
        3600.0,
        "Seconds between checks for a new procedure catalogue.",
        minimum=60,
        maximum=604_800,
    )


@dataclass(frozen=True)
class LoggingSettings:
    level: str = setting("INFO", "Log level.", choices=("DEBUG", "INFO", "WARNING", "ERROR"))
    file: bool = setting(True, "Also write JSON log lines to <data_dir>/logs/kiosk.log.")


@dataclass(frozen=True)
class KioskConfig:
    """All operator settings, grouped by section (one TOML table each)."""

    centre: CentreSettings = field(default_factory=CentreSettings)
    session: SessionSettings = field(default_factory=SessionSettings)
    ui: UiSettings = field(default_factory=UiSettings)
    devices: DeviceSettings = field(default_factory=DeviceSettings)
    face: FaceSettings = field(default_factory=FaceSettings)
    storage: StorageSettings = field(default_factory=StorageSettings)
    sync: SyncSettings = field(default_factory=SyncSettings)
    logging: LoggingSettings = field(default_factory=LoggingSettings)
    calendar: CalendarSettings = field(default_factory=CalendarSettings)
    payment: PaymentSettings = field(default_factory=PaymentSettings)
    printing: PrintingSettings = field(default_factory=PrintingSettings)

    def replace(self, **changes: Mapping[str, Any]) -> KioskConfig:
        """Return a copy with some fields of some sections changed (validated)."""
        raw = self.as_dict()
        for section, values in changes.items():
            raw.setdefault(section, {}).update(values)
        return build_config(raw, source="override")

    def as_dict(self) -> dict[str, dict[str, Any]]:
        return {name: dataclasses.asdict(getattr(self, name)) for name in _section_types()}


@dataclass(frozen=True)
class RuntimeFlags:
    """Volatile flags from the command line; never persisted."""

    demo: bool = False
    windowed: bool = False
    screenshot_dir: Path | None = None


@dataclass(frozen=True)
class SettingInfo:
    """Description of one declared setting, for ``kiosk config show`` and docs."""

    key: str
    type: type
    default: Any
    description: str
    minimum: float | None
    maximum: float | None
    choices: tuple[str, ...] | None
    pattern: str | None = None

    @property
    def env_name(self) -> str:
        return ENV_PREFIX + self.key.replace(".", "_").upper()

    def expectation(self) -> str:
        kind = {str: "a string", int: "an integer", bool: "true or false", float: "a number"}[
            self.type
        ]
        if self.choices:
            return f"one of {', '.join(repr(c) for c in self.choices)}"
        if self.pattern:
            return f"text matching {self.pattern}"
        if self.minimum is not None and self.maximum is not None:
            return f"{kind} from {_num(self.minimum)} to {_num(self.maximum)}"
        return kind


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _section_types() -> dict[str, type]:
    hints = get_type_hints(KioskConfig)
    return {f.name: hints[f.name] for f in dataclasses.fields(KioskConfig)}


@functools.cache
def _declared() -> tuple[SettingInfo, ...]:
    infos = []
    for section, section_type in _section_types().items():
        hints = get_type_hints(section_type)
        for f in dataclasses.fields(section_type):
            infos.append(
                SettingInfo(
                    key=f"{section}.{f.name}",
                    type=hints[f.name],
                    default=f.default,
                    description=f.metadata["description"],
                    minimum=f.metadata["minimum"],
                    maximum=f.metadata["maximum"],
                    choices=f.metadata["choices"],
                    pattern=f.metadata["pattern"],
                )
            )
    return tuple(infos)


def declared_settings() -> Iterator[SettingInfo]:
    """Every setting in declaration order (the declarations are read once)."""
    return iter(_declared())


def setting_info(key: str) -> SettingInfo:
    for info in _declared():
        if info.key == key:
            return info
    raise ConfigError(f"unknown setting {key!r}")


def _coerce(info: SettingInfo, value: Any, source: str) -> Any:
    """Check one value against its declaration; from text when it came from the environment."""

    def fail() -> ConfigError:
        return ConfigError(f"{info.key} = {value!r} ({source}): expected {info.expectation()}")

    if isinstance(value, str) and info.type is not str and source.startswith("environment"):
        text = value.strip()
        if info.type is bool:
            if text.lower() in ("1", "true", "yes", "on"):
                value = True
            elif text.lower() in ("0", "false", "no", "off"):
                value = False
            else:
                raise fail()
        else:
            try:
                value = info.type(text)
            except ValueError:
                raise fail() from None
    if info.type is bool:
        ok = isinstance(value, bool)
    elif info.type is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif info.type is float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        value = float(value) if ok else value
    else:
        ok = isinstance(value, str)
    if not ok:
        raise fail()
    if info.choices and value not in info.choices:
        raise fail()
    if info.pattern and not re.fullmatch(info.pattern, value):
        raise fail()
    if info.minimum is not None and value < info.minimum:
        raise fail()
    if info.maximum is not None and value > info.maximum:
        raise fail()
    return value


def build_config(raw: Mapping[str, Any], *, source: str = "file") -> KioskConfig:
    """Validate a nested mapping (as read from TOML) into a :class:`KioskConfig`."""
    sections = _section_types()
    unknown = [k for k in raw if k not in sections]
    if unknown:
        raise ConfigError(
            f"unknown section [{unknown[0]}] ({source}): expected one of {', '.join(sections)}"
        )
    built: dict[str, Any] = {}
    for section, section_type in sections.items():
        values = raw.get(section, {})
        if not isinstance(values, Mapping):
            raise ConfigError(f"[{section}] ({source}): expected a table of settings")
        names = {f.name for f in dataclasses.fields(section_type)}
        for key in values:
            if key not in names:
                raise ConfigError(
                    f"unknown setting {section}.{key} ({source}); "
                    f"known in [{section}]: {', '.join(sorted(names))}"
                )
        kwargs = {
            key: _coerce(setting_info(f"{section}.{key}"), value, source)
            for key, value in values.items()
        }
        built[section] = section_type(**kwargs)
    config = KioskConfig(**built)
    face = config.face
    if face.embedder == "custom" and not (
        face.threshold > 0 and face.custom_model and face.custom_model_sha256
    ):
        raise ConfigError(
            f"face.embedder = 'custom' ({source}): expected face.custom_model, "
            "face.custom_model_sha256 and the threshold measured for that model in "
            "face.threshold ('kiosk face evaluate --embedder custom' tells it)"
        )
    if config.session.idle_warning_s >= config.session.idle_timeout_s:
        raise ConfigError(
            f"session.idle_warning_s = {config.session.idle_warning_s} ({source}): expected "
            f"less than session.idle_timeout_s ({config.session.idle_timeout_s})"
        )
    return config


def default_config_path() -> Path:
    """Where the operator settings live unless ``KIOSK_CONFIG`` or ``--config`` says otherwise."""
    if os.environ.get(CONFIG_ENV):
        return Path(os.environ[CONFIG_ENV])
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "vn-kiosk" / "kiosk.toml"


def read_config_file(path: Path) -> dict[str, Any]:
    """Read the TOML file; a missing file is an empty one (defaults apply).  Any failure
    (a folder, no permission, not UTF-8, not TOML) is one :class:`ConfigError` line."""
    try:
        return tomllib.loads(path.read_bytes().decode("utf-8").removeprefix("\ufeff"))  # BOM
    except FileNotFoundError:
        return {}
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not valid UTF-8 (byte {exc.start}): save it as UTF-8") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the settings file ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


def load_config(path: Path | None = None, environ: Mapping[str, str] | None = None) -> KioskConfig:
    """Defaults, then the TOML file, then ``KIOSK_<SECTION>_<NAME>`` variables."""
    path = path or default_config_path()
    environ = os.environ if environ is None else environ
    raw = read_config_file(path)
    config = build_config(raw, source=str(path))
    overrides: dict[str, dict[str, Any]] = {}
    for info in declared_settings():
        if info.env_name in environ:
            value = _coerce(info, environ[info.env_name], f"environment {info.env_name}")
            section, name = info.key.split(".")
            overrides.setdefault(section, {})[name] = value
    if overrides:
        merged = config.as_dict()
        for section, values in overrides.items():
            merged[section].update(values)
        config = build_config(merged, source="environment")
    return config


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    # JSON string escapes are valid TOML basic-string escapes.
    import json

    return json.dumps(str(value), ensure_ascii=False)


def write_setting(path: Path, key: str, text: str) -> KioskConfig:
    """Persist one operator setting (validated) and return the resulting configuration.

    The file is rewritten atomically (write to a temporary file, fsync, rename)
    so a power cut never leaves a half-written configuration.
    """
    info = setting_info(key)
    value = _coerce(info, text, f"environment-style text for {key}")
    raw = read_config_file(path)
    section, name = key.split(".")
    raw.setdefault(section, {})[name] = value
    config = build_config(raw, source=str(path))
    lines = ["# Kiosk operator settings. Edit with `kiosk config set KEY VALUE`.", ""]
    for sec, values in raw.items():
        lines.append(f"[{sec}]")
        lines.extend(f"{k} = {toml_value(v)}" for k, v in values.items())
        lines.append("")
    tmp = path.with_suffix(".tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tmp.open("w", encoding="utf-8") as fh:
            fh.write("\n".join(lines))
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(path)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write the settings file ({exc.strerror})") from None
    return config
