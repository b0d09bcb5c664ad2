"""Shared helpers of the command modules: JSON output and unit-string options."""

from __future__ import annotations

import json
import math
import sys
from typing import Any

import numpy as np

__all__ = ["emit", "to_jsonable"]


def to_jsonable(obj: Any) -> Any:
    """Convert numpy scalars/arrays and paths into JSON-serialisable Python objects.

    Parameters
    ----------
    obj
        Any nesting of dicts, lists, numpy values, paths.

    Returns
    -------
    object
        The same structure with plain floats, ints, lists and strings; NaN and inf become ``None``.
    """
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, np.bool_ | bool):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating | float):
        v = float(obj)
        return v if math.isfinite(v) else None
    if hasattr(obj, "__fspath__"):
        return str(obj)
    return obj


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
