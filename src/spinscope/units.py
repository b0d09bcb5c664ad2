"""Units: one pint registry, parsing at the edges, SI floats inside.

Inside spinscope every quantity is a plain ``float``/``numpy`` value in SI units (m, s, K, J/m^2,
A/m, T), except photon energy, which is in eV as in every X-ray table. Strings such as ``"707 eV"``,
``"20 nm"``, ``"5 mJ/cm^2"`` or ``"50 ps"`` (and pint quantities) are converted only where they enter:
configuration files, the command line and public functions that accept quantities.

Strings are read by a small grammar of this module, never by pint's expression evaluator::

    quantity := [sign] factor (operator factor)*          at most MAX_LENGTH characters
    factor   := (number | unit | "(" group ")") [power]   one level of parentheses
    group    := [sign] factor (operator factor)*          without parentheses
    number   := digits ["." digits] [("e"|"E") [sign] digits]
                at most MAX_DIGITS digits, |exponent| <= MAX_EXPONENT
    unit     := a name the registry knows, with an optional SI prefix: eV, nm, mJ, um, µm, degC, %
    power    := ("^" | "**") [sign] digits | superscripts such as ² or ⁻¹, |power| <= MAX_POWER
    operator := "*" | "/" | "·" | "⋅" | "per" | nothing (a space: multiplication)

The first factor is a number (``"707 eV"``, ``"1e8 1/s"``, ``"(200 m/s) * (1 s)"``); ``*``, ``/`` and the
implicit multiplication bind equally, left to right as in pint (``"W/m^3 K"`` is W K/m^3; write
``"W/(m^3 K)"``). Each unit name is looked up alone in the registry; the magnitude is the product of
the numbers, the unit the product of the units, and pint only converts the result. A string outside
the grammar, a division by zero and a non-finite result each raise :class:`~spinscope.errors.UnitError`,
naming the field and an example of what is expected.

The registry is created lazily on first use, so that ``import spinscope`` stays light.
"""

from __future__ import annotations

import logging
import math
import re
from functools import lru_cache
from typing import Any

import numpy as np
import pint

from spinscope.constants import HC_EV_M
from spinscope.errors import ParameterRangeError, UnitError

__all__ = [
    "DIMENSIONS",
    "HC_EV_M",
    "MAX_DIGITS",
    "MAX_EXPONENT",
    "MAX_LENGTH",
    "MAX_POWER",
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

#: Longest quantity string read [characters]; longer text is refused before anything else.
MAX_LENGTH = 100
#: Most digits in one number [digits].
MAX_DIGITS = 40
#: Largest decimal exponent of a number, ``1e400`` [1].
MAX_EXPONENT = 400
#: Largest integer power of a unit, number or group, ``m^9`` [1].
MAX_POWER = 9


@lru_cache(maxsize=1)
def get_registry():
    """Return the package-wide pint ``UnitRegistry`` (created on first call).

    Returns
    -------
    pint.UnitRegistry
        The single registry; quantities from other registries are converted unit name by unit name.
    """
    ureg = pint.UnitRegistry(autoconvert_offset_to_baseunit=True)
    ureg.formatter.default_format = "~P"
    logging.getLogger("pint.util").addFilter(_quiet_ambiguous_names)
    return ureg


def _quiet_ambiguous_names(record: logging.LogRecord) -> bool:
    """Drop pint's warning that a name such as 'kbps' has several readings (it takes the first one).

    A failure prints one line (issue 12); pint's choice is the same with or without the warning.
    """
    return "yield multiple results" not in record.getMessage()


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
        in ``default_unit`` when given, else in the internal unit of ``dimension``. Strings are read
        by the grammar in the module docstring, never by pint's expression evaluator.
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
        When the value cannot be parsed (a string outside the grammar of this module, longer than
        :data:`MAX_LENGTH`, a division by zero, an unknown unit), has the wrong dimension or is not
        finite. The message names ``field`` and shows an example of the dimension.
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
        When the value cannot be parsed (see :func:`parse_quantity`), cannot be converted to ``unit``
        or is not finite.
    """
    return _convert(value, unit, what=f"a quantity in {unit}", example=f"1 {unit}", field=field,
                    default_unit=None)


_NUMBER = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_SUPERSCRIPT_RUN = re.compile("[⁺⁻]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+")
_SUPERSCRIPT_TABLE = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻", "0123456789+-")
_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
    | (?P<number>[0-9.]+(?:[eE][+-]?[0-9.]+)?)
    | (?P<power>(?:\^|\*\*)\s*[+-]?[0-9][0-9.]*)
    | (?P<per>per(?![^\W\d]|[0-9_°]))
    | (?P<name>(?:[^\W\d]|[°%])(?:\w|°)*)
    | (?P<op>[*/·⋅])
    | (?P<sign>[+-])
    | (?P<open>\()
    | (?P<close>\))
    """,
    re.VERBOSE,
)


