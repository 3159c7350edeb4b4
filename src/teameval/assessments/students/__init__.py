"""What a student sees of assessments: their own published results (invariant 9)."""
