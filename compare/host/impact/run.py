"""``rnncompare impact``: does a difference change training? Paired runs from each arm's real draws.

An arm is a route of a scenario in an env (``[SCENARIO@]ENV:ROUTE``). Each env's worker exports K draws
of its arms' raw variables (``--export-draws``); the one trainer (Keras 3 in tf221) trains every arm
from each of its draws on one task with paired seeds; every arm after the first is compared with the
first (the baseline) by ``compare.host.impact.stats``.
"""

from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from compare.core.scenarios import load_scenarios
from compare.errors import UserError
from compare.host.impact import execute, output
from compare.host.impact.stats import MARGIN, Comparison, Curve, compare_arms

TASKS = ("adding", "copy", "charlm", "npz", "python")
DEFAULT_LENGTH = {"adding": 40, "copy": 10, "charlm": 32}
THRESHOLD = 0.06  # of the trivial predictor's loss: MSE 0.01 on the adding problem (its literature's bar)


@dataclass(frozen=True)
class ArmRef:
    """``SCENARIO@ENV:ROUTE``: one route's draws of one scenario in one env."""

    scenario: str
    env: str
    route: str

    @property
    def label(self) -> str:
        return f"{self.scenario}@{self.env}:{self.route}"


@dataclass(frozen=True)
class Budget:
    """What every arm gets: the same steps, batch size, Adam learning rate and paired seeds."""

    steps: int = 800
    batch: int = 64
    learning_rate: float = 1e-2
    eval_every: int = 50
    test_size: int = 512
    seeds: int = 8
    seed_base: int = 0


# --findings on a whole run: every finding's pair in minutes on 2 cores (benchmarks/README.md), the adding
# problem short enough (SUITE_LENGTH) that the suite's 16-unit layers learn it within the budget
SUITE_BUDGET = Budget(steps=300, batch=32, eval_every=25, seeds=4)
SUITE_LENGTH = 10


@dataclass(frozen=True)
class Impact:
    """A finished impact run: the comparisons (per repeat) and the files written."""

    comparisons: List[Comparison]
    files: Dict[str, Path]
    document: Dict[str, Any]


def parse_arm(text: str, scenario: Optional[str]) -> ArmRef:
    where, at, rest = text.rpartition("@")
    env, colon, route = (rest if at else text).partition(":")
    name = where if at else scenario
    if not colon or not env or not route or not name:
        raise UserError(
            f"arm {text!r} is not [SCENARIO@]ENV:ROUTE", "e.g. --arm tf115:tf1 --arm tf221:keras --scenario NAME"
        )
    return ArmRef(name, env, route)


def task_spec(
    name: str, length: Optional[int] = None, path: Optional[str] = None, entry: Optional[str] = None
) -> Dict[str, Any]:
    """The task a job names, checked on the host before any env starts."""
    if name not in TASKS:
        raise UserError(f"unknown task {name!r}", "tasks: " + ", ".join(TASKS))
    if name == "npz" and not (path and Path(path).is_file()):
        raise UserError(f"task npz needs --data FILE.npz (got {path!r})", "an .npz with arrays inputs and targets")
    if name == "python" and ":" not in (entry or ""):
        raise UserError("task python needs --entry MODULE:FUNCTION", "a function returning (inputs, targets)")
    spec: Dict[str, Any] = {"name": name, "length": length or DEFAULT_LENGTH.get(name, 0)}
    if path:
        spec["path"] = str(Path(path).resolve())
    if entry:
        spec["entry"] = entry
    return spec


def _check(arms: Sequence[ArmRef], scenarios: Optional[str], budget: Budget) -> None:
    if len(arms) < 2:
        raise UserError("impact needs at least two arms", "e.g. --arm tf115:tf1 --arm tf221:keras")
    known = {s.name for s in load_scenarios(scenarios)}
    for arm in arms:
        if arm.scenario not in known:
            raise UserError(f"no scenario named {arm.scenario!r}", "scenarios: " + ", ".join(sorted(known)))
    if budget.seeds < 2 or budget.steps < 1 or budget.eval_every < 1:
        raise UserError("the budget needs --seeds >= 2 and --steps >= 1", "e.g. --seeds 8 --steps 800")


def impact(
    arms: Sequence[ArmRef],
    task: Dict[str, Any],
    out: Path,
    scenarios: Optional[str] = None,
    budget: Optional[Budget] = None,
    repeats: int = 1,
    threshold: Optional[float] = None,
    alpha: float = 0.05,
    margin: float = MARGIN,
    parallel: Optional[int] = None,
    notify: Callable[[str], None] = print,
    pairs: Optional[Sequence[Tuple[int, int]]] = None,
) -> Impact:
    """Train every arm from ``budget.seeds x repeats`` of its draws and compare each with ``arms[0]``, or
    arm ``b`` with arm ``a`` for each ``(a, b)`` of ``pairs`` (indexes into ``arms``); per repeat:
    ``repeats`` independent verdicts, for checking how often a verdict comes out."""
    budget = budget or Budget()
    _check(arms, scenarios, budget)
    started = time.time()
    workers = parallel or max(1, min(os.cpu_count() or 1, 4))
    seeds = budget.seeds * repeats
    wanted: Dict[str, Dict[str, List[str]]] = {}
    for arm in arms:
        wanted.setdefault(arm.env, {}).setdefault(arm.route, []).append(arm.scenario)
    scenario_file = str(Path(scenarios).resolve()) if scenarios else ""
    draws = execute.export_draws(wanted, scenario_file, seeds, out / "draws", workers, notify)
    job = {
        "task": task,
        "budget": asdict(budget),
        "seeds": list(range(seeds)),
        "seed_base": budget.seed_base,
        "arms": [{"label": a.label, "draws": str(draws[a.env]), "prefix": f"{a.scenario}/{a.route}/"} for a in arms],
    }
    trained = execute.train(job, out / "draws", workers, notify)
    runs = [Curve(r["arm"], int(r["seed"]), tuple(r["steps"]), tuple(r["test_loss"])) for r in trained["runs"]]
    about = trained["task"]
    limit = threshold if threshold is not None else THRESHOLD * about["trivial_loss"]
    stats_task = dict(about, threshold=limit, budget=budget.steps, eval_every=budget.eval_every)
    labels = [a.label for a in arms]
    compared = pairs or [(0, i) for i in range(1, len(arms))]
    comparisons = [
        compare_arms(
            runs, labels[a], labels[b], range(k * budget.seeds, (k + 1) * budget.seeds), stats_task, alpha, margin
        )
        for k in range(repeats)
        for a, b in compared
    ]
    document = {
        "schema": "rnncompare/impact",
        "version": 1,
        "task": about,
        "task_spec": task,
        "budget": asdict(budget),
        "repeats": repeats,
        "threshold": limit,
        "alpha": alpha,
        "margin": margin,
        "trainer": "Keras {} on TensorFlow {} ({})".format(
            trained["env"]["keras"]["version"], trained["env"]["tensorflow"], execute.TRAINER_ENV
        ),
        "arms": labels,
        "comparisons": output.comparisons_dict(comparisons),
        "runs": [
            {k: r[k] for k in ("arm", "seed", "steps", "test_loss", "seconds") if k in r} for r in trained["runs"]
        ],
        "seconds": round(time.time() - started, 1),
    }
    files = output.write(out, document, runs, labels)
    return Impact(comparisons, files, document)
