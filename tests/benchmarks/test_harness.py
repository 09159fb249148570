"""The benchmark harness: baseline checks catch regressions in either direction."""

import json

from benchmarks import harness


def _document(metrics: dict[str, float]) -> dict:
    return {"name": "probe", "metrics": metrics}


def test_a_metric_below_its_minimum_is_a_regression(tmp_path, monkeypatch):
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps({"probe": {"served": {"min": 0.9}}}))
    monkeypatch.setattr(harness, "BASELINE_PATH", baseline)

    assert harness.check_baseline(_document({"served": 0.95})) == []
    [problem] = harness.check_baseline(_document({"served": 0.8}))
    assert "served=0.8" in problem and "0.9" in problem


def test_a_metric_above_its_maximum_or_missing_is_a_regression(tmp_path, monkeypatch):
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps({"probe": {"gap": {"max": 3.0}}}))
    monkeypatch.setattr(harness, "BASELINE_PATH", baseline)

    assert harness.check_baseline(_document({"gap": 2.0})) == []
    assert "rose above" in harness.check_baseline(_document({"gap": 4.0}))[0]
    assert "missing" in harness.check_baseline(_document({}))[0]


def test_every_baseline_entry_names_a_known_benchmark():
    baseline = json.loads(harness.BASELINE_PATH.read_text())
    assert set(baseline) <= set(harness.BENCHMARKS)
