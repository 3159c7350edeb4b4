"""School-wide rubrics: schemas, service, HTTP routes, files (CSV/JSON) and the CLI."""
