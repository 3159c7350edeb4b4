"""Stored grade policies (school default, course overrides) and the effective-policy resolver."""
