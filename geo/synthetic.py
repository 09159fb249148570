"""A seeded generator of city-like street grids, labelled synthetic everywhere.

The generator lays a square grid of intersections ``spacing_m`` apart,
moves each by uniform noise (so blocks are not perfect squares), and tags
every line of the grid as a street:

- every 8th line is a two-way ``primary`` arterial, every 8th line offset
  by 4 a two-way ``secondary`` road;
- lines 2 and 3 of each band of 8 form a one-way pair (couplet): ``tertiary``
  streets ridden in opposite directions;
- all other lines are two-way ``residential`` streets;
- each street link between neighbouring intersections is missing with
  probability ``missing_share`` (a tenth of that on arterials), so routes
  must detour as in a real city.

The same parameters and seed always give the same graph.
"""

from dataclasses import dataclass

import numpy as np

from geo.graph import EARTH_RADIUS_M
from geo.osm import RawNetwork


@dataclass(frozen=True)
class SyntheticCitySpec:
    """Parameters of a generated street grid.

    Parameters
    ----------
    side
        Intersections per side; the grid has ``side**2`` nodes.
    spacing_m
        Distance between neighbouring intersections before noise.
    noise_m
        Each intersection moves by up to this much in x and y.
    missing_share
        Probability that a residential link is absent.
    center_lon, center_lat
        WGS-84 position of the grid's centre.
    seed
        Seed of the numpy Generator that draws noise and missing links.
    """

    side: int = 60
    spacing_m: float = 110.0
    noise_m: float = 15.0
    missing_share: float = 0.08
    center_lon: float = 116.40
    center_lat: float = 39.91
    seed: int = 20240601

    def __post_init__(self) -> None:
        if self.side < 4:
            raise ValueError(f"side={self.side} must be >= 4 intersections")
        if not 10.0 <= self.spacing_m <= 2000.0:
            raise ValueError(f"spacing_m={self.spacing_m} must be in [10, 2000] m")
        if not 0.0 <= self.noise_m < self.spacing_m / 2:
            raise ValueError(f"noise_m={self.noise_m} must be in [0, spacing_m / 2)")
        if not 0.0 <= self.missing_share < 0.5:
            raise ValueError(f"missing_share={self.missing_share} must be in [0, 0.5)")

    def cache_key(self) -> str:
        """Return a stable text of every parameter."""
        return (
            f"grid|{self.side}|{self.spacing_m}|{self.noise_m}|{self.missing_share}|"
            f"{self.center_lon}|{self.center_lat}|{self.seed}"
        )


def _line_tags(line: int) -> dict[str, str]:
    band = line % 8
    if band == 0:
        return {"highway": "primary", "name": f"Arterial {line // 8}"}
    if band == 4:
        return {"highway": "secondary", "name": f"Avenue {line // 8}"}
    if band == 2:
        return {"highway": "tertiary", "oneway": "yes", "name": f"Couplet {line}"}
    if band == 3:
        return {"highway": "tertiary", "oneway": "-1", "name": f"Couplet {line}"}
    return {"highway": "residential", "name": f"Lane {line}"}


def generate_city(spec: SyntheticCitySpec) -> RawNetwork:
    """Generate the street grid of ``spec`` as OSM-like nodes and ways."""
    rng = np.random.default_rng(spec.seed)
    side = spec.side
    offsets = (np.arange(side) - (side - 1) / 2) * spec.spacing_m
    x_m = offsets[None, :] + rng.uniform(-spec.noise_m, spec.noise_m, (side, side))
    y_m = offsets[:, None] + rng.uniform(-spec.noise_m, spec.noise_m, (side, side))
    deg = np.degrees(1.0 / EARTH_RADIUS_M)
    lon = spec.center_lon + x_m * deg / np.cos(np.radians(spec.center_lat))
    lat = spec.center_lat + y_m * deg

    network = RawNetwork()
    ids = np.arange(side * side).reshape(side, side)
    network.coords = dict(
        zip(
            ids.ravel().tolist(),
            zip(lon.ravel().tolist(), lat.ravel().tolist(), strict=True),
            strict=True,
        )
    )
    for axis in ("row", "col"):
        links_missing = rng.random((side, side - 1))
        for line in range(side):
            tags = _line_tags(line)
            share = spec.missing_share * (0.1 if line % 4 == 0 else 1.0)
            nodes = ids[line, :] if axis == "row" else ids[:, line]
            # Split the line into ways where a link is missing.
            cuts = np.flatnonzero(links_missing[line] < share) + 1
            for piece, chunk in enumerate(np.split(nodes, cuts)):
                if chunk.size >= 2:
                    network.ways[f"{axis}{line}-{piece}"] = (chunk.tolist(), dict(tags))
    return network
