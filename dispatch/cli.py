"""Commands of the `dispatch` package, mounted on the root `onehour` command."""

import typer


def register(app: typer.Typer) -> None:
    """Add this package's commands to the root app."""
