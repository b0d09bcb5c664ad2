"""Shared helpers of the command modules: JSON output and unit-string options."""

from __future__ import annotations

import json
import sys

from spinscope.serialise import to_jsonable

__all__ = ["emit", "to_jsonable"]


def emit(result: dict, *, as_json: bool, human) -> None:
    """Print a command's result as one JSON object or as human text.

    Parameters
    ----------
    result
        The library function's result.
    as_json
        Print ``json.dumps(result)`` (stable keys, SI units) instead of text.
    human
        Callable taking ``result`` and returning the text to print.
    """
    if as_json:
        sys.stdout.write(json.dumps(to_jsonable(result), indent=2, sort_keys=False) + "\n")
    else:
        sys.stdout.write(human(result).rstrip("\n") + "\n")
