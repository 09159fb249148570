"""`onehour simulate`: replay or synthesise a day of orders and score the dispatch."""

import json
import logging
import shlex
import sys
import time
from pathlib import Path
from typing import Any

import typer

logger = logging.getLogger(__name__)

POLICY_HELP = "ortools, greedy, insertion, or all (side by side, ortools first)."


def simulate(
    city: str = typer.Option("demo", help="demo, beijing, shanghai or guangzhou."),
    orders: str = typer.Option(
        "synthetic:3000",
        help="synthetic:N, grubhub:INSTANCE (e.g. grubhub:0o100t100s1p100), "
        "tianchi or tianchi:N.",
    ),
    stream: Path | None = typer.Option(
        None, help="Replay a stream directory (orders.csv ...) instead of --orders."
    ),
    couriers: int | None = typer.Option(
        None, help="Fleet size (default: the stream's couriers, else 30)."
    ),
    seed: int = typer.Option(1, help="Seed of orders, stock and travel noise."),
    policy: str = typer.Option("ortools", help=POLICY_HELP),
    out: Path = typer.Option(Path("runs/latest"), help="Report directory."),
    config: Path | None = typer.Option(
        None, help="SimulationConfig TOML; command-line options win."
    ),
    find_fleet: float | None = typer.Option(
        None,
        "--find-fleet",
        help="Find the fewest couriers reaching this on-time share.",
    ),
    sweep: str | None = typer.Option(
        None, help="Comma-separated fleet sizes to run (e.g. 40,60,80)."
    ),
    use_ray: bool = typer.Option(
        False, "--ray", help="Run sweeps as Ray tasks (local mode)."
    ),
    strict: bool = typer.Option(
        True,
        "--strict/--no-strict",
        help="Reject a stream with bad rows, or skip them.",
    ),
    planning_margin: int | None = typer.Option(
        None, help="Seconds taken off the deadlines the dispatcher plans with."
    ),
    solver_clock: str | None = typer.Option(
        None, help="budget (deterministic, default) or measured (wall time counts)."
    ),
    accept_late: bool | None = typer.Option(
        None,
        "--accept-late/--refuse-late",
        help="Accept orders that cannot be promised on time (default: only for "
        "grubhub and tianchi replays).",
    ),
    write_stream: Path | None = typer.Option(
        None, help="Also write the generated or converted stream to this directory."
    ),
) -> None:
    """Simulate a day of orders through the dispatcher and write a report."""
    from simulate.config import SimulationConfig
    from simulate.scenario import ScenarioSpec, build_scenario
    from simulate.stream import StreamError
    from simulate.stream import write_stream as write

    spec = ScenarioSpec(
        city=city,
        orders=f"stream:{stream}" if stream is not None else orders,
        seed=seed,
        strict=strict,
    )
    overrides: dict[str, Any] = {"seed": seed, "strict": strict}
    if couriers is not None:
        overrides["couriers"] = couriers
    if solver_clock is not None:
        overrides["solver_clock"] = solver_clock
    if planning_margin is not None:
        overrides["planning_margin_s"] = planning_margin
    overrides["accept_late"] = spec.replay if accept_late is None else accept_late
    try:
        settings = (
            SimulationConfig.from_toml(config, **overrides)
            if config is not None
            else SimulationConfig(**overrides)
        )
        policies = _policies(policy)
        scenario = build_scenario(spec)
    except StreamError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(2) from None
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None
    if write_stream is not None:
        write(scenario.stream, write_stream)

    label = "SYNTHETIC " if scenario.synthetic else ""
    typer.echo(
        f"{label}scenario {scenario.name}: {len(scenario.stream.orders)} orders, "
        f"{len(scenario.skipped)} rows skipped, policies {[p.value for p in policies]}"
    )
    fleet_size = (
        couriers if couriers is not None or not scenario.stream.couriers else None
    )
    extra = {
        "command": shlex.join(["onehour", *sys.argv[1:]]),
        "synthetic": scenario.synthetic,
        "scenario": {"spec": spec.__dict__, **scenario.notes},
        "config": settings.model_dump(mode="json"),
        "skipped_rows": [str(p) for p in scenario.skipped],
    }
    if find_fleet is not None:
        found = _find_fleet(
            spec, settings, policies[0], find_fleet, use_ray, scenario, out
        )
        extra["find_fleet"] = found
        fleet_size = found["couriers"] or fleet_size
    if sweep is not None:
        extra["sweep"] = _sweep(spec, settings, policies[0], sweep, use_ray, scenario)

    runs = _run(scenario, settings, policies, fleet_size)
    from simulate.report import write_report

    document = write_report(
        {name: run.result for name, run in runs.items()},
        out,
        f"{label}onehour simulation: {scenario.name}",
        extra,
    )
    _print_summary(document, out)


