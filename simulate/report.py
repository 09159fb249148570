"""Score runs and write the report: JSON, PNG plots and one self-contained HTML page.

The headline is the on-time rate (delivered by the deadline, over every order
of the stream) next to the oracle bound: the share of orders that could be on
time with an unlimited idle fleet waiting at the best stocking depot.
"""

import base64
import html
import itertools
import json
import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from simulate.results import Activity, Fate, RunResult

logger = logging.getLogger(__name__)

HOUR_S = 3600
LATENESS_BINS_MIN = (0, 5, 15, 30, 60)


def summarise(run: RunResult) -> dict[str, Any]:
    """Return the metrics of one run as a JSON-ready dict."""
    orders = run.orders
    n = len(orders)
    delivered = [o for o in orders if o.fate is Fate.DELIVERED]
    click_to_door = np.array([o.click_to_door_s for o in delivered], dtype=float)
    online_h = sum(c.online_s for c in run.couriers) / HOUR_S
    busy_s = sum(c.busy_s for c in run.couriers)
    distance_km = sum(c.distance_m for c in run.couriers) / 1000
    solve = np.array(
        [r.solve_time_s + r.build_time_s for r in run.replans], dtype=float
    )
    oracle = [
        o for o in orders if o.oracle_s is not None and o.oracle_s <= o.deadline_s
    ]

    summary: dict[str, Any] = {
        "policy": run.policy,
        "stream": run.stream_name,
        "orders": n,
        "skipped_rows": run.skipped_rows,
        "couriers": len(run.couriers),
        "delivered": len(delivered),
        "on_time": sum(o.on_time for o in orders),
        "on_time_rate": _share(sum(o.on_time for o in orders), n),
        "oracle_on_time_rate": _share(len(oracle), n),
        "click_to_door_s": _quantiles(click_to_door),
        "within_target_rate": {
            str(t): _share(int((click_to_door <= t).sum()), n) for t in run.targets_s
        },
        "lateness": _lateness(orders),
        "fates": dict(Counter(o.fate.value for o in orders)),
        "not_delivered_reasons": _reasons(orders),
        "orders_per_courier_hour": round(len(delivered) / online_h, 3)
        if online_h
        else 0.0,
        "km_per_order": round(distance_km / len(delivered), 3) if delivered else 0.0,
        "courier_km": round(distance_km, 1),
        "courier_hours": round(online_h, 2),
        "utilisation": round(busy_s / (online_h * HOUR_S), 4) if online_h else 0.0,
        "replans": len(run.replans),
        "solver_latency_s": {
            "p50": _round(np.percentile(solve, 50)) if solve.size else 0.0,
            "p95": _round(np.percentile(solve, 95)) if solve.size else 0.0,
            "max": _round(solve.max()) if solve.size else 0.0,
        },
        "simulated_s": run.simulated_s,
        "wall_time_s": round(run.wall_time_s, 3),
        "cpu_time_s": round(run.cpu_time_s, 3),
        "speedup_vs_realtime": round(run.simulated_s / max(run.wall_time_s, 1e-9), 1),
        "speedup_vs_realtime_cpu": round(
            run.simulated_s / max(run.cpu_time_s, 1e-9), 1
        ),
    }
    return summary


def _share(count: int, total: int) -> float:
    return round(count / total, 4) if total else 0.0


def _round(value: float) -> float:
    return round(float(value), 4)


def _quantiles(values: np.ndarray) -> dict[str, float]:
    if not values.size:
        return {"p50": 0.0, "p95": 0.0, "max": 0.0}
    return {
        "p50": _round(np.percentile(values, 50)),
        "p95": _round(np.percentile(values, 95)),
        "max": _round(values.max()),
    }


def _lateness(orders: Sequence[Any]) -> dict[str, Any]:
    late = np.array([o.lateness_s for o in orders if o.lateness_s > 0], dtype=float)
    edges: list[int | None] = [*LATENESS_BINS_MIN, None]
    bins = {}
    for low, high in itertools.pairwise(edges):
        assert low is not None
        label = f"{low}-{high} min" if high is not None else f">{low} min"
        upper = np.inf if high is None else high * 60
        bins[label] = int(((late > low * 60) & (late <= upper)).sum())
    return {
        "late_orders": int(late.size),
        "mean_late_s": _round(late.mean()) if late.size else 0.0,
        "max_late_s": _round(late.max()) if late.size else 0.0,
        "bins": bins,
    }


