"""Projects, their status, and the team builder (layout, sources, locked versions, history)."""
