"""The report's model: the records every renderer shows, gathered once (``compare.host.report.build``).

Renderers (Markdown, HTML, JSON) only format these records; they never look into artifacts, so the
three outputs cannot disagree. A grid cell's and a block's verdict are against the scenario's
**baseline** (env, route). Host side; nothing here formats text or draws plots.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Tuple

import numpy as np

from compare.host.findings import Finding as CauseFinding
from compare.host.report.networks import NetworkSection

Series = Tuple[str, str]  # (env, route)
# report.json's version. 2: a scenario's diff rows are ``rows`` (were ``findings``), each scenario has its
# ``answer`` and ``notes``, and the top level has ``findings`` (per scenario) and ``summary`` (run-wide).
VERSION = 2


def _no_json() -> Dict[str, Any]:
    """Field metadata: kept in the model for plots, left out of report.json (too big, no new facts)."""
    return {"json": False}


@dataclass
class EnvInfo:
    name: str
    python: str = ""
    tensorflow: str = ""
    keras: str = ""
    numpy: str = ""
    frameworks: str = ""  # JAX, Flax, PyTorch as installed


@dataclass
class RouteState:
    """One route of one scenario in one env, as the artifact says (``missing``: not in the artifact)."""

    env: str
    route: str
    status: str
    reason: str = ""
    family: str = ""
    spec_hash: str = ""


@dataclass
class Reason:
    code: str
    detail: str = ""
    figures: Dict[str, Any] = field(default_factory=dict)


@dataclass
class DiffRow:
    """One diff row, normalized: the evidence findings (``compare.host.findings``) rest on."""

    block: str
    a: Series
    b: Series
    verdict: str
    reasons: List[Reason] = field(default_factory=list)
    explanation: str = ""


@dataclass
class GridCell:
    """One (scenario, env, route) cell: same | differs | missing | unavailable | error | baseline | not compared."""

    env: str
    route: str
    state: str
    detail: str = ""  # the whole story (the route's reason, or the row counts): a tooltip
    counts: Dict[str, int] = field(default_factory=dict)
    config_differs: bool = False

    @property
    def short(self) -> str:
        """What fits in a grid cell: the row counts of a compared cell, nothing otherwise."""
        return self.detail if self.counts else ""


@dataclass
class PairSummary:
    a: Series
    b: Series
    counts: Dict[str, int]
    config: str = ""  # "" (no config row) | "same" | "differs"


@dataclass
class BlockCell:
    """One block (or, before blocks exist, one variable) in one (env, route)."""

    env: str
    route: str
    shape: List[int]
    variable: str
    stats: Dict[str, Any]
    fingerprint: Optional[Dict[str, Any]] = None
    verdict: str = ""  # against the baseline: same | differs | missing | "" (not compared / is baseline)
    reasons: List[Reason] = field(default_factory=list)
    sample: np.ndarray = field(default_factory=lambda: np.empty(0), metadata=_no_json())


@dataclass
class BlockGroup:
    """Every env/route's view of one block key ``l{layer}/{dir}/{gate}/{part}`` (or a variable name)."""

    key: str
    part: str
    cells: List[BlockCell] = field(default_factory=list)


@dataclass
class BiasCell:
    key: str
    env: str
    route: str
    stored: Dict[str, Any]
    effective: Optional[Dict[str, Any]] = None


@dataclass
class ConfigDiff:
    """A flattened config key whose value differs between envs of one route (None: key absent)."""

    route: str
    key: str
    values: Dict[str, Optional[str]]


@dataclass
class ConfigMismatch:
    """One normalized option (compare.host.diff's config row) on which two env/routes disagree."""

    a: Series
    b: Series
    key: str
    a_value: str
    b_value: str
    detail: str = ""


@dataclass
class Recipe:
    """The 'initialize Keras like TF1' snippet and its verified verdict (from compare.core.recipe_snippet)."""

    snippet: str
    verdict: str
    warnings: List[str] = field(default_factory=list)  # Keras weights that start tied, where the diff found them


