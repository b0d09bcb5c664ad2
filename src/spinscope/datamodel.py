"""Data model contracts (filled below)."""
