"""From diff rows to findings: group each scenario's rows by cause, state each cause once, rank, summarise.

Within a scenario a finding is one cause over every block, layer, direction and pair of env/routes it
shows in (its ``where`` is the union of its rows' blocks). Its id hashes the cause and the normalised
where, so the same cause in the same places carries the same id in every scenario and every run; the
run-wide summary is one finding per id, over all the scenarios that have it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Dict, List, Sequence, Tuple

from compare.core import families
from compare.host.diff import Row
from compare.host.findings.causes import Unit, units_of
from compare.host.findings.context import Artifacts, Context
from compare.host.findings.describe import describe
from compare.host.findings.fixes import fix
from compare.host.findings.records import Cause, Finding, Findings, finding_id, rank_key
from compare.host.findings.where import Universe, pattern, universe_of


def findings_for(rows: Sequence[Row], artifacts: Artifacts = None) -> Findings:
    """The findings of a diff's ``rows``; ``artifacts`` (env -> artifact, or artifacts), when given,
    make the fixes concrete (the scenario's ``init_like_tf1`` arguments, the Keras bias) and the
    sentences exact (the shapes initializers drew over).

    Every ``differs`` row belongs to exactly one finding, except a config row on which several options
    differ: it belongs to one finding per option (each is a cause of its own). ``missing`` block rows
    join the finding of the option that makes the block (``reset_after``'s recurrent biases), else make
    their own; rows of a route that did not run and ``same`` rows (notes included) make none.
    """
    ctx = Context.of(artifacts)
    by_scenario: Dict[str, List[Row]] = {}
    for row in rows:
        by_scenario.setdefault(row.scenario, []).append(row)
    found: List[Tuple[Finding, Cause]] = []
    groups: Dict[Cause, List[Tuple[Finding, List[Unit]]]] = {}
    for scenario, scenario_rows in by_scenario.items():
        uni = _universe(scenario, scenario_rows, ctx)
        made = [(_finding(cause, units, ctx, uni), units) for cause, units in _by_cause(units_of(scenario_rows, ctx))]
        made.sort(key=lambda pair: rank_key(pair[0]))
        found += [(f, units[0].cause) for f, units in made]
        for f, units in made:
            groups.setdefault(units[0].cause, []).append((f, units))
    summaries = {cause: _summary(cause, members, ctx) for cause, members in groups.items()}
    # Each finding names its run-wide finding, so report.json alone tells the gate both ids it may be accepted by.
    summary = sorted((replace(s, summary_id=s.id) for s in summaries.values()), key=rank_key)
    return Findings(tuple(replace(f, summary_id=summaries[cause].id) for f, cause in found), tuple(summary))


def _universe(scenario: str, rows: Sequence[Row], ctx: Context) -> Universe:
    """The scenario's layers, directions and gates: from its spec, else from its rows' blocks."""
    spec = ctx.spec(scenario)
    if spec is not None and spec.complete and spec.layers and spec.cell:
        return Universe(frozenset(range(spec.layers)), frozenset(spec.directions), frozenset(families.GATES[spec.cell]))
    found = (ctx.family(scenario, r.a.label) for r in rows)
    gates = next((f.gates for f in found if f is not None), ())
    return universe_of([r.block for r in rows], gates)


def _by_cause(units: Sequence[Unit]) -> List[Tuple[Cause, List[Unit]]]:
    grouped: Dict[Cause, List[Unit]] = {}
    for unit in units:
        grouped.setdefault(unit.cause, []).append(unit)
    return list(grouped.items())


def _pairs(units: Sequence[Unit]) -> Tuple[Tuple[str, str], ...]:
    """Each pair once, ordered by env then route (``tf221`` before ``tf221-legacy``)."""
    return tuple(sorted({u.pair for u in units}, key=lambda pair: [label.rpartition(":")[::2] for label in pair]))


def _finding(cause: Cause, units: Sequence[Unit], ctx: Context, uni: Universe) -> Finding:
    units = sorted(units, key=lambda u: (u.pair, u.row.block, u.key))
    where, normal = pattern([u.row.block for u in units], uni)
    what, figures = describe(cause, units, ctx)
    return Finding(
        id=finding_id(cause, normal),
        kind=cause.kind,
        cause=cause.label,
        what=what,
        where=where,
        pairs=_pairs(units),
        figures=_finite(figures),
        fix=fix(cause, units, ctx, normal),
        rows=tuple(u.ref for u in units),
        scenarios=(units[0].row.scenario,),
        pattern=normal,
    )


def _summary(cause: Cause, members: Sequence[Tuple[Finding, List[Unit]]], ctx: Context) -> Finding:
    """One run-wide finding from the scenarios' findings of one cause: the cause restated over all their
    rows, where and fix said once when the scenarios agree, else each with the scenarios it is for. Its
    id hashes the cause and every scenario's normalised where (a scenario's own id when there is one)."""
    first = members[0][0]
    if len(members) == 1:
        return first
    units = [u for _, group in members for u in group]
    what, figures = describe(cause, units, ctx)
    normal = " | ".join(sorted({f.pattern for f, _ in members}))
    return Finding(
        id=finding_id(cause, normal),
        kind=first.kind,
        cause=first.cause,
        what=what,
        where=_per_scenario([(f.where, f.scenarios[0]) for f, _ in members]),
        pairs=_pairs(units),
        figures=_finite(figures),
        fix=_per_scenario([(f.fix, f.scenarios[0]) for f, _ in members]),
        rows=tuple(r for f, _ in members for r in f.rows),
        scenarios=tuple(f.scenarios[0] for f, _ in members),
        pattern=normal,
    )


def _per_scenario(texts: Sequence[Tuple[str, str]]) -> str:
    """The text when every scenario has the same, else each with the scenarios it is for."""
    by_text: Dict[str, List[str]] = {}
    for text, scenario in texts:
        by_text.setdefault(text, []).append(scenario)
    if len(by_text) == 1:
        return texts[0][0]
    return " | ".join("{} ({})".format(text, ", ".join(names)) for text, names in by_text.items())


def _finite(figures: Dict[str, object]) -> Dict[str, object]:
    """Figures report.json can hold: absent values dropped (json refuses NaN and infinities)."""
    return {k: v for k, v in figures.items() if v is not None and _json_safe(v)}


def _json_safe(value: object) -> bool:
    if isinstance(value, float):
        return value == value and value not in (float("inf"), float("-inf"))
    if isinstance(value, (list, tuple)):
        return all(_json_safe(v) for v in value)
    if isinstance(value, dict):
        return all(_json_safe(v) for v in value.values())
    return True
