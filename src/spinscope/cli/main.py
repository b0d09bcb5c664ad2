"""Entry point of the ``spinscope`` command.

User mistakes (the :class:`spinscope.errors.SpinscopeError` family) end with one line on stderr and
exit status 2, never a traceback. Each command group lives in its own module with a ``register``
function; commands import the library lazily so that ``spinscope --help`` stays fast.
"""

from __future__ import annotations

import importlib
import sys
import warnings

import typer

from spinscope import __version__
from spinscope.errors import SpinscopeError

HELP = """\
spinscope — the digital twin and analysis workbench of time-resolved soft X-ray magnetic
microscopy and scattering.

Describe an experiment (source, optics, sample, detector, pump-probe scheme) in a TOML file;
spinscope simulates what the instrument records, with its noise, and the same analysis code
turns recorded data — simulated or measured — into physics.

Start with `spinscope demo`. Quantities take units: "707 eV", "20 nm", "5 mJ/cm^2".
Most commands accept --json for machine-readable output (SI units, energies in eV).
"""

app = typer.Typer(
    help=HELP,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

#: Modules under spinscope.cli that provide ``register(app)``.
COMMAND_MODULES = (
    "demo_cmd",
    "materials_cmd",
    "info_cmd",
    "config_cmd",
    "demag_cmd",
    "llg_cmd",
    "stxm_cmd",
    "zoneplate_cmd",
    "plan_cmd",
    "xrms_cmd",
    "xrms_sim_cmd",
)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"spinscope {__version__}")
        raise typer.Exit()


#: Options of the whole command line that outlive the callback (``--verbose``).
_STATE = {"verbose": False}


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version_callback, is_eager=True, help="Show the version."
    ),
    verbose: bool = typer.Option(
        False, "--verbose", "-v",
        help="Also show the library's warnings when a command fails (they are always shown on success).",
    ),
) -> None:
    """spinscope command line."""
    _STATE["verbose"] = verbose


def _warning_lines(caught: list[warnings.WarningMessage]) -> list[str]:
    """One line per distinct warning, in the order raised."""
    lines = []
    for w in caught:
        text = " ".join(str(w.message).split())
        line = f"spinscope: warning: {text}"
        if line not in lines:
            lines.append(line)
    return lines


for _name in COMMAND_MODULES:
    importlib.import_module(f"spinscope.cli.{_name}").register(app)


def main(argv: list[str] | None = None) -> int:
    """Run the command line.

    Parameters
    ----------
    argv
        Arguments without the program name; ``sys.argv[1:]`` when ``None``.

    Returns
    -------
    int
        Exit status: 0 on success, 2 on a user error, 1 on an unexpected failure.
    """
    args = sys.argv[1:] if argv is None else list(argv)
    _STATE["verbose"] = False
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        code, error = _run(args)
    if code == 0 or _STATE["verbose"]:
        for line in _warning_lines(caught):
            sys.stderr.write(line + "\n")
    if error:
        sys.stderr.write(error + "\n")
    return code


def _run(args: list[str]) -> tuple[int, str | None]:
    """Run the application: (exit status, the one error line or None).

    A failure's warnings are held back (shown with ``--verbose``), so that a user mistake prints
    exactly one line.
    """
    try:
        app(args=args, prog_name="spinscope", standalone_mode=False)
    except SpinscopeError as exc:
        return exc.exit_code, f"spinscope: error: {exc.message}"
    except typer.Exit as exc:
        return int(exc.exit_code or 0), None
    except typer.Abort:
        return 130, "spinscope: aborted"
    except _click_exceptions() as exc:  # usage errors arrive here in non-standalone mode
        exc.show()
        return int(getattr(exc, "exit_code", 2) or 2), None
    return 0, None


def _click_exceptions() -> tuple[type[BaseException], ...]:
    """The ClickException classes of the click that typer runs on (vendored in new typers)."""
    classes: list[type[BaseException]] = []
    for name in ("typer._click.exceptions", "click.exceptions"):
        try:
            classes.append(importlib.import_module(name).ClickException)
        except (ImportError, AttributeError):
            continue
    return tuple(classes)


if __name__ == "__main__":
    sys.exit(main())
