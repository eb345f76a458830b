"""Faults while writing: Ctrl-C or a signal in the worker keeps the scenarios it finished and leaves no
temporary file; an interrupted atomic write leaves the old file.
"""

import os
import signal
import sys

import numpy as np
import pytest

from compare import artifact
from tests.helpers.files import no_temporaries, tiny


# ---------------------------------------------------------------- in-process worker, no TensorFlow
class FakeRoute:
    def __init__(self, name):
        self.name = name


def fake_run_route(interrupt_at):
    """A route that records its call and, at scenario ``interrupt_at``, behaves like Ctrl-C."""

    def run_route(route, scenario, arrays, _loaded=None):
        if scenario.name == interrupt_at:
            raise KeyboardInterrupt
        arrays[f"{scenario.name}/{route.name}/w"] = np.ones(2, dtype=np.float32)
        return {
            "status": "ok",
            "reason": "",
            "family": "keras_gru",
            "variables": {"w": {"shape": [2], "stats": {"count": 2}}},
        }

    return run_route


@pytest.mark.parametrize("stop", ["s2", "signal"])
def test_interrupted_worker_keeps_finished_scenarios_and_no_temporaries(tmp_path, monkeypatch, capsys, stop):
    """Ctrl-C (or SIGTERM, turned into it) in scenario 2: exit 130, scenario 1 kept, 2 and 3 marked not finished."""
    from backends import envinfo, worker

    monkeypatch.setattr(envinfo, "env_info", lambda: {"name": "fake", "python": sys.version.split()[0]})
    monkeypatch.setattr(worker, "_routes", lambda _names: [FakeRoute("keras")])
    monkeypatch.setattr(worker, "run_route", fake_run_route("s2" if stop == "s2" else None))
    if stop == "signal":
        real = worker._run_scenario

        def terminated(scenario, *args):
            if scenario.name == "s2":
                os.kill(os.getpid(), signal.SIGTERM)
            return real(scenario, *args)

        monkeypatch.setattr(worker, "_run_scenario", terminated)
    out = tmp_path / "out" / "fake.json"
    assert worker.main(["--scenarios", str(tiny(tmp_path)), "--out", str(out)]) == 130
    assert "interrupted" in capsys.readouterr().err
    document = artifact.load(out)
    assert document["complete"] is False
    routes = {n: e["routes"]["keras"] for n, e in document["scenarios"].items()}
    assert routes["s1"]["status"] == "ok"
    assert [routes[n]["status"] for n in ("s2", "s3")] == ["error", "error"]
    assert all(routes[n]["reason"] == worker.NOT_FINISHED for n in ("s2", "s3"))
    assert list(artifact.arrays(out, artifact.read(out))) == ["s1/keras/w"]
    assert no_temporaries(tmp_path)
    assert signal.getsignal(signal.SIGTERM) is not worker._terminate  # handler restored


def test_atomic_write_interrupted_leaves_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "report.json"
    artifact.atomic_write(target, lambda h: h.write(b"old"))

    def interrupted(handle):
        handle.write(b"half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        artifact.atomic_write(target, interrupted)
    assert target.read_bytes() == b"old" and no_temporaries(tmp_path)
    assert oct(target.stat().st_mode & 0o777) != oct(0o600)  # umask permissions, not mkstemp's owner-only
