"""``rnncompare impact --findings FOLDER``: an impact verdict for every finding of a run's report.

Each run-wide finding (``compare.host.findings``) is trained as its first pair: the scenario and the two
``env:route`` sides of its first row (the baseline and the route that differs). All findings share one
export per env and one training job; the verdicts are written to ``FOLDER/impact/impact.json`` under
``findings`` (finding id -> verdict, pair, effects), where ``make_report`` finds them and shows each
beside its finding (report.md, report.html, report.json), then the report is written again.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from compare import artifact
from compare.core.scenarios import load_scenarios
from compare.errors import UserError
from compare.host.diff import ROUTE_BLOCK
from compare.host.findings import findings_for
from compare.host.impact.run import ArmRef, Budget, Impact, impact
from compare.host.impact.stats import MARGIN
from compare.host.report.impact import FOLDER
from compare.host.report.pipeline import baseline_of, diff_rows


def representatives(folder: Path) -> List[Tuple[str, ArmRef, ArmRef]]:
    """(finding id, baseline arm, differing arm) per run-wide finding of the artifacts in ``folder``."""
    artifacts = artifact.read_folder(folder)
    rows, _ = diff_rows(artifacts, baseline_of(artifacts, None))
    found = findings_for(rows, artifacts)
    chosen = []
    for finding in found.summary:
        row = next((r for r in finding.rows if r.block != ROUTE_BLOCK), None)
        if row is None:
            continue
        (a_env, a_route), (b_env, b_route) = (side.split(":", 1) for side in (row.a, row.b))
        chosen.append((finding.id, ArmRef(row.scenario, a_env, a_route), ArmRef(row.scenario, b_env, b_route)))
    return chosen


def _check_specs(folder: Path, scenarios: Optional[str], names: Sequence[str]) -> None:
    """The scenario file defines the artifacts' scenarios as they were run (the same spec hash)."""
    defined = {s.name: s.spec_hash for s in load_scenarios(scenarios)}
    for art in artifact.read_folder(folder).values():
        for name in names:
            if name in art.scenarios and defined.get(name) != art.scenarios[name].spec_hash:
                raise UserError(
                    f"scenario {name!r} of {art.name} is not the one in {scenarios or 'the built-in suite'}",
                    "pass the scenario file the artifacts were run from with --scenarios",
                )


def impact_of_findings(
    folder: Path,
    task: Dict[str, Any],
    scenarios: Optional[str] = None,
    budget: Optional[Budget] = None,
    parallel: Optional[int] = None,
    notify: Callable[[str], None] = print,
    margin: float = MARGIN,
) -> Tuple[Impact, Dict[str, Dict[str, Any]]]:
    """Train every finding's first pair and write the verdicts beside the artifacts; returns the run and
    finding id -> its impact record."""
    budget = budget or Budget()
    chosen = representatives(folder)
    if not chosen:
        raise UserError(
            f"the artifacts in {folder} have no findings",
            "run rnncompare run first; same starts have no impact to test",
        )
    _check_specs(folder, scenarios, sorted({a.scenario for _, a, _ in chosen}))
    arms: List[ArmRef] = []
    for _, a, b in chosen:
        arms += [x for x in (a, b) if x not in arms]
    pairs = [(arms.index(a), arms.index(b)) for _, a, b in chosen]
    done = impact(
        arms, task, folder / FOLDER, scenarios, budget, parallel=parallel, notify=notify, pairs=pairs, margin=margin
    )
    by_pair = {(c.a, c.b): c for c in done.comparisons}
    records = {}
    for finding_id, a, b in chosen:
        c = by_pair[(a.label, b.label)]
        records[finding_id] = dict(c.to_dict(), task=done.document["task"]["name"], budget=budget.steps)
    document = dict(done.document, findings=records)
    path = folder / FOLDER / "impact.json"
    artifact.atomic_write(path, lambda h: h.write(json.dumps(document, indent=1, sort_keys=True).encode("utf-8")))
    return done, records
