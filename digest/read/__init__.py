"""Read content files: list them, decode, clean, and parse records and bodies."""
