"""Admin: the school's students (list, a student's page, CSV import with preview, export)."""
