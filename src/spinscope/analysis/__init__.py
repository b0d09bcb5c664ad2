"""Turns datasets into physics. Never imports the simulation layers: it runs unchanged on measured files."""
