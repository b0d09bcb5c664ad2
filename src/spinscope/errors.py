"""One exception family for user mistakes.

Everything a user can get wrong — a configuration value, a unit, a file, a material name, an energy
outside a table — raises a subclass of :class:`SpinscopeError`. The command line catches this family
(and only this family), prints its one-line message and exits with status 2. Programming errors are
*not* in this family and keep their tracebacks.

Messages name the field or file and say what was expected, e.g.
``sample.layers[0].thickness: expected a length such as '20 nm', got '5 eV' (an energy)``.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "DataModelError",
    "DataRangeError",
    "FileFormatError",
    "MaterialError",
    "SpinscopeError",
    "UnitError",
    "OutputError",
    "OutputExistsError",
    "ParameterRangeError",
]


class SpinscopeError(Exception):
    """Base class of every user-facing error.

    Parameters
    ----------
    message
        One line that names the field or file and what was expected.
    field
        Dotted name of the offending field or parameter, if any.
    path
        File the error refers to, if any.
    """

    exit_code = 2

    def __init__(self, message: str, *, field: str | None = None, path: str | None = None):
        self.field = field
        self.path = path
        prefix = ""
        if path is not None and str(path) not in message:
            prefix = f"{path}: "
        if field is not None and field not in message:
            prefix += f"{field}: "
        super().__init__(prefix + " ".join(str(message).split()))

    @property
    def message(self) -> str:
        """The one-line message [text]."""
        return str(self.args[0]) if self.args else ""


class ConfigError(SpinscopeError):
    """A configuration file or model value is malformed, unknown or out of range."""


class UnitError(SpinscopeError, ValueError):
    """A quantity has the wrong dimension or cannot be parsed."""


class MaterialError(SpinscopeError, KeyError):
    """An unknown element, formula or material preset, or a material lacking a needed parameter."""

    def __str__(self) -> str:  # KeyError would quote the message
        return self.message


class DataModelError(SpinscopeError, ValueError):
    """An array or dataset breaks a spinscope data contract (dims, coordinates, units, labels)."""


class DataRangeError(SpinscopeError, ValueError):
    """A value (energy, time, ...) lies outside the range where the data or model is valid."""


class ParameterRangeError(ConfigError, DataRangeError):
    """A parameter has the right dimension but an impossible value (a negative length, a zero rate)."""


class FileFormatError(SpinscopeError, OSError):
    """A file is missing, truncated, of the wrong format or internally inconsistent."""


class OutputExistsError(SpinscopeError, FileExistsError):
    """An output file exists and overwriting was not asked for."""


class OutputError(SpinscopeError, OSError):
    """An output cannot be written: its folder cannot be made, it is claimed by another run, or the
    system refused to create, write or rename it."""
