"""Building the report's model (``compare.host.report.records``) from artifacts and diff rows.

Inputs: ``artifacts`` maps env name -> typed artifact (``compare.artifact.read``), ``rows`` are the
diff's rows (``compare.host.diff.Row``), ``recipes`` maps scenario -> ``{"snippet": str, "verdict": str}``
(``compare.core.recipe_snippet``, optional). Host side.

The summary grid compares every (env, route) of a scenario with one **baseline** (by default the
first env whose TF1 route is ok: the code being migrated away from), so each cell answers "does
this start from the same weights as the TF1 original?". Every other pair the diff compared stays
visible in the scenario's pair table and findings.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from compare.artifact import ROUTES, Artifact, Measured, RouteResult
from compare.core import families, layout
from compare.host.diff import CONFIG_BLOCK, Row, default_baseline
from compare.host.findings import findings_for
from compare.host.report.networks import NetworkSection
from compare.host.report.records import (
    BiasCell,
    BlockCell,
    BlockGroup,
    ConfigDiff,
    ConfigMismatch,
    EnvInfo,
    Finding,
    GridCell,
    PairSummary,
    PortVerdict,
    Reason,
    Recipe,
    Report,
    RouteState,
    ScenarioReport,
    Series,
)

# Worst first: a grid cell shows the worst verdict of its rows against the baseline.
VERDICT_ORDER = ("differs", "missing", "same")
# Config keys that differ between builds without changing any weight (auto-generated names, module paths).
COSMETIC_KEYS = frozenset({"name", "module", "registered_name"})
# The statistics the tables show; the rest of an artifact's stats stay in the artifact.
TABLE_STATS = (
    "count",
    "mean",
    "std",
    "min",
    "max",
    "abs_max",
    "fro_norm",
    "kurtosis",
    "constant",
    "orth_err",
    "orth_gain",
    "orth_method",
    "sv_min",
    "sv_mean",
    "sv_max",
)

GATE_ORDER, PART_ORDER = families.display_order()


# ---------------------------------------------------------------- small readers


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def _env_info(name: str, art: Artifact) -> EnvInfo:
    return EnvInfo(
        name=name, python=art.env.python, tensorflow=art.env.tensorflow, keras=art.env.keras, numpy=art.env.numpy
    )


def _route_state(env: str, route: str, art: Artifact, scenario: str) -> RouteState:
    found = art.route(scenario, route)
    if found is None:
        return RouteState(env, route, "missing", "not in this env's artifact")
    return RouteState(env, route, found.status, found.reason, found.family, art.scenarios[scenario].spec_hash)


def _finding(row: Row) -> Finding:
    reasons = [Reason(r.code, r.detail, dict(r.figures)) for r in row.reasons]
    return Finding(
        block=row.block, a=(row.a.env, row.a.route), b=(row.b.env, row.b.route), verdict=row.verdict, reasons=reasons
    )


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
        return GridCell(
            state.env, state.route, "not compared", "no diff rows against the baseline", config_differs=config_differs
        )
    detail = ", ".join(f"{n} {v}" for v, n in counts.items()) + f" of {len(blocks)} rows"
    return GridCell(state.env, state.route, _worst(blocks), detail, counts, config_differs)


def _pairs(findings: Sequence[Finding]) -> List[PairSummary]:
    grouped: Dict[Tuple[Series, Series], List[Finding]] = {}
    for f in findings:
        grouped.setdefault((f.a, f.b), []).append(f)
    result = []
    for (a, b), rows in grouped.items():
        blocks = [f.verdict for f in rows if f.block != CONFIG_BLOCK]
        config = [f.verdict for f in rows if f.block == CONFIG_BLOCK]
        result.append(
            PairSummary(
                a,
                b,
                {v: blocks.count(v) for v in sorted(set(blocks))},
                "" if not config else ("same" if set(config) == {"same"} else "differs"),
            )
        )
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


def _verdict_against(
    key: str, series: Series, baseline: Optional[Series], findings: Mapping[Tuple[str, frozenset], Finding]
) -> Tuple[str, List[Reason]]:
    if baseline is None or series == baseline:
        return "", []
    found = findings.get((key, _pair(series, baseline)))
    return (found.verdict, found.reasons) if found is not None else ("", [])


def _blocks(
    ok: Sequence[Tuple[Series, RouteResult]], baseline: Optional[Series], findings: Sequence[Finding]
) -> Tuple[List[BlockGroup], bool]:
    groups: Dict[str, BlockGroup] = {}
    from_variables = False
    by_block = _verdicts_by_block(findings)
    for series, route in ok:
        entries, fallback = _block_entries(route)
        from_variables = from_variables or fallback
        for key, entry in entries.items():
            verdict, reasons = _verdict_against(key, series, baseline, by_block)
            group = groups.setdefault(key, BlockGroup(key, _part(key)))
            group.cells.append(
                BlockCell(
                    env=series[0],
                    route=series[1],
                    shape=list(entry.shape),
                    variable=entry.variable,
                    stats=_table_stats(entry),
                    fingerprint=entry.fingerprint.as_json() if entry.fingerprint else None,
                    verdict=verdict,
                    reasons=reasons,
                    sample=entry.stats.sample if entry.stats else np.empty(0),
                )
            )
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
            cells.append(
                BiasCell(
                    key,
                    series[0],
                    series[1],
                    _table_stats(route.blocks.get(key)),
                    _table_stats(effective) if effective is not None and effective.stats else None,
                )
            )
    return cells


# ---------------------------------------------------------------- config


def flatten(value: Any, prefix: str = "") -> Iterator[Tuple[str, str]]:
    """Dotted keys to JSON-text leaves: ``{"layer": {"cells": [{"units": 16}]}}`` -> ``layer.cells[0].units``."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from flatten(item, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
        for index, item in enumerate(value):
            yield from flatten(item, f"{prefix}[{index}]")
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
        for leaves in flat.values():
            keys.update(dict.fromkeys(leaves))
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
                out.append(
                    ConfigMismatch(
                        f.a,
                        f.b,
                        _text(r.figures.get("key", "")),
                        _text(r.figures.get("a")),
                        _text(r.figures.get("b")),
                        r.detail,
                    )
                )
    return out


