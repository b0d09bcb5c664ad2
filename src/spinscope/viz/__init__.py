"""Figures, movies and reports (imports matplotlib; never loaded by import spinscope)."""
