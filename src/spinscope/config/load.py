"""Reading configuration files: TOML text and one-line validation errors (the models are validated by
:func:`spinscope.config.kinds.load_config`)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from spinscope.errors import ConfigError

__all__ = ["format_validation_error", "load_toml"]

def load_toml(path: str | Path) -> dict[str, Any]:
    """Parse a TOML file.

    Parameters
    ----------
    path
        File to read [file path].

    Returns
    -------
    dict
        The parsed document.

    Raises
    ------
    ConfigError
        If the file is missing, unreadable or not valid TOML (the message gives the line).
    """
    p = Path(path)
    try:
        text = p.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{p}: no such configuration file", path=str(p)) from None
    except IsADirectoryError:
        raise ConfigError(f"{p}: expected a TOML file, got a folder", path=str(p)) from None
    except UnicodeDecodeError:
        raise ConfigError(f"{p}: expected a UTF-8 TOML text file", path=str(p)) from None
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read ({exc.strerror})", path=str(p)) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: malformed TOML: {exc}", path=str(p)) from None


def _loc(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def format_validation_error(exc: ValidationError, *, source: str | None = None) -> str:
    """Turn a pydantic error into one line naming the field and what was expected.

    Parameters
    ----------
    exc
        The validation error.
    source
        File name to prefix, if any.

    Returns
    -------
    str
        ``"file: field.path: message"`` for the first error, with a count of further errors.
    """
    errors = exc.errors(include_url=False)
    first = errors[0]
    loc = _loc(tuple(p for p in first["loc"] if not (isinstance(p, str) and "[" in p)))
    kind = first["type"]
    if kind == "extra_forbidden":
        msg = "unknown key (check spelling; see the documented schema)"
    elif kind == "missing":
        msg = "required key is missing"
    elif kind == "literal_error" and loc.endswith("schema_version"):
        msg = f"expected schema_version = 1, got {first.get('input')!r}"
    else:
        msg = first["msg"].removeprefix("Value error, ")
    line = f"{loc}: {msg}" if loc else msg
    if source:
        line = f"{source}: {line}"
    if len(errors) > 1:
        line += f" (and {len(errors) - 1} more error{'s' if len(errors) > 2 else ''})"
    return line
