"""Commands of the `geo` package: `onehour city ...` and `onehour route`.

Heavy modules (scipy, osmnx, matplotlib) are imported inside the commands so
that `onehour --help` stays fast.
"""

import json
from pathlib import Path

import typer

city_app = typer.Typer(
    help="City road graphs: facts, cache building.", no_args_is_help=True
)

_REAL_CITY_HINT = (
    "This is a synthetic street grid, not a real city. For a real city put the "
    "OSM extracts under $ONEHOUR_DATA_DIR/osm/<city>/ (see data/cities/*.toml) "
    "and run `onehour city info beijing`, or run `onehour city prepare beijing "
    "--download` on a machine that is online."
)


def _fail(error: Exception) -> None:
    typer.echo(f"error: {error}", err=True)
    raise typer.Exit(1)


@city_app.command("info")
def info(
    city: str = typer.Argument("demo", help="demo, beijing, shanghai or guangzhou."),
    mode: str = typer.Option("ebike", help="Courier mode: ebike, scooter or walk."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Print a city's road graph: nodes, edges, km of road, bbox, share dropped."""
    from geo.city import load_city
    from geo.errors import MapDataError, MapDataMissingError

    try:
        loaded = load_city(city, mode)
    except (MapDataError, MapDataMissingError, ValueError) as error:
        _fail(error)
    facts = loaded.info
    if as_json:
        typer.echo(json.dumps(facts, ensure_ascii=False, indent=2))
        return
    label = " [SYNTHETIC]" if loaded.synthetic else ""
    typer.echo(f"{loaded.display_name} ({loaded.name}){label}")
    typer.echo(f"  mode             {facts['mode']}")
    typer.echo(f"  nodes            {facts['nodes']:,}")
    typer.echo(f"  edges            {facts['edges']:,} (directed)")
    typer.echo(f"  road             {facts['road_km']:,} km")
    typer.echo(f"  service bbox     {facts['bbox']}")
    typer.echo(f"  graph bbox       {facts['graph_bbox']}")
    typer.echo(
        f"  dropped          {100 * facts['dropped_node_share']:.1f} % of "
        f"{facts['nodes_before_scc']:,} nodes outside the largest strongly "
        "connected component"
    )
    typer.echo(f"  depots           {', '.join(facts['depots'])}")
    typer.echo(f"  timezone         {facts['timezone']}")
    for source in facts["sources"]:
        typer.echo(f"  source           {source}")
    if loaded.synthetic:
        typer.echo(_REAL_CITY_HINT)
    else:
        typer.echo("  map data         © OpenStreetMap contributors (ODbL)")


@city_app.command("prepare")
def prepare(
    city: str = typer.Argument(..., help="beijing, shanghai, guangzhou or demo."),
    mode: str = typer.Option("ebike", help="Courier mode: ebike, scooter or walk."),
    download: bool = typer.Option(
        False, "--download", help="Fetch the streets with osmnx first (online)."
    ),
    by: str = typer.Option("place", help="Download the whole 'place' or the 'bbox'."),
) -> None:
    """Build (or rebuild) a city's cached compact graph."""
    from geo.city import city_definition, load_city
    from geo.errors import MapDataError, MapDataMissingError

    try:
        if download:
            from geo.download import download_city

            path = download_city(city_definition(city), by=by)
            typer.echo(f"downloaded {path}")
        loaded = load_city(city, mode)
    except (MapDataError, MapDataMissingError, ValueError) as error:
        _fail(error)
    label = " (synthetic)" if loaded.synthetic else ""
    typer.echo(
        f"{loaded.name}{label}: {loaded.travel.graph.n_nodes:,} nodes, "
        f"{loaded.travel.graph.n_edges:,} edges cached"
    )


def _lonlat(text: str) -> tuple[float, float]:
    try:
        lon, lat = (float(v) for v in text.split(","))
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is not LON,LAT (e.g. 116.44,39.97)"
        ) from None
    return lon, lat


def route(
    city: str = typer.Argument(..., help="demo, beijing, shanghai or guangzhou."),
    from_: str = typer.Option(..., "--from", help="Start as LON,LAT (WGS-84)."),
    to: str = typer.Option(..., "--to", help="End as LON,LAT (WGS-84)."),
    mode: str = typer.Option("ebike", help="Courier mode: ebike, scooter or walk."),
    png: Path | None = typer.Option(None, help="Draw the route on the streets here."),
) -> None:
    """Print the fastest courier route between two points (time, distance)."""
    import numpy as np

    from geo.city import load_city
    from geo.errors import MapDataError, MapDataMissingError

    start, end = _lonlat(from_), _lonlat(to)
    try:
        loaded = load_city(city, mode)
        snapped = loaded.travel.snap(np.array([start, end]))
        path = loaded.travel.path(int(snapped.nodes[0]), int(snapped.nodes[1]))
    except (MapDataError, MapDataMissingError, ValueError) as error:
        _fail(error)
    label = " [SYNTHETIC city]" if loaded.synthetic else ""
    time_s, distance_m = int(path.time_s[-1]), float(path.distance_m[-1])
    typer.echo(
        f"{loaded.name}{label} by {mode}: {time_s} s ({time_s / 60:.1f} min), "
        f"{distance_m:,.0f} m; snapped {snapped.distance_m[0]:.0f} m and "
        f"{snapped.distance_m[1]:.0f} m"
    )
    if png is not None:
        from geo.plot import draw_route

        draw_route(loaded, path, png)
        typer.echo(f"wrote {png}")


def register(app: typer.Typer) -> None:
    """Add this package's commands to the root app."""
    app.add_typer(city_app, name="city")
    app.command("route")(route)
