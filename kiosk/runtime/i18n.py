"""Translations: Vietnamese first, English second.

Catalogues are flat JSON files ``assets/i18n/<lang>.json`` mapping a message key
to a text with ``{placeholders}``.  Both the core (error messages, receipts)
and the UI use one :class:`Translator`.  A test keeps the catalogues in step:
same keys, same placeholders, every text NFC-normalised, every key used in
the code present.
"""

from __future__ import annotations

import json
import logging
import threading
import unicodedata
from functools import cache
from pathlib import Path

from kiosk.base.events import Signal
from kiosk.base.paths import ASSETS

log = logging.getLogger(__name__)

LANGUAGES: tuple[str, ...] = ("vi", "en")
CATALOGUE_DIR = ASSETS / "i18n"


def N_(key: str) -> str:
    """Mark a message key for translation later (keeps it findable by the key test)."""
    return key


@cache
def load_catalogue(lang: str, directory: Path = CATALOGUE_DIR) -> dict[str, str]:
    with (directory / f"{lang}.json").open(encoding="utf-8") as fh:
        data = json.load(fh)
    return {k: unicodedata.normalize("NFC", v) for k, v in data.items()}


class Translator:
    """Looks up message texts in the current language.

    ``language_changed`` fires (on the caller's thread) after :meth:`set_language`.
    """

    def __init__(self, language: str = "vi") -> None:
        if language not in LANGUAGES:
            raise ValueError(f"unsupported language {language!r}")
        self._language = language
        self._lock = threading.Lock()
        self.language_changed = Signal("language_changed")

    @property
    def language(self) -> str:
        return self._language

    def set_language(self, language: str) -> None:
        if language not in LANGUAGES:
            raise ValueError(f"unsupported language {language!r}")
        with self._lock:
            changed = language != self._language
            self._language = language
        if changed:
            self.language_changed.emit(language)

    def __call__(self, key: str, **params: object) -> str:
        return self.text(key, self._language, **params)

    @staticmethod
    def text(key: str, language: str, **params: object) -> str:
        catalogue = load_catalogue(language)
        template = catalogue.get(key)
        if template is None:
            # Fall back to Vietnamese, then to the key itself, and say so in the log.
            template = load_catalogue("vi").get(key, key)
            log.warning("missing_translation", extra={"fields": {"key": key, "lang": language}})
        try:
            text = template.format(**params) if params else template
        except (KeyError, IndexError):
            log.warning("bad_translation_params", extra={"fields": {"key": key}})
            text = template
        return unicodedata.normalize("NFC", text)
