"""Self-assessment: a member of a linked team scores the rubric for their own team while the
assessment is open; the teacher sees it beside the sheet. It never feeds a grade."""
