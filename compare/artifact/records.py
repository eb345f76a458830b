"""The artifact as frozen, typed records: what the host reads (diff, report, port), validated once.

In-env and host alike (numpy only). ``compare.artifact.schema`` builds these from a document; nothing
downstream indexes the document itself. Statistics keep which keys the writer stored (``present``),
so a table shows exactly what was measured; fingerprints keep the record they were read from
(``as_json``), so reports quote it unchanged.
"""

import functools
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from compare.core import families, layout

# The routes a worker measures (backends/routes/<route>.py), in display order.
ROUTES = ("tf1", "keras", "recipe", "torch", "torch_recipe", "flax")
STATUSES = ("ok", "unavailable", "error")
# Every number a statistics record may hold (compare.measure.stats writes them; None where not measured).
NUMBER_STATS = (
    "count",
    "seeds",
    "mean",
    "std",
    "min",
    "max",
    "abs_max",
    "kurtosis",
    "constant",
    "fro_norm",
    "orth_err",
    "orth_rel_err",
    "orth_gain",
    "sv_min",
    "sv_max",
    "sv_mean",
    "orth_err_variable",
    "nonfinite",
    "matrix_seeds",
)
PER_SEED = ("mean", "std", "fro_norm")


@dataclass(frozen=True)
class PerSeed:
    """Per-seed figures, one value per draw in seed order."""

    mean: Tuple[float, ...] = ()
    std: Tuple[float, ...] = ()
    fro_norm: Tuple[float, ...] = ()

    def distinct_stds(self) -> Tuple[float, ...]:
        """The stds of the distinct draws: seeds whose (mean, std, fro_norm) repeat are copies, not evidence."""
        return _distinct_stds(self.mean, self.std, self.fro_norm)


@functools.lru_cache(maxsize=1 << 16)  # a diff asks each block's sides several times
def _distinct_stds(mean: Tuple[float, ...], std: Tuple[float, ...], fro_norm: Tuple[float, ...]) -> Tuple[float, ...]:
    seen, out = set(), []
    for key in zip(mean, std, fro_norm):
        if key not in seen:
            seen.add(key)
            out.append(float(key[1]))
    return tuple(out)


@dataclass(frozen=True)
class Stats:
    """The statistics of one variable, block, effective bias or forward output (``compare.measure.stats``)."""

    present: Tuple[str, ...]
    count: Optional[float] = None
    seeds: Optional[float] = None
    mean: Optional[float] = None
    std: Optional[float] = None
    min: Optional[float] = None
    max: Optional[float] = None
    abs_max: Optional[float] = None
    kurtosis: Optional[float] = None
    constant: Optional[float] = None
    fro_norm: Optional[float] = None
    orth_err: Optional[float] = None
    orth_rel_err: Optional[float] = None
    orth_gain: Optional[float] = None
    sv_min: Optional[float] = None
    sv_max: Optional[float] = None
    sv_mean: Optional[float] = None
    orth_err_variable: Optional[float] = None
    nonfinite: Optional[float] = None
    matrix_seeds: Optional[float] = None
    orth_side: Optional[str] = None
    orth_method: Optional[str] = None  # "gram" (exact) or "norms" (orth_err a lower bound: see compare.measure.stats)
    per_seed: PerSeed = PerSeed()
    # read-only float64 (compare.artifact.schema); an array, not a tuple, as every reader computes on it
    sample: np.ndarray = field(default_factory=lambda: np.empty(0), compare=False, repr=False)

    def shown(self, keys: Sequence[str]) -> "OrderedDict[str, Any]":
        """The ``keys`` this record holds, in the order asked (what a table shows)."""
        return OrderedDict((k, getattr(self, k)) for k in keys if k in self.present)

    @property
    def orthogonality(self) -> Optional[float]:
        """The relative orthogonality error, else the absolute one (older writers)."""
        return self.orth_err if self.orth_rel_err is None else self.orth_rel_err

    @property
    def draws(self) -> int:
        return int(self.seeds or 0)


@dataclass(frozen=True)
class Fingerprint:
    """The best-fitting initializer of a block (``compare.measure.fingerprint``) and its ties."""

    name: Optional[str]
    over_shape: Tuple[int, ...]
    confidence: Optional[float]
    ties: Tuple[Tuple[Optional[str], Tuple[int, ...]], ...]
    record: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def label(self) -> Tuple[Optional[str], Tuple[int, ...]]:
        return self.name, self.over_shape

    def as_json(self) -> Dict[str, Any]:
        """The record as the artifact stores it."""
        return _copy(self.record)


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


@dataclass(frozen=True)
class Measured:
    """A measured array: a variable, a canonical block, an effective bias or a forward output."""

    name: str
    shape: Tuple[int, ...] = ()
    stats: Optional[Stats] = None
    fingerprint: Optional[Fingerprint] = None
    variable: str = ""  # a block: the variable it was cut from
    layer: Optional[int] = None  # a variable: where it sits in the stack
    direction: Optional[str] = None
    param: Optional[str] = None
    dtype: Optional[str] = None

    @property
    def nonfinite(self) -> int:
        return int((self.stats.nonfinite if self.stats else None) or 0)


