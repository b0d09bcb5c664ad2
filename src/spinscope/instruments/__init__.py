"""Instruments composed of source, optics, sample and detector: STXM, scattering camera, holography."""
