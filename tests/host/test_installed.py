"""rnncompare as a user gets it: the built wheel in a fresh virtualenv outside the repository, run from a
temporary folder, with the envs it manages itself; a user's own tox project running its worker; and shards
run separately merging into the same report as one run.

Every test here is ``slow``: they share one session's wheel, venv and managed env folder (one tf115 env,
created once), so the whole file costs one env creation plus a few worker runs.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
TINY = """
[[scenario]]
name = "tiny-gru"
cell = "gru"
units = 3
input_dim = 2
seeds = 4

[scenario.tf1]
scope_initializer = "orthogonal"

[scenario.keras]
kernel_initializer = "orthogonal"
recurrent_initializer = "orthogonal"

[[scenario]]
name = "tiny-lstm"
cell = "lstm"
units = 3
input_dim = 2
seeds = 4
"""


def _uv(*args, **kwargs):
    return subprocess.run(
        [sys.executable, "-m", "uv"] + list(args), check=True, capture_output=True, text=True, **kwargs
    )


@pytest.fixture(scope="session")
def installed(tmp_path_factory):
    """(wheel, rnncompare console script, environment): the wheel built from this checkout, installed without
    extras into a fresh venv outside the repository, RNNCOMPARE_HOME in a session temp folder."""
    root = tmp_path_factory.mktemp("installed")
    _uv("build", "--wheel", "--out-dir", str(root / "dist"), str(REPO))
    wheel = next((root / "dist").glob("rnncompare-*.whl"))
    _uv("venv", "--python", sys.executable, str(root / "venv"))
    _uv("pip", "install", "--python", str(root / "venv" / "bin" / "python"), str(wheel))
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV") and not k.startswith("TOX_")}
    env["RNNCOMPARE_HOME"] = str(root / "home")
    return wheel, root / "venv" / "bin" / "rnncompare", env


def rnncompare(installed, cwd, *args):
    _, script, env = installed
    return subprocess.run(
        [str(script)] + list(args), cwd=str(cwd), env=env, capture_output=True, text=True, timeout=1800
    )


@pytest.fixture(scope="session")
def one_run(installed, tmp_path_factory):
    """``rnncompare run --envs tf115 --scenarios tiny.toml`` from a temp folder: (folder, completed process)."""
    work = tmp_path_factory.mktemp("user")
    (work / "tiny.toml").write_text(TINY, encoding="utf-8")
    done = rnncompare(installed, work, "run", "--envs", "tf115", "--scenarios", "tiny.toml", "--out", "one", "-p", "1")
    return work, done


def test_installed_wheel_runs_every_verb_from_a_temp_folder(installed, one_run):
    """validate lists both tiny scenarios; run (managed tf115 env, created under RNNCOMPARE_HOME, code copied
    from the installed package) writes tf115.json and the report; diff and report over the folder exit 0/1
    (verdicts), never 2; the env ran the installed copy, not this checkout; bad input to the other verbs is
    one line, exit 2."""
    work, done = one_run
    _, _, env = installed
    listed = rnncompare(installed, work, "validate", "tiny.toml")
    assert listed.returncode == 0, listed.stderr
    assert [line.split()[0] for line in listed.stdout.splitlines()] == ["tiny-gru", "tiny-lstm"]
    assert done.returncode == 0, done.stdout + done.stderr
    art = json.loads((work / "one" / "tf115.json").read_text())
    assert art["env"]["tensorflow"] == "1.15.5" and sorted(art["scenarios"]) == ["tiny-gru", "tiny-lstm"]
    home = Path(env["RNNCOMPARE_HOME"])
    assert (home / "envs" / "tf115" / "bin" / "python").exists()
    # the env's Python 3.7 imported the worker from the installed package's copy (it left its bytecode there)
    assert len(list((home / "code").glob("0.1.0-*/backends/__pycache__/worker.cpython-37.pyc"))) == 1
    diff = rnncompare(installed, work, "diff", "one")
    assert diff.returncode in (0, 1), diff.stdout + diff.stderr
    assert "rows:" in diff.stdout
    report = rnncompare(installed, work, "report", "one", "--out", "rep")
    assert report.returncode == 0, report.stderr
    assert {p.name for p in (work / "rep").iterdir()} == {"report.md", "report.json", "report.html"}
    envs = rnncompare(installed, work, "envs")
    assert envs.returncode in (0, 1) and "tf115" in envs.stdout and "created:" in envs.stdout
    for args in (
        ["port", "x.json:tf1", "y.json:keras", "--out", "p.npz"],
        ["diff", "missing.json", "b.json"],
        ["validate", "nope.toml"],
        ["run", "--envs", "tf99"],
        ["report", "nowhere"],
    ):
        bad = rnncompare(installed, work, *args)
        assert bad.returncode == 2 and bad.stderr.startswith("error: "), (args, bad.stderr)
        assert len(bad.stderr.strip().splitlines()) == 1 and "Traceback" not in bad.stderr, (args, bad.stderr)


def test_shards_merge_into_the_report_of_one_run(installed, one_run):
    """The tiny suite in tf115 as 2 shards (one scenario each, run separately into their own folders),
    merged by report DIR1 DIR2: report.json is byte-identical to the one run's (draws are reproducible)."""
    work, done = one_run
    assert done.returncode == 0, done.stdout + done.stderr
    for i in (1, 2):
        shard = rnncompare(
            installed,
            work,
            "run",
            "--envs",
            "tf115",
            "--scenarios",
            "tiny.toml",
            "--out",
            f"shard{i}",
            "--shard",
            f"{i}/2",
            "-p",
            "1",
        )
        assert shard.returncode == 0, shard.stdout + shard.stderr
        assert not (work / f"shard{i}" / "report.json").exists()
    firsts = [sorted(json.loads((work / f"shard{i}" / "tf115.json").read_text())["scenarios"]) for i in (1, 2)]
    assert firsts == [["tiny-gru"], ["tiny-lstm"]]
    merged = rnncompare(installed, work, "report", "shard1", "shard2", "--out", "merged")
    assert merged.returncode == 0, merged.stderr
    single = rnncompare(installed, work, "report", "one", "--out", "single")
    assert single.returncode == 0, single.stderr
    assert (work / "merged" / "report.json").read_bytes() == (work / "single" / "report.json").read_bytes()


