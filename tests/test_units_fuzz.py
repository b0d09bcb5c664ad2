"""The quantity grammar of :mod:`spinscope.units` under fuzzing: every string is a float or a
SpinscopeError, fast; the strings that once escaped or hung are UnitErrors; sensible input keeps its value.
"""

from __future__ import annotations

import math
import time

import pint
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spinscope.errors import SpinscopeError, UnitError
from spinscope.units import (
    DIMENSIONS,
    MAX_LENGTH,
    get_registry,
    parse_in_unit,
    parse_positive,
    parse_quantity,
)

#: Seconds one parse may take in the explicit cases (the fuzz tests use hypothesis' 50 ms deadline).
FAST = 0.05


@pytest.fixture(scope="module", autouse=True)
def _registry_built():
    """Build the registry (and pint's caches for common units) before any timing."""
    parse_quantity("1 eV", "energy")
    parse_in_unit("1 W/(m^3 K)", "W/m^3/K")


def _outcome(text, dimension="energy"):
    """A finite float, or the SpinscopeError it raised; anything else propagates and fails."""
    try:
        out = parse_quantity(text, dimension, field="beam.energy")
    except SpinscopeError as exc:
        msg = str(exc)
        assert msg.startswith("beam.energy:"), msg
        assert "\n" not in msg and len(msg) < 400, msg
        return exc
    assert isinstance(out, float) and math.isfinite(out), (text, out)
    return out


# ---- accepted input: the same values as pint's own parser gave ------------------------------------

ACCEPTED = [
    ("707 eV", "energy", 707.0),
    ("707.0 eV", "energy", 707.0),
    ("707eV", "energy", 707.0),
    (" 707 eV ", "energy", 707.0),
    ("1.5 keV", "energy", 1500.0),
    ("1.5e+3 eV", "energy", 1500.0),
    ("1E3 eV", "energy", 1000.0),
    ("1e3eV", "energy", 1000.0),
    ("5 meV", "energy", 5e-3),
    ("707", "energy", 707.0),
    ("20 nm", "length", 20e-9),
    ("20nm", "length", 20e-9),
    ("+5 nm", "length", 5e-9),
    (".5 nm", "length", 0.5e-9),
    ("5. nm", "length", 5e-9),
    ("-20 nm", "length", -20e-9),
    ("240 um", "length", 240e-6),
    ("240 µm", "length", 240e-6),
    ("240 μm", "length", 240e-6),  # Greek mu
    ("1 Å", "length", 1e-10),
    ("2e-08 m", "length", 2e-8),
    ("(200 m/s) * (1 s)", "length", 200.0),  # config.xrms speeds
    ("1 / (0.02 1/nm)", "length", 50e-9),  # xrms --q-range
    ("50 ps", "time", 50e-12),
    ("1 picosecond", "time", 1e-12),
    ("2 nanoseconds", "time", 2e-9),
    ("-0.5 ps", "time", -0.5e-12),
    ("500 MHz", "frequency", 5e8),
    ("1e8 1/s", "frequency", 1e8),
    ("300 K", "temperature", 300.0),
    ("300 degC", "temperature", 573.15),
    ("5 mJ/cm^2", "fluence", 50.0),
    ("5 mJ/cm²", "fluence", 50.0),
    ("5 mJ cm^-2", "fluence", 50.0),
    ("5 mJ cm⁻²", "fluence", 50.0),
    ("5 mJ*cm**-2", "fluence", 50.0),
    ("5 mJ·cm^-2", "fluence", 50.0),
    ("3 mJ / cm ^ 2", "fluence", 30.0),
    ("8.9 g/cm^3", "density", 8900.0),
    ("800 kA/m", "magnetisation", 8e5),
    ("-24.6 mT", "field", -24.6e-3),
    ("1e11 A/m^2", "current_density", 1e11),
    ("13 pJ/m", "exchange", 1.3e-11),
    ("400 kJ/m^3", "energy_density", 4e5),
    ("10 W", "power", 10.0),
    ("1 mJ", "pulse_energy", 1e-3),
    ("1e14 W/cm^2", "intensity", 1e18),
    ("90 deg", "angle", math.pi / 2),
    ("30 °", "angle", math.pi / 6),
    ("1 mrad", "angle", 1e-3),
    ("0.5", "dimensionless", 0.5),
    ("1e-3", "dimensionless", 1e-3),
    ("50 %", "dimensionless", 0.5),
    ("5 percent", "dimensionless", 0.05),
    ("73/6", "dimensionless", 73 / 6),
    ("1e-400 eV", "energy", 0.0),  # underflow to zero; the range checks refuse it where it matters
]


