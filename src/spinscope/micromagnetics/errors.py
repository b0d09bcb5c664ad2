"""Errors of the micromagnetic core: subclasses of :class:`spinscope.errors.SpinscopeError`."""

from __future__ import annotations

import warnings

from spinscope.errors import SpinscopeError

__all__ = [
    "CoarseMeshWarning",
    "GeometryError",
    "MicromagneticsError",
    "ParameterError",
    "StepSizeError",
]


class MicromagneticsError(SpinscopeError, ValueError):
    """A micromagnetic simulation cannot be set up or run with the given input."""


class ParameterError(MicromagneticsError):
    """A material, torque or field parameter is missing, inconsistent or out of range."""


class GeometryError(MicromagneticsError):
    """The mesh or the geometry mask is unusable (e.g. no magnetic cell at all)."""


class StepSizeError(MicromagneticsError, ArithmeticError):
    """The adaptive time step failed the error control repeatedly (stiff or diverging run)."""


class CoarseMeshWarning(UserWarning):
    """A cell is larger than the exchange length: the discretisation is too coarse."""


def warn_coarse(message: str, *, stacklevel: int = 3) -> None:
    """Emit a :class:`CoarseMeshWarning` (by default pointing at the caller's caller)."""
    warnings.warn(message, CoarseMeshWarning, stacklevel=stacklevel)
