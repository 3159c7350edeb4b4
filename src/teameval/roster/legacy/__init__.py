"""The legacy teams (``groups`` / ``group_members``), kept in step until the migration retires
them."""
