"""Schools and staff accounts (admins, teachers), as the CLI creates them."""
