"""Rubrics: list, create with criteria, weights and level descriptors, copy."""
