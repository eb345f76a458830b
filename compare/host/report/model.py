"""The report's model: everything the renderers show, gathered once from artifacts and diff rows.

Renderers (Markdown, HTML, JSON) only format this model; they never look into artifacts, so the
three outputs cannot disagree. Nothing here formats text or draws plots.

Inputs: ``artifacts`` maps env name -> typed artifact (``compare.artifact.read``), ``rows`` are the
diff's rows (``compare.host.diff.Row``), ``recipes`` maps scenario -> ``{"snippet": str, "verdict": str}``
(``compare.core.recipe_snippet``, optional). Host side; no plotting library is imported here.

The summary grid compares every (env, route) of a scenario with one **baseline** (by default the
first env whose TF1 route is ok: the code being migrated away from), so each cell answers "does
this start from the same weights as the TF1 original?". Every other pair the diff compared stays
visible in the scenario's pair table and findings.
"""
from __future__ import annotations

import dataclasses
import functools
import json
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from compare.artifact import ROUTES, Artifact, Measured, RouteResult
from compare.core import families, layout
from compare.host.diff import CONFIG_BLOCK, Row, default_baseline
from compare.host.report.networks import NetworkSection

# Worst first: a grid cell shows the worst verdict of its rows against the baseline.
VERDICT_ORDER = ("differs", "missing", "same")
# Config keys that differ between builds without changing any weight (auto-generated names, module paths).
COSMETIC_KEYS = frozenset({"name", "module", "registered_name"})
# The statistics the tables show; the rest of an artifact's stats stay in the artifact.
TABLE_STATS = ("count", "mean", "std", "min", "max", "abs_max", "fro_norm", "kurtosis", "constant",
               "orth_err", "orth_gain", "orth_method", "sv_min", "sv_mean", "sv_max")

GATE_ORDER, PART_ORDER = families.display_order()

Series = Tuple[str, str]  # (env, route)


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
class Finding:
    """One diff row, normalized."""

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
    findings: List[Finding]
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

    def json_text(self) -> str:
        """report.json's body: the model without the raw samples, compact.

        The records are handed to json's C encoder as they are; it calls back only for the model's
        dataclasses (``default``), so the many plain dicts and lists of statistics are never copied."""
        head = {"schema": "rnncompare/report", "version": 1}
        return json.dumps(dict(head, **_json_dict(self)), default=_json_dict, separators=(",", ":"), allow_nan=False)


@functools.lru_cache(maxsize=None)
def _json_fields(cls: type) -> Tuple[str, ...]:
    """A model class's fields that report.json holds (looked up once per class: the model has many rows)."""
    return tuple(f.name for f in dataclasses.fields(cls) if f.metadata.get("json", True))


def _json_dict(value: Any) -> Dict[str, Any]:
    if not hasattr(type(value), "__dataclass_fields__"):
        raise TypeError("report.json cannot hold a {}".format(type(value).__name__))
    return {name: getattr(value, name) for name in _json_fields(type(value))}


# ---------------------------------------------------------------- small readers


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def _env_info(name: str, art: Artifact) -> EnvInfo:
    return EnvInfo(name=name, python=art.env.python, tensorflow=art.env.tensorflow, keras=art.env.keras,
                   numpy=art.env.numpy)


def _route_state(env: str, route: str, art: Artifact, scenario: str) -> RouteState:
    found = art.route(scenario, route)
    if found is None:
        return RouteState(env, route, "missing", "not in this env's artifact")
    return RouteState(env, route, found.status, found.reason, found.family, art.scenarios[scenario].spec_hash)


def _finding(row: Row) -> Finding:
    reasons = [Reason(r.code, r.detail, dict(r.figures)) for r in row.reasons]
    return Finding(block=row.block, a=(row.a.env, row.a.route), b=(row.b.env, row.b.route), verdict=row.verdict,
                   reasons=reasons)


def _worst(verdicts: Sequence[str]) -> str:
    for verdict in VERDICT_ORDER:
        if verdict in verdicts:
            return verdict
    return verdicts[0] if verdicts else ""


def _pair(a: Series, b: Series) -> frozenset:
    return frozenset((a, b))


# ---------------------------------------------------------------- grid and pairs


def _by_pair(findings: Sequence[Finding]) -> Dict[frozenset, List[Finding]]:
    """Unordered pair of series -> its findings, in order."""
    grouped: Dict[frozenset, List[Finding]] = {}
    for f in findings:
        grouped.setdefault(_pair(f.a, f.b), []).append(f)
    return grouped


