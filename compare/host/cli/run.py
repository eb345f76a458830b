"""``rnncompare run``: the whole job: every TF env's worker, then the diff and the migration report.

    rnncompare run [--scenarios FILE] [--envs ENV,ENV...] [--out DIR] [-p N] [--env-dir DIR] [--shard I/N]
                   [--fresh] [--fail-on KINDS] [--allow FILE] [--write-allow FILE]

Each env runs through tox (created on first use, reused after), ``N`` at a time (default: one per
core, as many as fit in the free memory: ``runner.default_parallel``); a live display
shows each env's stage and time. An env that fails is reported with its log (``DIR/logs/ENV.log``)
and the others go on; the report then covers what ran. Exit code 0 when every env ran, 1 when one
failed (the report is still written) or the CI gate (``--fail-on``, as ``rnncompare report``'s) failed,
2 on bad input, 130 when interrupted (Ctrl-C, SIGTERM: one line per env says what finished; the rerun reuses
the envs whose artifact is complete, ``compare.host.resume``, unless ``--fresh``).
The job is ``compare.host.job.run_and_report``;
this verb adds the live display and the summary lines. From a checkout the envs are its tox.ini's; installed
(or with ``--env-dir`` / ``RNNCOMPARE_HOME``) they are the managed envs of ``compare.host.envs``. ``--shard I/N``
runs the I-th of N parts of the (scenario x env) work and writes its artifacts only.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Dict, List, Optional, Tuple

from compare.core.scenarios import load_scenarios
from compare.errors import UserError
from compare.host import envs as envs_module
from compare.host import job, runner
from compare.host.cli.report import add_gate_arguments, gate_of, print_verdict

if TYPE_CHECKING:
    from compare.host.findings.gate import Gate

HELP = "run every TF env on a scenario file, then diff the artifacts and write the migration report"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scenarios", help="scenario TOML file (default: the built-in suite)")
    parser.add_argument("--envs", help="comma-separated tox envs (default: tox.ini's matrix label)")
    parser.add_argument(
        "--out", default="artifacts", help="folder for artifacts, logs and report (default: %(default)s)"
    )
    parser.add_argument(
        "-p",
        "--parallel",
        type=int,
        metavar="N",
        help="envs at a time (default: as many as the cores and the free memory allow)",
    )
    parser.add_argument(
        "--baseline",
        metavar="ENV:ROUTE",
        help="what the report compares with (default: the tf1 route of the newest TF 1.x)",
    )
    add_env_dir(parser)
    parser.add_argument(
        "--shard",
        metavar="I/N",
        type=_shard,
        help="run only the I-th of N deterministic parts of "
        "the (scenario x env) work; artifacts only, merged later by rnncompare report DIR1 DIR2 ...",
    )
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="run every env's worker again, even where OUT holds its complete artifact for these scenarios "
        "(default: reuse it, printed as 'reused')",
    )
    add_gate_arguments(parser)


def add_env_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--env-dir",
        metavar="DIR",
        help=f"where rnncompare keeps its TF envs (default: ${envs_module.HOME_VARIABLE} or "
        "the user cache folder; a checkout uses its own tox.ini and .tox)",
    )


def _shard(text: str) -> runner.Shard:
    try:
        return runner.Shard.parse(text)
    except UserError as exc:
        raise argparse.ArgumentTypeError(exc.cause + " (e.g. 2/4)") from None


class Display:
    """A rich progress line per env: its stage (creating env, scenario k of n, done) and its time."""

    def __init__(self, envs: List[str]) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self.console = Console(stderr=True)
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.fields[env]:<14}"),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.console,
        )
        self.tasks = {env: self.progress.add_task("waiting", env=env, total=None) for env in envs}

    def __enter__(self) -> Display:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def __call__(self, event: runner.Event) -> None:
        task = self.tasks[event.env]
        if event.stage == "scenario":
            self.progress.update(
                task,
                description=f"scenario {event.done}/{event.total}: {event.detail}",
                completed=event.done,
                total=event.total,
            )
        elif event.stage == "waiting":  # a line that stays: the run is not stuck, another process works
            self.console.print(f"{event.env}: {event.detail}")
            self.progress.update(task, description="waiting for another process")
        elif event.stage == "done":
            self.progress.update(task, description=event.detail)
            self.progress.stop_task(task)
        else:
            self.progress.update(task, description=event.detail)


def _check(args: argparse.Namespace) -> Tuple[List[str], Optional[Gate]]:
    """The envs and the gate, from arguments checked before any env starts (a long run must not end
    on a typo: the scenario file, the envs, -p, the gate's kinds and allow-list, a gate on a shard)."""
    load_scenarios(args.scenarios)
    envs = runner.parse_envs(args.envs, runner.env_setup(args.env_dir))
    if args.parallel is not None and args.parallel < 1:
        raise UserError("-p must be at least 1", "e.g. -p 2 on a 2-core machine")
    gate = gate_of(args)
    job.check_gate(gate, args.shard)
    return envs, gate


def _summarize(results: List[runner.EnvResult]) -> Dict[str, str]:
    lines = {}
    for result in results:
        if result.status == "ok" and result.action == "reused":
            lines[result.env] = f"reused {result.artifact} (complete for these scenarios; --fresh runs it again)"
        elif result.status == "ok":
            lines[result.env] = f"ok in {result.seconds:.0f} s -> {result.artifact}"
        elif result.status == "interrupted":
            lines[result.env] = f"interrupted: {result.reason}; the rerun redoes it"
        else:
            lines[result.env] = f"{result.status.upper()}: {result.reason} (log: {result.log})"
    return lines


def run(args: argparse.Namespace) -> int:
    envs, gate = _check(args)
    scenarios = Path(args.scenarios) if args.scenarios else None
    started = time.time()
    try:
        with Display(envs) as display:
            outcome = job.run_and_report(
                envs,
                Path(args.out),
                scenarios,
                args.parallel,
                args.baseline,
                display,
                args.env_dir,
                args.shard,
                gate,
                args.fresh,
            )
    except runner.Interrupted as stopped:
        for env, line in _summarize(stopped.results).items():
            print(f"{env:<14} {line}")
        print(
            "error: interrupted; no report written (hint: run the same command again: finished envs are reused)",
            file=sys.stderr,
        )
        return 130
    for env, line in _summarize(outcome.results).items():
        print(f"{env:<14} {line}")
    if outcome.report is not None:
        print(f"report: {outcome.report}")
    elif outcome.sharded:
        print(outcome.report_error)
    else:
        print(outcome.report_error, file=sys.stderr)
    print_verdict(outcome.verdict)
    if gate is not None and outcome.verdict is None:
        print("gate: failed: no report to judge", file=sys.stderr)
    print(f"done in {time.time() - started:.0f} s")
    return outcome.exit_code
