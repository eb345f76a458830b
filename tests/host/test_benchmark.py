"""The benchmark script keeps working: a tiny grid in one env, every measurement and target present.

Not timed: the ratios are whatever this machine measures; the test checks that each one is a
number (or a stated exponent), so a change to the worker or the floors that breaks the benchmark
shows here. Runs on the host (tests-host) and drives a real tox TF env, creating it if missing.
"""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from compare import runner

pytestmark = [pytest.mark.host, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
ENV = "tf115"  # the quickest TensorFlow to import: the tiny run takes about a minute
MEASURES = ("floor_a", "floor_b", "worker")
TARGET_COUNT = 5


def ensure_env(env):
    """``tox run -e ENV --notest`` creates the env when ``tox -m matrix`` has not."""
    if not (REPO / ".tox" / env / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "tox", "run", "-e", env, "--notest"], cwd=str(REPO),
                       env=runner.tox_environment(), check=True)


def is_timing(entry):
    return entry["status"] == "ok" and entry["seconds"] > 0 and entry["peak_mb"] > 0 and entry["runs"]


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    ensure_env(ENV)
    out = tmp_path_factory.mktemp("bench")
    done = subprocess.run([sys.executable, "-m", "benchmarks.run", "--quick", "--envs", ENV, "--out", str(out)],
                          cwd=str(REPO), capture_output=True, text=True, check=False)
    assert done.returncode in (0, 1), done.stderr[-3000:]  # 1: a target fails, which is a finding, not a breakage
    return done, json.loads((out / "latest.json").read_text()), (out / "latest.md").read_text()


def test_every_env_measurement_is_a_number(result):
    doc = result[1]
    assert list(doc["envs"]) == [ENV]
    for name in MEASURES:
        assert is_timing(doc["envs"][ENV][name]), name


def test_grid_points_are_measured_or_skipped_with_a_reason(result):
    grid = result[1]["grid"]
    assert is_timing(grid["floor_a"])
    assert len(grid["points"]) == 8
    for point in grid["points"]:
        assert point["skipped"] or (is_timing(point["floor_b"]) and is_timing(point["worker"])), point


def test_matrix_has_serial_and_parallel(result):
    matrix = result[1]["matrix"]
    assert len(matrix["serial"]) == 3 and all(is_timing(t) for t in matrix["serial"])
    assert is_timing(matrix["parallel"]) and matrix["serial_sum"] > 0


def test_every_target_has_a_ratio_and_a_verdict(result):
    done, doc, text = result
    targets = doc["targets"]
    assert len(targets) == TARGET_COUNT
    for target in targets:
        assert isinstance(target["ratio"], float), target
        assert target["status"] in ("PASS", "FAIL", "STATED"), target
        assert target["name"] in done.stdout and target["name"] in text
    for fit in doc["scaling"].values():
        assert all(isinstance(fit[s][k], float) for s in ("worker", "floor_b") for k in ("units_exp", "seeds_exp"))
    expected_exit = 1 if any(t["status"] == "FAIL" for t in targets) else 0
    assert done.returncode == expected_exit


def test_bad_env_is_refused_with_exit_2():
    done = subprocess.run([sys.executable, "-m", "benchmarks.run", "--envs", "tf999"], cwd=str(REPO),
                          capture_output=True, text=True, check=False)
    assert done.returncode == 2 and "unknown env" in done.stderr
