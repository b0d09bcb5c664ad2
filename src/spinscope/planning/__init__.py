"""Feasibility answers: photons, time and resolution budgets."""

from spinscope.planning.stxm_budget import (
    min_detectable_signal,
    photons_for_snr,
    pileup_penalty,
    plan_stxm,
    resolution_budget,
    snr_for_photons,
    time_resolution_budget,
)

__all__ = [
    "min_detectable_signal",
    "photons_for_snr",
    "pileup_penalty",
    "plan_stxm",
    "resolution_budget",
    "snr_for_photons",
    "time_resolution_budget",
]
