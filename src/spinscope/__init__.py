"""spinscope: digital twin and analysis workbench of time-resolved soft X-ray magnetic microscopy
and scattering.

``import spinscope`` is light: subpackages (and matplotlib, torch) load only when used.
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("spinscope")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

_SUBPACKAGES = (
    "acquisition",
    "analysis",
    "config",
    "conventions",
    "detectors",
    "evolution",
    "errors",
    "instruments",
    "interaction",
    "io",
    "materials",
    "micromagnetics",
    "optics",
    "planning",
    "sample",
    "sources",
    "testing",
    "ultrafast",
    "units",
    "viz",
    "workflows",
)

__all__ = ["__version__", *_SUBPACKAGES]


def __getattr__(name: str):
    if name in _SUBPACKAGES:
        return importlib.import_module(f"spinscope.{name}")
    raise AttributeError(f"module 'spinscope' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
