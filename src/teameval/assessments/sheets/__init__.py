"""Score sheets: a teacher's scores of one linked team version, its students' overrides and the
general comment, saved whole with ``If-Match`` (issue 10)."""
