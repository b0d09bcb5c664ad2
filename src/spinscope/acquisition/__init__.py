"""Pump-probe timing, scan plans, normalisation schemes and drift; produces datasets.

The scan plans drive instruments through the protocols of :mod:`spinscope.acquisition.protocols`
(never a concrete instrument): :func:`~spinscope.acquisition.stxm_scan.run_stxm_scan` (raster scans of a
STXM) and :func:`~spinscope.acquisition.delay_scan.run_delay_scan` (pump-probe delay scans of a
scattering camera).
"""

from spinscope.acquisition.normalisation import (
    even_odd_signal,
    pump_mask,
    relative_signal,
    simulate_turn_counts,
    split_even_odd,
)
from spinscope.acquisition.stroboscopic import (
    StroboscopicScheme,
    channel_of_bucket,
    channels_from_time_tags,
    choose_ratio,
    coprime_neighbours,
    parse_ratio,
    smear,
    smear_periodic,
    sort_into_channels,
    stxm_timing,
)
from spinscope.acquisition.stxm_scan import ScanPattern, run_stxm_scan

__all__ = [
    "ScanPattern",
    "StroboscopicScheme",
    "channel_of_bucket",
    "channels_from_time_tags",
    "choose_ratio",
    "coprime_neighbours",
    "even_odd_signal",
    "parse_ratio",
    "pump_mask",
    "relative_signal",
    "run_stxm_scan",
    "simulate_turn_counts",
    "smear",
    "smear_periodic",
    "sort_into_channels",
    "split_even_odd",
    "stxm_timing",
]
