"""Env readiness and reuse, specified on files alone (fast): which env folder counts as whole, and which
earlier artifact may stand for a new run. The real-tox proofs are in tests/host/test_concurrency.py."""

import json

from compare.host import resume
from compare.host.envs import EnvSetup, ready

# What tox-uv leaves in .tox-info.json: killed inside `uv pip install` (measured, docs/reliability.md) ...
KILLED_DURING_INSTALL = {"ToxEnv": {"name": "e", "type": "UvVenvRunner"}, "Python": {"version_info": [3, 0, 0]}}
# ... and after the install succeeded.
INSTALLED = dict(KILLED_DURING_INSTALL, PythonRun={"deps": {"requirements": ["six"]}})


def _env(tmp_path, info=None, marker=None):
    env = tmp_path / "e"
    env.mkdir()
    if info is not None:
        (env / ".tox-info.json").write_text(json.dumps(info))
    if marker is not None:
        (env / ready.STATE_FILE).write_text(marker + "\n")
    return env


def test_an_env_whose_install_was_killed_is_half_created(tmp_path):
    assert ready.state(_env(tmp_path, KILLED_DURING_INSTALL)) == "half"


def test_an_env_rnncompare_was_creating_when_killed_is_half_created_whatever_tox_recorded(tmp_path):
    assert ready.state(_env(tmp_path, INSTALLED, ready.CREATING)) == "half"


def test_an_env_marked_ready_is_ready(tmp_path):
    assert ready.state(_env(tmp_path, INSTALLED, ready.READY)) == "ready"


def test_an_env_made_by_plain_tox_is_used_when_tox_recorded_its_install(tmp_path):
    assert ready.state(_env(tmp_path, INSTALLED)) == "tox"


def test_a_folder_without_tox_record_is_half_created_and_no_folder_is_absent(tmp_path):
    assert ready.state(_env(tmp_path)) == "half"
    assert ready.state(tmp_path / "nothing") == "absent"


def test_the_lock_sits_beside_the_env_folders_so_a_recreation_keeps_it(tmp_path):
    setup = EnvSetup(tmp_path / "tox.ini", tmp_path / "envs", managed=True)
    assert ready.lock_path(setup, "tf115") == tmp_path / "envs" / ready.LOCKS / "tf115.lock"


def _artifact(folder, complete=True, hashes=None, tensorflow="2.15.1", stamped=True):
    document = {
        "schema": "rnncompare/artifact",
        "version": 2,
        "env": {"name": "tf215", "python": "3.11.9", "tensorflow": tensorflow, "keras": "", "numpy": "1.26.4"},
        "complete": complete,
        "scenarios": {n: {"spec_hash": h, "spec": {}, "routes": {}} for n, h in (hashes or {"s1": "h1"}).items()},
    }
    path = folder / "tf215.json"
    path.write_text(json.dumps(document))
    resume.stamp(path) if stamped else resume.unstamp(path)
    return path


def _installed_env(tmp_path):
    env = tmp_path / "env"
    for dist in ("tensorflow_cpu-2.15.1", "numpy-1.26.4"):
        (env / "lib" / "python3.11" / "site-packages" / f"{dist}.dist-info").mkdir(parents=True)
    (env / "pyvenv.cfg").write_text("home = /usr/bin\nversion_info = 3.11.9\n")
    return env


def test_a_complete_artifact_of_the_same_scenarios_versions_and_code_is_reused(tmp_path):
    assert resume.reusable(_artifact(tmp_path), {"s1": "h1"}, _installed_env(tmp_path)) is not None


def test_an_artifact_is_not_reused_when_anything_it_stands_for_changed(tmp_path):
    env = _installed_env(tmp_path)
    assert resume.reusable(_artifact(tmp_path, complete=False), {"s1": "h1"}, env) is None
    assert resume.reusable(_artifact(tmp_path), {"s1": "other"}, env) is None
    assert resume.reusable(_artifact(tmp_path), {"s1": "h1", "s2": "h2"}, env) is None
    assert resume.reusable(_artifact(tmp_path, tensorflow="2.15.0"), {"s1": "h1"}, env) is None
    assert resume.reusable(_artifact(tmp_path, stamped=False), {"s1": "h1"}, env) is None  # not published whole
    (resume.stamp_path(tmp_path / "tf215.json")).write_text(json.dumps({"code": "older code"}))
    assert resume.reusable(tmp_path / "tf215.json", {"s1": "h1"}, env) is None


def test_an_unreadable_artifact_is_run_again_not_an_error(tmp_path):
    path = _artifact(tmp_path)
    path.write_text("{half")
    assert resume.reusable(path, {"s1": "h1"}, _installed_env(tmp_path)) is None
