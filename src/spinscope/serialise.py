"""Plain JSON values from what spinscope's results hold: numpy scalars and arrays, paths, tuples.

One cleaner for every JSON output (CLI ``--json``, manifests, result files, metadata stored in NeXus
files). Non-finite floats follow one of two policies:

- ``nonfinite="null"`` (default): NaN and +-inf become ``None`` (``null``), which is valid JSON
  (RFC 8259 has no NaN) and what results written for other programs need;
- ``nonfinite="keep"``: they stay floats, for metadata that only Python's :mod:`json` reads back
  (``json.dumps`` writes ``NaN``/``Infinity``, ``json.loads`` restores them).

This module is on the ground floor: it imports only numpy.
"""

from __future__ import annotations

import math
import os
from typing import Any, Literal

import numpy as np

__all__ = ["to_jsonable"]


def to_jsonable(obj: Any, *, nonfinite: Literal["null", "keep"] = "null") -> Any:
    """Convert a nesting of dicts, sequences, numpy values and paths into plain JSON values.

    Parameters
    ----------
    obj
        Any nesting of dicts (keys become strings), lists, tuples, numpy arrays (to nested lists),
        numpy scalars (to ``bool``/``int``/``float``), path-like objects (to strings).
    nonfinite
        ``"null"``: NaN and +-inf become ``None``; ``"keep"``: they stay floats.

    Returns
    -------
    object
        The same structure of plain ``dict``, ``list``, ``str``, ``int``, ``float``, ``bool`` and
        ``None``; objects of other types are returned unchanged (``json.dumps`` then names them).
    """
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v, nonfinite=nonfinite) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_jsonable(v, nonfinite=nonfinite) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist(), nonfinite=nonfinite)
    if isinstance(obj, bool | np.bool_):
        return bool(obj)
    if isinstance(obj, int | np.integer):
        return int(obj)
    if isinstance(obj, float | np.floating):
        v = float(obj)
        return v if nonfinite == "keep" or math.isfinite(v) else None
    if isinstance(obj, np.generic):  # complex, str_, datetime64: numpy's own Python value
        return obj.item()
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    return obj
