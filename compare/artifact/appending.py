"""Writing an artifact scenario by scenario, in time and bytes linear in the number of scenarios.

Runs in every env (numpy only). :class:`Appender` is the worker's writer; ``compare.artifact.write`` writes
a whole artifact at once (merge). Both give the same ``<env>.json`` and ``.npz`` to a reader.

* The ``.npz`` is only ever appended to: each scenario's first-seed arrays become new members
  (``KEY.npy``, as ``np.savez`` names them) after everything already written, and are then dropped from
  memory. zipfile in mode "a" would write new members over the old central directory; starting them at
  the end of the file instead leaves every committed byte as it was.
* The ``.json`` is the commit record: written atomically (temp file, rename), it says how many bytes of
  the ``.npz`` it covers (``npz_bytes``: a whole zip, central directory last) and the reader reads that
  prefix only. A worker killed while appending leaves bytes after it that no reader sees.
* Rewriting the JSON after every scenario is quadratic (the finished scenarios are rewritten each time),
  so a commit is made only when it is cheap next to the work since the last one: when it writes at most
  ``CREDIT`` times the bytes the scenarios since then added, or takes at most ``BUDGET`` of the time since
  then. Scenarios that take seconds are committed one by one; hundreds of tiny ones every few. Ctrl-C and
  SIGTERM commit every finished scenario (they are held off while a scenario is appended, so the zip is
  never left mid-member); a SIGKILL loses at most the scenarios since the last commit.
"""

import contextlib
import os
import signal
import time
import zipfile
from pathlib import Path
from typing import Any, BinaryIO, Callable, Dict, Iterator, Optional

import numpy as np

from compare.artifact.writing import SCHEMA, VERSION, atomic_write, check_arrays, encode, npz_path

CREDIT = 20  # a commit may write this many times the bytes added since the last one...
BUDGET = 0.05  # ...or take this share of the time since the last one (measured: benchmarks/README.md)
HELD_SIGNALS = (signal.SIGINT, signal.SIGTERM)
DIRECTORY_ENTRY = 76  # bytes of a member's central directory entry beside its name (zip64: 46 + 30)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Ctrl-C and SIGTERM wait until the block ends: a KeyboardInterrupt inside zipfile's member writing
    would leave a ZipFile that cannot be closed, and the scenarios since the last commit lost with it."""
    if not hasattr(signal, "pthread_sigmask"):  # not on Windows: there the interrupt may come at once
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, HELD_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _fsync(handle: BinaryIO) -> None:
    handle.flush()
    os.fsync(handle.fileno())


class Appender:
    """One artifact written as its scenarios finish: ``add`` each, then ``close`` (also on an interrupt).

    ``document`` holds ``env`` and ``scenarios`` (every scenario, unfinished ones marked so); it is
    written at once, with an empty ``.npz``. ``credit`` and ``budget`` (0: no commits for time) set when
    a commit is due; ``clock`` and ``opener`` are for tests (time, bytes written).
    """

    def __init__(
        self,
        path: Path,
        document: Dict[str, Any],
        credit: float = CREDIT,
        budget: float = BUDGET,
        clock: Callable[[], float] = time.perf_counter,
        opener: Callable[..., BinaryIO] = open,
    ) -> None:
        self.path, self.npz = Path(path), npz_path(Path(path))
        self.document = dict(document, complete=False)
        self._clock, self._open = clock, opener
        self._rate, self._budget = credit, budget
        self._zip: Optional[zipfile.ZipFile] = None
        self._handle: Optional[BinaryIO] = None
        self._broken = False
        self._size = 0  # bytes of the last committed JSON, plus the entries added since
        self._directory = 0  # bytes of the .npz's central directory: each commit writes it anew
        self._took, self._committed_at = 0.0, clock()
        atomic_write(self.npz, lambda handle: zipfile.ZipFile(handle, "w").close())  # an empty zip: 22 bytes
        self._end = self.npz.stat().st_size  # bytes of the .npz the last commit covers
        self._credit = 0.0  # bytes added since the last commit, times ``credit``
        self._commit(False)

    def append(self, arrays: Dict[str, np.ndarray]) -> None:
        """First-seed ``arrays`` of a scenario still running, appended now so that they need not be kept
        until it ends; its ``add`` commits them. A scenario interrupted after this leaves them in the
        ``.npz`` unpromised: readers go by the JSON, which marks that scenario not finished."""
        check_arrays(arrays)
        with _signals_held():
            if self._broken:
                raise RuntimeError(f"{self.npz} could not be appended to; the artifact stays as last committed")
            try:
                added = self._append(arrays)
            except BaseException:
                self._broken = True  # the zip may be mid-member: the last commit stands (bytes after it unread)
                raise
            self._credit += self._rate * added

    def add(self, name: str, entry: Any, arrays: Dict[str, np.ndarray], last: bool = False) -> None:
        """Scenario ``name`` finished: its JSON ``entry`` (``encode``d once here) and the rest of its
        first-seed ``arrays`` (appended now, not kept). ``last``: every scenario has run, the artifact
        is complete."""
        self.append(arrays)
        with _signals_held():
            text = encode(entry)
            self.document["scenarios"][name] = text
            self._size += len(text)
            self._credit += self._rate * len(text)
            if last or self._due():
                self._commit(last)

    def close(self) -> None:
        """Commit every finished scenario (after an interrupt: the artifact stays incomplete)."""
        with _signals_held():
            if not self._broken:
                self._commit(False)

    def _append(self, arrays: Dict[str, np.ndarray]) -> int:
        if not arrays:
            return 0
        if self._zip is None:
            self._handle = self._open(str(self.npz), "r+b")
            self._zip = zipfile.ZipFile(self._handle, "a")
            self._zip.start_dir = self._end  # new members after the committed bytes, not over them
        assert self._handle is not None
        before = self._handle.seek(0, os.SEEK_END)
        for key, value in arrays.items():
            with self._zip.open(key + ".npy", "w", force_zip64=True) as member:  # as np.savez writes it
                np.lib.format.write_array(member, np.asanyarray(value), allow_pickle=False)
            self._directory += DIRECTORY_ENTRY + len(key) + 4
        return self._handle.seek(0, os.SEEK_END) - before

    def _due(self) -> bool:
        if self._credit >= self._size + self._directory:  # what a commit rewrites, near enough
            return True
        return self._budget > 0 and self._took <= self._budget * (self._clock() - self._committed_at)

    def _commit(self, complete: bool) -> None:
        started = self._clock()
        if self._zip is not None and self._handle is not None:
            self._zip.close()  # the central directory, after the new members
            _fsync(self._handle)
            self._handle.close()
            self._zip = self._handle = None
            self._end = self.npz.stat().st_size
        self.document["complete"] = complete
        text = encode(dict(self.document, schema=SCHEMA, version=VERSION, npz_bytes=self._end))
        atomic_write(self.path, lambda handle: handle.write(text.encode("utf-8")))
        self._credit, self._size = 0.0, len(text)
        self._committed_at = self._clock()
        self._took = self._committed_at - started
