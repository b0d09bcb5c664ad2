"""Pump-probe timing, scan plans, normalisation schemes and drift; produces datasets."""
