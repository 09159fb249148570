"""What every benchmark returns, the registry of benchmarks, and baseline checks.

A benchmark is a module ``benchmarks.<name>`` with a function
``run(quick: bool) -> BenchResult``. ``quick`` is what CI runs (seconds); the
full run is what a closing note quotes. Quality metrics measured under
deterministic budgets are compared with ``benchmarks/baseline.json``; timings
are reported, never asserted.
"""

import importlib
import importlib.util
import json
import os
import platform
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCHMARKS = ("geo", "solver", "dispatch", "simulate", "intake")
BASELINE_PATH = Path(__file__).with_name("baseline.json")


@dataclass
class BenchResult:
    """Metrics of one benchmark run, with the peers measured in the same run."""

    metrics: dict[str, float]
    peers: dict[str, dict[str, float]] = field(default_factory=dict)
    synthetic: bool = False
    notes: dict[str, Any] = field(default_factory=dict)


def available() -> list[str]:
    """Return the names of the benchmarks present in this checkout."""
    return [n for n in BENCHMARKS if importlib.util.find_spec(f"benchmarks.{n}")]


def run(name: str, quick: bool) -> dict[str, Any]:
    """Run one benchmark and return its JSON document."""
    if name not in available():
        raise ValueError(f"unknown benchmark {name!r}; choose from {available()}")
    module = importlib.import_module(f"benchmarks.{name}")
    result: BenchResult = module.run(quick=quick)
    return {
        "name": name,
        "command": shlex.join(["onehour", *sys.argv[1:]]),
        "quick": quick,
        "synthetic": result.synthetic,
        "machine": machine(),
        "metrics": result.metrics,
        "peers": result.peers,
        "notes": result.notes,
    }


def machine() -> dict[str, Any]:
    """Describe the machine a benchmark ran on."""
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.machine(),
        "cpus": os.cpu_count(),
    }


def check_baseline(document: dict[str, Any]) -> list[str]:
    """Return the regressions of a quick run against the committed baseline.

    The baseline holds, per benchmark and metric, a ``min`` and/or ``max`` that
    the metric must respect. Only quality metrics under deterministic budgets
    belong there, never timings.
    """
    baseline = json.loads(BASELINE_PATH.read_text(encoding="utf-8"))
    bounds = baseline.get(document["name"], {})
    problems = []
    for key, limit in bounds.items():
        value = document["metrics"].get(key)
        if value is None:
            problems.append(f"{document['name']}.{key}: missing from the results")
        elif "min" in limit and value < limit["min"]:
            problems.append(
                f"{document['name']}.{key}={value} fell below the baseline "
                f"minimum {limit['min']}"
            )
        elif "max" in limit and value > limit["max"]:
            problems.append(
                f"{document['name']}.{key}={value} rose above the baseline "
                f"maximum {limit['max']}"
            )
    return problems
