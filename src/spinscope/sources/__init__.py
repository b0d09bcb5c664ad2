"""Photon sources: high-harmonic generation, laser-plasma sources, storage rings and their timing."""
