"""Languages of the web UI: catalogs, choosing the language of a request, locale formatting.

English is the source language: templates and page code say English and mark it for
translation (``{% trans %}``, ``_()``, ``page.gettext()``). Each other language has ``.po``
files under ``locale/<lang>/LC_MESSAGES/``, one per area of the UI, read once at start-up and
merged (no compiled ``.mo`` files to keep in step). ``tests/web/test_translations.py`` checks
that every marked message has a Dutch translation and every translation is still used.
"""

from __future__ import annotations

import gettext
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

LOCALE_DIR = Path(__file__).parent / "locale"
SOURCE_LANGUAGE = "en"
LANGUAGES: dict[str, str] = {"nl": "Nederlands", "en": "English"}  # each in its own language
DEFAULT_LANGUAGE = "en"
NO_VALUE = "\u2013"  # an en dash: "none yet", read as such by screen readers too
# Times are stored in UTC and shown on the school's clock (every school so far is Dutch).
SCHOOL_TIMEZONE = ZoneInfo("Europe/Amsterdam")


class CatalogTranslations(gettext.NullTranslations):
    """Translations from babel catalogs; a message without a translation stays English."""

    def __init__(self, messages: dict[str, str | tuple[str, ...]], plural_expr: str) -> None:
        super().__init__()
        self._messages = messages
        self._plural = gettext.c2py(plural_expr)

    def gettext(self, message: str) -> str:
        found = self._messages.get(message)
        return found if isinstance(found, str) and found else message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        found = self._messages.get(singular)
        if isinstance(found, tuple) and all(found):
            return found[min(self._plural(n), len(found) - 1)]
        return singular if n == 1 else plural


def _po_files(language: str) -> list[Path]:
    return sorted((LOCALE_DIR / language / "LC_MESSAGES").glob("*.po"))


@cache
def translations(language: str) -> gettext.NullTranslations:
    """The merged catalog of ``language``; English (and an unknown language) translates nothing."""
    if language == SOURCE_LANGUAGE or language not in LANGUAGES:
        return gettext.NullTranslations()
    messages: dict[str, str | tuple[str, ...]] = {}
    plural_expr = "(n != 1)"
    for path in _po_files(language):
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=language)
        plural_expr = catalog.plural_expr
        for message in catalog:
            if not message.id or message.fuzzy:
                continue
            key = message.id if isinstance(message.id, str) else message.id[0]
            string = message.string
            messages[key] = string if isinstance(string, str) else tuple(string or ())
    return CatalogTranslations(messages, plural_expr)


def supported(language: str | None) -> str | None:
    """``language`` if the UI speaks it (``nl-BE`` → ``nl``), else None."""
    if not language:
        return None
    base = language.strip().replace("_", "-").split("-")[0].lower()
    return base if base in LANGUAGES else None


def from_accept_language(header: str | None) -> str | None:
    """The first language of an ``Accept-Language`` header the UI speaks, by its q-values."""
    if not header:
        return None
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        weighted.append((-quality, position, tag))
    for negative_quality, _position, tag in sorted(weighted):
        if negative_quality < 0 and (language := supported(tag)):
            return language
    return None


def choose_language(*candidates: str | None) -> str:
    """The first candidate the UI speaks (user's choice, school's, browser's), else English."""
    return next((found for c in candidates if (found := supported(c))), DEFAULT_LANGUAGE)


@cache
def babel_locale(language: str) -> Locale:
    try:
        return Locale.parse({"nl": "nl_NL", "en": "en_GB"}.get(language, language))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en_GB")


def grade_text(value: Decimal | float | int | None, language: str) -> str:
    """A grade as it is stored, every digit kept, with the locale's decimal sign (7,5 in Dutch)."""
    if value is None:
        return NO_VALUE
    places = _decimal_places(value)
    pattern = "#,##0." + "0" * places if places else "#,##0"
    return format_decimal(value, format=pattern, locale=babel_locale(language))


def _decimal_places(value: Decimal | float | int) -> int:
    if isinstance(value, Decimal):
        exponent = value.as_tuple().exponent
        return -exponent if isinstance(exponent, int) and exponent < 0 else 0
    if isinstance(value, float):
        return len(repr(value).partition(".")[2].rstrip("0"))
    return 0


def number_text(value: Decimal | float | int, language: str) -> str:
    return format_decimal(value, locale=babel_locale(language))


def date_text(value: date | datetime | None, language: str) -> str:
    if value is None:
        return NO_VALUE
    if isinstance(value, datetime):
        return format_datetime(
            value, "medium", tzinfo=SCHOOL_TIMEZONE, locale=babel_locale(language)
        )
    return format_date(value, "medium", locale=babel_locale(language))


def known_languages() -> Iterable[tuple[str, str]]:
    return LANGUAGES.items()
