"""Shared helpers every domain uses: paging, bulk upserts, normalisation, validation, request
input types and CSV files. Nothing here knows a domain."""
