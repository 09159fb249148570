"""The report a planner reads, and the `onehour simulate` command that writes it."""

import json
from pathlib import Path

from typer.testing import CliRunner

from onehour.cli import app
from simulate.config import Policy, SimulationConfig
from simulate.report import write_report
from simulate.runner import run_policies
from simulate.scenario import Scenario

from .conftest import BROKEN, TINY


def test_the_report_is_json_plots_and_one_self_contained_page(
    tiny_scenario: Scenario, tmp_path: Path
) -> None:
    runs = run_policies(
        tiny_scenario, SimulationConfig(), [Policy.ORTOOLS, Policy.GREEDY]
    )

    document = write_report(
        {name: run.result for name, run in runs.items()}, tmp_path, "tiny"
    )

    saved = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert saved == json.loads(json.dumps(document))
    ortools = saved["policies"]["ortools"]
    assert ortools["orders"] == 12
    assert 0 <= ortools["on_time_rate"] <= ortools["oracle_on_time_rate"] <= 1
    assert set(ortools["within_target_rate"]) == {"2400", "3600"}
    for key in ("click_to_door_s", "lateness", "solver_latency_s", "utilisation"):
        assert key in ortools
    for image in ("hourly.png", "gantt.png", "routes.png"):
        assert (tmp_path / image).stat().st_size > 1000
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert page.count("data:image/png;base64,") == 3
    assert "src='http" not in page and 'src="http' not in page


def test_onehour_simulate_replays_a_stream_with_every_policy(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["simulate", "--stream", str(TINY), "--policy", "all", "--out", str(tmp_path)],
    )

    assert result.exit_code == 0, result.output
    assert "report:" in result.output
    policies = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))[
        "policies"
    ]
    assert list(policies) == ["ortools", "insertion", "greedy"]


def test_onehour_simulate_names_every_bad_row_of_a_stream(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["simulate", "--stream", str(BROKEN / "bad_rows"), "--out", str(tmp_path)]
    )

    assert result.exit_code == 2
    assert "7 problem(s)" in result.output
    assert "orders.csv:4:" in result.output


def test_onehour_simulate_finds_the_smallest_fleet(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "simulate",
            "--stream",
            str(TINY),
            "--couriers",
            "1",
            "--find-fleet",
            "0.9",
            "--policy",
            "greedy",
            "--out",
            str(tmp_path),
        ],
    )

    assert result.exit_code == 0, result.output
    found = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))[
        "find_fleet"
    ]
    probes = {int(n): rate for n, rate in found["probes"].items()}
    fewest = found["couriers"]
    assert probes[fewest] >= 0.9
    assert all(rate < 0.9 for n, rate in probes.items() if n < fewest)
