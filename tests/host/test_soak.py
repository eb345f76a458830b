"""Soak: a suite of 100 small scenarios in every env of the matrix, run twice at once on one env folder,
one of the two runs interrupted once an env has finished and then run again.

What it proves (issue 34): concurrent runs share the envs (the lock), an interrupted run keeps whole files
and the rerun redoes only what is missing, every artifact comes out complete with all 100 scenarios, and
the resumed run's verdicts and findings equal those of the run nobody disturbed. It drives the repo's own
tox envs (created when missing) and takes minutes: marked ``slow``. 100 scenarios keep it near ten
minutes of CI with seven envs (k3-jax takes about 3.7 s a scenario, its Flax route compiled per scenario).
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from compare import artifact
from compare.host import resume
from compare.host.envs import matrix
from tests.helpers.soak import soak_suite

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = 100


def _run(out: Path, scenarios: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "compare", "run", "--scenarios", str(scenarios), "--out", str(out), "-p", "1"],
        cwd=str(REPO),
        env=dict(os.environ, PYTHONPATH=str(REPO)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _published(out: Path) -> list:
    return [p.stem for p in out.glob("tf*.json") if resume.stamp_path(p).exists()]


def _verdicts(out: Path) -> dict:
    """Every diff row's verdict and reason codes, and every finding id, from report.json."""
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    rows = {
        (s["name"], r["block"], tuple(r["a"]), tuple(r["b"])): (r["verdict"], [x["code"] for x in r["reasons"]])
        for s in report["scenarios"]
        for r in s["rows"]
    }
    return {"rows": rows, "findings": sorted(f["id"] for f in report["findings"])}


def test_two_concurrent_runs_one_interrupted_and_resumed_agree_with_the_undisturbed_one(tmp_path):
    scenarios = soak_suite(tmp_path, SCENARIOS)
    calm, disturbed = tmp_path / "calm", tmp_path / "disturbed"
    first, second = _run(calm, scenarios), _run(disturbed, scenarios)
    deadline = time.time() + 1800
    while not _published(disturbed) and second.poll() is None and time.time() < deadline:
        time.sleep(0.5)
    assert second.poll() is None, second.communicate()
    second.send_signal(signal.SIGINT)
    stdout, stderr = second.communicate(timeout=300)
    assert second.returncode == 130, (stdout, stderr)
    finished = _published(disturbed)

    stdout, stderr = first.communicate(timeout=3600)
    assert first.returncode in (0, 1), (stdout, stderr)  # 1: the envs' routes differ, as they do
    rerun = _run(disturbed, scenarios)
    stdout, stderr = rerun.communicate(timeout=3600)
    assert rerun.returncode in (0, 1), (stdout, stderr)
    reused = [line.split()[0] for line in stdout.splitlines() if line.startswith("tf") and " reused" in line]
    assert sorted(reused) == sorted(finished) and finished

    for out in (calm, disturbed):
        for env in matrix.matrix():
            document = artifact.load(out / f"{env}.json")
            assert document["complete"] is True and len(document["scenarios"]) == SCENARIOS, (out, env)
    calm_verdicts, disturbed_verdicts = _verdicts(calm), _verdicts(disturbed)
    assert len(calm_verdicts["rows"]) > SCENARIOS and calm_verdicts["findings"]
    assert disturbed_verdicts == calm_verdicts
