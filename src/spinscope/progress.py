"""Progress display of long work: one rich progress bar on stderr, or nothing.

Used by the workflows and writers so that every long run shows its stages the same way. The bar is
transient (it disappears when the work is done) and is shown only when stderr is a terminal, so logs,
pipes and ``--json`` output stay clean. rich is imported only when a bar is actually shown.
"""

from __future__ import annotations

import sys

__all__ = ["Progress"]


class Progress:
    """A context manager with named stages and an optional count per stage.

    Parameters
    ----------
    enabled
        Show the bar (still only when stderr is a terminal).
    prefix
        Text put before every stage label (e.g. ``"xrms simulate: "``).

    Examples
    --------
    >>> with Progress(False) as prog:
    ...     prog.stage("integrating", total=3)
    ...     for _ in range(3):
    ...         prog.advance()
    """

    def __init__(self, enabled: bool = True, *, prefix: str = ""):
        self.enabled = bool(enabled) and sys.stderr.isatty()
        self.prefix = prefix
        self._bar = None
        self._task = None

    def __enter__(self) -> Progress:
        if self.enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TextColumn,
                TimeElapsedColumn,
            )
            from rich.progress import Progress as _RichProgress

            self._bar = _RichProgress(
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                transient=True, console=Console(stderr=True),
            )
            self._bar.__enter__()
            self._task = self._bar.add_task(self.prefix.rstrip(": ") or "working", total=None)
        return self

    def stage(self, label: str, total: int | None = None) -> None:
        """Start a stage.

        Parameters
        ----------
        label
            What is being done.
        total
            Number of steps of the stage, if countable.
        """
        if self._bar is not None:
            self._bar.update(self._task, description=f"{self.prefix}{label}", completed=0, total=total)

    def advance(self, n: int = 1) -> None:
        """Count ``n`` steps of the current stage as done."""
        if self._bar is not None:
            self._bar.update(self._task, advance=n)

    def update(self, *, completed: int, total: int | None = None) -> None:
        """Set the progress of the current stage to ``completed`` of ``total`` steps."""
        if self._bar is not None:
            self._bar.update(self._task, completed=completed, total=total)

    def __exit__(self, *exc) -> bool:
        if self._bar is not None:
            self._bar.__exit__(*exc)
            self._bar = None
        return False
