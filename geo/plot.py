"""Draw routes on a city's street network with matplotlib."""

from pathlib import Path

import numpy as np

from geo.city import City
from geo.travel_model import Path as TravelPath


def draw_route(city: City, path: TravelPath, out: Path) -> None:
    """Write a PNG of the street network with ``path`` drawn over it."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.collections import LineCollection

    graph = city.travel.graph
    tails = graph.tails()
    segments = list(
        np.stack(
            [
                np.column_stack([graph.lon[tails], graph.lat[tails]]),
                np.column_stack([graph.lon[graph.indices], graph.lat[graph.indices]]),
            ],
            axis=1,
        )
    )
    figure, axes = plt.subplots(figsize=(8, 8), dpi=120)
    axes.add_collection(LineCollection(segments, colors="#bbbbbb", linewidths=0.5))
    axes.plot(path.points[:, 0], path.points[:, 1], color="#d62728", linewidth=2.5)
    axes.plot(*path.points[0], "o", color="#2ca02c", markersize=8, label="from")
    axes.plot(*path.points[-1], "s", color="#1f77b4", markersize=8, label="to")
    axes.set_aspect(1.0 / np.cos(np.radians(float(graph.lat.mean()))))
    axes.autoscale_view()
    kind = "SYNTHETIC street grid" if city.synthetic else "© OpenStreetMap contributors"
    axes.set_title(
        f"{city.name}: {int(path.time_s[-1]) / 60:.1f} min, "
        f"{float(path.distance_m[-1]) / 1000:.2f} km ({city.travel.name})"
    )
    axes.text(0.01, 0.01, kind, transform=axes.transAxes, fontsize=8)
    axes.legend(loc="upper right")
    axes.set_xlabel("lon")
    axes.set_ylabel("lat")
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out, bbox_inches="tight")
    plt.close(figure)