@pytest.mark.parametrize(("text", "dimension", "expected"), ACCEPTED)
def test_accepted_input_keeps_its_value(text, dimension, expected):
    assert parse_quantity(text, dimension) == pytest.approx(expected, rel=1e-12, abs=0.0)


@pytest.mark.parametrize(
    ("text", "unit", "expected"),
    [
        ("8e17 W/(m^3 K)", "W/m^3/K", 8e17),
        ("8e17 W/m^3/K", "W/m^3/K", 8e17),
        ("1065 J/(m^3 K^2)", "J/m^3/K^2", 1065.0),
        ("2.5 W/(m K)", "W/m/K", 2.5),
        ("17.2 1/ps", "1/s", 1.72e13),
        ("1 m per s", "m/s", 1.0),
    ],
)
def test_accepted_input_in_a_unit(text, unit, expected):
    assert parse_in_unit(text, unit) == pytest.approx(expected, rel=1e-12)


def test_quantities_of_the_registry_and_of_another_registry():
    other = pint.UnitRegistry()
    assert parse_quantity(other.Quantity(3.0, "ps"), "time") == pytest.approx(3e-12)
    assert parse_quantity(other.Quantity(5.0, "mJ/cm^2"), "fluence") == pytest.approx(50.0)
    assert parse_quantity(get_registry().Quantity(2.0, "nm"), "length") == pytest.approx(2e-9)
    with pytest.raises(UnitError):
        parse_quantity(other.Quantity([1.0, 2.0], "ps"), "time")


# ---- the strings that escaped as tracebacks or hung -----------------------------------------------

REGRESSIONS = {
    "(707 eV": "'(' without ')'",  # TokenError
    "1 eV/0": "division by zero",  # ZeroDivisionError
    "2**1024 eV": "power beyond",  # OverflowError
    "10**10**10 eV": "power",  # hung
    "9**9**9 eV": "power of a power",  # hung
    "9" * 100_000: f"longer than {MAX_LENGTH}",  # hung
    "1" + "0" * 100_000 + " eV": f"longer than {MAX_LENGTH}",
    "1 " + "eV" * 10_000: f"longer than {MAX_LENGTH}",  # RecursionError
    "1 " + "eV " * 10_000: f"longer than {MAX_LENGTH}",
    "1 " + "eV*" * 30 + "eV": "dimension",  # short enough to read: a wrong dimension
    "(" * 20 + "1 eV" + ")" * 20: "nested parentheses",
    "1 " + "(eV" * 30: "nested parentheses",
    "1e999 eV": "beyond",
    "9e400 eV": "too large",
    "1" + "0" * 60 + " eV": "more than 40 digits",
    "1e300 eV^2": "dimension",
    "(1e300 eV)**2 / eV": "too large",
    "1e200 * 1e200 eV": "too large",
    "1 eV/(0 s)": "division by zero",
    "1 eV/0^2": "division by zero",
    "nan eV": "not a finite number",
    "inf eV": "not a finite number",
    "1 m^0.5": "not a whole number",
    "1.2.3 eV": "malformed number",
    "1e5.5 eV": "malformed number",
    "20 0 nm": "without an operator",
    "1,000 eV": "comma",
    "eV": "no number",
    "-h": "sign",
    "2021-01-27": "sign",
    "1 / (1 / (1 eV))": "nested parentheses",
    "1 eV)": "without '('",
    "1 eV/": "after the last operator",
    "1 */ eV": "without a value",
    "1 ^2 ^3": "power of a power",
    "__import__('os') eV": "unexpected character",
    "1 eV; import os": "unexpected character",
    "1 foo": "unknown unit 'foo'",
    "1 kdegC": "unknown unit",
    "1 e\x00V": "unexpected character",
    "": "got ''",
    "   ": "got ''",
}


