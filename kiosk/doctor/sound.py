"""The sound check: the spoken guidance and the call chime can be heard.

espeak-ng must be installed with the chosen Vietnamese voice (a kiosk that cannot speak
cannot serve a citizen who cannot read the screen); a sound card must exist; the call
chime needs a player (sox's ``play`` or ``aplay``).  A missing card or player is a
warning: the kiosk still serves citizens who read, and the call still reaches staff.
"""

from __future__ import annotations

import functools
import subprocess
from pathlib import Path

from kiosk.doctor.printer import demo
from kiosk.doctor.report import CheckResult, Status, said
from kiosk.runtime.config import KioskConfig

CARDS = Path("/proc/asound/cards")
REMEDY_ENGINE = "install it: sudo apt-get install espeak-ng"
REMEDY_PLAYER = "install a player: sudo apt-get install sox"


def sound_cards(cards: Path = CARDS) -> list[str]:
    """The names of the machine's sound cards, as ALSA lists them (empty: none)."""
    try:
        text = cards.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    names = []
    for line in text.splitlines():
        head, _, name = line.partition(":")
        if head.strip().split(" ")[0].isdigit() and name.strip():
            names.append(name.strip())
    return names


@functools.cache  # installed voices do not change while the kiosk runs (the heartbeat asks)
def engine_voices(engine: str) -> frozenset[str]:
    """The Vietnamese voices the installed espeak-ng offers (its ``--voices=vi`` list)."""
    out = subprocess.run(
        [engine, "--voices=vi"], capture_output=True, text=True, timeout=10, check=False
    )
    voices = set()
    for line in out.stdout.splitlines()[1:]:  # a header, then one voice a line
        fields = line.split()
        if len(fields) >= 5:
            voices.update((fields[1], fields[4]))  # its language, and its file name
    return frozenset(voices)


def check_speech(config: KioskConfig, _root: Path, cards: Path = CARDS) -> CheckResult:
    from devices.speech.chime import player_command
    from devices.speech.espeak import engine_path

    d = config.devices
    if d.speech != "espeak":
        return CheckResult.of("speech", Status.SKIP, demo("speech", repr(d.speech)))
    engine = engine_path()
    if engine is None:
        return CheckResult.of(
            "speech",
            Status.FAIL,
            said("doctor.speech.no_engine", "espeak-ng is not installed: the kiosk cannot speak"),
            said("doctor.remedy.install_espeak", REMEDY_ENGINE),
        )
    if d.speech_voice not in engine_voices(engine):
        return CheckResult.of(
            "speech",
            Status.FAIL,
            said(
                "doctor.speech.no_voice",
                "espeak-ng has no voice {voice}",
                voice=repr(d.speech_voice),
            ),
            said(
                "doctor.remedy.choose_voice",
                "choose an installed voice: kiosk config set devices.speech_voice vi",
            ),
        )
    found = sound_cards(cards)
    if not found:
        return CheckResult.of(
            "speech",
            Status.WARN,
            said(
                "doctor.speech.no_card",
                "no sound card: speech and the call chime are silent ({cards} lists none)",
                cards=str(cards),
            ),
            said(
                "doctor.remedy.sound_card",
                "plug the loudspeaker in (or a USB sound card), then `aplay -l` must list it",
            ),
        )
    if d.call_chime and player_command(Path("chime.wav")) is None:
        return CheckResult.of(
            "speech",
            Status.WARN,
            said("doctor.speech.no_player", "no player for the call chime (play or aplay)"),
            said("doctor.remedy.install_player", REMEDY_PLAYER),
        )
    return CheckResult.of(
        "speech",
        Status.OK,
        said(
            "doctor.speech.ok",
            "espeak-ng, voice {voice}, {rate} words a minute; sound card: {card}",
            voice=d.speech_voice,
            rate=d.speech_rate_wpm,
            card=found[0],
        ),
    )