class _Bad(Exception):
    """Why a string is outside the quantity grammar (becomes the reason in a UnitError)."""


def _tokens(text: str) -> list[tuple[str, str]]:
    """Split a quantity string into (kind, text) tokens, without spaces."""
    out = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            if text[pos] == ",":
                raise _Bad("a comma: write numbers as 1000 or 1.5")
            raise _Bad(f"unexpected character {text[pos]!r}")
        pos = m.end()
        kind = m.lastgroup or ""
        if kind == "per":
            out.append(("op", "/"))
        elif kind != "space":
            out.append((kind, m.group()))
    return out


def _number(text: str, sign: int) -> float:
    if not _NUMBER.fullmatch(text):
        raise _Bad(f"a malformed number {text!r}")
    mantissa, _, exponent = text.lower().partition("e")
    if sum(c.isdigit() for c in mantissa) > MAX_DIGITS:
        raise _Bad(f"a number has more than {MAX_DIGITS} digits")
    if exponent and (len(exponent.lstrip("+-")) > 4 or abs(int(exponent)) > MAX_EXPONENT):
        raise _Bad(f"a decimal exponent beyond ±{MAX_EXPONENT}")
    return sign * float(text)


def _unit_name(text: str) -> str:
    if text.lower() in ("nan", "inf", "infinity"):
        raise _Bad("not a finite number")
    ureg = get_registry()
    for name in (text, text.replace("°", "degree")):
        try:
            return ureg.get_name(name)
        except Exception:  # pint's lookup of one name fails in many ways; each makes the name unusable
            continue
    raise _Bad(f"unknown unit {text!r}")


def _power(text: str) -> int:
    digits = text.lstrip("^*").strip()
    if "." in digits:
        raise _Bad("a power that is not a whole number")
    n = int(digits)
    if abs(n) > MAX_POWER:
        raise _Bad(f"a power beyond ±{MAX_POWER}")
    return n


def _terms(tokens: list[tuple[str, str]]) -> list[list]:
    """Tokens -> ``[operator, atom, power]`` terms; an atom is a float, a unit name or a group (a list).

    The operator is +1 (multiply) or -1 (divide); ``*``, ``/`` and adjacency bind equally, left to right.
    A number may follow a value without an operator only as the ``1`` of ``1/s`` (``"17.2 1/ps"``), so
    that ``"20 0 nm"`` is an error rather than zero.
    """
    top: list[list] = []
    current = top
    op, sign, expect = 1, 0, True  # operator of the next operand, its pending sign, operand expected
    last: list | None = None  # the term a power applies to
    powered = False
    for i, (kind, text) in enumerate(tokens):
        if sign and kind != "number":
            raise _Bad("a sign that is not followed by a number")
        if kind == "number" and not expect and not (text == "1" and tokens[i + 1:i + 2] == [("op", "/")]):
            raise _Bad(f"a number {text!r} after a value without an operator (write '*' or '/')")
        if kind in ("number", "name"):
            last = [op, _number(text, sign or 1) if kind == "number" else _unit_name(text), 1]
            current.append(last)
            op, sign, expect, powered = 1, 0, False, False
        elif kind == "open":
            if current is not top:
                raise _Bad("nested parentheses")
            current = []
            top.append([op, current, 1])
            op, expect, last = 1, True, None
        elif kind == "close":
            if current is top or expect:
                raise _Bad("an empty group, an operator before ')' or a ')' without '('")
            current, last, powered = top, top[-1], False
        elif kind == "op":
            if expect:
                raise _Bad(f"an operator {text!r} without a value before it")
            op, expect = (-1 if text == "/" else 1), True
        elif kind == "power":
            if last is None or expect:
                raise _Bad("a power without a unit or number before it")
            if powered:
                raise _Bad("a power of a power")
            last[2], powered = _power(text), True
        else:  # a sign: only at the start of the quantity or of a group
            if current or not expect:
                raise _Bad(f"a sign {text!r} inside the expression")
            sign = -1 if text == "-" else 1
    if current is not top:
        raise _Bad("a '(' without ')'")
    if expect:
        raise _Bad("nothing after the last operator" if top else "no value")
    first = top[0][1]
    if isinstance(first, list):
        first = first[0][1]
    if not isinstance(first, float):
        raise _Bad("no number before the unit")
    return top


