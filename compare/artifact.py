"""The artifact: the contract between the TF envs (writers) and the host (readers).

``<out>.json`` holds env metadata and, per scenario and route, the built config and the
statistics of every variable; ``<out>.npz`` beside it holds the first seed's raw values
(keys ``scenario/route/variable``), saved without pickles. Writes are atomic: a reader
never sees a half-written file, and an interrupted run leaves the old files in place.
Runs in every env (Python 3.7 + numpy 1.18 included).
"""
import base64
import binascii
import json
import math
import os
import tempfile
import zipfile
import zlib
from pathlib import Path
from typing import Any, BinaryIO, Callable, Dict, List, Optional, Tuple

import numpy as np

from compare.errors import UserError

SCHEMA = "rnncompare/artifact"
VERSION = 2
READABLE = (1, 2)  # version 1 stored samples as JSON lists of floats; the loader reads both


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
        items = ("{}:{}".format(json.dumps(str(k)), encode(v)) for k, v in value.items())
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
        raise UserError("{} {} is a folder, not a file".format(what, path), "name a file inside it")
    if suffix is not None and path.suffix != suffix:
        raise UserError("{} {} must end in {}".format(what, path, suffix), "e.g. out/result" + suffix)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".probe.", suffix=".tmp", dir=str(path.parent))
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise UserError("cannot write {} {}: {}".format(what, path, exc.strerror or exc),
                        "pick a folder you can write to") from None
    return path


def write(path: Path, document: Dict[str, Any], arrays: Dict[str, np.ndarray]) -> None:
    """Write ``path`` (JSON) and its ``.npz``; the JSON goes last, as it indexes the arrays.

    The ``.npz`` is not compressed: initial weights are random float32 whose mantissas zlib cannot
    shrink (measured 0.93 of the raw size at units 1024, larger than raw on the default suite),
    while compressing them took 4.5 s of a 74 s worker run."""
    path = Path(path)
    for key, value in arrays.items():
        if np.asarray(value).dtype.hasobject:  # np.savez would pickle these
            raise ValueError("refusing to write {!r}: object arrays need pickles".format(key))
    text = encode(dict(document, schema=SCHEMA, version=VERSION))
    atomic_write(npz_path(path), lambda handle: np.savez(handle, **arrays))
    atomic_write(path, lambda handle: handle.write(text.encode("utf-8")))


def _refuse_constant(token: str) -> Any:
    raise ValueError("{} is not JSON (rnncompare writes non-finite numbers as null)".format(token))


ROUTES = ("tf1", "keras", "recipe")  # the routes a worker measures (backends/<route>_route.py)


def split_route(text: str, example: str = "ENV:tf1") -> Tuple[str, str]:
    """``"tf115:tf1"`` or ``"out/tf115.json:keras"`` -> (what names the artifact, the route)."""
    head, sep, route = text.rpartition(":")
    if not sep or not head or route not in ROUTES:
        raise UserError("{!r} does not name a route".format(text),
                        "write {} (routes: {})".format(example, ", ".join(ROUTES)))
    return head, route


OWN_OUTPUTS = ("rnncompare/report", "rnncompare/diff")  # what rnncompare writes beside artifacts


def _own_output(path: Path) -> bool:
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("schema") in OWN_OUTPUTS
    except (OSError, ValueError, AttributeError):
        return False  # load() says what is wrong with it


def load_folder(folder: Path) -> Tuple[Dict[str, Dict[str, Any]], Dict[str, Path]]:
    """Every artifact ``folder/*.json`` by env name (and its path), skipping rnncompare's own report
    and diff JSON; anything else that is not an artifact, or two artifacts of one env, is a UserError."""
    folder = Path(folder)
    if not folder.is_dir():
        raise UserError("{} is not a folder".format(folder), "pass the folder tox -m matrix wrote (artifacts)")
    artifacts: Dict[str, Dict[str, Any]] = {}
    paths: Dict[str, Path] = {}
    for path in sorted(folder.glob("*.json")):
        if _own_output(path):
            continue
        document = load(path)
        name = str((document.get("env") or {}).get("name") or path.stem)
        if name in artifacts:
            raise UserError("two artifacts in {} come from env {!r}".format(folder, name), "keep one per env")
        artifacts[name], paths[name] = document, path
    if not artifacts:
        raise UserError("no artifacts (*.json) in {}".format(folder), "run tox -m matrix first")
    return dict(sorted(artifacts.items())), paths


