"""Rubrics, grade policies and (in the next part of issue 10) assessments, scores and results.

- ``grading``: pure: the ``GradePolicy``, ``weighted_score``, ``grade`` (exact, half up) and
  ``explain``. Every grade anywhere is computed by it;
- ``rubrics/``: school-wide rubrics and their criteria (``schemas``, ``service`` with
  ``freeze_rubric`` for the assessments, ``api``, ``files`` for CSV/JSON import and export
  including the seed platform's CSV, ``cli``: ``teameval rubrics import|export``);
- ``policies/``: the stored school default and course grade policies, and ``effective_policy``
  (assessment override > course > school > built-in defaults);
- ``routes``: every router of the package, for the app factory.
"""
