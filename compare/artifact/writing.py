"""Writing artifacts (and every other file rnncompare writes) atomically; JSON encoding of TF values.

Runs in every env (numpy only). ``write`` stamps the schema and version; a reader never sees a
half-written file, and an interrupted run leaves the old files in place.
"""

import base64
import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any, BinaryIO, Callable, Dict, Optional

import numpy as np

from compare.errors import UserError

SCHEMA = "rnncompare/artifact"
VERSION = 2
READABLE = (1, 2)  # version 1 stored samples as JSON lists of floats; the reader reads both


def npz_path(json_path: Path) -> Path:
    return Path(json_path).with_suffix(".npz")


def jsonable(value: Any) -> Any:
    """Plain JSON types from TF configs, numpy values and records with a ``to_dict``; anything else
    becomes its repr."""
    if callable(getattr(value, "to_dict", None)) and not isinstance(value, type):
        value = value.to_dict()
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


class Encoded(str):
    """JSON text of a value, encoded once: the worker rewrites its artifact after every scenario and
    re-encoding the finished ones each time made writing cost more than measuring."""


def _plain(value: Any) -> Any:
    """``json.dumps``'s fallback for what JSON has no type for: numpy scalars, else the repr."""
    return value.item() if isinstance(value, np.generic) else repr(value)


def encode(value: Any) -> Encoded:
    """Compact JSON text of ``value``; ``Encoded`` parts inside a dict are inserted as they are.

    Compact, because only then does ``json`` use its C encoder (5x faster on a stats-heavy artifact);
    values the fast path refuses (NaN or Inf, keys that are not strings) go through ``jsonable``.
    """
    if isinstance(value, Encoded):
        return value
    if isinstance(value, dict) and _holds_encoded(value):
        items = (f"{json.dumps(str(k))}:{encode(v)}" for k, v in value.items())
        return Encoded("{" + ",".join(items) + "}")
    try:
        return Encoded(json.dumps(value, allow_nan=False, separators=(",", ":"), default=_plain))
    except (TypeError, ValueError):
        return Encoded(json.dumps(jsonable(value), allow_nan=False, separators=(",", ":")))


def _holds_encoded(value: Any) -> bool:
    if isinstance(value, Encoded):
        return True
    return isinstance(value, dict) and any(_holds_encoded(v) for v in value.values())


def pack_floats(values: Any) -> Dict[str, str]:
    """Floats as an artifact stores them: little-endian float32 bytes in base64. A sample as JSON
    numbers took 4x the bytes, and encoding them cost the worker more than measuring them."""
    raw = np.asarray(values, dtype="<f4").tobytes()
    return {"dtype": "float32", "base64": base64.b64encode(raw).decode("ascii")}


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def temporary_names(path: Path) -> str:
    """The glob of the temporary files ``atomic_write`` makes for ``path`` (to clean up after a SIGKILL)."""
    return "." + Path(path).name + ".*.tmp"


def atomic_write(path: Path, write: Callable[[BinaryIO], Any]) -> None:
    """Write through ``write(handle)`` into a temporary file beside ``path``, then rename it over ``path``.

    Any exception, KeyboardInterrupt included, removes the temporary file and leaves ``path`` as it
    was. The file gets the usual umask permissions (mkstemp alone would make it owner-only).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="." + path.name + ".", suffix=".tmp", dir=str(path.parent))
    try:
        os.chmod(tmp, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, str(path))
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def check_writable(path: Path, what: str = "output", suffix: Optional[str] = None) -> Path:
    """Prove ``path`` can be written (a file, in a folder we can create and write) before any work starts."""
    path = Path(path)
    if path.is_dir():
        raise UserError(f"{what} {path} is a folder, not a file", "name a file inside it")
    if suffix is not None and path.suffix != suffix:
        raise UserError(f"{what} {path} must end in {suffix}", "e.g. out/result" + suffix)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".probe.", suffix=".tmp", dir=str(path.parent))
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise UserError(
            f"cannot write {what} {path}: {exc.strerror or exc}", "pick a folder you can write to"
        ) from None
    return path


def write_npz(path: Path, arrays: Dict[str, np.ndarray]) -> None:
    """``arrays`` as an uncompressed ``.npz`` at ``path``, atomically (random float32 does not compress)."""
    # mypy also matches **arrays against savez's keyword allow_pickle: bool (numpy >= 2.1 stubs)
    atomic_write(path, lambda handle: np.savez(handle, **arrays))  # type: ignore[arg-type]


def check_arrays(arrays: Dict[str, np.ndarray]) -> None:
    """Refuse what ``np.savez`` would pickle: object arrays."""
    for key, value in arrays.items():
        if np.asarray(value).dtype.hasobject:
            raise ValueError(f"refusing to write {key!r}: object arrays need pickles")


def write(path: Path, document: Dict[str, Any], arrays: Dict[str, np.ndarray]) -> None:
    """Write ``path`` (JSON) and its ``.npz``; the JSON goes last, as it indexes the arrays and says how
    many bytes of the ``.npz`` it covers (``npz_bytes``; ``compare.artifact.appending`` appends).

    The ``.npz`` is not compressed: initial weights are random float32 whose mantissas zlib cannot
    shrink (measured 0.93 of the raw size at units 1024, larger than raw on the default suite),
    while compressing them took 4.5 s of a 74 s worker run."""
    path = Path(path)
    check_arrays(arrays)
    write_npz(npz_path(path), arrays)
    size = npz_path(path).stat().st_size
    text = encode(dict(document, schema=SCHEMA, version=VERSION, npz_bytes=size))
    atomic_write(path, lambda handle: handle.write(text.encode("utf-8")))