def _grid_cell(state: RouteState, baseline: Optional[Series], by_pair: Mapping[frozenset, List[Finding]]) -> GridCell:
    series = (state.env, state.route)
    if state.status != "ok":
        return GridCell(state.env, state.route, state.status, state.reason)
    if series == baseline:
        return GridCell(state.env, state.route, "baseline", "the reference every other cell is compared with")
    if baseline is None:
        return GridCell(state.env, state.route, "not compared")
    rows = by_pair.get(_pair(series, baseline), [])
    blocks = [f.verdict for f in rows if f.block != CONFIG_BLOCK]
    counts = {v: blocks.count(v) for v in sorted(set(blocks))}
    config_differs = any(f.block == CONFIG_BLOCK and f.verdict != "same" for f in rows)
    if not blocks:
        return GridCell(state.env, state.route, "not compared", "no diff rows against the baseline",
                        config_differs=config_differs)
    detail = ", ".join("{} {}".format(n, v) for v, n in counts.items()) + " of {} rows".format(len(blocks))
    return GridCell(state.env, state.route, _worst(blocks), detail, counts, config_differs)


def _pairs(findings: Sequence[Finding]) -> List[PairSummary]:
    grouped: Dict[Tuple[Series, Series], List[Finding]] = {}
    for f in findings:
        grouped.setdefault((f.a, f.b), []).append(f)
    result = []
    for (a, b), rows in grouped.items():
        blocks = [f.verdict for f in rows if f.block != CONFIG_BLOCK]
        config = [f.verdict for f in rows if f.block == CONFIG_BLOCK]
        result.append(PairSummary(a, b, {v: blocks.count(v) for v in sorted(set(blocks))},
                                  "" if not config else ("same" if set(config) == {"same"} else "differs")))
    return result


# ---------------------------------------------------------------- blocks, biases


def _block_entries(route: RouteResult) -> Tuple[Mapping[str, Measured], bool]:
    """The route's canonical blocks; until an artifact has them, its variables stand in (flag True)."""
    if route.blocks:
        return route.blocks, False
    return {name: dataclasses.replace(v, variable=name) for name, v in route.variables.items()}, True


def _key_fields(key: str) -> Optional[Tuple[int, str, str, str]]:
    try:
        return layout.parse_key(key)
    except ValueError:
        return None  # a variable name standing in for blocks


def _part(key: str) -> str:
    fields = _key_fields(key)
    return fields[3] if fields else ""


def _table_stats(measured: Optional[Measured]) -> Dict[str, Any]:
    return dict(measured.stats.shown(TABLE_STATS)) if measured is not None and measured.stats is not None else {}


def _verdicts_by_block(findings: Sequence[Finding]) -> Dict[Tuple[str, frozenset], Finding]:
    """(block, unordered pair of series) -> the first finding on it (looked up once per table cell)."""
    found: Dict[Tuple[str, frozenset], Finding] = {}
    for f in findings:
        found.setdefault((f.block, _pair(f.a, f.b)), f)
    return found


def _verdict_against(key: str, series: Series, baseline: Optional[Series],
                     findings: Mapping[Tuple[str, frozenset], Finding]) -> Tuple[str, List[Reason]]:
    if baseline is None or series == baseline:
        return "", []
    found = findings.get((key, _pair(series, baseline)))
    return (found.verdict, found.reasons) if found is not None else ("", [])


def _blocks(ok: Sequence[Tuple[Series, RouteResult]], baseline: Optional[Series],
            findings: Sequence[Finding]) -> Tuple[List[BlockGroup], bool]:
    groups: Dict[str, BlockGroup] = {}
    from_variables = False
    by_block = _verdicts_by_block(findings)
    for series, route in ok:
        entries, fallback = _block_entries(route)
        from_variables = from_variables or fallback
        for key, entry in entries.items():
            verdict, reasons = _verdict_against(key, series, baseline, by_block)
            group = groups.setdefault(key, BlockGroup(key, _part(key)))
            group.cells.append(BlockCell(
                env=series[0], route=series[1], shape=list(entry.shape), variable=entry.variable,
                stats=_table_stats(entry), fingerprint=entry.fingerprint.as_json() if entry.fingerprint else None,
                verdict=verdict, reasons=reasons, sample=entry.stats.sample if entry.stats else np.empty(0)))
    return sorted(groups.values(), key=lambda g: _block_sort_key(g.key)), from_variables