def load(path: Path) -> Dict[str, Any]:
    """Read and check an artifact's JSON; refuse what this version does not understand.

    Beyond schema and version, :func:`check` validates every part the host reads (diff, report,
    port), so a damaged or hand-edited file is one ``UserError``, never a KeyError deep inside.
    """
    path = Path(path)
    try:
        document = json.loads(path.read_text(encoding="utf-8"), parse_constant=_refuse_constant)
    except OSError as exc:
        raise UserError("cannot read artifact {}: {}".format(path, exc.strerror or exc),
                        "check the path") from None
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise UserError("artifact {} is not valid JSON ({})".format(path, _short(exc)),
                        "re-run the env's worker to rewrite it") from None
    if not isinstance(document, dict) or document.get("schema") != SCHEMA:
        raise UserError("{} is not an rnncompare artifact".format(path), "expected schema " + SCHEMA)
    version = document.get("version")
    if version not in READABLE:
        newer = isinstance(version, int) and not isinstance(version, bool) and version > VERSION
        raise UserError("artifact {} has schema version {!r}; this rnncompare reads version {}".format(
            path, version, VERSION), "upgrade rnncompare to read it" if newer else
            "re-run the worker with this rnncompare version to rewrite it")
    check(document, str(path))
    return document


def _short(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200] or type(exc).__name__


# ---------------------------------------------------------------- structure
STATUSES = ("ok", "unavailable", "error")
NUMBER_STATS = ("count", "seeds", "mean", "std", "min", "max", "abs_max", "kurtosis", "constant", "fro_norm",
                "orth_err", "orth_rel_err", "orth_gain", "sv_min", "sv_max", "sv_mean", "orth_err_variable",
                "nonfinite")
NONFINITE_TEXT = ("nan", "inf", "-inf", "NaN", "Infinity", "-Infinity")
FIX = "the file is damaged or was edited; re-run the env's worker to rewrite it"


class _Bad(Exception):
    """A structural problem at a dotted place in the document."""

    def __init__(self, where: List[str], what: str) -> None:
        super().__init__(what)
        self.where, self.what = where, what


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _need(where: List[str], value: Any, kind: type, what: str, optional: bool = False) -> Any:
    if value is None and optional:
        return value
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise _Bad(where, "must be {}, got {}".format(what, _kind(value)))
    return value


def _kind(value: Any) -> str:
    text = json.dumps(value) if isinstance(value, (int, float, str, bool, type(None))) else type(value).__name__
    return text if len(text) <= 40 else text[:37] + "..."


def _table(where: List[str], parent: Dict[str, Any], key: str, optional: bool = True) -> Dict[str, Any]:
    value = parent.get(key)
    if value is None and optional:
        return {}
    return _need(where + [key], value, dict, "an object")


def _shape(where: List[str], value: Any) -> None:
    _need(where, value, list, "a list of sizes")
    for size in value:
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise _Bad(where, "must be a list of sizes, got {}".format(_kind(value)))


def _numbers(where: List[str], value: Any) -> None:
    _need(where, value, list, "a list of numbers")
    if not all(_is_number(x) for x in value):
        raise _Bad(where, "must hold finite numbers only")