@dataclass(frozen=True)
class Answer:
    """A scenario's answer in one line: ``same`` (no finding), ``differs`` (in ``findings`` causes, counted
    per kind), ``not compared`` (no diff rows) or ``nothing ran``; ``errors`` names the env/routes whose
    build failed, which no finding can speak for."""

    state: str
    findings: int = 0
    kinds: Mapping[str, int] = field(default_factory=dict)
    errors: Tuple[str, ...] = ()


@dataclass(frozen=True)
class Note:
    """What rows the diff calls ``same`` say that is worth reading, stated once over their blocks and pairs
    (a stored bias the gate does not see, a confident fingerprint of another distribution family)."""

    code: str
    text: str
    where: str
    pairs: Tuple[Tuple[str, str], ...]
    rows: int


@dataclass
class PortVerdict:
    """Can the baseline's first-seed weights be carried into this env/route exactly (compare.core.port)?"""

    env: str
    route: str
    verdict: str  # "exact: N variables" | "refused: why" | "not checked: why"


@dataclass
class ScenarioReport:
    name: str
    baseline: Optional[Series]
    routes: List[RouteState]
    grid: List[GridCell]
    pairs: List[PairSummary]
    blocks: List[BlockGroup]
    biases: List[BiasCell]
    config: List[ConfigDiff]
    config_cosmetic: int
    config_mismatches: List[ConfigMismatch]
    rows: List[DiffRow]  # every row with a verdict other than same, or with a note
    answer: Answer
    notes: List[Note] = field(default_factory=list)
    recipe: Optional[Recipe] = None
    warnings: List[str] = field(default_factory=list)
    blocks_from_variables: bool = False
    ports: List[PortVerdict] = field(default_factory=list)


@dataclass
class Report:
    envs: List[EnvInfo]
    series: List[Series]
    scenarios: List[ScenarioReport]
    compared: bool  # False when no diff rows were given: verdicts are then absent, not "same"
    notes: List[str] = field(default_factory=list)
    networks: List[NetworkSection] = field(default_factory=list)  # a migrated checkpoint's (rnncompare migrate)
    findings: List[CauseFinding] = field(default_factory=list)  # one per cause and scenario (compare.host.findings)
    summary: List[CauseFinding] = field(default_factory=list)  # the same, one per cause across scenarios
    impact: Dict[str, Dict[str, Any]] = field(default_factory=dict)  # finding id -> rnncompare impact's verdict

    def findings_of(self, scenario: str) -> List[CauseFinding]:
        """One scenario's findings, ranked (kind, then breadth)."""
        return [f for f in self.findings if scenario in f.scenarios]

    def json_text(self) -> str:
        """report.json's body: the model without the raw samples, compact.

        The records are handed to json's C encoder as they are; it calls back only for the model's
        dataclasses (``default``), so the many plain dicts and lists of statistics are never copied."""
        head = {"schema": "rnncompare/report", "version": VERSION}
        return json.dumps(dict(head, **_json_dict(self)), default=_json_dict, separators=(",", ":"), allow_nan=False)


@functools.lru_cache(maxsize=None)
def _json_fields(cls: type) -> Tuple[str, ...]:
    """A model class's fields that report.json holds (looked up once per class: the model has many rows)."""
    return tuple(f.name for f in dataclasses.fields(cls) if f.metadata.get("json", True))


def _json_dict(value: Any) -> Dict[str, Any]:
    cls: type = type(value)
    if not hasattr(cls, "__dataclass_fields__"):
        raise TypeError(f"report.json cannot hold a {cls.__name__}")
    return {name: getattr(value, name) for name in _json_fields(cls)}


def bias_grid(sc: ScenarioReport) -> Tuple[List[str], List[Series], Dict[Tuple[str, Series], BiasCell]]:
    """The biases pivoted for a compact table: block keys (rows), env/routes (columns), cells."""
    keys = list(dict.fromkeys(b.key for b in sc.biases))
    columns = list(dict.fromkeys((b.env, b.route) for b in sc.biases))
    return keys, columns, {(b.key, (b.env, b.route)): b for b in sc.biases}
