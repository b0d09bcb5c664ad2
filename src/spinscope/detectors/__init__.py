"""Detectors: area detectors (CCD/CMOS) and avalanche photodiodes, with their noise."""

from spinscope.detectors.apd import (
    APD,
    as_generator,
    count_fraction,
    detection_probability,
    invert_pileup,
)

__all__ = ["APD", "as_generator", "count_fraction", "detection_probability", "invert_pileup"]
