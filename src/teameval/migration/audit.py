"""Moved to :mod:`teameval.migration.phase1.audit`; this name stays for the importers outside
``migration/`` (tests/roster's enrollment invariant) until they import the new one."""

from teameval.migration.phase1.audit import EnrollmentAudit, audit_enrollments

__all__ = ["EnrollmentAudit", "audit_enrollments"]
