"""The ground floor: what every room may use and nothing here imports from a room above (input errors, text
tables, atomic writes, library verbosity)."""
