"""teameval: rosters, project teams and rubric assessments for team-project schools."""

__version__ = "0.1.0"
