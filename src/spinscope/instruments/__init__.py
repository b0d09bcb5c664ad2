"""Instruments composed of source, optics, sample and detector: STXM, scattering camera, holography.

Submodules are imported on first use of a name (PEP 562), so that each instrument stays independent.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "STXM": "spinscope.instruments.stxm",
    "FocusedImages": "spinscope.instruments.stxm",
    "layer_constants": "spinscope.instruments.stxm",
    "smear_movie": "spinscope.instruments.stxm",
    "transmission": "spinscope.instruments.stxm",
    "ScatteringCamera": "spinscope.instruments.scattering",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    mod = _EXPORTS.get(name)
    if mod is None:
        raise AttributeError(f"module 'spinscope.instruments' has no attribute {name!r}")
    value = getattr(importlib.import_module(mod), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)
