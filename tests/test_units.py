"""Unit parsing at the edges: strings and pint quantities in, SI floats (eV for energy) out."""

from __future__ import annotations

import math

import pytest

from spinscope.errors import SpinscopeError, UnitError
from spinscope.units import get_registry, parse_quantity


@pytest.mark.parametrize(
    ("text", "dimension", "expected"),
    [
        ("707 eV", "energy", 707.0),
        ("1.5 keV", "energy", 1500.0),
        ("20 nm", "length", 20e-9),
        ("20nm", "length", 20e-9),
        ("240 um", "length", 240e-6),
        ("240 µm", "length", 240e-6),
        ("5 mJ/cm^2", "fluence", 50.0),
        ("50 ps", "time", 50e-12),
        ("8.9 g/cm^3", "density", 8900.0),
        ("500 MHz", "frequency", 5e8),
        ("300 K", "temperature", 300.0),
        ("800 kA/m", "magnetisation", 8e5),
        ("-24.6 mT", "field", -24.6e-3),
        ("13 pJ/m", "exchange", 1.3e-11),
        ("90 deg", "angle", math.pi / 2),
    ],
)
def test_parse(text, dimension, expected):
    assert parse_quantity(text, dimension) == pytest.approx(expected, rel=1e-12)


def test_bare_numbers_are_internal_units_or_default_unit():
    assert parse_quantity(707, "energy") == 707.0
    assert parse_quantity(2e-8, "length") == 2e-8
    assert parse_quantity(20, "length", default_unit="nm") == pytest.approx(2e-8)
    assert parse_quantity("20", "length", default_unit="nm") == pytest.approx(2e-8)


def test_pint_quantity_accepted():
    q = get_registry().Quantity(3.0, "ps")
    assert parse_quantity(q, "time") == pytest.approx(3e-12)


@pytest.mark.parametrize("bad", ["20 nm", "five eV", "", "nan eV", True, [1, 2]])
def test_wrong_dimension_or_garbage_is_one_line_unit_error(bad):
    with pytest.raises(UnitError) as info:
        parse_quantity(bad, "energy", field="beam.energy")
    msg = str(info.value)
    assert msg.startswith("beam.energy:")
    assert "\n" not in msg
    assert isinstance(info.value, SpinscopeError)


def test_parse_positive_and_check_positive():
    from spinscope.errors import ConfigError, DataRangeError
    from spinscope.units import check_positive, parse_positive

    assert parse_positive("20 nm", "length", "thickness") == pytest.approx(2e-8)
    assert parse_positive(0, "time", "delay", allow_zero=True) == 0.0
    for bad in ("-20 nm", 0):
        with pytest.raises(ConfigError, match="^thickness: expected a positive length such as '20 nm'"):
            parse_positive(bad, "length", "thickness")
    with pytest.raises(UnitError):
        parse_positive("20 eV", "length", "thickness")
    assert check_positive(3, "n") == 3.0
    for bad in (0, -1.0, float("nan"), "abc", None, 10**400):
        with pytest.raises(DataRangeError, match="^dwell: expected a positive duration"):
            check_positive(bad, "dwell", "a positive duration")


def test_parse_in_unit_for_quantities_outside_the_dimension_table():
    from spinscope.units import parse_in_unit

    assert parse_in_unit("8e17 W/(m^3 K)", "W/m^3/K") == pytest.approx(8e17)
    assert parse_in_unit("1065 J/(m^3 K^2)", "J/m^3/K^2") == pytest.approx(1065.0)
    assert parse_in_unit("17.2 1/ps", "1/s") == pytest.approx(1.72e13)
    assert parse_in_unit(3.0, "1/s") == 3.0
    with pytest.raises(UnitError, match="^gamma: expected a quantity in J/m"):
        parse_in_unit("5 nm", "J/m^3/K^2", field="gamma")


def test_strings_never_reach_pints_expression_parser(monkeypatch):
    """The grammar of spinscope.units reads every string; pint only looks up single names and converts."""
    import spinscope.units as units

    registry_class = type(get_registry())

    def refuse(*args, **kwargs):
        raise AssertionError(f"pint parser called with {args[1:]!r}")

    for method in ("parse_expression", "parse_units", "_parse_units", "parse_pattern"):
        monkeypatch.setattr(registry_class, method, refuse, raising=False)
    units._unit.cache_clear()  # the target units are read again, by the grammar
    try:
        assert parse_quantity("5 mJ/cm²", "fluence") == pytest.approx(50.0)
        assert units.parse_in_unit("8e17 W/(m^3 K)", "W/m^3/K") == pytest.approx(8e17)
        assert parse_quantity(20, "length", default_unit="nm") == pytest.approx(2e-8)
        assert parse_quantity("300 degC", "temperature") == pytest.approx(573.15)
        with pytest.raises(UnitError, match="could not parse"):
            parse_quantity("__import__('os').system('true') eV", "energy")
    finally:
        units._unit.cache_clear()


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ("(707 eV", "a '(' without ')'"),
        ("1 eV/0", "a division by zero"),
        ("2**1024 eV", "a power beyond ±9"),
        ("9**9**9 eV", "a power of a power"),
        ("1" * 101, "longer than 100 characters"),
        ("1 eV/(1/(1 eV))", "nested parentheses"),
        ("1 photon", "unknown unit 'photon'"),
    ],
)
def test_grammar_failures_say_why(bad, reason):
    with pytest.raises(UnitError) as info:
        parse_quantity(bad, "energy", field="--energy")
    assert str(info.value).startswith("--energy: expected energy such as '707 eV', could not parse")
    assert str(info.value).endswith(f"({reason})")


def test_an_ambiguous_name_logs_nothing(caplog):
    """pint reads 'kbps' as kilobaud or kilopoint and warns; spinscope prints one error line only."""
    import logging

    with caplog.at_level(logging.WARNING), pytest.raises(UnitError, match="dimension"):
        parse_quantity("1 kbps", "time", field="--duration")
    assert not [r for r in caplog.records if r.name.startswith("pint")]
