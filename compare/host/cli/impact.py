"""``rnncompare impact --arm A --arm B ...``: train each arm from its real draws, paired seeds, and say whether
the training outcome differs beyond seed-to-seed noise (``compare.host.impact.impact``)."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path
from typing import Callable

from compare.errors import UserError
from compare.host.impact import Budget, impact, parse_arm, task_spec
from compare.host.impact.findings import impact_of_findings
from compare.host.impact.run import SUITE_BUDGET, SUITE_LENGTH, TASKS
from compare.host.impact.stats import MARGIN
from compare.host.report.impact import impact_text
from compare.host.report.pipeline import make_report

HELP = "does a difference matter? paired training runs from each arm's real draws, with a verdict"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--arm",
        action="append",
        default=[],
        metavar="[SCENARIO@]ENV:ROUTE",
        help="an arm; the first is the baseline every other is compared with (repeatable)",
    )
    parser.add_argument(
        "--findings",
        metavar="FOLDER",
        help="instead of arms: each finding of the artifacts in FOLDER (its first pair); the verdicts go to "
        "FOLDER/impact/ and into FOLDER's report",
    )
    parser.add_argument("--scenarios", help="scenario TOML file (default: the built-in suite)")
    parser.add_argument("--scenario", help="the scenario of arms given without SCENARIO@")
    parser.add_argument("--task", default="adding", choices=TASKS, help="training task (default: %(default)s)")
    parser.add_argument(
        "--length",
        type=int,
        help=f"sequence length (adding 40, {SUITE_LENGTH} with --findings; copy delay 10; charlm 32)",
    )
    parser.add_argument("--data", help="task npz: an .npz with arrays inputs (N, steps, dim) and targets")
    parser.add_argument("--entry", help="task python: MODULE:FUNCTION returning (inputs, targets)")
    budget = "(default: {} with arms, {} with --findings)"
    for flag, kind, field, what in (
        ("--steps", int, "steps", "training steps"),
        ("--batch", int, "batch", "batch size"),
        ("--lr", float, "learning_rate", "Adam learning rate"),
        ("--eval-every", int, "eval_every", "steps between test losses"),
        ("--seeds", int, "seeds", "paired seeds per arm"),
    ):
        defaults = (getattr(Budget(), field), getattr(SUITE_BUDGET, field))
        parser.add_argument(flag, type=kind, help=f"{what} " + budget.format(*defaults))
    parser.add_argument("--seed-base", type=int, default=0, help="first training seed (default: %(default)s)")
    parser.add_argument(
        "--repeats", type=int, default=1, help="independent repeats of the comparison (default: %(default)s)"
    )
    parser.add_argument(
        "--threshold", type=float, help="loss for steps-to-threshold (default: 0.06 x the trivial loss)"
    )
    parser.add_argument(
        "--margin", type=float, default=MARGIN, help="no-effect margin in log10 loss (default: %(default)s)"
    )
    parser.add_argument(
        "--out", default="impact", help="folder to write impact.json/.md/-curves.svg (default: %(default)s)"
    )
    parser.add_argument("-p", "--parallel", type=int, metavar="N", help="trainer processes at a time (default: cores)")


def _budget(args: argparse.Namespace, base: Budget) -> Budget:
    """``base`` with the options given on the command line."""
    given = {"steps": args.steps, "batch": args.batch, "learning_rate": args.lr, "eval_every": args.eval_every}
    given.update(seeds=args.seeds, seed_base=args.seed_base)
    return dataclasses.replace(base, **{k: v for k, v in given.items() if v is not None})


def run(args: argparse.Namespace) -> int:
    suite = bool(args.findings)
    length = args.length or (SUITE_LENGTH if suite and args.task == "adding" else None)
    task = task_spec(args.task, length, args.data, args.entry)
    budget = _budget(args, SUITE_BUDGET if suite else Budget())
    notify = lambda line: print(line, file=sys.stderr, flush=True)  # noqa: E731
    if args.findings:
        if args.arm:
            raise UserError("--findings and --arm both given", "train either a run's findings or named arms")
        return _findings(Path(args.findings), task, budget, args, notify)
    arms = [parse_arm(a, args.scenario) for a in args.arm]
    done = impact(
        arms,
        task,
        Path(args.out),
        args.scenarios,
        budget,
        args.repeats,
        args.threshold,
        margin=args.margin,
        parallel=args.parallel,
        notify=lambda line: print(line, file=sys.stderr, flush=True),
    )
    for c in done.comparisons:
        print(f"{c.b} vs {c.a}: {c.verdict} ({c.reason})")
    print("wrote " + ", ".join(str(p) for p in done.files.values()))
    return 0


def _findings(folder: Path, task: dict, budget: Budget, args: argparse.Namespace, notify: Callable[[str], None]) -> int:
    if not folder.is_dir():
        raise UserError(f"--findings {folder} is not a folder", "pass the folder rnncompare run wrote (artifacts/)")
    _, records = impact_of_findings(folder, task, args.scenarios, budget, args.parallel, notify, args.margin)
    for finding_id, record in records.items():
        print(f"{finding_id}: {impact_text(record)}")
    files = make_report(folder)
    print("report: {}".format(files.get("report.html")))
    return 0
