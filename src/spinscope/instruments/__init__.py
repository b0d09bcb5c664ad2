"""Instruments composed of source, optics, sample and detector: STXM, scattering camera, holography."""

from spinscope.instruments.stxm import STXM, ScanPattern, layer_constants, smear_movie, transmission

__all__ = ["STXM", "ScanPattern", "layer_constants", "smear_movie", "transmission"]
