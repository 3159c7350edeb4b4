"""Watching the legacy model on live traffic (issue 14): the shadow access comparison of phase 3
and the legacy usage counts of phases 4-5 (being built)."""

from __future__ import annotations

from fastapi import FastAPI


def install(app: FastAPI) -> None:
    """Hook the watch into the app (called once by ``teameval.api.create_app``)."""
