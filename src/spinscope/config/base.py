"""Base model and unit-parsing field types for configuration models.

``Energy``, ``Length``, ... are ``Annotated[float, ...]`` types: a field declared ``thickness: Length``
accepts ``"20 nm"``, a pint quantity or a bare number in SI (eV for energies) and stores a float in
spinscope's internal unit. A value of the wrong dimension fails validation with a message naming it.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer

from spinscope.errors import ParameterRangeError, UnitError
from spinscope.units import DIMENSIONS, check_positive, parse_in_unit, parse_quantity

__all__ = [
    "Angle",
    "Density",
    "Duration",
    "Energy",
    "Fluence",
    "Frequency",
    "Length",
    "SpinscopeModel",
    "Temperature",
    "quantity",
    "quantity_in",
]


class SpinscopeModel(BaseModel):
    """Base of every configuration model: frozen, unknown keys rejected, strict about NaN."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, validate_default=True)


def positive(value: Any, what: str, *, field: str | None = None, unit: str = "") -> Any:
    """:func:`spinscope.units.check_positive` for the validators of the configuration models.

    Parameters
    ----------
    value
        The parsed number (internal unit), or ``None`` (passes: an optional field left out).
    what
        What was expected, e.g. ``"a positive length such as '20 nm'"``.
    field
        Name to start the message with (model validators); without it the message starts at
        ``expected``, since pydantic's location already names the field (field validators).
    unit
        Internal unit appended to the value in the message, e.g. ``"m"`` [text].

    Returns
    -------
    Any
        ``value``, unchanged.

    Raises
    ------
    ValueError
        ``"[field: ]expected <what>, got <value>[ <unit>]"`` for a value that is not finite and positive
        (pydantic turns it into a validation error at the field's location).
    """
    if value is None:
        return value
    try:
        check_positive(value, field or "value", what)
    except ParameterRangeError as exc:
        msg = str(exc) if field else str(exc).removeprefix("value: ")
        raise ValueError(f"{msg} {unit}" if unit else msg) from None
    return value


def _parser(dimension: str):
    def parse(value: Any) -> float:
        try:
            return parse_quantity(value, dimension)
        except UnitError as exc:
            # pydantic turns ValueError into a validation error carrying the field location
            raise ValueError(str(exc).removeprefix("value: ")) from None

    return parse


def quantity(dimension: str):
    """Return an annotated float type that parses a quantity of ``dimension``.

    Parameters
    ----------
    dimension
        A key of :data:`spinscope.units.DIMENSIONS`.

    Returns
    -------
    typing.Annotated
        ``Annotated[float, ...]`` for use as a pydantic field type; serialises back to a unit string.
    """
    unit = DIMENSIONS[dimension][0]
    return Annotated[
        float,
        BeforeValidator(_parser(dimension)),
        PlainSerializer(lambda v: f"{v!r} {unit}".strip() if unit else v, when_used="json"),
    ]


def quantity_in(unit: str):
    """Return an annotated float type that parses a quantity into ``unit`` (a bare number is in ``unit``).

    For quantities outside :data:`spinscope.units.DIMENSIONS` (rates, heat capacities, couplings).

    Parameters
    ----------
    unit
        Target unit [pint unit string], e.g. ``"J/m^3/K^2"``.

    Returns
    -------
    typing.Annotated
        ``Annotated[float, ...]`` for pydantic fields (``None`` passes through for optional fields);
        serialises to ``"<value> <unit>"`` in JSON.
    """

    def parse(value: Any) -> float | None:
        if value is None:
            return None
        try:
            return parse_in_unit(value, unit)
        except UnitError as exc:
            raise ValueError(str(exc).removeprefix("value: ")) from None

    return Annotated[
        float,
        BeforeValidator(parse),
        PlainSerializer(lambda v: f"{v!r} {unit}", when_used="json"),
    ]


Energy = quantity("energy")
Length = quantity("length")
Duration = quantity("time")
Frequency = quantity("frequency")
Temperature = quantity("temperature")
Fluence = quantity("fluence")
Density = quantity("density")
Angle = quantity("angle")
