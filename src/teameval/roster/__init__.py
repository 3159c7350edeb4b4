"""Users, courses, enrollments and the legacy groups, kept in step."""
