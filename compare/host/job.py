"""The whole job of ``rnncompare run`` as one library function: every env's worker, then the report.

    run_and_report(envs, out_dir, scenarios, ...) -> RunOutcome

:func:`compare.host.runner.run_matrix` drives the envs (reusing complete artifacts of an earlier run unless
``fresh``); the migration report is made from whatever they wrote; a CI gate judges it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, List, Optional, Sequence

from compare.errors import UserError
from compare.host import runner
from compare.host.runner import EnvResult, Event, Shard

if TYPE_CHECKING:  # the findings load scipy: imported when a report is made, not with this module
    from compare.host.findings.gate import Gate, Verdict


@dataclass(frozen=True)
class RunOutcome:
    """``rnncompare run``: how each env ran, the report of what they wrote (or why there is none), and the
    CI gate's verdict on it (None without a gate, or without a report to judge)."""

    results: List[EnvResult]
    report: Optional[Path]
    report_error: str = ""
    sharded: bool = False  # a shard makes no report: it is ok when its envs are
    verdict: Optional[Verdict] = None

    @property
    def ok(self) -> bool:  # every env ran and the report was written (a shard: every env ran); the gate apart
        return (self.report is not None or self.sharded) and all(r.status == "ok" for r in self.results)

    @property
    def exit_code(self) -> int:  # 1 unless ok and the gate (if any) passed: a gate without a report fails
        return 0 if self.ok and (self.verdict is None or self.verdict.passed) else 1


def check_gate(gate: Optional[Gate], shard: Optional[Shard]) -> None:
    """A gate judges a report and a shard makes none: refused before any env starts, not passed unjudged."""
    if gate is not None and shard is not None:
        hint = "gate the merged shards: rnncompare report DIR1 DIR2 ... --out REPORT --fail-on KINDS"
        raise UserError("--fail-on, --allow and --write-allow judge a report, and a shard makes none", hint)


def run_and_report(
    envs: Sequence[str],
    out_dir: Path,
    scenarios: Optional[Path] = None,
    parallel: Optional[int] = None,
    baseline: Optional[str] = None,
    on_event: Optional[Callable[[Event], None]] = None,
    env_dir: Optional[str] = None,
    shard: Optional[Shard] = None,
    gate: Optional[Gate] = None,
    fresh: bool = False,
) -> RunOutcome:
    """Every env's worker (:func:`run_matrix`), then the migration report of whatever they wrote
        (``compare.host.report.make_report`` against ``baseline``): the whole job of ``rnncompare run``. A shard
        writes its artifacts only: the report is made where the shards' folders meet
        (``rnncompare report DIR1 DIR2 ... --out REPORT``). ``gate`` (``compare.host.findings.make_gate``)
        judges the report's findings; a sharded run refuses one (:func:`check_gate`). ``fresh`` runs every env's
    worker even where an earlier run's artifact could be reused. Ctrl-C raises
    :class:`compare.host.runner.Interrupted` before any report is written (the previous report stays)."""
    from compare.host.findings.gate import apply_gate
    from compare.host.report import make_report  # scipy loads only when a report is made

    check_gate(gate, shard)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    # through the module, so that tests can stand in for the envs
    results = runner.run_matrix(envs, out_dir, scenarios, parallel, on_event, runner.env_setup(env_dir), shard, fresh)
    if shard is not None:
        return RunOutcome(
            results,
            None,
            f"shard {shard.index}/{shard.count}: no report (merge the shards' folders with rnncompare "
            "report DIR1 DIR2 ... --out REPORT)",
            True,
        )
    try:
        paths = make_report(out_dir, out_dir, baseline)
    except UserError as exc:
        return RunOutcome(results, None, exc.one_line())
    verdict = apply_gate(gate, paths["report.json"]) if gate is not None else None
    return RunOutcome(results, paths["report.html"], verdict=verdict)
