"""Courses, their teachers, and the enrollment writes (invariants 2 and 3)."""
