"""Which messages the web UI marks for translation, read from its templates and page code, and
how complete each language's catalog is. Used by ``teameval i18n check`` style tests
(``tests/web/test_translations.py``) and by ``python -m teameval.web.catalog`` to list what a
translator still has to do."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from teameval.web import i18n

WEB_DIR = Path(__file__).parent
METHOD_MAP = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
OPTIONS_MAP = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "false"}}
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}


@dataclass(frozen=True)
class Marked:
    message: str
    where: str


def marked_messages() -> Iterator[Marked]:
    """Every message marked in the web package (English, the source language)."""
    for filename, lineno, message, _comments, _context in extract_from_dir(
        WEB_DIR, METHOD_MAP, OPTIONS_MAP, keywords=KEYWORDS
    ):
        text = message[0] if isinstance(message, tuple) else message
        if text:
            yield Marked(text, f"{filename}:{lineno}")


def catalog_messages(language: str) -> dict[str, tuple[str, Path]]:
    """msgid → (translation, the .po file it is in) for one language; plural: the first form."""
    found: dict[str, tuple[str, Path]] = {}
    for path in sorted((i18n.LOCALE_DIR / language / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=language)
        for entry in catalog:
            if not entry.id:
                continue
            key = entry.id if isinstance(entry.id, str) else entry.id[0]
            string = entry.string if isinstance(entry.string, str) else (entry.string or [""])[0]
            found[key] = (string or "", path)
    return found


def missing(language: str) -> list[Marked]:
    have = catalog_messages(language)
    seen: set[str] = set()
    result = []
    for marked in marked_messages():
        if marked.message not in seen and not have.get(marked.message, ("", None))[0]:
            result.append(marked)
        seen.add(marked.message)
    return result


def main() -> int:
    language = sys.argv[1] if len(sys.argv) > 1 else "nl"
    todo = missing(language)
    for marked in todo:
        print(f'# {marked.where}\nmsgid "{marked.message}"\nmsgstr ""\n')
    print(f"{len(todo)} message(s) without a {language} translation", file=sys.stderr)
    return 1 if todo else 0


if __name__ == "__main__":
    raise SystemExit(main())
