"""Normalisation applied on every write path, so the same person is never two rows."""

from __future__ import annotations

import re

_SPACES = re.compile(r"\s+")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def normalise_name(name: str) -> str:
    return _SPACES.sub(" ", name).strip()


def full_name(first_name: str | None, prefix: str | None, last_name: str | None) -> str:
    """Dutch names: 'Jan' + 'van der' + 'Berg' = 'Jan van der Berg'."""
    return normalise_name(" ".join(part for part in (first_name, prefix, last_name) if part))
