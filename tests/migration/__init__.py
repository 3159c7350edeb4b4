"""Tests of the phase 1 migration toolkit (enrollment audit and backfill)."""
