"""The `onehour` command: mounts each package's own commands."""

import logging

import typer

import benchmarks.cli
import dispatch.cli
import geo.cli
import simulate.cli

app = typer.Typer(
    name="onehour",
    help="Courier dispatch and routing for same-hour delivery.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def main(
    log_level: str = typer.Option("WARNING", help="DEBUG, INFO, WARNING or ERROR."),
) -> None:
    """Configure logging for every command."""
    logging.basicConfig(
        level=log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


for package_cli in (geo.cli, dispatch.cli, simulate.cli, benchmarks.cli):
    package_cli.register(app)
