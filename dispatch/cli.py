"""Commands of the `dispatch` package, mounted on the root `onehour` command."""

from pathlib import Path

import typer


def serve(
    city: str = typer.Option("beijing", help="City to dispatch (data/cities/*.toml)."),
    db: str | None = typer.Option(
        None,
        "--db",
        envvar="ONEHOUR_DB",
        show_default=False,
        help="SQLAlchemy database URL, e.g. postgresql+psycopg://user@host/db; "
        "default: sqlite:///onehour.sqlite in the working directory.",
    ),
    tokens: Path | None = typer.Option(
        None,
        "--tokens",
        envvar="ONEHOUR_TOKENS",
        help="TOML or JSON file of bearer tokens and their roles.",
    ),
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="TCP port to listen on."),
    replan_interval_s: float = typer.Option(30.0, help="Re-plan at least this often."),
) -> None:
    """Run the dispatch service: HTTP API, event stream and live map at /map."""
    import uvicorn

    from dispatch.service import ServiceSettings, Tokens
    from dispatch.service.serve import city_app
    from dispatch.store import DEFAULT_DB_URL

    if tokens is None:
        raise typer.BadParameter(
            "no tokens configured: pass --tokens FILE or set ONEHOUR_TOKENS "
            "(format: see dispatch/service/auth.py)",
            param_hint="--tokens",
        )
    settings = ServiceSettings(city=city, replan_interval_s=replan_interval_s)
    app = city_app(city, db or DEFAULT_DB_URL, Tokens.from_file(tokens), settings)
    uvicorn.run(app, host=host, port=port, access_log=False)


def parse(
    message: str = typer.Argument(..., help="The chat message, quoted."),
    city: str | None = typer.Option(
        None, help="Geocode the address in this city (default: the one it names)."
    ),
    geocode: bool = typer.Option(True, help="Geocode the address (needs OSM data)."),
) -> None:
    """Parse a chat message into a draft order and print it as JSON."""
    from dispatch.intake import intake_message
    from dispatch.parse import MessageParser
    from geo.geocode import Geocoder

    parser = MessageParser()
    if not geocode:
        typer.echo(parser.parse(message).model_dump_json(indent=2))
        return
    target = city or parser.parse(message).city_hint or "beijing"
    geocoder = Geocoder()
    try:
        geocoder.gazetteer(target)
    except (FileNotFoundError, ValueError) as error:
        raise typer.BadParameter(str(error), param_hint="--city") from error
    result = intake_message(message, target, parser, geocoder)
    typer.echo(result.model_dump_json(indent=2))


def register(app: typer.Typer) -> None:
    """Add this package's commands to the root app."""
    app.command("serve")(serve)
    app.command("parse")(parse)