@dataclass(frozen=True)
class RouteResult:
    """One route of one scenario in one env."""

    name: str
    status: str
    reason: str = ""
    family: str = ""
    config: Mapping[str, Any] = field(default_factory=dict)
    weights: Optional[str] = None  # "drawn" | "loaded"
    nonfinite: Optional[float] = None
    has_blocks: bool = False  # False for artifacts written before per-block statistics
    variables: Mapping[str, Measured] = field(default_factory=OrderedDict)
    blocks: Mapping[str, Measured] = field(default_factory=OrderedDict)
    effective_bias: Mapping[str, Measured] = field(default_factory=OrderedDict)
    forward: Mapping[str, Measured] = field(default_factory=OrderedDict)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def computation(self, spec: "Spec") -> families.Computation:
        """What the built layers compute, normalised (``compare.core.families``). Where the spec does not say
        how deep or bidirectional the stack is, the block keys tell."""
        layers, bidirectional = spec.layers, spec.bidirectional
        if layers is None:
            layers = 1 + max([layout.parse_key(k)[0] for k in self.blocks] or [0])
        if bidirectional is None:
            bidirectional = any("/bw/" in k for k in self.blocks)
        return families.computation(families.get(self.family), self.config, layers, bidirectional)


@dataclass(frozen=True)
class Spec:
    """The scenario a route was built from; ``document`` is ``Scenario.to_dict()`` as stored."""

    units: Optional[int] = None
    input_dim: Optional[int] = None
    layers: Optional[int] = None
    bidirectional: Optional[bool] = None
    seeds: Optional[int] = None
    base_seed: Optional[int] = None
    cell: Optional[str] = None
    tf1_initializer: Optional[Mapping[str, Any]] = None  # {"name", "params"} reaching the TF1 cells, if any
    tf1_cell_kwargs: Mapping[str, Any] = field(default_factory=dict)
    document: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def directions(self) -> List[str]:
        return ["fw", "bw"] if self.bidirectional else ["fw"]

    @property
    def complete(self) -> bool:
        """Whether this is a whole scenario (as the worker stores it), not a hand-made fragment."""
        return self.cell in families.GATES and None not in (self.units, self.input_dim, self.layers, self.bidirectional)


@dataclass(frozen=True)
class ScenarioResult:
    name: str
    spec_hash: str
    spec: Spec
    routes: Mapping[str, RouteResult]


@dataclass(frozen=True)
class Env:
    """Where an artifact was measured; every field as text ('' when the writer did not say)."""

    name: str
    python: str = ""
    tensorflow: str = ""
    keras: str = ""  # "flavor version", e.g. "keras3 3.10.0", and its backend: "keras3 3.15.1 on torch"
    numpy: str = ""
    platform: str = ""
    frameworks: str = ""  # JAX, Flax, PyTorch as installed, e.g. "torch 2.15.0"; '' in the TF envs


@dataclass(frozen=True)
class Artifact:
    """One env's artifact. ``path`` is None for documents made in memory (no first-seed arrays then:
    ``compare.artifact.reading.first_seed`` reads them)."""

    env: Env
    version: int
    complete: Optional[bool]
    scenarios: Mapping[str, ScenarioResult]
    path: Optional[Path] = None
    npz_bytes: Optional[int] = None  # how much of the .npz the JSON covers (more may follow: not committed)

    @property
    def name(self) -> str:
        return self.env.name

    def route(self, scenario: str, route: str) -> Optional[RouteResult]:
        entry = self.scenarios.get(scenario)
        return None if entry is None else entry.routes.get(route)

    def routes(self) -> List[str]:
        """Every route any scenario holds: the known ones in display order, then the others by name."""
        found = {r for s in self.scenarios.values() for r in s.routes}
        return [r for r in ROUTES if r in found] + sorted(found - set(ROUTES))

    def ok_routes(self) -> Iterator[Tuple[str, str, RouteResult]]:
        for name, scenario in self.scenarios.items():
            for route_name, route in scenario.routes.items():
                if route.ok:
                    yield name, route_name, route

    def promised_arrays(self) -> Dict[str, Tuple[int, ...]]:
        """``scenario/route/name`` -> shape of every array the JSON says the ``.npz`` holds (ok routes)."""
        keys: Dict[str, Tuple[int, ...]] = {}
        for scenario, route_name, route in self.ok_routes():
            prefix = f"{scenario}/{route_name}/"
            keys.update((prefix + name, item.shape) for name, item in route.variables.items())
            keys.update((prefix + "forward/" + name, item.shape) for name, item in route.forward.items())
        return keys
