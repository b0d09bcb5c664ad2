"""Figures, movies and reports: the one package that imports matplotlib (not loaded by ``import spinscope``).

Figures are built with matplotlib's object-oriented API (``Figure`` + an Agg canvas): the global
backend is never switched and ``matplotlib.pyplot`` is never imported, so a notebook keeps its inline
plots. Every ``plot_*`` function returns the figure when called without a path, else writes the file
atomically and returns its path.
"""

from spinscope.viz.demag import plot_demag
from spinscope.viz.scattering import plot_detector_image, plot_radial_profiles, plot_time_traces
from spinscope.viz.spectra import plot_transmission_contrast
from spinscope.viz.stxm import movie_formats, plot_contrast, plot_mode_maps

__all__ = [
    "movie_formats",
    "plot_contrast",
    "plot_demag",
    "plot_detector_image",
    "plot_mode_maps",
    "plot_radial_profiles",
    "plot_time_traces",
    "plot_transmission_contrast",
]
