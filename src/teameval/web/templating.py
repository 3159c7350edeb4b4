"""The Jinja2 environment: templates beside this package, autoescaped, translated per request.

The gettext callables read the language of the render in progress from a context variable, so
one environment (compiled templates cached once) serves every language, and ``render`` is the
one place that sets it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from teameval.web import i18n
from teameval.web.navigation import ROLE_NAMES, nav_links

TEMPLATE_DIR = Path(__file__).parent / "templates"
_language: ContextVar[str] = ContextVar("teameval_web_language", default=i18n.DEFAULT_LANGUAGE)


def current_language() -> str:
    return _language.get()


@contextmanager
def speaking(language: str) -> Iterator[None]:
    token = _language.set(language)
    try:
        yield
    finally:
        _language.reset(token)


def _gettext(message: str) -> str:
    return i18n.translations(current_language()).gettext(message)


def _ngettext(singular: str, plural: str, n: int) -> str:
    return i18n.translations(current_language()).ngettext(singular, plural, n)


def _grade(value: Decimal | float | int | None) -> str:
    return i18n.grade_text(value, current_language())


def _number(value: Decimal | float | int) -> str:
    return i18n.number_text(value, current_language())


def _when(value: date | datetime | None) -> str:
    return i18n.date_text(value, current_language())


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,  # a misspelt variable is an error in tests, not a blank
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(_gettext, _ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters.update(grade=_grade, number=_number, when=_when)
    env.globals["languages"] = dict(i18n.LANGUAGES)
    env.globals["nav_links"] = nav_links
    env.globals["role_names"] = ROLE_NAMES
    return env


def render_template(name: str, language: str, context: Mapping[str, Any]) -> str:
    with speaking(language):
        return environment().get_template(name).render(context)