def _policies(text: str) -> list[Any]:
    from simulate.config import Policy

    if text == "all":
        return [Policy.ORTOOLS, Policy.INSERTION, Policy.GREEDY]
    try:
        return [Policy(p.strip()) for p in text.split(",")]
    except ValueError:
        raise ValueError(f"--policy={text!r}: {POLICY_HELP}") from None


def _run(scenario: Any, settings: Any, policies: list[Any], fleet_size: int | None):
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from simulate.runner import run_policy

    runs = {}
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}% of the simulated day"),
        TimeElapsedColumn(),
    ) as progress:
        for policy in policies:
            task = progress.add_task(f"{policy.value:<9}", total=1.0)

            def update(done: int, total: int, task: Any = task) -> None:
                progress.update(task, completed=done / total)

            runs[policy.value] = run_policy(
                scenario, settings, policy, fleet_size, update
            )
            progress.update(task, completed=1.0)
            for error in runs[policy.value].errors:
                logger.warning("%s: %s", policy.value, error)
    return runs


def _find_fleet(
    spec: Any,
    settings: Any,
    policy: Any,
    target: float,
    use_ray: bool,
    scenario: Any,
    out: Path,
) -> dict[str, Any]:
    from simulate.fleet import find_fleet

    started = time.perf_counter()

    def show(n: int, summary: dict[str, Any]) -> None:
        typer.echo(f"  {n:4d} couriers: on time {100 * summary['on_time_rate']:.1f} %")

    typer.echo(f"finding the fewest couriers for {100 * target:.1f} % on time ...")
    result = find_fleet(
        spec,
        settings,
        policy,
        target,
        start=settings.couriers,
        use_ray=use_ray,
        scenario=None if use_ray else scenario,
        on_probe=show,
    )
    typer.echo(
        f"fewest couriers for {100 * target:.1f} % on time: {result.couriers} "
        f"({len(result.probes)} runs, {time.perf_counter() - started:.0f} s)"
    )
    return {
        "target": target,
        "couriers": result.couriers,
        "probes": {str(n): s["on_time_rate"] for n, s in sorted(result.probes.items())},
    }


def _sweep(
    spec: Any, settings: Any, policy: Any, sizes_text: str, use_ray: bool, scenario: Any
) -> dict[str, Any]:
    from simulate.fleet import sweep

    try:
        sizes = [int(s) for s in sizes_text.split(",") if s.strip()]
    except ValueError:
        raise typer.BadParameter(
            f"--sweep={sizes_text!r}: give sizes like 40,60,80"
        ) from None
    results = sweep(
        spec, settings, policy, sizes, use_ray, None if use_ray else scenario
    )
    for n, summary in sorted(results.items()):
        typer.echo(f"  {n:4d} couriers: on time {100 * summary['on_time_rate']:.1f} %")
    return {str(n): s for n, s in sorted(results.items())}


def _print_summary(document: dict[str, Any], out: Path) -> None:
    for name, s in document["policies"].items():
        typer.echo(
            f"{name:<9} on time {100 * s['on_time_rate']:5.1f} % "
            f"(oracle {100 * s['oracle_on_time_rate']:5.1f} %), "
            f"click-to-door p50 {s['click_to_door_s']['p50'] / 60:.0f} min "
            f"p95 {s['click_to_door_s']['p95'] / 60:.0f} min, "
            f"{s['couriers']} couriers, {s['km_per_order']:.2f} km/order, "
            f"{s['speedup_vs_realtime']:.0f}x real time"
        )
    typer.echo(f"report: {out / 'report.html'} (and report.json, *.png)")
    if any(
        s["fates"].get("delivered", 0) < s["orders"]
        for s in document["policies"].values()
    ):
        typer.echo(
            "not delivered, with reasons: see report.json 'not_delivered_reasons'"
        )
    logger.debug(
        "report %s", json.dumps(document["policies"], ensure_ascii=False)[:200]
    )


def register(app: typer.Typer) -> None:
    """Add `onehour simulate` to the root app."""
    app.command("simulate")(simulate)
