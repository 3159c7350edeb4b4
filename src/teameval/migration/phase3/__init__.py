"""Phase 3: access reads enrollments, proven first (``teameval audit access``).

``probe`` (phase 1's tables plus ``users.archived``), ``statements`` (the pure builders: each
(student, course) pair's legacy and enrollment decision), ``queries`` (them as the runner runs
them), ``audit`` (the result, ``audit_access`` and the command), ``report`` (the Rich report) and
``cli`` (the Typer command).
"""
