"""``spinscope config check FILE``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from spinscope.cli._common import emit

config_app = typer.Typer(help="Validate and inspect experiment configuration files (TOML).",
                         no_args_is_help=True)


@config_app.command("check")
def check(
    file: Annotated[Path, typer.Argument(help="TOML configuration file.")],
    kind: Annotated[str | None, typer.Option(
        "--kind", help="Validate as this kind (xrms, stxm, llg, demag, experiment); default: detected."),
    ] = None,
    json_: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Validate FILE: unknown keys, missing keys, units and ranges; print the normalised config.

    The kind of file (an XRMS, STXM, LLG, demagnetisation or sample-stack configuration) is found
    from its content unless --kind names it.
    """
    from spinscope.config import check_config

    result = check_config(file, kind=kind)

    def human(r):
        import json

        return f"{r['file']}: valid {r['kind']} config (schema_version {r['schema_version']})\n" + json.dumps(
            r["config"], indent=2
        )

    emit(result, as_json=json_, human=human)


def register(app: typer.Typer) -> None:
    """Attach the ``config`` command group to the main application."""
    app.add_typer(config_app, name="config")
