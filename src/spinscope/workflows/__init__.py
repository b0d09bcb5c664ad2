"""End-to-end jobs composed from the layers below (the demo and instrument runs); the CLI calls these."""
