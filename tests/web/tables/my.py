"""Pages of the my area for the page matrix (tests/web/pages_table.py)."""

from __future__ import annotations

from tests.web.pages_table import EXEMPT, STUDENT_ONLY, Page

PAGES: list[Page] = [
    Page("my courses", "/my/courses", STUDENT_ONLY),
    Page("my assessments", "/my/assessments", STUDENT_ONLY),
]

# A student's assessment page exists only for an assessment published with their result or open
# for their team; the world's assessment is a draft (a 404 for everyone, as it must be). Its
# roles, 404s, sign-in redirect and HTML checks are in tests/web/test_my_assessments.py, on an
# open and a published assessment.
EXEMPT.add("/my/assessments/{assessment_id}")
