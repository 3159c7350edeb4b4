"""Assessments: list, create, open and close, results overview, publish, withdraw, grades CSV."""