def _unpack_floats(where: List[str], packed: Dict[str, Any]) -> List[float]:
    """The list of floats ``pack_floats`` stored."""
    if packed.get("dtype") != "float32" or not isinstance(packed.get("base64"), str):
        raise _Bad(where, "must be a list of numbers or {\"dtype\": \"float32\", \"base64\": ...}")
    try:
        raw = base64.b64decode(packed["base64"].encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise _Bad(where, "holds invalid base64") from None
    if len(raw) % 4:
        raise _Bad(where, "holds {} bytes, not a whole number of float32".format(len(raw)))
    return np.frombuffer(raw, dtype="<f4").tolist()


def _stats(where: List[str], stats: Any) -> None:
    """Numeric fields: a finite number or null; ``"nan"``/``"inf"`` (older writers) become null and flag
    the block ``nonfinite`` (at least 1 when the count is unknown)."""
    _need(where, stats, dict, "an object")
    for key in NUMBER_STATS:
        value = stats.get(key)
        if value in NONFINITE_TEXT and isinstance(value, str):
            stats[key] = None
            if key != "nonfinite":
                stats["nonfinite"] = stats.get("nonfinite") or 1
        elif value is not None and not _is_number(value):
            raise _Bad(where + [key], "must be a number or null, got {}".format(_kind(value)))
    per_seed = _table(where, stats, "per_seed")
    for key in ("mean", "std", "fro_norm"):
        if per_seed.get(key) is not None:
            _numbers(where + ["per_seed", key], per_seed[key])
    if isinstance(stats.get("sample"), dict):
        stats["sample"] = _unpack_floats(where + ["sample"], stats["sample"])
    if stats.get("sample") is not None:
        _numbers(where + ["sample"], stats["sample"])
    _need(where + ["orth_side"], stats.get("orth_side"), str, "a string", optional=True)


def _fingerprint(where: List[str], fp: Any) -> None:
    if fp is None:
        return
    _need(where, fp, dict, "an object or null")
    _need(where + ["name"], fp.get("name"), str, "a string", optional=True)
    if fp.get("over_shape") is not None:
        _shape(where + ["over_shape"], fp["over_shape"])
    if fp.get("confidence") is not None and not _is_number(fp["confidence"]):
        raise _Bad(where + ["confidence"], "must be a number")
    for i, tie in enumerate(_need(where + ["ties"], fp.get("ties"), list, "a list", optional=True) or []):
        _need(where + ["ties", str(i)], tie, dict, "an object")
        if tie.get("over_shape") is not None:
            _shape(where + ["ties", str(i), "over_shape"], tie["over_shape"])


def _measured(where: List[str], table: Dict[str, Any], fields: tuple) -> None:
    """``variables`` / ``blocks`` / ``forward``: name -> {"shape", "stats", ...}; ``fields`` are required
    (a block's ``stats`` is; elsewhere ``stats`` is checked when present)."""
    for name, item in table.items():
        here = where + [name]
        _need(here, item, dict, "an object")
        if "shape" in fields:
            _shape(here + ["shape"], item.get("shape"))
        if "stats" in fields or item.get("stats") is not None:
            _stats(here + ["stats"], item.get("stats"))
        if "fingerprint" in fields:
            _fingerprint(here + ["fingerprint"], item.get("fingerprint"))
        for key in ("layer",):
            _need(here + [key], item.get(key), int, "a whole number", optional=True)
        for key in ("direction", "param", "variable", "dtype"):
            _need(here + [key], item.get(key), str, "a string", optional=True)


def _route(where: List[str], route: Any) -> None:
    _need(where, route, dict, "an object")
    status = route.get("status")
    if status not in STATUSES:
        raise _Bad(where + ["status"], "must be one of {}, got {}".format(", ".join(STATUSES), _kind(status)))
    for key in ("reason", "family", "weights"):
        _need(where + [key], route.get(key), str, "a string", optional=True)
    config = _table(where, route, "config")
    if "cell" in config:
        cell = _table(where + ["config"], config, "cell")
        if route.get("family") == "tf1_lstm" and status == "ok" and not _is_number(cell.get("forget_bias")):
            raise _Bad(where + ["config", "cell", "forget_bias"], "must be a number")
    _measured(where + ["variables"], _table(where, route, "variables"), ("shape", "fingerprint"))
    _measured(where + ["blocks"], _table(where, route, "blocks"), ("shape", "stats", "fingerprint"))
    _measured(where + ["effective_bias"], _table(where, route, "effective_bias"), ())
    _measured(where + ["forward"], _table(where, route, "forward"), ("shape",))
    if route.get("nonfinite") is not None and not _is_number(route["nonfinite"]):
        raise _Bad(where + ["nonfinite"], "must be a number")


def _spec(where: List[str], spec: Dict[str, Any]) -> None:
    for key in ("units", "input_dim", "layers", "seeds", "base_seed"):
        value = spec.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            raise _Bad(where + [key], "must be a whole number, got {}".format(_kind(value)))
    _need(where + ["bidirectional"], spec.get("bidirectional"), bool, "true or false", optional=True)
    tf1 = _table(where, spec, "tf1")
    _table(where + ["tf1"], tf1, "cell_kwargs")


def _scenario(where: List[str], entry: Any) -> None:
    _need(where, entry, dict, "an object")
    _need(where + ["spec_hash"], entry.get("spec_hash"), str, "a string")
    _spec(where + ["spec"], _table(where, entry, "spec"))
    for route_name, route in _table(where, entry, "routes", optional=False).items():
        _route(where + ["routes", route_name], route)


def check(document: Dict[str, Any], source: str = "<artifact>") -> Dict[str, Any]:
    """Validate the structure the host relies on; a ``UserError`` names the first bad place."""
    try:
        env = _table([], document, "env")
        _need(["env", "name"], env.get("name"), str, "a string", optional=True)  # shown escaped, never a path
        _need(["complete"], document.get("complete"), bool, "true or false", optional=True)
        document.setdefault("scenarios", {})  # an artifact of no scenario reads as one
        for scenario, entry in _table([], document, "scenarios", optional=False).items():
            _scenario(["scenarios", scenario], entry)
    except _Bad as bad:
        place = ".".join(bad.where) or "top level"
        raise UserError("artifact {}: {} {}".format(source, place, bad.what), FIX) from None
    return document


# ---------------------------------------------------------------- arrays
class Arrays(dict):
    """The first seed's raw values, loaded whole (name -> array); usable as a context manager."""

    @property
    def files(self) -> List[str]:
        return list(self)

    def __enter__(self) -> "Arrays":
        return self

    def __exit__(self, *_exc: Any) -> None:
        return None


def promised(document: Dict[str, Any]) -> Dict[str, List[int]]:
    """``scenario/route/name`` -> shape of every array the JSON says the ``.npz`` holds (ok routes)."""
    keys: Dict[str, List[int]] = {}
    for scenario, entry in (document.get("scenarios") or {}).items():
        for route_name, route in (entry.get("routes") or {}).items():
            if route.get("status") != "ok":
                continue
            prefix = "{}/{}/".format(scenario, route_name)
            for name, item in (route.get("variables") or {}).items():
                keys[prefix + name] = list(item.get("shape") or [])
            for name, item in (route.get("forward") or {}).items():
                keys[prefix + "forward/" + name] = list(item.get("shape") or [])
    return keys


def arrays(path: Path, document: Optional[Dict[str, Any]] = None) -> Arrays:
    """The first seed's raw values (no pickles). With ``document``, every array its JSON promises must
    be there with the promised shape; a damaged, mismatched or pickled ``.npz`` is a ``UserError``."""
    target = npz_path(Path(path))
    if not target.exists():
        raise UserError("artifact {} has no {} beside it".format(path, target.name),
                        "copy the .npz together with the .json")
    try:
        with np.load(str(target), allow_pickle=False) as data:
            loaded = Arrays((key, data[key]) for key in data.files)
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, zlib.error) as exc:
        raise UserError("cannot read {}: {}".format(target, _short(exc)),
                        "the .npz is damaged or not numpy's; re-run the env's worker to rewrite it") from None
    if document is not None:
        _match(target, document, loaded)
    return loaded


def _match(target: Path, document: Dict[str, Any], loaded: Dict[str, np.ndarray]) -> None:
    for key, shape in promised(document).items():
        if key not in loaded:
            raise UserError("{} lacks {!r}, which its .json promises".format(target, key),
                            "the .json and .npz come from different runs; copy both from one run")
        if list(loaded[key].shape) != shape:
            raise UserError("{}: {!r} has shape {}, its .json says {}".format(
                target, key, list(loaded[key].shape), shape),
                "the .json and .npz come from different runs; copy both from one run")
