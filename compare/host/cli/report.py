"""``rnncompare report DIR [DIR ...] [--out FOLDER] [--baseline ENV:ROUTE] [--fail-on KINDS] [--allow FILE]
[--write-allow FILE]``: the migration report of a matrix run, and the CI gate on its findings.

Reads every artifact ``DIR/*.json`` (the report's own ``report.json`` excepted), has
``compare.host.diff`` judge every env/route against the baseline, and writes ``report.md``,
``report.json`` and ``report.html`` into ``--out`` (default: DIR): ``compare.host.report.make_report``.
The output folder is checked before anything is read. Several folders (shards run on different machines)
are merged first (``compare.host.merge.report_folders``; ``--out`` is then required).

``--fail-on KINDS`` makes the exit code 1 when report.json holds a finding of those kinds whose id is not in
the ``--allow FILE`` list (``compare.host.findings.gate``); ``--write-allow FILE`` writes the findings' ids
there, to accept the current ones once. Exit code 0 otherwise (without ``--fail-on``, whatever the report
says), 2 on bad input. The gate's options are shared with ``rnncompare run`` (:func:`add_gate_arguments`).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    from compare.host.findings.gate import Gate, Verdict

# compare.host.report (scipy) is imported when the verb runs, so the CLI still loads where they are absent.

HELP = "write report.md, report.json and a standalone report.html from a folder of artifacts"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "folders",
        nargs="+",
        metavar="folder",
        help="folder(s) of artifacts (<env>.json + .npz), e.g. artifacts; several are merged",
    )
    parser.add_argument("--out", help="folder for the report files (default: the artifacts folder)")
    parser.add_argument(
        "--baseline",
        metavar="ENV:ROUTE",
        help="what every env/route is compared with (default: the tf1 route of the newest TF 1.x)",
    )
    add_gate_arguments(parser)


def add_gate_arguments(parser: argparse.ArgumentParser) -> None:
    """``--fail-on``, ``--allow`` and ``--write-allow``: the CI gate, on ``report`` and ``run`` alike."""
    gate = parser.add_argument_group("CI gate", "exit 1 on findings a project has not accepted")
    gate.add_argument(
        "--fail-on",
        metavar="KINDS",
        help="exit 1 when a finding of these kinds is not in --allow: comma-separated function, distribution, "
        "cosmetic (e.g. function,distribution); without it the exit code ignores the findings",
    )
    gate.add_argument(
        "--allow",
        metavar="FILE",
        help="accepted finding ids, one per line, '#' comments (needs --fail-on); ids no finding has are "
        "reported as stale",
    )
    gate.add_argument(
        "--write-allow",
        metavar="FILE",
        help="write the report's finding ids to FILE (after the gate judged), to accept the current findings once",
    )


def gate_of(args: argparse.Namespace) -> Optional[Gate]:
    """The gate of the parsed options (None without any), checked before any work: kinds, files."""
    from compare.host.findings.gate import make_gate  # the findings load scipy: when the verb runs

    def path(text: Optional[str]) -> Optional[Path]:
        return Path(text) if text else None

    return make_gate(args.fail_on, path(args.allow), path(args.write_allow))


def print_verdict(verdict: Optional[Verdict]) -> None:
    for line in verdict.lines() if verdict is not None else ():
        print(line)


def run(args: argparse.Namespace) -> int:
    from compare.host.merge import report_folders

    gate = gate_of(args)
    out = Path(args.out) if args.out else None
    outcome = report_folders([Path(f) for f in args.folders], out, args.baseline, gate)
    for path in outcome.paths.values():
        print(f"wrote {path}")
    print_verdict(outcome.verdict)
    return outcome.exit_code
