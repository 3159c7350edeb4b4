"""Courses: the admin's course management and a teacher's course roster."""
