"""Pump-probe timing, scan plans, normalisation schemes and drift; produces datasets."""

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

__all__ = [
    "StroboscopicScheme",
    "channel_of_bucket",
    "channels_from_time_tags",
    "choose_ratio",
    "coprime_neighbours",
    "even_odd_signal",
    "parse_ratio",
    "pump_mask",
    "relative_signal",
    "simulate_turn_counts",
    "smear",
    "smear_periodic",
    "sort_into_channels",
    "split_even_odd",
    "stxm_timing",
]
