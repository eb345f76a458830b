"""Real tox, real processes: envs shared by concurrent runs, a creation killed midway, a run interrupted.

* Two processes make one env ready at once: tox creates it once; the other waits, saying so, then reuses it,
  and both run the env's command.
* A creation SIGKILLed during its install is found half-created and rebuilt, never used.
* SIGINT or SIGTERM to ``rnncompare run`` once one env finished: whole files only, a line per env saying
  what finished, exit 130; the same command again reuses the finished env and runs the other.

The env tests use a throwaway tox.ini whose env installs a local package that takes seconds to build (so
that a creation can be overlapped or killed); the run tests use the repo's tf115 and tf215 envs.
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
from compare.host.envs import ready
from tests.helpers.files import no_temporaries, tiny

REPO = Path(__file__).resolve().parents[2]
SLOW_SETUP = "import time\nfrom setuptools import setup\ntime.sleep(4)\nsetup(name='slowpkg', version='1.0', py_modules=['slowpkg'])\n"
TOX_INI = """[tox]
requires =
    tox>=4.20
    tox-uv>=1.20
[testenv:tiny]
skip_install = true
package = skip
base_python = python3
deps =
    {package}
commands =
    python -c "import slowpkg; print('worked')"
"""
# One process making the env ready, as the runner does, printing its Readiness as JSON.
READY = """
import json, sys
from pathlib import Path
from compare.host.envs import EnvSetup, ready
from compare.host.runner import tox_environment
lines = []
done = ready.make_ready("tiny", EnvSetup(Path(sys.argv[1]), None, managed=False), tox_environment(), lines.append)
print(json.dumps({"action": done.action, "ok": done.ok, "waited": done.waited, "said": lines}))
"""


@pytest.fixture
def slow_env(tmp_path):
    package = tmp_path / "slowpkg"
    package.mkdir()
    (package / "setup.py").write_text(SLOW_SETUP)
    (package / "slowpkg.py").write_text("")
    ini = tmp_path / "tox.ini"
    ini.write_text(TOX_INI.format(package=package))
    return ini


def _make_ready(ini):
    environ = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.Popen([sys.executable, "-c", READY, str(ini)], env=environ, stdout=subprocess.PIPE, text=True)


def _works(ini):
    done = subprocess.run(
        [sys.executable, "-m", "tox", "run", "-q", "-c", str(ini), "-e", "tiny", "--skip-env-install"],
        capture_output=True,
        text=True,
    )
    return done.returncode == 0 and "worked" in done.stdout


@pytest.mark.slow
def test_two_processes_sharing_an_env_folder_create_the_env_once_and_both_use_it(slow_env):
    first = _make_ready(slow_env)
    time.sleep(1.0)  # the first holds the lock and builds the slow package
    second = _make_ready(slow_env)
    outcomes = sorted((json.loads(p.communicate(timeout=300)[0]) for p in (first, second)), key=lambda o: o["action"])
    created, reused = outcomes
    assert created["action"] == "created" and not created["waited"], outcomes
    assert reused["action"] == "reused" and reused["waited"], outcomes
    assert "waiting for another rnncompare process that is creating env tiny" in reused["said"][0]
    assert ready.state(slow_env.parent / ".tox" / "tiny") == "ready" and _works(slow_env)


@pytest.mark.slow
def test_a_creation_killed_during_its_install_is_found_half_created_and_rebuilt(slow_env):
    env = slow_env.parent / ".tox" / "tiny"
    victim = subprocess.Popen(
        [sys.executable, "-c", READY, str(slow_env)],
        env=dict(os.environ, PYTHONPATH=str(REPO)),
        stdout=subprocess.PIPE,
        start_new_session=True,  # its own group: the kill takes tox and uv with it, as a killed terminal would
    )
    deadline = time.time() + 60
    while not (env / ".tox-info.json").exists() and time.time() < deadline:
        time.sleep(0.2)
    time.sleep(1.0)  # inside `uv pip install`: the slow package is building
    os.killpg(victim.pid, signal.SIGKILL)
    victim.wait()
    assert ready.state(env) == "half"
    again = json.loads(_make_ready(slow_env).communicate(timeout=300)[0])
    assert again["ok"] and again["action"] == "recreated (was half-created)", again
    assert ready.state(env) == "ready" and _works(slow_env)


# ---------------------------------------------------------------- rnncompare run, interrupted
def _run(out, scenarios, *extra):
    return subprocess.Popen(
        [sys.executable, "-m", "compare", "run", "--envs", "tf115,tf215", "--scenarios", str(scenarios)]
        + ["--out", str(out), "-p", "1", *extra],
        cwd=str(REPO),
        env=dict(os.environ, PYTHONPATH=str(REPO)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _published(out):
    return [p.stem for p in out.glob("tf*.json") if resume_stamp(p).exists()]


def resume_stamp(path):
    from compare.host import resume

    return resume.stamp_path(path)


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_run_keeps_whole_files_says_what_finished_and_the_rerun_resumes(tmp_path, signum):
    out, scenarios = tmp_path / "out", tiny(tmp_path, names=tuple(f"s{i}" for i in range(1, 9)))
    process = _run(out, scenarios)
    deadline = time.time() + 600
    while not _published(out) and process.poll() is None and time.time() < deadline:
        time.sleep(0.2)
    assert process.poll() is None, process.communicate()
    finished = _published(out)
    process.send_signal(signum)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, (stdout, stderr)
    lines = {line.split()[0]: line for line in stdout.splitlines() if line.startswith("tf")}
    (done,) = finished
    other = ({"tf115", "tf215"} - {done}).pop()
    assert " ok in " in lines[done] and lines[other].split()[1] == "interrupted:", stdout
    assert "no report written" in stderr and not (out / "report.json").exists()
    assert no_temporaries(out) and not (out / f"{other}.json").exists()
    assert artifact.load(out / f"{done}.json")["complete"] is True

    rerun = _run(out, scenarios)
    stdout, stderr = rerun.communicate(timeout=900)
    assert rerun.returncode == 0, (stdout, stderr)
    lines = {line.split()[0]: line for line in stdout.splitlines() if line.startswith("tf")}
    assert lines[done].split()[1] == "reused" and " ok in " in lines[other], stdout
    assert artifact.load(out / f"{other}.json")["complete"] is True and (out / "report.json").exists()
    fresh = _run(out, scenarios, "--fresh")
    stdout, _ = fresh.communicate(timeout=900)
    assert fresh.returncode == 0 and "reused" not in stdout, stdout
