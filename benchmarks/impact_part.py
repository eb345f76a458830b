"""The impact part: ``rnncompare impact --findings`` on the suite's artifacts at its default budget, timed.

The artifacts are those of the suite's workers run alone (``parts.workers_alone``, shared with the
analysis and run parts), copied so the impact run writes its verdicts and report beside a copy. The
target is the wall time of the whole impact run (every env's export, the trainer processes, the report)
on this machine's cores: "the built-in suite's impact in minutes".
"""

from __future__ import annotations

import json
import shutil
from typing import Any, Dict, Optional

from benchmarks.parts import RUN_ENV, Bench, log, scenario_args, suite_label, workers_alone
from benchmarks.targets import Target, not_run, seconds

IMPACT_SECONDS = 600.0  # ten minutes for the built-in suite's findings on 2 cores


def measure_impact(bench: Bench) -> Dict[str, Any]:
    source = workers_alone(bench)["folder"]
    folder = bench.scratch / "impact-run"
    shutil.copytree(source, folder)
    log(f"[impact] rnncompare impact --findings on the {suite_label(bench.args.suite)}, default budget")
    argv = ["-m", "compare", "impact", "--findings", str(folder)] + scenario_args(bench.args.suite)
    timing = bench.time(bench.command(RUN_ENV, "impact", argv), 1)
    document = json.loads((folder / "impact" / "impact.json").read_text(encoding="utf-8"))
    verdicts: Dict[str, int] = {}
    for record in document["findings"].values():
        verdicts[record["verdict"]] = verdicts.get(record["verdict"], 0) + 1
    return {
        "timing": timing,
        "findings": len(document["findings"]),
        "arms": len(document["arms"]),
        "runs": len(document["runs"]),
        "budget": document["budget"],
        "task": document["task"]["name"],
        "verdicts": verdicts,
        "train_seconds": round(sum(r.get("seconds", 0.0) for r in document.get("runs", [])), 1),
    }


def impact_target(result: Optional[Dict[str, Any]]) -> Target:
    """The suite's impact run, whole, within IMPACT_SECONDS (a time on this machine, not a ratio: the issue's
    "minutes" is the user's wait)."""
    name = f"impact --findings on the suite, default budget <= {IMPACT_SECONDS:.0f} s"
    if not result:
        return not_run(name, IMPACT_SECONDS, "impact")
    wall = seconds(result["timing"])
    if wall is None:
        return Target(name, IMPACT_SECONDS, None, "FAIL", "the impact run failed")
    detail = "{} findings, {} arms, {} runs of {} steps ({}); {}".format(
        result["findings"], result["arms"], result["runs"], result["budget"]["steps"], result["task"],
        ", ".join(f"{n} {v}" for v, n in sorted(result["verdicts"].items())),
    )  # fmt: skip
    return Target(name, IMPACT_SECONDS, round(wall, 1), "PASS" if wall <= IMPACT_SECONDS else "FAIL", detail)