# ---------------------------------------------------------------- scenario, report


def _spec_warnings(states: Sequence[RouteState]) -> List[str]:
    hashes = sorted({s.spec_hash for s in states if s.spec_hash})
    if len(hashes) <= 1:
        return []
    return [
        "the envs built different specs for this scenario (spec_hash {}): re-run the matrix "
        "with one scenario file".format(", ".join(hashes))
    ]


def _ties(findings: Sequence[Finding], states: Sequence[RouteState]) -> List[str]:
    """One line per Keras-side block that starts as an exact copy of another (the diff's tied_weights)."""
    keras = {(s.env, s.route) for s in states if s.family and families.get(s.family).framework == "keras"}
    lines: Dict[str, None] = {}
    for f in findings:
        for r in f.reasons:
            for series, copy in ((f.a, r.figures.get("copy_of_a")), (f.b, r.figures.get("copy_of_b"))):
                if r.code == "tied_weights" and copy and series in keras:
                    lines[f"{series[0]}:{series[1]} {f.block} starts as an exact copy of {copy}"] = None
    return list(lines)


def _recipe(
    recipes: Optional[Mapping[str, Mapping[str, Any]]],
    name: str,
    findings: Sequence[Finding],
    states: Sequence[RouteState],
) -> Optional[Recipe]:
    entry = (recipes or {}).get(name)
    if not entry:
        return None
    return Recipe(
        snippet=_text(entry.get("snippet", "")),
        verdict=_text(entry.get("verdict", "")),
        warnings=_ties(findings, states),
    )


def _ok_routes(
    artifacts: Mapping[str, Artifact], states: Sequence[RouteState], scenario: str
) -> List[Tuple[Series, RouteResult]]:
    """The routes whose state is ok, as their artifacts hold them."""
    found = [((s.env, s.route), artifacts[s.env].route(scenario, s.route)) for s in states if s.status == "ok"]
    return [(series, route) for series, route in found if route is not None]


def _scenario(
    name: str,
    artifacts: Mapping[str, Artifact],
    findings: Sequence[Finding],
    recipes: Optional[Mapping[str, Mapping[str, Any]]],
    baseline: Optional[Series],
    routes: Sequence[str],
    ports: Optional[Mapping[str, Mapping[Series, str]]] = None,
) -> ScenarioReport:
    states = [_route_state(env, route, art, name) for env, art in artifacts.items() for route in routes]
    ok = _ok_routes(artifacts, states, name)
    if baseline not in {series for series, _ in ok}:
        baseline = default_baseline(list(artifacts.values()), name)
    blocks, from_variables = _blocks(ok, baseline, findings)
    config, cosmetic = _config(ok, routes)
    by_pair = _by_pair(findings)
    return ScenarioReport(
        name=name,
        baseline=baseline,
        routes=states,
        grid=[_grid_cell(s, baseline, by_pair) for s in states],
        pairs=_pairs(findings),
        blocks=blocks,
        biases=_biases(ok),
        config=config,
        config_cosmetic=cosmetic,
        config_mismatches=_config_mismatches(findings),
        findings=[f for f in findings if f.verdict != "same" or f.reasons],
        recipe=_recipe(recipes, name, findings, states),
        warnings=_spec_warnings(states),
        blocks_from_variables=from_variables,
        ports=[PortVerdict(env, route, verdict) for (env, route), verdict in ((ports or {}).get(name) or {}).items()],
    )


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


def build(
    artifacts: Mapping[str, Artifact],
    rows: Sequence[Row],
    recipes: Optional[Mapping[str, Mapping[str, Any]]] = None,
    baseline: Optional[Series] = None,
    notes: Sequence[str] = (),
    ports: Optional[Mapping[str, Mapping[Series, str]]] = None,
    networks: Sequence[NetworkSection] = (),
) -> Report:
    """The report model. ``artifacts``: env -> typed artifact, in display order; ``rows``: the diff's rows;
    ``recipes``: optional scenario -> {"snippet", "verdict"}; ``baseline``: (env, route) the grid
    compares with, where that route is ok (default per scenario: ``compare.host.diff.default_baseline``);
    ``notes``: lines shown on top (the diff's notes and thresholds); ``ports``: optional scenario ->
    {(env, route): port verdict} (``compare.host.report.pipeline.ports_for``); ``networks``: a migrated
    checkpoint's sections (``compare.host.report.networks``), shown before the scenarios. The rows'
    findings (``compare.host.findings``) go into report.json only, for now."""
    findings: Dict[str, List[Finding]] = {}
    for row in rows:
        findings.setdefault(row.scenario, []).append(_finding(row))
    routes = _routes(artifacts)
    scenarios = [
        _scenario(name, artifacts, findings.get(name, []), recipes, baseline, routes, ports)
        for name in _scenario_names(artifacts, rows)
    ]
    return Report(
        envs=[_env_info(env, art) for env, art in artifacts.items()],
        series=[(env, route) for env in artifacts for route in routes],
        scenarios=scenarios,
        compared=bool(rows),
        notes=[_text(n) for n in notes],
        networks=list(networks),
        findings=list(findings_for(rows, artifacts).findings),
    )
