"""The artifact's format: a document checked once against the schema and built into frozen records.

In-env and host alike (numpy only). :func:`from_document` returns a typed
:class:`~compare.artifact.records.Artifact`; a damaged, hand-edited, foreign or newer document is one
``UserError`` naming the first bad place, never a KeyError deep inside the diff. Validation never
changes the document it reads. Files are ``compare.artifact.reading``'s.
"""

import base64
import binascii
import json
import math
from collections import OrderedDict
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from compare.artifact.records import (
    NUMBER_STATS,
    PER_SEED,
    STATUSES,
    Artifact,
    Env,
    Fingerprint,
    Measured,
    PerSeed,
    RouteResult,
    ScenarioResult,
    Spec,
    Stats,
)
from compare.artifact.writing import READABLE, SCHEMA, VERSION
from compare.core import families
from compare.errors import UserError
from compare.measure.stats import read_only

NONFINITE_TEXT = ("nan", "inf", "-inf", "NaN", "Infinity", "-Infinity")
FIX = "the file is damaged or was edited; re-run the env's worker to rewrite it"
JSON_NUMBERS = {int, float}  # the exact types json gives numbers (its true and false are bools)


def check_schema(path: Path, document: Any) -> Dict[str, Any]:
    """The JSON of an artifact, with its schema and version checked."""
    if not isinstance(document, dict) or document.get("schema") != SCHEMA:
        raise UserError(f"{path} is not an rnncompare artifact", "expected schema " + SCHEMA)
    version = document.get("version")
    if version not in READABLE:
        newer = isinstance(version, int) and not isinstance(version, bool) and version > VERSION
        raise UserError(
            f"artifact {path} has schema version {version!r}; this rnncompare reads version {VERSION}",
            "upgrade rnncompare to read it"
            if newer
            else "re-run the worker with this rnncompare version to rewrite it",
        )
    return document


class _Bad(Exception):
    """A structural problem at a dotted place in the document."""

    def __init__(self, where: List[str], what: str) -> None:
        super().__init__(what)
        self.where, self.what = where, what


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _kind(value: Any) -> str:
    text = json.dumps(value) if isinstance(value, (int, float, str, bool, type(None))) else type(value).__name__
    return text if len(text) <= 40 else text[:37] + "..."


def _need(where: List[str], value: Any, kind: type, what: str, optional: bool = False) -> Any:
    if value is None and optional:
        return value
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise _Bad(where, f"must be {what}, got {_kind(value)}")
    return value


def _table(where: List[str], parent: Dict[str, Any], key: str, optional: bool = True) -> Dict[str, Any]:
    value = parent.get(key)
    if value is None and optional:
        return {}
    return _need(where + [key], value, dict, "an object")


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def _shape(where: List[str], value: Any) -> Tuple[int, ...]:
    _need(where, value, list, "a list of sizes")
    for size in value:
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise _Bad(where, f"must be a list of sizes, got {_kind(value)}")
    return tuple(value)


def _numbers(where: List[str], value: Any) -> Tuple[float, ...]:
    _need(where, value, list, "a list of numbers")
    # type() is exact: JSON's true/false are bools, never numbers here (the lists are long: no _is_number)
    if not set(map(type, value)) <= JSON_NUMBERS or not all(map(math.isfinite, value)):
        raise _Bad(where, "must hold finite numbers only")
    return tuple(value)


def _sample(where: List[str], value: Any) -> np.ndarray:
    """A stored sample as a read-only float64 array: packed (``pack_floats``), a list (version 1), or none."""
    if isinstance(value, dict):
        return read_only(np.frombuffer(_unpack_floats(where, value), dtype="<f4").astype(np.float64))
    return read_only(np.array(_numbers(where, value) if value is not None else (), dtype=np.float64))


