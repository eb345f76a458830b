"""The artifact: the contract between the TF envs (writers) and the host (readers).

``<env>.json`` holds env metadata and, per scenario and route, the built config and the statistics
and fingerprints of every variable, canonical block and effective bias; ``<env>.npz`` beside it holds
the first seed's raw values (keys ``scenario/route/variable``), saved without pickles.

* ``writing``: atomic writes and JSON encoding (every file rnncompare writes); ``appending``: the worker's
  writer, scenario by scenario, linear in their number (the ``.npz`` appended, the ``.json`` the commit).
* ``records``: the frozen types the reader hands out: ``Artifact -> ScenarioResult -> RouteResult ->
  Measured (variables, blocks, effective_bias, forward) -> Stats, Fingerprint``.
* ``schema``: a document validated once and built into records. Nothing downstream indexes the JSON.
* ``reading``: the files: :func:`read` an artifact, :func:`first_seed` one route's raw values.

Runs in every env (numpy only).
"""

from compare.artifact.appending import Appender
from compare.artifact.reading import arrays, first_seed, load, read, read_folder, split_route
from compare.artifact.records import (
    ROUTES,
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
from compare.artifact.schema import FIX, check, from_document, read_spec
from compare.artifact.writing import (
    READABLE,
    SCHEMA,
    VERSION,
    Encoded,
    atomic_write,
    check_arrays,
    check_writable,
    encode,
    jsonable,
    npz_path,
    pack_floats,
    temporary_names,
    write,
    write_npz,
)

__all__ = [
    "Appender",
    "FIX",
    "READABLE",
    "ROUTES",
    "SCHEMA",
    "VERSION",
    "Artifact",
    "Encoded",
    "Env",
    "Fingerprint",
    "Measured",
    "PerSeed",
    "RouteResult",
    "ScenarioResult",
    "Spec",
    "Stats",
    "arrays",
    "atomic_write",
    "check",
    "check_arrays",
    "check_writable",
    "encode",
    "first_seed",
    "from_document",
    "jsonable",
    "load",
    "npz_path",
    "pack_floats",
    "read",
    "read_folder",
    "read_spec",
    "split_route",
    "temporary_names",
    "write",
    "write_npz",
]
