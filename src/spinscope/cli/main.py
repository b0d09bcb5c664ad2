"""Entry point of the ``spinscope`` command.

User mistakes (the :class:`spinscope.errors.SpinscopeError` family) end with one line on stderr and
exit status 2, never a traceback. Each command group lives in its own module with a ``register``
function; commands import the library lazily so that ``spinscope --help`` stays fast.
"""

from __future__ import annotations

import importlib
import sys

import typer

from spinscope import __version__

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


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version_callback, is_eager=True, help="Show the version."
    ),
) -> None:
    """spinscope command line."""


for _name in COMMAND_MODULES:
    try:
        _mod = importlib.import_module(f"spinscope.cli.{_name}")
    except ModuleNotFoundError as _exc:  # a command module not yet present in this build
        if _exc.name != f"spinscope.cli.{_name}":
            raise
        continue
    _mod.register(app)


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
    from spinscope.errors import SpinscopeError

    args = sys.argv[1:] if argv is None else list(argv)
    try:
        app(args=args, prog_name="spinscope", standalone_mode=False)
    except SpinscopeError as exc:
        sys.stderr.write(f"spinscope: error: {exc.message}\n")
        return exc.exit_code
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except typer.Abort:
        sys.stderr.write("spinscope: aborted\n")
        return 130
    except _click_exceptions() as exc:  # usage errors arrive here in non-standalone mode
        exc.show()
        return int(getattr(exc, "exit_code", 2) or 2)
    return 0


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