def _reasons(orders: Sequence[Any]) -> dict[str, dict[str, int]]:
    out: dict[str, Counter[str]] = {}
    for order in orders:
        if order.fate is Fate.DELIVERED:
            continue
        key = reason_kind(order.reason)
        out.setdefault(order.fate.value, Counter())[key] += 1
    return {fate: dict(counts.most_common()) for fate, counts in out.items()}


def reason_kind(reason: str) -> str:
    """Return the kind of a reason, without its particulars (titles, points).

    ``"rejected: out of stock everywhere: 《活着》"`` becomes
    ``"rejected: out of stock everywhere"``.
    """
    parts = [p.strip() for p in (reason or "unknown").split(":")]
    return ": ".join(parts[:2])


def write_report(
    runs: Mapping[str, RunResult],
    out_dir: Path,
    title: str,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Write ``report.json``, the PNG plots and ``report.html`` for side-by-side runs.

    Parameters
    ----------
    runs
        One run per policy, all of the same stream.
    out_dir
        Created if needed.
    title
        Heading of the HTML page.
    extra
        More JSON fields (the command, the config).

    Returns
    -------
    dict
        The JSON document written.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    document: dict[str, Any] = {
        "title": title,
        **(extra or {}),
        "policies": {name: summarise(run) for name, run in runs.items()},
    }
    (out_dir / "report.json").write_text(
        json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    images = _plots(runs, out_dir)
    (out_dir / "report.html").write_text(
        _html(title, document, images), encoding="utf-8"
    )
    logger.info("wrote report of %d run(s) to %s", len(runs), out_dir)
    return document


# ---------------------------------------------------------------- plots


def _plots(runs: Mapping[str, RunResult], out_dir: Path) -> dict[str, Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    main = next(iter(runs.values()))
    images = {
        "Hourly demand and on-time rate": _plot_hourly(plt, runs, out_dir),
        f"Courier day ({main.policy})": _plot_gantt(plt, main, out_dir),
        f"Routes in the busiest hour ({main.policy})": _plot_routes(plt, main, out_dir),
    }
    plt.close("all")
    return images


def _plot_hourly(plt: Any, runs: Mapping[str, RunResult], out_dir: Path) -> Path:
    main = next(iter(runs.values()))
    hours = np.array([o.placed_s // HOUR_S for o in main.orders], dtype=int)
    span = range(int(hours.min()), int(hours.max()) + 1) if hours.size else range(0)
    fig, ax = plt.subplots(figsize=(9, 4))
    ax.bar(list(span), [int((hours == h).sum()) for h in span], color="#c9d6e8")
    ax.set_xlabel("hour of day (placement)")
    ax.set_ylabel("orders placed")
    rate_ax = ax.twinx()
    for name, run in runs.items():
        rates = []
        for h in span:
            placed = [o for o in run.orders if o.placed_s // HOUR_S == h]
            rates.append(
                100 * sum(o.on_time for o in placed) / len(placed) if placed else np.nan
            )
        rate_ax.plot(list(span), rates, marker="o", label=name)
    oracle = []
    for h in span:
        placed = [o for o in main.orders if o.placed_s // HOUR_S == h]
        ok = sum(o.oracle_s is not None and o.oracle_s <= o.deadline_s for o in placed)
        oracle.append(100 * ok / len(placed) if placed else np.nan)
    rate_ax.plot(list(span), oracle, linestyle="--", color="grey", label="oracle")
    rate_ax.set_ylabel("on time (%)")
    rate_ax.set_ylim(0, 105)
    rate_ax.legend(loc="lower left")
    ax.set_title("Orders per hour and share delivered on time")
    return _save(fig, out_dir / "hourly.png")


def _plot_gantt(plt: Any, run: RunResult, out_dir: Path) -> Path:
    colours = {
        Activity.RIDE: "#4c72b0",
        Activity.WAIT: "#dd8452",
        Activity.SERVICE: "#55a868",
    }
    couriers = sorted(run.couriers, key=lambda c: c.courier_id)
    fig, ax = plt.subplots(figsize=(10, max(3, 0.12 * len(couriers) + 1)))
    for row, courier in enumerate(couriers):
        for start, end in courier.shifts:
            ax.broken_barh(
                [(start / HOUR_S, (end - start) / HOUR_S)],
                (row - 0.4, 0.8),
                color="#eeeeee",
            )
        for activity, colour in colours.items():
            spans = [
                (leg.start_s / HOUR_S, (leg.end_s - leg.start_s) / HOUR_S)
                for leg in courier.legs
                if leg.activity is activity
            ]
            if spans:
                ax.broken_barh(spans, (row - 0.4, 0.8), color=colour)
    ax.set_xlabel("hour of day")
    ax.set_ylabel("courier")
    ax.set_yticks([])
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in colours.values()]
    ax.legend(handles, [a.value for a in colours], loc="upper right", fontsize=8)
    ax.set_title("Courier day: online (grey), riding, waiting, serving")
    return _save(fig, out_dir / "gantt.png")


def _plot_routes(plt: Any, run: RunResult, out_dir: Path) -> Path:
    hours = Counter(o.placed_s // HOUR_S for o in run.orders)
    busiest = hours.most_common(1)[0][0] if hours else 0
    low, high = busiest * HOUR_S, (busiest + 1) * HOUR_S
    fig, ax = plt.subplots(figsize=(7, 7))
    cmap = plt.get_cmap("tab20")
    for k, courier in enumerate(sorted(run.couriers, key=lambda c: c.courier_id)):
        for leg in courier.legs:
            if (
                leg.activity is not Activity.RIDE
                or leg.end_s < low
                or leg.start_s > high
            ):
                continue
            ax.plot(leg.points[:, 0], leg.points[:, 1], color=cmap(k % 20), lw=1.2)
    for _, x, y in run.depots:
        ax.plot(x, y, marker="s", color="black", markersize=7)
    ax.set_aspect("equal" if run.frame == "xy_m" else 1.2)
    ax.set_title(f"Courier rides {busiest:02d}:00-{busiest + 1:02d}:00 (depots ■)")
    ax.set_xlabel("x (m)" if run.frame == "xy_m" else "longitude")
    ax.set_ylabel("y (m)" if run.frame == "xy_m" else "latitude")
    if not run.synthetic_map:
        ax.annotate(
            "© OpenStreetMap contributors",
            (0.99, 0.01),
            xycoords="axes fraction",
            ha="right",
            fontsize=7,
        )
    return _save(fig, out_dir / "routes.png")


def _save(fig: Any, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    return path


# ---------------------------------------------------------------- HTML


def _html(title: str, document: Mapping[str, Any], images: Mapping[str, Path]) -> str:
    rows = [
        ("orders", "orders"),
        ("on time", "on_time_rate"),
        ("oracle bound", "oracle_on_time_rate"),
        ("click-to-door p50 (min)", ("click_to_door_s", "p50")),
        ("click-to-door p95 (min)", ("click_to_door_s", "p95")),
        ("click-to-door max (min)", ("click_to_door_s", "max")),
        ("late orders", ("lateness", "late_orders")),
        ("couriers", "couriers"),
        ("orders per courier-hour", "orders_per_courier_hour"),
        ("km per order", "km_per_order"),
        ("utilisation", "utilisation"),
        ("solver latency p50 (s)", ("solver_latency_s", "p50")),
        ("solver latency p95 (s)", ("solver_latency_s", "p95")),
        ("speed-up vs real time", "speedup_vs_realtime"),
    ]
    policies = document["policies"]
    head = "".join(f"<th>{html.escape(p)}</th>" for p in policies)
    body = []
    for label, key in rows:
        cells = []
        for summary in policies.values():
            value = summary[key[0]][key[1]] if isinstance(key, tuple) else summary[key]
            if "(min)" in label:
                value = round(value / 60, 1)
            elif "rate" in str(key) or key == "utilisation":
                value = f"{100 * value:.1f} %"
            cells.append(f"<td>{html.escape(str(value))}</td>")
        body.append(f"<tr><th>{html.escape(label)}</th>{''.join(cells)}</tr>")
    reasons = "".join(
        f"<h3>{html.escape(name)}: not delivered</h3><pre>"
        f"{html.escape(_pretty(s['not_delivered_reasons']))}</pre>"
        for name, s in policies.items()
        if s["not_delivered_reasons"]
    )
    figures = "".join(
        f"<figure><img alt='{html.escape(caption)}' src='data:image/png;base64,"
        f"{base64.b64encode(path.read_bytes()).decode('ascii')}'>"
        f"<figcaption>{html.escape(caption)}</figcaption></figure>"
        for caption, path in images.items()
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body {{ font-family: sans-serif; margin: 2em; max-width: 1000px; }}
table {{ border-collapse: collapse; }}
td, th {{ border: 1px solid #ccc; padding: 4px 10px; text-align: right; }}
img {{ max-width: 100%; }}
</style></head><body>
<h1>{html.escape(title)}</h1>
<table><tr><th></th>{head}</tr>{"".join(body)}</table>
{reasons}
{figures}
<p>Full metrics: report.json. Map data © OpenStreetMap contributors where shown.</p>
</body></html>
"""


def _pretty(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1)