def _unpack_floats(where: List[str], packed: Dict[str, Any]) -> bytes:
    """The float32 bytes ``compare.artifact.pack_floats`` stored."""
    if packed.get("dtype") != "float32" or not isinstance(packed.get("base64"), str):
        raise _Bad(where, 'must be a list of numbers or {"dtype": "float32", "base64": ...}')
    try:
        raw = base64.b64decode(packed["base64"].encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise _Bad(where, "holds invalid base64") from None
    if len(raw) % 4:
        raise _Bad(where, f"holds {len(raw)} bytes, not a whole number of float32")
    return raw


def _stats(where: List[str], stats: Any) -> Stats:
    """Numeric fields: a finite number or null; ``"nan"``/``"inf"`` (older writers) read as null and flag
    the record ``nonfinite`` (at least 1 when the count is unknown)."""
    _need(where, stats, dict, "an object")
    numbers: Dict[str, Any] = {}
    flagged = False
    for key in NUMBER_STATS:
        value = stats.get(key)
        if value is None or type(value) in JSON_NUMBERS and math.isfinite(value):
            numbers[key] = value
        elif isinstance(value, str) and value in NONFINITE_TEXT:
            numbers[key], flagged = None, flagged or key != "nonfinite"
        else:
            raise _Bad(where + [key], f"must be a number or null, got {_kind(value)}")
    present = tuple(stats)
    if flagged:
        numbers["nonfinite"] = numbers.get("nonfinite") or 1
        present += () if "nonfinite" in present else ("nonfinite",)
    per_seed = _table(where, stats, "per_seed")
    seeds = {k: _numbers(where + ["per_seed", k], per_seed[k]) for k in PER_SEED if per_seed.get(k) is not None}
    sample = _sample(where + ["sample"], stats.get("sample"))
    side = _need(where + ["orth_side"], stats.get("orth_side"), str, "a string", optional=True)
    method = _need(where + ["orth_method"], stats.get("orth_method"), str, "a string", optional=True)
    return Stats(
        present=present, orth_side=side, orth_method=method, per_seed=PerSeed(**seeds), sample=sample, **numbers
    )


def _fingerprint(where: List[str], fp: Any) -> Optional[Fingerprint]:
    if fp is None:
        return None
    _need(where, fp, dict, "an object or null")
    name = _need(where + ["name"], fp.get("name"), str, "a string", optional=True)
    over = _shape(where + ["over_shape"], fp["over_shape"]) if fp.get("over_shape") is not None else ()
    if fp.get("confidence") is not None and not _is_number(fp["confidence"]):
        raise _Bad(where + ["confidence"], "must be a number")
    ties = []
    for i, tie in enumerate(_need(where + ["ties"], fp.get("ties"), list, "a list", optional=True) or []):
        here = where + ["ties", str(i)]
        _need(here, tie, dict, "an object")
        shape = _shape(here + ["over_shape"], tie["over_shape"]) if tie.get("over_shape") is not None else ()
        ties.append((tie.get("name"), shape))
    return Fingerprint(name or None, over, fp.get("confidence"), tuple(ties), fp)


def _measured(where: List[str], table: Dict[str, Any], fields: tuple) -> "OrderedDict[str, Measured]":
    """``variables`` / ``blocks`` / ``effective_bias`` / ``forward``: name -> record; ``fields`` are
    required (elsewhere ``stats`` is read when present)."""
    out: OrderedDict[str, Measured] = OrderedDict()
    for name, item in table.items():
        here = where + [name]
        _need(here, item, dict, "an object")
        strings = {
            key: _need(here + [key], item.get(key), str, "a string", optional=True)
            for key in ("direction", "param", "variable", "dtype")
        }
        has_stats = "stats" in fields or item.get("stats") is not None
        out[name] = Measured(
            name=name,
            shape=_shape(here + ["shape"], item.get("shape")) if "shape" in fields else tuple(item.get("shape") or ()),
            stats=_stats(here + ["stats"], item.get("stats")) if has_stats else None,
            fingerprint=_fingerprint(here + ["fingerprint"], item.get("fingerprint"))
            if "fingerprint" in fields
            else None,
            variable=strings["variable"] or "",
            layer=_need(here + ["layer"], item.get("layer"), int, "a whole number", optional=True),
            direction=strings["direction"],
            param=strings["param"],
            dtype=strings["dtype"],
        )
    return out


def _route(where: List[str], name: str, route: Any) -> RouteResult:
    _need(where, route, dict, "an object")
    status = route.get("status")
    if status not in STATUSES:
        raise _Bad(where + ["status"], "must be one of {}, got {}".format(", ".join(STATUSES), _kind(status)))
    text = {
        key: _need(where + [key], route.get(key), str, "a string", optional=True)
        for key in ("reason", "family", "weights")
    }
    if status == "ok" and text["family"] not in families.names():
        raise _Bad(
            where + ["family"],
            "must be one of {}, got {}".format(", ".join(families.names()), _kind(route.get("family"))),
        )
    config = _table(where, route, "config")
    if "cell" in config:
        cell = _table(where + ["config"], config, "cell")
        if route.get("family") == "tf1_lstm" and status == "ok" and not _is_number(cell.get("forget_bias")):
            raise _Bad(where + ["config", "cell", "forget_bias"], "must be a number")
    if route.get("nonfinite") is not None and not _is_number(route["nonfinite"]):
        raise _Bad(where + ["nonfinite"], "must be a number")
    return RouteResult(
        name=name,
        status=status,
        reason=text["reason"] or "",
        family=text["family"] or "",
        config=config,
        weights=text["weights"],
        nonfinite=route.get("nonfinite"),
        has_blocks="blocks" in route,
        variables=_measured(where + ["variables"], _table(where, route, "variables"), ("shape", "fingerprint")),
        blocks=_measured(where + ["blocks"], _table(where, route, "blocks"), ("shape", "stats", "fingerprint")),
        effective_bias=_measured(where + ["effective_bias"], _table(where, route, "effective_bias"), ()),
        forward=_measured(where + ["forward"], _table(where, route, "forward"), ("shape",)),
    )


def _spec(where: List[str], spec: Dict[str, Any]) -> Spec:
    sizes = {}
    for key in ("units", "input_dim", "layers", "seeds", "base_seed"):
        value = spec.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            raise _Bad(where + [key], f"must be a whole number, got {_kind(value)}")
        sizes[key] = value
    bidirectional = _need(where + ["bidirectional"], spec.get("bidirectional"), bool, "true or false", optional=True)
    tf1 = _table(where, spec, "tf1")
    cell_kwargs = _table(where + ["tf1"], tf1, "cell_kwargs")
    cell = _need(where + ["cell"], spec.get("cell"), str, "a string", optional=True)
    return Spec(
        units=sizes["units"],
        input_dim=sizes["input_dim"],
        layers=sizes["layers"],
        bidirectional=bidirectional,
        seeds=sizes["seeds"],
        base_seed=sizes["base_seed"],
        cell=cell,
        tf1_initializer=_reaching(where + ["tf1"], tf1),
        tf1_cell_kwargs=cell_kwargs,
        document=spec,
    )


def _initializer(where: List[str], value: Any) -> Optional[Dict[str, Any]]:
    if value is None:
        return None
    _need(where, value, dict, "an object")
    _need(where + ["name"], value.get("name"), str, "a string")
    _table(where, value, "params")
    return value


def _reaching(where: List[str], tf1: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """The initializer that reaches the TF1 cells: the innermost scope's that has one."""
    scopes = [_initializer(where + ["scope_initializer"], tf1.get("scope_initializer"))]
    outer = _need(where + ["outer_scopes"], tf1.get("outer_scopes"), list, "a list", optional=True) or []
    for i, scope in reversed(list(enumerate(outer))):
        _need(where + ["outer_scopes", str(i)], scope, dict, "an object")
        scopes.append(_initializer(where + ["outer_scopes", str(i), "initializer"], scope.get("initializer")))
    return next((init for init in scopes if init is not None), None)


def read_spec(spec: Dict[str, Any]) -> Spec:
    """A scenario spec as artifacts store it (``Scenario.to_dict()``), validated, as a :class:`Spec`."""
    try:
        return _spec(["spec"], spec)
    except _Bad as bad:
        raise UserError("scenario spec: {} {}".format(".".join(bad.where), bad.what), FIX) from None


def _scenario(where: List[str], name: str, entry: Any) -> ScenarioResult:
    _need(where, entry, dict, "an object")
    spec_hash = _need(where + ["spec_hash"], entry.get("spec_hash"), str, "a string")
    spec = _spec(where + ["spec"], _table(where, entry, "spec"))
    routes = OrderedDict(
        (route_name, _route(where + ["routes", route_name], route_name, route))
        for route_name, route in _table(where, entry, "routes", optional=False).items()
    )
    return ScenarioResult(name, spec_hash, spec, routes)


def _env(document: Dict[str, Any], path: Optional[Path]) -> Env:
    env = _table([], document, "env")
    name = _need(["env", "name"], env.get("name"), str, "a string", optional=True)  # shown escaped, never a path
    keras = env.get("keras")
    if isinstance(keras, dict):
        keras = " ".join(str(keras.get(k, "")) for k in ("flavor", "version")).strip()
        if keras and keras_backend(env) not in ("", "tensorflow"):
            keras += " on " + keras_backend(env)
    frameworks = env.get("frameworks")
    if isinstance(frameworks, dict):
        frameworks = ", ".join(f"{name} {version}" for name, version in sorted(frameworks.items()))
    return Env(
        name=str(name or (path.stem if path else "?")),
        python=_text(env.get("python", "")),
        tensorflow=_text(env.get("tensorflow", "")),
        keras=_text(keras or ""),
        numpy=_text(env.get("numpy", "")),
        platform=_text(env.get("platform", "")),
        frameworks=_text(frameworks or ""),
    )


def keras_backend(env: Dict[str, Any]) -> str:
    """The backend the env's Keras runs on (``"jax"``, ``"torch"``; ``"tensorflow"`` for tf.keras), or ''."""
    keras = env.get("keras")
    return str(keras.get("backend", "")) if isinstance(keras, dict) else ""


def from_document(document: Dict[str, Any], source: str = "<artifact>", path: Optional[Path] = None) -> Artifact:
    """Validate ``document`` (schema and version aside) and build its records; a ``UserError`` names the
    first bad place. ``path``, when given, is where its ``.npz`` lies."""
    try:
        env = _env(document, path)
        complete = _need(["complete"], document.get("complete"), bool, "true or false", optional=True)
        npz_bytes = _need(["npz_bytes"], document.get("npz_bytes"), int, "a whole number", optional=True)
        if npz_bytes is not None and npz_bytes < 0:
            raise _Bad(["npz_bytes"], f"must be a whole number, got {npz_bytes}")
        scenarios = OrderedDict(
            (name, _scenario(["scenarios", name], name, entry))
            for name, entry in _table([], document, "scenarios").items()
        )
    except _Bad as bad:
        place = ".".join(bad.where) or "top level"
        raise UserError(f"artifact {source}: {place} {bad.what}", FIX) from None
    version = document.get("version")
    return Artifact(
        env=env,
        version=version if isinstance(version, int) else VERSION,
        complete=complete,
        scenarios=scenarios,
        path=path,
        npz_bytes=npz_bytes,
    )


def check(document: Dict[str, Any], source: str = "<artifact>") -> Dict[str, Any]:
    """Validate ``document`` without changing it; returns it."""
    from_document(document, source)
    return document
