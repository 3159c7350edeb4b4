"""Migration toolkit off the legacy groups model: audits, backfills, phase gates."""
