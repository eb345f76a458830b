"""Building the report's model (``compare.host.report.records``) from artifacts and diff rows.

Inputs: ``artifacts`` maps env name -> typed artifact (``compare.artifact.read``), ``rows`` are the
diff's rows (``compare.host.diff.Row``), ``recipes`` maps scenario -> ``{"snippet": str, "verdict": str}``
(``compare.core.recipe_snippet``, optional). Host side.

The summary grid compares every (env, route) of a scenario with one **baseline** (by default the
first env whose TF1 route is ok: the code being migrated away from), so each cell answers "does
this start from the same weights as the TF1 original?". Every other pair the diff compared stays
visible in the scenario's pair table and rows.

The findings (``compare.host.findings``: one cause each, with its fix) are made here once, for the
whole run; each scenario's answer line and notes come from ``compare.host.report.answer``, its
per-block and config evidence from ``compare.host.report.evidence``.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from compare.artifact import ROUTES, Artifact, RouteResult
from compare.core import families
from compare.host.diff import CONFIG_BLOCK, Row, default_baseline
from compare.host.findings import Finding as CauseFinding
from compare.host.findings import findings_for
from compare.host.report import answer, evidence
from compare.host.report.evidence import pair
from compare.host.report.networks import NetworkSection
from compare.host.report.records import (
    ConfigMismatch,
    DiffRow,
    EnvInfo,
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


# ---------------------------------------------------------------- small readers


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def _env_info(name: str, art: Artifact) -> EnvInfo:
    return EnvInfo(
        name=name,
        python=art.env.python,
        tensorflow=art.env.tensorflow,
        keras=art.env.keras,
        numpy=art.env.numpy,
        frameworks=art.env.frameworks,
    )


def _route_state(env: str, route: str, art: Artifact, scenario: str) -> RouteState:
    found = art.route(scenario, route)
    if found is None:
        return RouteState(env, route, "missing", "not in this env's artifact")
    return RouteState(env, route, found.status, found.reason, found.family, art.scenarios[scenario].spec_hash)


def _row(row: Row) -> DiffRow:
    reasons = [Reason(r.code, r.detail, dict(r.figures)) for r in row.reasons]
    return DiffRow(
        block=row.block, a=(row.a.env, row.a.route), b=(row.b.env, row.b.route), verdict=row.verdict, reasons=reasons
    )


def _worst(verdicts: Sequence[str]) -> str:
    for verdict in VERDICT_ORDER:
        if verdict in verdicts:
            return verdict
    return verdicts[0] if verdicts else ""


# ---------------------------------------------------------------- grid and pairs


def _by_pair(rows: Sequence[DiffRow]) -> Dict[frozenset, List[DiffRow]]:
    """Unordered pair of series -> its rows, in order."""
    grouped: Dict[frozenset, List[DiffRow]] = {}
    for r in rows:
        grouped.setdefault(pair(r.a, r.b), []).append(r)
    return grouped


def _grid_cell(state: RouteState, baseline: Optional[Series], by_pair: Mapping[frozenset, List[DiffRow]]) -> GridCell:
    series = (state.env, state.route)
    if state.status != "ok":
        return GridCell(state.env, state.route, state.status, state.reason)
    if series == baseline:
        return GridCell(state.env, state.route, "baseline", "the reference every other cell is compared with")
    if baseline is None:
        return GridCell(state.env, state.route, "not compared")
    rows = by_pair.get(pair(series, baseline), [])
    blocks = [f.verdict for f in rows if f.block != CONFIG_BLOCK]
    counts = {v: blocks.count(v) for v in sorted(set(blocks))}
    config_differs = any(f.block == CONFIG_BLOCK and f.verdict != "same" for f in rows)
    if not blocks:
        return GridCell(
            state.env, state.route, "not compared", "no diff rows against the baseline", config_differs=config_differs
        )
    detail = ", ".join(f"{n} {v}" for v, n in counts.items()) + f" of {len(blocks)} rows"
    return GridCell(state.env, state.route, _worst(blocks), detail, counts, config_differs)


def _pairs(rows: Sequence[DiffRow]) -> List[PairSummary]:
    grouped: Dict[Tuple[Series, Series], List[DiffRow]] = {}
    for r in rows:
        grouped.setdefault((r.a, r.b), []).append(r)
    result = []
    for (a, b), found in grouped.items():
        blocks = [r.verdict for r in found if r.block != CONFIG_BLOCK]
        config = [r.verdict for r in found if r.block == CONFIG_BLOCK]
        result.append(
            PairSummary(
                a,
                b,
                {v: blocks.count(v) for v in sorted(set(blocks))},
                "" if not config else ("same" if set(config) == {"same"} else "differs"),
            )
        )
    return result


# ---------------------------------------------------------------- config rows


def _config_mismatches(rows: Sequence[DiffRow]) -> List[ConfigMismatch]:
    out = []
    for row in rows:
        for r in row.reasons if row.block == CONFIG_BLOCK else []:
            if r.code == "config_mismatch":
                out.append(
                    ConfigMismatch(
                        row.a,
                        row.b,
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


def _ties(rows: Sequence[DiffRow], states: Sequence[RouteState]) -> List[str]:
    """One line per Keras-side block that starts as an exact copy of another (the diff's tied_weights)."""
    keras = {(s.env, s.route) for s in states if s.family and families.get(s.family).framework == "keras"}
    lines: Dict[str, None] = {}
    for row in rows:
        for r in row.reasons:
            for series, copy in ((row.a, r.figures.get("copy_of_a")), (row.b, r.figures.get("copy_of_b"))):
                if r.code == "tied_weights" and copy and series in keras:
                    lines[f"{series[0]}:{series[1]} {row.block} starts as an exact copy of {copy}"] = None
    return list(lines)


def _recipe(
    recipes: Optional[Mapping[str, Mapping[str, Any]]],
    name: str,
    rows: Sequence[DiffRow],
    states: Sequence[RouteState],
) -> Optional[Recipe]:
    entry = (recipes or {}).get(name)
    if not entry:
        return None
    return Recipe(
        snippet=_text(entry.get("snippet", "")),
        verdict=_text(entry.get("verdict", "")),
        warnings=_ties(rows, states),
    )


def _ok_routes(
    artifacts: Mapping[str, Artifact], states: Sequence[RouteState], scenario: str
) -> List[Tuple[Series, RouteResult]]:
    """The routes whose state is ok, as their artifacts hold them."""
    found = [((s.env, s.route), artifacts[s.env].route(scenario, s.route)) for s in states if s.status == "ok"]
    return [(series, route) for series, route in found if route is not None]


class _Run:
    """What every scenario of one report shares: the artifacts, the routes shown, the diff's verdict on
    the run (its findings), and the optional recipes and port verdicts."""

    def __init__(
        self,
        artifacts: Mapping[str, Artifact],
        routes: Sequence[str],
        findings: Sequence[CauseFinding],
        recipes: Optional[Mapping[str, Mapping[str, Any]]],
        ports: Optional[Mapping[str, Mapping[Series, str]]],
    ) -> None:
        self.artifacts, self.routes = artifacts, routes
        self.recipes, self.ports = recipes, ports or {}
        self.findings: Dict[str, List[CauseFinding]] = {}
        for f in findings:
            self.findings.setdefault(f.scenarios[0], []).append(f)


def _scenario(name: str, rows: Sequence[DiffRow], baseline: Optional[Series], run: _Run) -> ScenarioReport:
    artifacts = run.artifacts
    states = [_route_state(env, route, art, name) for env, art in artifacts.items() for route in run.routes]
    ok = _ok_routes(artifacts, states, name)
    if baseline not in {series for series, _ in ok}:
        baseline = default_baseline(list(artifacts.values()), name)
    blocks, from_variables = evidence.blocks(ok, baseline, rows)
    config, cosmetic = evidence.config(ok, run.routes)
    by_pair = _by_pair(rows)
    grid = [_grid_cell(s, baseline, by_pair) for s in states]
    return ScenarioReport(
        name=name,
        baseline=baseline,
        routes=states,
        grid=grid,
        pairs=_pairs(rows),
        blocks=blocks,
        biases=evidence.biases(ok),
        config=config,
        config_cosmetic=cosmetic,
        config_mismatches=_config_mismatches(rows),
        rows=[r for r in rows if r.verdict != "same" or r.reasons],
        answer=answer.answer_of(states, grid, run.findings.get(name, [])),
        notes=answer.notes_of(rows, (g.key for g in blocks)),
        recipe=_recipe(run.recipes, name, rows, states),
        warnings=_spec_warnings(states),
        blocks_from_variables=from_variables,
        ports=[PortVerdict(env, route, verdict) for (env, route), verdict in (run.ports.get(name) or {}).items()],
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
    findings (``compare.host.findings``) lead every renderer: run-wide, then per scenario."""
    by_scenario: Dict[str, List[DiffRow]] = {}
    for row in rows:
        by_scenario.setdefault(row.scenario, []).append(_row(row))
    routes = _routes(artifacts)
    found = findings_for(rows, artifacts)
    run = _Run(artifacts, routes, found.findings, recipes, ports)
    scenarios = [_scenario(name, by_scenario.get(name, []), baseline, run) for name in _scenario_names(artifacts, rows)]
    return Report(
        envs=[_env_info(env, art) for env, art in artifacts.items()],
        series=[(env, route) for env in artifacts for route in routes],
        scenarios=scenarios,
        compared=bool(rows),
        notes=[_text(n) for n in notes],
        networks=list(networks),
        findings=list(found.findings),
        summary=list(found.summary),
    )
