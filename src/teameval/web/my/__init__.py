"""A student's own pages: courses, projects and team, published assessments, self-assessment."""
