"""The path id of the ``/me/assessments`` routes.

Every role may call them: each answers only what is the caller's own (a student's results and
self-assessments), so staff get an empty list and the same 404 an unknown id gets, like a
student asking for an assessment that is not theirs.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

MyAssessmentId = Annotated[
    int, Path(description="An assessment the caller, a student, was assessed in.")
]
