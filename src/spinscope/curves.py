"""Closed-form model curves shared by the simulation and analysis layers."""
