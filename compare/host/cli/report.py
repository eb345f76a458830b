"""``rnncompare report DIR [DIR ...] [--out FOLDER] [--baseline ENV:ROUTE]``: the migration report of a matrix run.

Reads every artifact ``DIR/*.json`` (the report's own ``report.json`` excepted), has
``compare.host.diff`` judge every env/route against the baseline, and writes ``report.md``,
``report.json`` and ``report.html`` into ``--out`` (default: DIR): ``compare.host.report.make_report``.
The output folder is checked before anything is read. Several folders (shards run on different machines)
are merged first (``compare.host.merge.report_folders``; ``--out`` is then required).
"""

from __future__ import annotations

import argparse
from pathlib import Path

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


def run(args: argparse.Namespace) -> int:
    from compare.host.merge import report_folders

    for path in report_folders(
        [Path(f) for f in args.folders], Path(args.out) if args.out else None, args.baseline
    ).values():
        print(f"wrote {path}")
    return 0