@pytest.mark.parametrize("text", list(REGRESSIONS), ids=[repr(t[:24]) for t in REGRESSIONS])
def test_bad_strings_are_fast_unit_errors(text):
    start = time.perf_counter()
    with pytest.raises(UnitError) as info:
        parse_quantity(text, "energy", field="beam.energy")
    elapsed = time.perf_counter() - start
    msg = str(info.value)
    assert elapsed < FAST, f"{elapsed:.3f} s"
    assert msg.startswith("beam.energy: expected energy such as '707 eV'") or "finite" in msg, msg
    assert REGRESSIONS[text] in msg, msg
    assert "\n" not in msg and len(msg) < 300, msg
    assert info.value.field == "beam.energy"


@pytest.mark.parametrize("value", [10**1000, -(10**400), float("inf"), float("nan"), True, None, b"1 eV",
                                   [1, 2], {"eV": 1}, object()])
def test_bad_non_strings_are_unit_errors(value):
    with pytest.raises(UnitError, match="^beam.energy: expected"):
        parse_quantity(value, "energy", field="beam.energy")


def test_positive_quantities_refuse_in_the_same_family():
    for bad in ("(707 eV", "1 eV/0", "-5 eV", "0 eV", "1e-400 eV"):
        with pytest.raises(SpinscopeError, match="^--energy: expected"):
            parse_positive(bad, "energy", "--energy")


# ---- fuzzing --------------------------------------------------------------------------------------

_UNITS = ["eV", "keV", "nm", "um", "µm", "m", "s", "ps", "fs", "mJ", "cm", "K", "degC", "%", "deg", "Hz",
          "A", "T", "W", "J", "g", "foo", "e", "E", "per", "nan", "inf", "_", "°", "Å", "x10", "kdegC"]
_PIECES = ["(", ")", "((", "))", "*", "/", "**", "^", "^-", "·", "⋅", " ", "  ", "\t", "\n", "\x00", "\x1b",
           "-", "+", ".", ",", "e", "E", "e+", "e-", "²", "³", "⁻¹", "⁻", "\u2028", "\u200b", "ﬁ", "١", "𝟏",
           "'", '"', ";", "__import__", "lambda", "[", "]", "{", "}", "#", "\\", "j", "0x", "_"]
_numbers = st.one_of(
    st.integers(min_value=-(10**60), max_value=10**60).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.tuples(st.integers(0, 10**6), st.integers(-(10**6), 10**6)).map(lambda t: f"{t[0]}e{t[1]}"),
    st.integers(0, 300).map(lambda n: "9" * n),
    st.integers(0, 12).map(lambda n: "**".join(["9"] * n) or "0"),
)
_near_valid = st.lists(
    st.one_of(_numbers, st.sampled_from(_UNITS), st.sampled_from(_PIECES),
              st.integers(-(10**4), 10**4).map(lambda n: f"^{n}"),
              st.tuples(st.sampled_from(_UNITS), st.integers(1, 200)).map(lambda t: t[0] * t[1])),
    max_size=40,
).map("".join)

_FUZZ = settings(max_examples=300, deadline=50, derandomize=True,
                 suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@_FUZZ
@given(text=st.text(max_size=150), dimension=st.sampled_from(sorted(DIMENSIONS)))
def test_any_text_is_a_float_or_a_spinscope_error(text, dimension):
    _outcome(text, dimension)


@_FUZZ
@given(text=_near_valid, dimension=st.sampled_from(sorted(DIMENSIONS)))
def test_near_valid_text_is_a_float_or_a_spinscope_error(text, dimension):
    _outcome(text, dimension)


@_FUZZ
@given(number=_numbers, unit=st.sampled_from(["eV", "keV", "1/s", "mJ/cm^2", "W/(m^3 K)", ""]),
       sep=st.sampled_from(["", " ", "  "]))
def test_numbers_with_units_are_floats_or_spinscope_errors(number, unit, sep):
    _outcome(f"{number}{sep}{unit}", "energy")
    try:
        parse_in_unit(f"{number}{sep}{unit}", "W/m^3/K", field="G")
    except SpinscopeError:
        pass