def _rank(order: Sequence[str], name: str) -> Tuple[int, str]:
    return (order.index(name) if name in order else len(order), name)


def _block_sort_key(key: str) -> Tuple[Any, ...]:
    """Layer, direction (fw first), part, then gates in the order the docs name them."""
    fields = _key_fields(key)
    if fields:
        layer, direction, gate, part = fields
        return (0, layer, _rank(("fw", "bw"), direction), _rank(PART_ORDER, part), _rank(GATE_ORDER, gate))
    return (1, key)


def _biases(ok: Sequence[Tuple[Series, RouteResult]]) -> List[BiasCell]:
    cells = []
    for series, route in ok:
        keys = set(route.effective_bias) | {k for k in route.blocks if _part(k) == "bias"}
        for key in sorted(keys, key=_block_sort_key):
            effective = route.effective_bias.get(key)
            cells.append(BiasCell(key, series[0], series[1], _table_stats(route.blocks.get(key)),
                                  _table_stats(effective) if effective is not None and effective.stats else None))
    return cells


def bias_grid(sc: ScenarioReport) -> Tuple[List[str], List[Series], Dict[Tuple[str, Series], BiasCell]]:
    """The biases pivoted for a compact table: block keys (rows), env/routes (columns), cells."""
    keys = list(dict.fromkeys(b.key for b in sc.biases))
    columns = list(dict.fromkeys((b.env, b.route) for b in sc.biases))
    return keys, columns, {(b.key, (b.env, b.route)): b for b in sc.biases}


# ---------------------------------------------------------------- config


