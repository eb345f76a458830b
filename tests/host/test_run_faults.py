"""Faults while running: a missing interpreter, a worker killed midway, Ctrl-C while writing a diff or a
report. Nothing is lost that finished, nothing is half-written, and the report says which env failed.

The runner tests drive real tox: a throwaway tox.ini whose env asks for a Python that does not exist
(tox's real message), and the repo's own TF envs with a worker killed by SIGKILL mid-run.
"""

import json
import os
import signal
from pathlib import Path

import pytest

from compare import artifact
from tests.helpers.files import no_temporaries, tiny


def test_diff_json_and_report_writers_are_atomic(tmp_path, monkeypatch):
    """diff --json and the report files go through temp file + rename: Ctrl-C mid-write leaves the old ones."""
    from compare.host import diff
    from compare.host.diff import results
    from compare.host.report import output

    target = tmp_path / "d.json"
    target.write_text("old")
    monkeypatch.setattr(results.json, "dumps", lambda *_a, **_k: (_ for _ in ()).throw(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        diff.write_json(diff.DiffResult([], diff.Thresholds()), target)
    assert target.read_text() == "old"
    monkeypatch.setattr(artifact.writing.os, "fsync", lambda _fd: (_ for _ in ()).throw(KeyboardInterrupt()))
    (tmp_path / "report.md").write_text("old")
    with pytest.raises(KeyboardInterrupt):
        output.write_text(tmp_path / "report.md", "new")
    assert (tmp_path / "report.md").read_text() == "old" and no_temporaries(tmp_path)


# ---------------------------------------------------------------- runner: real tox
GHOST_TOX = """[tox]
requires =
    tox>=4.20
    tox-uv>=1.20
labels =
    matrix = tf115, tf215
skip_missing_interpreters = false

[testenv]
skip_install = true
package = skip

[testenv:tf115]
base_python = python3.99

[testenv:tf215]
base_python = python3
commands =
    python -c "import json, sys; open(sys.argv[sys.argv.index('--out') + 1], 'w').write(json.dumps(\\
        dict(schema='rnncompare/artifact', version=1, env=dict(name='tf215'), scenarios=dict())))" {posargs}
"""


@pytest.mark.slow
def test_missing_interpreter_is_unavailable_and_the_other_env_runs(tmp_path, monkeypatch):
    """tox's real message for a base_python that does not exist -> unavailable, with the remedy."""
    from compare.host import runner
    from compare.host.envs import EnvSetup

    ini = tmp_path / "tox.ini"
    ini.write_text(GHOST_TOX)
    monkeypatch.setattr(runner, "env_setup", lambda _env_dir=None: EnvSetup(ini, None, managed=False))
    results = {r.env: r for r in runner.run_matrix(["tf115", "tf215"], tmp_path / "out", parallel=2)}
    ghost = results["tf115"]
    assert ghost.status == "unavailable", (ghost.reason, ghost.tail)
    assert "pyenv install 3.7" in ghost.reason and ghost.artifact is None
    assert any(runner.NO_INTERPRETER.search(line) for line in ghost.tail)
    assert results["tf215"].status == "ok", results["tf215"].tail
    assert artifact.load(results["tf215"].artifact)["env"]["name"] == "tf215"


def _worker_pid(out: Path):
    """The pid of the worker process writing ``out`` (a grandchild: runner -> tox -> python -m backends.worker)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"backends.worker" in argv and str(out).encode() in argv:
            return int(entry.name)
    return None


TF_ROUTES = ("tf1", "keras", "recipe")


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="finds the worker's pid in /proc")
def test_killed_worker_keeps_other_envs_and_the_report_marks_it(tmp_path):
    """SIGKILL tf115's worker during scenario 2 of 3: tf115 is `error` with the signal and its log tail,
    its artifact keeps scenario 1 and marks 2-3 not finished, tf215's artifact is complete, the report
    shows tf115's unfinished routes as errors."""
    from backends.worker import NOT_FINISHED
    from compare.host import runner
    from compare.host.cli import main

    out, killed = tmp_path / "out", []
    victim = (out / "tf115.json").resolve()
    writing = (out / runner.PARTIAL / "tf115.json").resolve()  # where the worker writes until it ends

    def on_event(event):
        if event.env == "tf115" and event.stage == "scenario" and event.done == 2 and not killed:
            pid = _worker_pid(writing)
            if pid is not None:
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)

    results = {r.env: r for r in runner.run_matrix(["tf115", "tf215"], out, tiny(tmp_path), 2, on_event)}
    assert killed, "the tf115 worker was never seen"
    dead, alive = results["tf115"], results["tf215"]
    assert dead.status == "error" and "SIGKILL" in dead.reason, (dead.reason, dead.tail)
    assert dead.tail and dead.log.exists() and dead.artifact == victim
    assert alive.status == "ok"
    complete = artifact.load(alive.artifact)
    assert complete["complete"] is True
    # the TensorFlow routes run; PyTorch's and Flax's are unavailable in a TF env
    assert all(e["routes"][n]["status"] == "ok" for e in complete["scenarios"].values() for n in TF_ROUTES)
    partial = artifact.load(victim)
    assert partial["complete"] is False
    assert all(partial["scenarios"]["s1"]["routes"][n]["status"] == "ok" for n in TF_ROUTES)
    assert all(r["reason"] == NOT_FINISHED for r in partial["scenarios"]["s3"]["routes"].values())
    assert no_temporaries(out)
    assert main(["report", str(out)]) == 0
    report = json.loads((out / "report.json").read_text())
    s3 = next(s for s in report["scenarios"] if s["name"] == "s3")
    states = {(c["env"], c["route"]): c for c in s3["grid"]}
    assert states[("tf115", "keras")]["state"] == "error" and "not finished" in states[("tf115", "keras")]["detail"]
    assert states[("tf215", "keras")]["state"] not in ("error", "missing")
