"""The web's message catalogs, one module per language (keys must match: a test checks)."""
