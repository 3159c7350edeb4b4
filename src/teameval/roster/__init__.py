"""The roster domain: who is in a school and in which course (see docs/architecture.md)."""
