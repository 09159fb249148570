"""`onehour bench`: run benchmarks and write their JSON results."""

import json
from pathlib import Path

import typer

from benchmarks import harness


def bench(
    name: str = typer.Argument(None, help="Benchmark to run; see --list."),
    quick: bool = typer.Option(False, "--quick", help="The short run CI makes."),
    out: Path | None = typer.Option(None, help="Write the JSON result here."),
    list_: bool = typer.Option(False, "--list", help="Name the benchmarks."),
    check_baseline: bool = typer.Option(
        False, help="Fail when a quality metric regresses against baseline.json."
    ),
) -> None:
    """Run one benchmark from benchmarks/ and print its JSON result."""
    if list_:
        typer.echo("\n".join(harness.available()))
        return
    if name is None:
        raise typer.BadParameter("name a benchmark, or pass --list")

    document = harness.run(name, quick=quick)
    text = json.dumps(document, indent=2, ensure_ascii=False)
    typer.echo(text)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text + "\n", encoding="utf-8")

    if check_baseline:
        problems = harness.check_baseline(document)
        for problem in problems:
            typer.echo(f"REGRESSION {problem}", err=True)
        if problems:
            raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    """Add `onehour bench` to the root app."""
    app.command("bench")(bench)
