"""Peer evaluation in the browser (issue 13): a student's step-by-step form and feedback, and a
teacher's progress, matrix, flags, fairness preview and publication."""
