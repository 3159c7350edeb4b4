"""The web UI: server-rendered pages for admins, teachers and students (docs/ui.md).

Thin like the CLI: a page resolves what it shows through ``access.pages``, calls the same
services the API calls, and renders a template; it never calls the app's own HTTP API.
"""
