"""Detectors: area detectors (CCD/CMOS) and avalanche photodiodes, with their noise."""