def flatten(value: Any, prefix: str = "") -> Iterator[Tuple[str, str]]:
    """Dotted keys to JSON-text leaves: ``{"layer": {"cells": [{"units": 16}]}}`` -> ``layer.cells[0].units``."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from flatten(item, "{}.{}".format(prefix, key) if prefix else str(key))
    elif isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
        for index, item in enumerate(value):
            yield from flatten(item, "{}[{}]".format(prefix, index))
    else:
        yield prefix, value if isinstance(value, str) else json.dumps(value)


def _is_cosmetic(key: str) -> bool:
    return key.rsplit(".", 1)[-1] in COSMETIC_KEYS


def _config(ok: Sequence[Tuple[Series, RouteResult]], routes: Sequence[str]) -> Tuple[List[ConfigDiff], int]:
    diffs: List[ConfigDiff] = []
    cosmetic = 0
    for route in routes:
        flat = {s[0]: dict(flatten(found.config)) for s, found in ok if s[1] == route}
        if len(flat) < 2:
            continue
        keys: Dict[str, None] = {}
        for values in flat.values():
            keys.update(dict.fromkeys(values))
        for key in keys:
            values = {env: flat[env].get(key) for env in flat}
            if len(set(values.values())) == 1:
                continue
            if _is_cosmetic(key):
                cosmetic += 1
            else:
                diffs.append(ConfigDiff(route, key, values))
    # the cell summary first: it says in one place what the nested layer configs repeat per cell
    diffs.sort(key=lambda d: (routes.index(d.route), not d.key.startswith("cell.")))
    return diffs, cosmetic


def _config_mismatches(findings: Sequence[Finding]) -> List[ConfigMismatch]:
    out = []
    for f in findings:
        for r in f.reasons if f.block == CONFIG_BLOCK else []:
            if r.code == "config_mismatch":
                out.append(ConfigMismatch(f.a, f.b, _text(r.figures.get("key", "")), _text(r.figures.get("a")),
                                          _text(r.figures.get("b")), r.detail))
    return out


# ---------------------------------------------------------------- scenario, report


def _spec_warnings(states: Sequence[RouteState]) -> List[str]:
    hashes = sorted({s.spec_hash for s in states if s.spec_hash})
    if len(hashes) <= 1:
        return []
    return ["the envs built different specs for this scenario (spec_hash {}): re-run the matrix "
            "with one scenario file".format(", ".join(hashes))]


def _ties(findings: Sequence[Finding], states: Sequence[RouteState]) -> List[str]:
    """One line per Keras-side block that starts as an exact copy of another (the diff's tied_weights)."""
    keras = {(s.env, s.route) for s in states if s.family and families.get(s.family).framework == "keras"}
    lines: Dict[str, None] = {}
    for f in findings:
        for r in f.reasons:
            for series, copy in ((f.a, r.figures.get("copy_of_a")), (f.b, r.figures.get("copy_of_b"))):
                if r.code == "tied_weights" and copy and series in keras:
                    lines["{}:{} {} starts as an exact copy of {}".format(series[0], series[1], f.block, copy)] = None
    return list(lines)


def _recipe(recipes: Optional[Mapping[str, Mapping[str, Any]]], name: str, findings: Sequence[Finding],
            states: Sequence[RouteState]) -> Optional[Recipe]:
    entry = (recipes or {}).get(name)
    if not entry:
        return None
    return Recipe(snippet=_text(entry.get("snippet", "")), verdict=_text(entry.get("verdict", "")),
                  warnings=_ties(findings, states))


def _scenario(name: str, artifacts: Mapping[str, Artifact], findings: Sequence[Finding],
              recipes: Optional[Mapping[str, Mapping[str, Any]]], baseline: Optional[Series],
              routes: Sequence[str], ports: Optional[Mapping[str, Mapping[Series, str]]] = None) -> ScenarioReport:
    states = [_route_state(env, route, art, name) for env, art in artifacts.items() for route in routes]
    ok_series = {(s.env, s.route) for s in states if s.status == "ok"}
    if baseline not in ok_series:
        baseline = default_baseline(list(artifacts.values()), name)
    ok = [((s.env, s.route), artifacts[s.env].route(name, s.route)) for s in states if s.status == "ok"]
    blocks, from_variables = _blocks(ok, baseline, findings)
    config, cosmetic = _config(ok, routes)
    by_pair = _by_pair(findings)
    return ScenarioReport(
        name=name, baseline=baseline, routes=states,
        grid=[_grid_cell(s, baseline, by_pair) for s in states], pairs=_pairs(findings),
        blocks=blocks, biases=_biases(ok), config=config, config_cosmetic=cosmetic,
        config_mismatches=_config_mismatches(findings),
        findings=[f for f in findings if f.verdict != "same" or f.reasons],
        recipe=_recipe(recipes, name, findings, states),
        warnings=_spec_warnings(states), blocks_from_variables=from_variables,
        ports=[PortVerdict(env, route, verdict) for (env, route), verdict in ((ports or {}).get(name) or {}).items()])


def _routes(artifacts: Mapping[str, Artifact]) -> List[str]:
    """The routes shown: the measured ones in display order (every ROUTE any artifact holds), then others."""
    found = {r for art in artifacts.values() for r in art.routes()}
    return [r for r in ROUTES if r in found] + sorted(found - set(ROUTES))


def _scenario_names(artifacts: Mapping[str, Artifact], rows: Sequence[Row]) -> List[str]:
    names: Dict[str, None] = {}
    for art in artifacts.values():
        names.update(dict.fromkeys(art.scenarios))
    names.update(dict.fromkeys(r.scenario for r in rows))
    return [n for n in names if n]


def build(artifacts: Mapping[str, Artifact], rows: Sequence[Row],
          recipes: Optional[Mapping[str, Mapping[str, Any]]] = None,
          baseline: Optional[Series] = None, notes: Sequence[str] = (),
          ports: Optional[Mapping[str, Mapping[Series, str]]] = None,
          networks: Sequence[NetworkSection] = ()) -> Report:
    """The report model. ``artifacts``: env -> typed artifact, in display order; ``rows``: the diff's rows;
    ``recipes``: optional scenario -> {"snippet", "verdict"}; ``baseline``: (env, route) the grid
    compares with, where that route is ok (default per scenario: ``compare.host.diff.default_baseline``);
    ``notes``: lines shown on top (the diff's notes and thresholds); ``ports``: optional scenario ->
    {(env, route): port verdict} (``compare.host.report.pipeline.ports_for``); ``networks``: a migrated
    checkpoint's sections (``compare.host.report.networks``), shown before the scenarios."""
    findings: Dict[str, List[Finding]] = {}
    for row in rows:
        findings.setdefault(row.scenario, []).append(_finding(row))
    routes = _routes(artifacts)
    scenarios = [_scenario(name, artifacts, findings.get(name, []), recipes, baseline, routes, ports)
                 for name in _scenario_names(artifacts, rows)]
    return Report(envs=[_env_info(env, art) for env, art in artifacts.items()],
                  series=[(env, route) for env in artifacts for route in routes],
                  scenarios=scenarios, compared=bool(rows), notes=[_text(n) for n in notes],
                  networks=list(networks))
