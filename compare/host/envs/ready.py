"""One env made ready for a worker: created or updated by tox under a lock per env, and known to be whole.

Several ``rnncompare`` processes may share one ``RNNCOMPARE_HOME`` (or one checkout's ``.tox``): CI shards on
one runner, a user's second terminal. :func:`make_ready` takes the env's lock (``filelock``, an OS lock the
kernel drops when the process dies, so a killed holder never blocks the next run), lets tox create or update
the env (``tox run --notest``), marks it ready and releases the lock. A second process waits for the lock
(saying so), finds the env made and reuses it. Workers then run with ``--skip-env-install`` and without the
lock: two runs may use one env's worker at once, and a worker never changes the env.

A half-created env (its creator killed during install) is never used. tox writes its own record of the
installed deps (``.tox-info.json``'s ``PythonRun``) only after the install succeeds (measured: a tox run
SIGKILLed inside ``uv pip install`` leaves ``.tox-info.json`` with its ``Python`` section alone); but tox then
only reinstalls on top, and uv takes a package whose files were half copied for installed. So rnncompare
writes its own state file into the env folder: ``creating`` before tox touches the env, ``ready`` after tox
succeeded. ``creating`` found by the next run means its creator died: the env is recreated. An env with no
state file was made by plain ``tox`` (``tox -m matrix`` in a checkout): it is used when tox's record says
its install finished, and recreated otherwise. docs/reliability.md lists the tests.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional

import filelock

from compare.artifact import atomic_write
from compare.host.children import Stopped
from compare.host.envs import EnvSetup

STATE_FILE = "rnncompare-state.txt"
CREATING, READY = "creating", "ready"
POLL_SECONDS = 0.5  # how often a waiting process checks for its own interrupt
LOCKS = ".rnncompare-locks"  # beside the env folders: tox --recreate removes an env folder, not its lock


@dataclass(frozen=True)
class Readiness:
    """How an env was made ready: ``ok`` False when tox failed (``lines`` say why)."""

    env: str
    ok: bool
    action: str  # "reused" | "created" | "recreated (was half-created)" | "failed"
    waited: bool  # another process held the env's lock
    lines: List[str]


def lock_path(setup: EnvSetup, env: str) -> Path:
    return setup.env_dir(env).parent / LOCKS / f"{env}.lock"


def state(env_path: Path) -> str:
    """``absent`` (no env), ``ready``, ``half`` (a creation that did not finish) or ``tox`` (made by plain
    tox, install recorded as finished)."""
    if not env_path.is_dir():
        return "absent"
    marker = env_path / STATE_FILE
    if marker.exists():
        return "ready" if marker.read_text(encoding="utf-8").strip() == READY else "half"
    try:
        info = json.loads((env_path / ".tox-info.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "half"
    return "tox" if isinstance(info, dict) and "deps" in info.get("PythonRun", {}) else "half"


def _mark(env_path: Path, text: str) -> None:
    env_path.mkdir(parents=True, exist_ok=True)
    atomic_write(env_path / STATE_FILE, lambda handle: handle.write(text.encode("utf-8") + b"\n"))


def make_ready(
    env: str,
    setup: EnvSetup,
    environment: Dict[str, str],
    notify: Callable[[str], None] = lambda _line: None,
    start: Callable[..., subprocess.Popen] = subprocess.Popen,
    stop: Optional[threading.Event] = None,
) -> Readiness:
    """Create, update or reuse ``env`` under its lock (see the module docstring). ``start`` starts tox (the
    runner passes its tracked Popen so that an interrupt reaches it); ``notify`` hears the waiting line;
    ``stop`` set while waiting for the lock raises :class:`compare.host.children.Stopped`."""
    path = lock_path(setup, env)
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = filelock.FileLock(str(path), is_singleton=False)  # one per thread: threads wait for each other too
    waited = False
    while True:
        try:
            lock.acquire(timeout=0 if not waited else POLL_SECONDS)
            break
        except filelock.Timeout:
            if not waited:
                notify(f"waiting for another rnncompare process that is creating env {env} (lock {path})")
            waited = True
            if stop is not None and stop.is_set():  # an interrupt must not wait out another's creation
                raise Stopped() from None
    try:
        return _create(env, setup, environment, start, waited)
    finally:
        lock.release()


def _create(
    env: str, setup: EnvSetup, environment: Dict[str, str], start: Callable[..., subprocess.Popen], waited: bool
) -> Readiness:
    env_path = setup.env_dir(env)
    found = state(env_path)
    recreate = found == "half"
    if found != "absent":
        _mark(env_path, CREATING)  # tox may update the env: until it succeeds, it is not known whole
    command = [sys.executable, "-m", "tox", "run", "-q", *setup.tox_args(), "-e", env, "--notest"]
    process = start(
        command + (["--recreate"] if recreate else []),
        cwd=str(setup.config.parent),
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        errors="replace",
    )
    output, _ = process.communicate()
    lines = output.splitlines()
    if process.returncode != 0:
        return Readiness(env, False, "failed", waited, lines)
    _mark(env_path, READY)
    action = {"absent": "created", "half": "recreated (was half-created)"}.get(found, "reused")
    return Readiness(env, True, action, waited, lines)
