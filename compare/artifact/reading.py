"""Reading artifact files: the ``.json`` checked once into frozen records (``compare.artifact.schema``),
and the first seed's raw values from the ``.npz`` beside it.

In-env and host alike (numpy only). :func:`read` returns a typed :class:`~compare.artifact.records.Artifact`;
an unreadable, damaged, foreign or newer file is one ``UserError`` saying why. :func:`load` returns the
validated document itself, for tools that work on the file format (tests of the contract).
"""

import io
import json
import os
import weakref
import zipfile
import zlib
from collections import OrderedDict
from pathlib import Path
from typing import Any, BinaryIO, Dict, Mapping, Optional, Tuple

import numpy as np

from compare.artifact.records import ROUTES, Artifact
from compare.artifact.schema import check_schema, from_document
from compare.artifact.writing import npz_path
from compare.errors import UserError

OWN_OUTPUTS = ("rnncompare/report", "rnncompare/diff")  # what rnncompare writes beside artifacts
# id of a live artifact -> its first seed's arrays by (scenario, route): its .npz is read once, and the
# arrays go when the artifact does (records hold no cache: they are data)
_FIRST_SEEDS: Dict[int, Dict[Tuple[str, str], Dict[str, np.ndarray]]] = {}


def split_route(text: str, example: str = "ENV:tf1") -> Tuple[str, str]:
    """``"tf115:tf1"`` or ``"out/tf115.json:keras"`` -> (what names the artifact, the route)."""
    head, sep, route = text.rpartition(":")
    if not sep or not head or route not in ROUTES:
        raise UserError(f"{text!r} does not name a route", "write {} (routes: {})".format(example, ", ".join(ROUTES)))
    return head, route


def _refuse_constant(token: str) -> Any:
    raise ValueError(f"{token} is not JSON (rnncompare writes non-finite numbers as null)")


def _short(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200] or type(exc).__name__


def _json(path: Path) -> Any:
    """The JSON at ``path``, or a UserError saying why it cannot be had."""
    try:
        return json.loads(path.read_text(encoding="utf-8"), parse_constant=_refuse_constant)
    except OSError as exc:
        raise UserError(f"cannot read artifact {path}: {exc.strerror or exc}", "check the path") from None
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise UserError(
            f"artifact {path} is not valid JSON ({_short(exc)})", "re-run the env's worker to rewrite it"
        ) from None


def read(path: Path) -> Artifact:
    """The artifact at ``path`` as typed records (its ``.npz`` is opened on first use)."""
    path = Path(path)
    return from_document(check_schema(path, _json(path)), str(path), path)


def load(path: Path) -> Dict[str, Any]:
    """The artifact's JSON document as written, after the same validation as :func:`read`."""
    path = Path(path)
    document = check_schema(path, _json(path))
    from_document(document, str(path), path)
    return document


def read_folder(folder: Path) -> "OrderedDict[str, Artifact]":
    """Every artifact ``folder/*.json`` by env name, sorted, skipping rnncompare's own report and diff
    JSON; anything else that is not an artifact, or two artifacts of one env, is a UserError."""
    folder = Path(folder)
    if not folder.is_dir():
        raise UserError(f"{folder} is not a folder", "pass the folder tox -m matrix wrote (artifacts)")
    found: Dict[str, Artifact] = {}
    for path in sorted(folder.glob("*.json")):
        document = _json(path)  # parsed once: the schema tells rnncompare's own outputs from artifacts
        if isinstance(document, dict) and document.get("schema") in OWN_OUTPUTS:
            continue
        art = from_document(check_schema(path, document), str(path), path)
        if art.name in found:
            raise UserError(f"two artifacts in {folder} come from env {art.name!r}", "keep one per env")
        found[art.name] = art
    if not found:
        raise UserError(f"no artifacts (*.json) in {folder}", "run tox -m matrix first")
    return OrderedDict(sorted(found.items()))


def arrays(path: Path, artifact: Optional[Artifact] = None) -> Dict[str, np.ndarray]:
    """The first seed's raw values (no pickles). With ``artifact``, every array its JSON promises must
    be there with the promised shape, and only the bytes of the ``.npz`` its JSON covers are read (a
    killed worker may have appended more); a damaged, mismatched or pickled ``.npz`` is a ``UserError``."""
    target = npz_path(Path(path))
    if not target.exists():
        raise UserError(f"artifact {path} has no {target.name} beside it", "copy the .npz together with the .json")
    limit = artifact.npz_bytes if artifact is not None else None
    try:
        with target.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if limit is not None and limit > size:
                raise ValueError(f"it holds {size} bytes, its .json says {limit}")
            source = handle if limit is None or limit == size else io.BufferedReader(_Prefix(handle, limit))
            with np.load(source, allow_pickle=False) as data:
                loaded = {key: data[key] for key in data.files}
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, zlib.error) as exc:
        raise UserError(
            f"cannot read {target}: {_short(exc)}",
            "the .npz is damaged or not numpy's; re-run the env's worker to rewrite it",
        ) from None
    if artifact is not None:
        _match(target, artifact.promised_arrays(), loaded)
    return loaded


class _Prefix(io.RawIOBase):
    """The first ``limit`` bytes of a file, as a file: the zip the JSON committed, whatever follows it."""

    def __init__(self, handle: BinaryIO, limit: int) -> None:
        super().__init__()
        self._handle, self._limit, self._at = handle, limit, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._at

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._at, io.SEEK_END: self._limit}[whence]
        self._at = max(0, base + offset)
        return self._at

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        count = max(0, min(len(view), self._limit - self._at))
        self._handle.seek(self._at)
        got = self._handle.readinto(view[:count])  # type: ignore[attr-defined]
        self._at += got
        return got


def _match(target: Path, promised: Mapping[str, Tuple[int, ...]], loaded: Dict[str, np.ndarray]) -> None:
    again = "the .json and .npz come from different runs; copy both from one run"
    for key, shape in promised.items():
        if key not in loaded:
            raise UserError(f"{target} lacks {key!r}, which its .json promises", again)
        if tuple(loaded[key].shape) != shape:
            raise UserError(
                f"{target}: {key!r} has shape {list(loaded[key].shape)}, its .json says {list(shape)}", again
            )


def first_seed(artifact: Artifact, scenario: str, route: str) -> Optional[Dict[str, np.ndarray]]:
    """The first seed's raw values of one route (variable name -> array), or None without a ``.npz``.

    The whole ``.npz`` is read and checked against the JSON on the first call for an artifact; later
    calls for it take their route from that reading."""
    if artifact.path is None or not npz_path(artifact.path).exists():
        return None
    if id(artifact) not in _FIRST_SEEDS:
        _FIRST_SEEDS[id(artifact)] = _by_route(arrays(artifact.path, artifact))
        weakref.finalize(artifact, _FIRST_SEEDS.pop, id(artifact), None)
    return dict(_FIRST_SEEDS[id(artifact)].get((scenario, route), {}))


def _by_route(loaded: Dict[str, np.ndarray]) -> Dict[Tuple[str, str], Dict[str, np.ndarray]]:
    """``scenario/route/name`` keys split by (scenario, route); scenario names hold no "/"."""
    found: Dict[Tuple[str, str], Dict[str, np.ndarray]] = {}
    for key, value in loaded.items():
        parts = key.split("/", 2)
        if len(parts) == 3:
            found.setdefault((parts[0], parts[1]), {})[parts[2]] = value
    return found