def _evaluate(terms: list[list]) -> tuple[float, dict[str, int]]:
    """Magnitude and unit exponents of terms (groups are one level deep)."""
    magnitude, units = 1.0, {}
    for op, atom, power in terms:
        exponent = op * power
        if isinstance(atom, str):
            if atom:  # "dimensionless" has no name
                units[atom] = units.get(atom, 0) + exponent
            continue
        if isinstance(atom, list):
            atom, inner = _evaluate(atom)
            for name, e in inner.items():
                units[name] = units.get(name, 0) + e * exponent
        if atom == 0 and exponent < 0:
            raise _Bad("a division by zero")
        try:
            magnitude *= atom**exponent
        except OverflowError:
            raise _Bad("a number too large for a float") from None
    if not math.isfinite(magnitude):
        raise _Bad("a number too large for a float")
    return magnitude, {name: e for name, e in units.items() if e}


def _read(text: str):
    """Read a quantity string by the grammar of this module into a pint quantity of the registry."""
    if len(text) > MAX_LENGTH:
        raise _Bad(f"longer than {MAX_LENGTH} characters")
    text = text.strip().replace("µ", "u").replace("μ", "u")
    text = _SUPERSCRIPT_RUN.sub(lambda m: "^" + m.group().translate(_SUPERSCRIPT_TABLE), text)
    magnitude, units = _evaluate(_terms(_tokens(text)))
    ureg = get_registry()
    return ureg.Quantity(magnitude, ureg.UnitsContainer(units))


@lru_cache(maxsize=256)
def _unit(text: str):
    """A unit string of the code (targets, default units) as a pint unit, read by the same grammar."""
    try:
        q = _read(f"1 {text}" if text else "1")
    except _Bad as exc:
        raise ValueError(f"unit {text!r} is outside the quantity grammar: {exc}") from None
    if q.magnitude != 1:
        raise ValueError(f"unit {text!r} has a numeric factor")
    return q.units


def _shown(value: Any) -> str:
    """``repr`` of a value for a one-line message, shortened [text]."""
    if isinstance(value, str) and len(value) > 40:
        return f"{value[:40]!r}... ({len(value)} characters)"
    try:
        text = repr(value)
    except ValueError:  # an int beyond Python's digit limit
        return f"a {type(value).__name__} too large to show"
    return text if len(text) <= 60 else text[:60] + "..."


def _quantity(value: Any):
    """A string or pint quantity (of any registry) as a quantity of the registry, never via pint's parser."""
    ureg = get_registry()
    if isinstance(value, str):
        return _read(value)
    magnitude = value.magnitude
    if np.ndim(magnitude) != 0:
        raise _Bad("an array where one value is expected")
    if getattr(value, "_REGISTRY", None) is ureg:
        return value
    units: dict[str, float] = {}
    for name, e in value.unit_items():
        if name:
            canonical = _unit_name(name)
            units[canonical] = units.get(canonical, 0) + e
    return ureg.Quantity(float(magnitude), ureg.UnitsContainer(units))


def _convert(value: Any, target: str, *, what: str, example: str, field: str | None,
             default_unit: str | None) -> float:
    name = field or "value"
    expected = f"{name}: expected {what} such as '{example}'"
    if isinstance(value, bool) or not isinstance(
        value, int | float | np.integer | np.floating | str
    ) and not (hasattr(value, "magnitude") and hasattr(value, "units")):
        got = _shown(value) if isinstance(value, bool) else type(value).__name__
        raise UnitError(f"{expected}, got {got}", field=field)
    if isinstance(value, str) and not value.strip():
        raise UnitError(f"{expected}, got ''", field=field)
    unit = _unit(target)
    try:
        if isinstance(value, int | float | np.integer | np.floating):
            q = get_registry().Quantity(float(value), _unit(default_unit or target))
        else:
            q = _quantity(value)
            if q.unitless and target:  # a bare number is in the default or the internal unit
                q = get_registry().Quantity(q.magnitude, _unit(default_unit or target))
        if q.dimensionality != unit.dimensionality:
            raise UnitError(f"{expected}, got {_shown(value)} (dimension {q.dimensionality})", field=field)
        out = float(q.to(unit).magnitude)
    except _Bad as exc:
        raise UnitError(f"{expected}, could not parse {_shown(value)} ({exc})", field=field) from None
    except (pint.errors.PintError, ValueError, TypeError, AttributeError, OverflowError,
            ZeroDivisionError) as exc:
        if isinstance(exc, UnitError):
            raise
        raise UnitError(f"{expected}, could not parse {_shown(value)}", field=field) from None
    if not math.isfinite(out):
        raise UnitError(f"{name}: expected a finite {what}, got {_shown(value)}", field=field)
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
    except (TypeError, ValueError, OverflowError):
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
