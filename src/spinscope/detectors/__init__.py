"""Detectors: area detectors (CCD/CMOS) and avalanche photodiodes, with their noise."""

from spinscope.detectors.apd import (
    APD,
    as_generator,
    count_fraction,
    detection_probability,
    invert_pileup,
)
from spinscope.detectors.area import SI_PAIR_ENERGY, AreaDetector, Recorded, silicon_quantum_efficiency

__all__ = [
    "APD",
    "SI_PAIR_ENERGY",
    "AreaDetector",
    "Recorded",
    "silicon_quantum_efficiency",
    "as_generator", "count_fraction", "detection_probability", "invert_pileup"]
