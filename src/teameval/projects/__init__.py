"""Projects and their frozen, versioned team rosters (DESIGN.md invariant 7).

- the package itself: a project's lifecycle (``schemas``, ``service``, ``api``, ``cli``);
- ``teams``: the team rosters; ``teams.layout`` is the one write path for team membership;
- ``teams.sources``: the ways to make a layout (legacy groups, clone, generate, CSV import).
"""
