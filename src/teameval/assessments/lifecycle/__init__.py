"""Assessments of a project: create, change, the status machine, linked teams, publications."""
