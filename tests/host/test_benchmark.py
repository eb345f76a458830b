"""The benchmark script keeps working: a tiny grid and tiny production points in one env, every
measurement and target present.

Not timed: the ratios are whatever this machine measures; the test checks that each one is a
number (or a stated exponent), so a change to the worker or the floors that breaks the benchmark
shows here. Runs on the host (tests-host) and drives a real tox TF env, creating it if missing.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.parts import RUN_ENV
from compare.host import runner

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
ENV = "tf115"  # the quickest TensorFlow to import: the tiny run takes about a minute
MEASURES = ("floor_a", "floor_b", "worker")
TARGET_COUNT = 12  # the impact part's wall-time target among them


def ensure_env(env):
    """``tox run -e ENV --notest`` creates the env when ``tox -m matrix`` has not."""
    if not (runner.env_setup().env_dir(env) / "bin" / "python").exists():
        subprocess.run(
            [sys.executable, "-m", "tox", "run", "-e", env, "--notest"],
            cwd=str(REPO),
            env=runner.tox_environment(),
            check=True,
        )


def is_timing(entry):
    return entry["status"] == "ok" and entry["seconds"] > 0 and entry["peak_mb"] > 0 and entry["runs"]


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    ensure_env(ENV)
    ensure_env(RUN_ENV)  # the analysis and run parts time the report in tox -e run's own env
    out = tmp_path_factory.mktemp("bench")
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--quick", "--envs", ENV, "--out", str(out)],
        cwd=str(REPO),
        capture_output=True,
        text=True,
        check=False,
    )
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


def test_production_points_are_measured(result):
    """The quick stand-ins of the production points (a 4-layer LSTM, a bidirectional LSTM over 7 inputs; given
    Keras initializers, then Keras's defaults):
    floor B and the worker, routes tf1 and keras, in the env asked for."""
    production = result[1]["production"]
    assert production["envs"] == [ENV] and production["routes"] == "tf1,keras"
    assert {p["env"] for p in production["points"]} == {ENV}
    assert [p["name"] for p in production["points"]] == [
        "gnmt-lstm-4x8",
        "deepspeech-bilstm-16",
        "gnmt-lstm-4x8-keras-defaults",
        "deepspeech-bilstm-16-keras-defaults",
    ]
    for point in production["points"]:
        assert point["seeds"] == 4 and is_timing(point["floor_b"]) and is_timing(point["worker"]), point


def test_analysis_times_the_report_against_loading_its_artifacts(result):
    """The report on the quick suite's artifacts (tf115 alone: tf115.json), the floor that imports the host
    libraries and json.loads them, and the report on the tiny suite once, twice and four times over, fitted."""
    analysis = result[1]["analysis"]
    assert analysis["scenarios"] == 2 and analysis["artifacts"] == ["tf115.json"]
    for name in ("imports", "load", "report"):
        assert is_timing(analysis[name]), name
    assert [s["scenarios"] for s in analysis["sizes"]] == [2, 4, 8]
    assert all(is_timing(s["report"]) for s in analysis["sizes"])
    assert isinstance(analysis["exponent"], float)


def test_run_part_times_tox_run_and_its_workers_alone(result):
    """The run part times its env's worker alone, the report alone, and tox -e run twice: once to warm up,
    once warm."""
    run = result[1]["run"]
    assert run["envs"] == [ENV] and list(run["workers"]) == [ENV]
    assert is_timing(run["workers"][ENV]) and is_timing(run["report"])
    assert is_timing(run["warm_up"]) and is_timing(run["tox_run"])


def test_seed_memory_target_compares_most_with_fewest_seeds(result):
    """Peak memory at the grid's most seeds against its fewest, for each route, cell and units (quick: 4 vs 2)."""
    target = next(t for t in result[1]["targets"] if "most seeds" in t["name"])
    assert "u8 s4/s2" in target["detail"] and "u16 s4/s2" in target["detail"]


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
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--envs", "tf999"],
        cwd=str(REPO),
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2 and "unknown env" in done.stderr


def test_parts_not_asked_for_are_not_run(tmp_path):
    """--parts production runs the production points alone; every other target says NOT RUN, which is not
    a failure."""
    ensure_env(ENV)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.run",
            "--quick",
            "--envs",
            ENV,
            "--parts",
            "production",
            "--production",
            "gnmt-lstm-4x8",
            "--out",
            str(tmp_path),
        ],
        cwd=str(REPO),
        capture_output=True,
        text=True,
        check=False,
    )
    doc = json.loads((tmp_path / "latest.json").read_text())
    assert doc["envs"] == {} and doc["grid"] is None and doc["matrix"] is None
    assert [p["name"] for p in doc["production"]["points"]] == ["gnmt-lstm-4x8"]
    statuses = {t["name"]: t["status"] for t in doc["targets"]}
    assert sum(s == "NOT RUN" for s in statuses.values()) == TARGET_COUNT - 2
    assert done.returncode == (1 if "FAIL" in statuses.values() else 0)
