"""The artifact: the contract between the TF envs (writers) and the host (readers).

``<out>.json`` holds env metadata and, per scenario and route, the built config and the
statistics of every variable; ``<out>.npz`` beside it holds the first seed's raw values
(keys ``scenario/route/variable``), saved without pickles. Writes are atomic: a reader
never sees a half-written file, and an interrupted run leaves the old files in place.
Runs in every env (Python 3.7 + numpy 1.18 included).
"""
from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any, BinaryIO, Callable, Dict

import numpy as np

from compare.errors import UserError

SCHEMA = "rnncompare/artifact"
VERSION = 1


def npz_path(json_path: Path) -> Path:
    return Path(json_path).with_suffix(".npz")


def jsonable(value: Any) -> Any:
    """Plain JSON types from TF configs and numpy values; anything else becomes its repr."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return repr(value)


def atomic_write(path: Path, write: Callable[[BinaryIO], Any]) -> None:
    """Write through ``write(handle)`` into a temporary file beside ``path``, then rename it over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="." + path.name + ".", suffix=".tmp", dir=str(path.parent))
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, str(path))
    except BaseException:
        os.unlink(tmp)
        raise


def write(path: Path, document: Dict[str, Any], arrays: Dict[str, np.ndarray]) -> None:
    """Write ``path`` (JSON) and its ``.npz``; the JSON goes last, as it indexes the arrays."""
    path = Path(path)
    for key, value in arrays.items():
        if np.asarray(value).dtype.hasobject:  # np.savez would pickle these
            raise ValueError("refusing to write {!r}: object arrays need pickles".format(key))
    body = dict(document, schema=SCHEMA, version=VERSION)
    text = json.dumps(jsonable(body), indent=1, sort_keys=False, allow_nan=False)
    atomic_write(npz_path(path), lambda handle: np.savez_compressed(handle, **arrays))
    atomic_write(path, lambda handle: handle.write(text.encode("utf-8")))


def load(path: Path) -> Dict[str, Any]:
    """Read and check an artifact's JSON; refuse what this version does not understand."""
    path = Path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UserError("cannot read artifact {}: {}".format(path, exc.strerror or exc),
                        "check the path") from None
    except ValueError as exc:
        raise UserError("artifact {} is not valid JSON ({})".format(path, exc),
                        "re-run the env's worker to rewrite it") from None
    if not isinstance(document, dict) or document.get("schema") != SCHEMA:
        raise UserError("{} is not an rnncompare artifact".format(path), "expected schema " + SCHEMA)
    if document.get("version") != VERSION:
        raise UserError("artifact {} has schema version {!r}; this rnncompare reads version {}".format(
            path, document.get("version"), VERSION), "re-run the worker with this rnncompare version")
    return document


def arrays(path: Path) -> Any:
    """The first seed's raw values, as a context-managed NpzFile (no pickles)."""
    target = npz_path(Path(path))
    if not target.exists():
        raise UserError("artifact {} has no {} beside it".format(path, target.name),
                        "copy the .npz together with the .json")
    return np.load(str(target), allow_pickle=False)