USER_TOX = """
[tox]
requires = tox-uv>=1.20
env_list = tf115

[testenv:tf115]
base_python = python3.7
deps =
    tensorflow==1.15.5
    protobuf==3.20.3
    {env:RNNCOMPARE_WHEEL}
set_env =
    RNNCOMPARE_ENV = {env_name}
    CUDA_VISIBLE_DEVICES = -1
commands =
    python -c "import mymodel; print(mymodel.units())"
    python -m backends.worker --scenarios {tox_root}/migration.toml --out {tox_root}/rnncompare/{env_name}.json
"""
USER_PYPROJECT = """
[build-system]
requires = ["setuptools"]
build-backend = "setuptools.build_meta"

[project]
name = "mymodel"
version = "0.1"
"""


def test_users_own_tox_env_runs_the_worker_and_report_reads_it(installed, tmp_path):
    """A throw-away project with its own tox.ini and package: its tf115 env (its pins, its Python 3.7) adds the
    rnncompare wheel to its deps and runs `python -m backends.worker` after its own command; the artifact
    names that env and its TensorFlow, and the installed `rnncompare report` turns it into the report."""
    wheel, _, env = installed
    project = tmp_path / "project"
    (project / "mymodel").mkdir(parents=True)
    (project / "mymodel" / "__init__.py").write_text("def units():\n    return 3\n")
    (project / "pyproject.toml").write_text(USER_PYPROJECT)
    (project / "tox.ini").write_text(USER_TOX)
    (project / "migration.toml").write_text(TINY)
    tox_env = dict(env, RNNCOMPARE_WHEEL=str(wheel))
    # the user's machine has a python3.7 on PATH (their project has no toxfile.py to find pyenv's): put
    # pyenv's 3.7 ahead of its shims, which fail for a version that is installed but not selected
    from compare.host.envs.toxfile import pyenv_bin_dirs

    found = [d for d in pyenv_bin_dirs() if (Path(d) / "python3.7").exists()]
    tox_env["PATH"] = os.pathsep.join(found + [tox_env.get("PATH", "")])
    # the venv's tox (a core dependency of rnncompare) runs the user's matrix, as in their CI
    tox = subprocess.run(
        [str(installed[1].parent / "tox"), "run", "-e", "tf115"],
        cwd=str(project),
        env=tox_env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert tox.returncode == 0, tox.stdout[-3000:]
    art = json.loads((project / "rnncompare" / "tf115.json").read_text())
    assert art["env"]["name"] == "tf115" and art["env"]["tensorflow"] == "1.15.5"
    assert art["env"]["python"].startswith("3.7.")
    report = rnncompare(installed, project, "report", "rnncompare")
    assert report.returncode == 0, report.stderr
    assert json.loads((project / "rnncompare" / "report.json").read_text())["schema"] == "rnncompare/report"
