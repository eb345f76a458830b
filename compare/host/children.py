"""The child processes of one rnncompare command, so that an interrupt reaches every one and is waited for.

Ctrl-C in a terminal reaches the whole process group, but SIGTERM (a CI runner's cancel, ``kill``) reaches
rnncompare alone: without this, a tox killed by ``subprocess.run``'s cleanup would orphan its worker. On an
interrupt each live child (tox) gets SIGINT, which tox passes on to its command and escalates itself; the
command's atomic writes leave whole files. Children asked for after the interrupt are refused.
"""

from __future__ import annotations

import signal
import subprocess
import threading
from typing import Any, List, Set

# How long a child may take to stop after SIGINT before it is killed: tox itself gives its command 0.5 s
# before SIGKILL, and the worker's last atomic write is one rename.
STOP_SECONDS = 15.0


class Stopped(Exception):
    """A child was asked for after the command was interrupted."""


class Children:
    """The live children of one command (any thread may start them)."""

    def __init__(self) -> None:
        self._live: Set[subprocess.Popen] = set()
        self._guard = threading.Lock()
        self.interrupted = threading.Event()

    def popen(self, *args: Any, **kwargs: Any) -> subprocess.Popen:
        """``subprocess.Popen(...)``, tracked until :meth:`forget`; :class:`Stopped` once interrupted."""
        with self._guard:
            if self.interrupted.is_set():
                raise Stopped()
            process = subprocess.Popen(*args, **kwargs)
            self._live.add(process)
            return process

    def forget(self, process: subprocess.Popen) -> None:
        with self._guard:
            self._live.discard(process)

    def interrupt(self) -> None:
        """SIGINT to every live child, then wait for each (killing one that does not stop in time)."""
        with self._guard:
            self.interrupted.set()
            live: List[subprocess.Popen] = list(self._live)
        for process in live:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in live:
            stop(process, signal_first=False)


def stop(process: subprocess.Popen, signal_first: bool = True) -> None:
    """Stop ``process`` as an interrupt should: SIGINT, a grace period, then SIGKILL."""
    if process.poll() is not None:
        return
    if signal_first:
        process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
