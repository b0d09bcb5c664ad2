"""Units: one pint registry, parsing at the edges, SI floats inside.

Inside spinscope every quantity is a plain ``float``/``numpy`` value in SI units (m, s, K, J/m^2,
A/m, T), except photon energy, which is in eV as in every X-ray table. Strings such as ``"707 eV"``,
``"20 nm"``, ``"5 mJ/cm^2"`` or ``"50 ps"`` (and pint quantities) are converted only where they enter:
configuration files, the command line and public functions that accept quantities.

The registry is created lazily on first use, so that ``import spinscope`` stays light.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import numpy as np
import pint

from spinscope.constants import HC_EV_M
from spinscope.errors import ParameterRangeError, UnitError

__all__ = [
    "DIMENSIONS",
    "HC_EV_M",
    "check_positive",
    "energy_to_wavelength",
    "get_registry",
    "parse_in_unit",
    "parse_positive",
    "parse_quantity",
    "wavelength_to_energy",
]


#: Dimension name -> (SI unit the value is returned in, example shown in error messages).
DIMENSIONS: dict[str, tuple[str, str]] = {
    "energy": ("eV", "707 eV"),  # photon energy: the one non-SI internal unit
    "length": ("m", "20 nm"),
    "time": ("s", "50 ps"),
    "frequency": ("Hz", "500 MHz"),
    "temperature": ("K", "300 K"),
    "fluence": ("J/m^2", "5 mJ/cm^2"),
    "density": ("kg/m^3", "8.9 g/cm^3"),
    "magnetisation": ("A/m", "800 kA/m"),
    "field": ("T", "50 mT"),  # flux density mu0 H
    "current_density": ("A/m^2", "1e11 A/m^2"),
    "exchange": ("J/m", "13 pJ/m"),
    "energy_density": ("J/m^3", "1e5 J/m^3"),
    "power": ("W", "10 W"),
    "pulse_energy": ("J", "1 mJ"),
    "intensity": ("W/m^2", "1e14 W/cm^2"),
    "angle": ("rad", "30 deg"),
    "dimensionless": ("", "0.5"),
}


@lru_cache(maxsize=1)
def get_registry():
    """Return the package-wide pint ``UnitRegistry`` (created on first call).

    Returns
    -------
    pint.UnitRegistry
        The single registry; quantities from other registries are converted through strings.
    """
    ureg = pint.UnitRegistry(autoconvert_offset_to_baseunit=True)
    ureg.formatter.default_format = "~P"
    return ureg


def parse_quantity(
    value: Any,
    dimension: str,
    *,
    field: str | None = None,
    default_unit: str | None = None,
) -> float:
    """Convert a unit string, pint quantity or number into a float in spinscope's internal unit.

    Parameters
    ----------
    value
        ``"707 eV"``, ``"20 nm"``, a pint ``Quantity``, or a bare number. A bare number is taken to be
        in ``default_unit`` when given, else in the internal unit of ``dimension``.
    dimension
        One of :data:`DIMENSIONS` (``"energy"``, ``"length"``, ``"time"``, ...).
    field
        Name of the field or option, used in the error message.
    default_unit
        Unit of a bare number [pint unit string], e.g. ``"nm"``.

    Returns
    -------
    float
        The value in the internal unit: eV for energies, SI otherwise.

    Raises
    ------
    UnitError
        When the value cannot be parsed, has the wrong dimension or is not finite.
    """
    if dimension not in DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}; known: {sorted(DIMENSIONS)}")
    target, example = DIMENSIONS[dimension]
    return _convert(value, target, what=dimension, example=example, field=field, default_unit=default_unit)


def parse_in_unit(value: Any, unit: str, *, field: str | None = None) -> float:
    """Convert a unit string, pint quantity or number into a float in a given unit.

    For quantities outside :data:`DIMENSIONS` (rates, heat capacities, coupling constants, ...).

    Parameters
    ----------
    value
        ``"8e17 W/(m^3 K)"``, a pint ``Quantity``, or a bare number (taken to be in ``unit``).
    unit
        Target unit [pint unit string], e.g. ``"J/(m^3 K^2)"``.
    field
        Name of the field or option, used in the error message.

    Returns
    -------
    float
        The value in ``unit``.

    Raises
    ------
    UnitError
        When the value cannot be parsed, cannot be converted to ``unit`` or is not finite.
    """
    return _convert(value, unit, what=f"a quantity in {unit}", example=f"1 {unit}", field=field,
                    default_unit=None)


def _convert(value: Any, target: str, *, what: str, example: str, field: str | None,
             default_unit: str | None) -> float:
    name = field or "value"
    if isinstance(value, bool):
        raise UnitError(f"{name}: expected {what} such as '{example}', got {value!r}")
    if isinstance(value, int | float | np.integer | np.floating):
        if default_unit is None:
            out = float(value)
        else:
            ureg = get_registry()
            out = float(ureg.Quantity(float(value), default_unit).to(target or "dimensionless").m)
    else:
        ureg = get_registry()

        try:
            if isinstance(value, str):
                text = value.strip().replace("µ", "u").replace("μ", "u")
                if not text:
                    raise UnitError(f"{name}: expected {what} such as '{example}', got ''")
                q = ureg.Quantity(text)
            elif hasattr(value, "magnitude") and hasattr(value, "units"):
                q = ureg.Quantity(value.magnitude, str(value.units))
            else:
                raise UnitError(f"{name}: expected {what} such as '{example}', got {type(value).__name__}")
            if not isinstance(q, pint.Quantity):  # a bare number in a string
                q = ureg.Quantity(float(q), default_unit or target or "dimensionless")
            elif q.unitless and target:
                q = ureg.Quantity(q.magnitude, default_unit or target)
            wanted = ureg.Quantity(1.0, target or "dimensionless").dimensionality
            if q.dimensionality != wanted:
                raise UnitError(
                    f"{name}: expected {what} such as '{example}', got {value!r} "
                    f"(dimension {q.dimensionality})"
                )
            out = float(q.to(target or "dimensionless").magnitude)
        except UnitError:
            raise
        except (pint.errors.PintError, ValueError, TypeError, AttributeError, SyntaxError) as exc:
            raise UnitError(
                f"{name}: expected {what} such as '{example}', could not parse {value!r}"
            ) from exc
    if not math.isfinite(out):
        raise UnitError(f"{name}: expected a finite {what}, got {value!r}")
    return out


def parse_positive(value: Any, dimension: str, field: str, *, allow_zero: bool = False) -> float:
    """Parse a quantity (as :func:`parse_quantity`) that must be positive.

    Parameters
    ----------
    value
        Unit string, pint quantity or bare number in the internal unit.
    dimension
        A key of :data:`DIMENSIONS`.
    field
        Name of the parameter, used in the error message.
    allow_zero
        Accept zero.

    Returns
    -------
    float
        The value in the internal unit (eV for energies, SI otherwise).

    Raises
    ------
    UnitError
        If it cannot be parsed or has the wrong dimension.
    ParameterRangeError
        If it is negative (or zero without ``allow_zero``).
    """
    out = parse_quantity(value, dimension, field=field)
    if out < 0 or (out == 0 and not allow_zero):
        sign = "non-negative" if allow_zero else "positive"
        raise ParameterRangeError(
            f"{field}: expected a {sign} {dimension} such as '{DIMENSIONS[dimension][1]}', got {value!r}",
            field=field,
        )
    return out


def check_positive(value: Any, field: str, what: str | None = None, *, allow_zero: bool = False) -> float:
    """Check that a plain number (already in its internal unit) is finite and positive.

    Parameters
    ----------
    value
        The number.
    field
        Name of the parameter, used in the error message.
    what
        What was expected, for the message (default "a positive value").
    allow_zero
        Accept zero.

    Returns
    -------
    float
        The value as a float.

    Raises
    ------
    ParameterRangeError
        If it is not a finite number, or is negative (or zero without ``allow_zero``).
    """
    expected = what or ("a non-negative value" if allow_zero else "a positive value")
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise ParameterRangeError(f"{field}: expected {expected}, got {value!r}", field=field) from None
    if not math.isfinite(out) or out < 0 or (out == 0 and not allow_zero):
        raise ParameterRangeError(f"{field}: expected {expected}, got {value!r}", field=field)
    return out


def energy_to_wavelength(energy):
    """Photon wavelength from photon energy.

    Parameters
    ----------
    energy
        Photon energy [eV].

    Returns
    -------
    float or numpy.ndarray
        Wavelength [m].
    """
    return HC_EV_M / np.asarray(energy, dtype=float) if np.ndim(energy) else HC_EV_M / float(energy)


def wavelength_to_energy(wavelength):
    """Photon energy from wavelength.

    Parameters
    ----------
    wavelength
        Wavelength [m].

    Returns
    -------
    float or numpy.ndarray
        Photon energy [eV].
    """
    return (
        HC_EV_M / np.asarray(wavelength, dtype=float)
        if np.ndim(wavelength)
        else HC_EV_M / float(wavelength)
    )
