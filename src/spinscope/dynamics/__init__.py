"""How the magnetisation moves: ultrafast demagnetisation models (3TM, M3TM, two-sublattice) and the LLG micromagnetics core."""
