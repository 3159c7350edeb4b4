"""A teacher's view of a course: its student roster, adding and removing students, team numbers."""
