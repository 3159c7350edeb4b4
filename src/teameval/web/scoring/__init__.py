"""Scoring an assessment one team at a time, with autosave."""
