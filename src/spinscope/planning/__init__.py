"""Feasibility answers: photons, time and resolution budgets."""
