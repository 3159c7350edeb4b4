"""Project teams: versions, members, locks and history. ``layout`` is the one write path."""
