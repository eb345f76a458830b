"""``rnncompare diff A.json B.json`` / ``rnncompare diff DIR [DIR ...]``: which blocks initialize differently.

Several folders (shards run on different machines) are merged first (``compare.host.merge.merged``).

Exit code 0 when every row is ``same``, 1 when any ``differs`` or is ``missing``, 2 on bad input.
The terminal gets the findings first (``compare.host.findings``: one cause each, with where, kind and
fix, deduplicated across scenarios), then the differing and missing rows (``--all`` adds the same ones).
``--json PATH`` writes every row and the findings atomically: ``findings`` (one per cause and scenario, as
report.json's) and ``findings_summary`` (one per cause over the run). The thresholds in force are printed
under the table.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from compare import artifact
from compare.artifact import Artifact
from compare.host import diff as engine
from compare.host.findings import Findings, findings_for
from compare.host.merge import merged

HELP = "compare two artifacts (or every artifact in a folder against a baseline), block by block"
ORDER = {"differs": 0, "missing": 1, "same": 2}
STYLE = {"differs": "bold red", "missing": "yellow", "same": "green"}
KIND_STYLE = {"function": "bold red", "distribution": "yellow", "cosmetic": "dim"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = engine.Thresholds()
    parser.add_argument(
        "paths",
        nargs="+",
        metavar="PATH",
        help="A.json B.json, or folder(s) of artifacts (several are merged, e.g. shards)",
    )
    parser.add_argument(
        "--a-route", help="route of A: tf1, keras, recipe (default: the same route on both sides, plus tf1 vs keras)"
    )
    parser.add_argument("--b-route", help="route of B (default: as A)")
    parser.add_argument(
        "--baseline",
        metavar="ENV:ROUTE",
        help="what every artifact of a folder is compared "
        "against (default: the tf1 route of the newest TF 1.x, e.g. tf115:tf1)",
    )
    parser.add_argument("--json", metavar="PATH", help="write every row and the findings as JSON")
    parser.add_argument("--all", action="store_true", help="also list the blocks that are the same")
    parser.add_argument(
        "--alpha", type=float, default=defaults.alpha, help="significance after correction (default %(default)s)"
    )
    parser.add_argument(
        "--correction",
        choices=("holm", "bh"),
        default=defaults.correction,
        help="multiple-comparison correction over all tests (default %(default)s)",
    )
    parser.add_argument(
        "--scale-floor",
        type=float,
        default=defaults.scale_floor,
        help="smallest std ratio - 1 worth flagging (default %(default)s)",
    )
    parser.add_argument(
        "--ks-floor",
        type=float,
        default=defaults.ks_floor,
        help="smallest KS distance worth flagging (default %(default)s)",
    )


def _thresholds(args: argparse.Namespace) -> engine.Thresholds:
    return engine.Thresholds(
        alpha=args.alpha, correction=args.correction, scale_floor=args.scale_floor, ks_floor=args.ks_floor
    )


def compute(args: argparse.Namespace) -> engine.DiffResult:
    return compute_with_artifacts(args)[0]


def compute_with_artifacts(args: argparse.Namespace) -> Tuple[engine.DiffResult, List[Artifact]]:
    """The diff, and the artifacts it read (the findings read them too: read once, not twice)."""
    paths = [Path(p) for p in args.paths]
    if len(paths) > 1 and all(p.is_dir() for p in paths):  # shards' folders: merged into one first
        with merged(paths) as folder:
            return _diff([folder], args)
    return _diff(paths, args)


def _diff(paths: List[Path], args: argparse.Namespace) -> Tuple[engine.DiffResult, List[Artifact]]:
    """``engine.diff_files`` on artifacts read here; anything else it is given, it judges (and refuses)."""
    thresholds = _thresholds(args)
    if len(paths) == 1 and paths[0].is_dir() and not (args.a_route or args.b_route):
        arts = list(artifact.read_folder(paths[0]).values())
        return engine.diff_against(arts, args.baseline, thresholds), arts
    if len(paths) == 2 and all(p.is_file() for p in paths):
        a, b = artifact.read(paths[0]), artifact.read(paths[1])
        return engine.diff(a, b, engine.default_pairs(a, b, args.a_route, args.b_route), thresholds), [a, b]
    return engine.diff_files(paths, args.a_route, args.b_route, args.baseline, thresholds), []


def _reasons_text(row: engine.Row) -> str:
    if not row.reasons:
        return ""
    return "\n".join(f"[{r.code}] {r.detail}" for r in row.reasons)


def shown_rows(result: engine.DiffResult, everything: bool) -> List[engine.Row]:
    """Differing rows first, then missing; the same rows (informational notes included) only with --all."""
    rows = [r for r in result.rows if everything or r.verdict != "same"]
    return sorted(rows, key=lambda r: ORDER[r.verdict])


def pair_summary(result: engine.DiffResult) -> List[List[str]]:
    """One line per compared pair: counts per verdict and the reason codes behind the differences."""
    pairs: Dict[str, Dict[str, Any]] = {}
    for row in result.rows:
        name = f"{row.a.label} vs {row.b.label}"
        entry = pairs.setdefault(name, dict(dict.fromkeys(ORDER, 0), codes=set()))
        entry[row.verdict] += 1
        if row.verdict != "same":
            entry["codes"].update(r.code for r in row.reasons if r.code not in engine.INFORMATIONAL)
    return [
        [name, str(e["same"]), str(e["differs"]), str(e["missing"]), ", ".join(sorted(e["codes"]))]
        for name, e in pairs.items()
    ]


def print_findings(found: Findings, console: Any) -> None:
    """The run's findings, one row each (kind, what, where and in which scenarios, fix): the answer first."""
    from rich.markup import escape
    from rich.table import Table

    if not found.summary:
        console.print("findings: none: every compared block starts alike (missing routes aside)", highlight=False)
        return
    table = Table(title="findings: one cause each (the rows below are the evidence)", title_justify="left")
    for column, ratio in (("kind", None), ("what", 3), ("where", 2), ("fix", 2)):
        table.add_column(column, overflow="fold", ratio=ratio)
    for f in found.summary:
        named = any(f"({name})" in f.where for name in f.scenarios)  # the summary's where, scenario by scenario
        where = f.where if named else "{} [{}]".format(f.where, ", ".join(f.scenarios))
        table.add_row(f"[{KIND_STYLE[f.kind]}]{f.kind}[/]", escape(f.what), escape(where), escape(f.fix))
    console.print(table)


def print_table(result: engine.DiffResult, everything: bool = False, found: Optional[Findings] = None) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(width=None if sys.stdout.isatty() else 160)
    if found is not None:
        print_findings(found, console)
    summary = Table(title="per compared pair", title_justify="left")
    for column in ("a vs b", "same", "differs", "missing", "why"):
        summary.add_column(column, overflow="fold")
    for line in pair_summary(result):
        summary.add_row(*[escape(cell) for cell in line])
    console.print(summary)
    table = Table(title="blocks that differ" + (" (all rows)" if everything else ""), title_justify="left")
    for column in ("verdict", "scenario", "block", "a vs b"):
        table.add_column(column, overflow="fold", max_width=30)
    table.add_column("reasons", overflow="fold", ratio=1, min_width=40)
    for row in shown_rows(result, everything):
        table.add_row(
            f"[{STYLE[row.verdict]}]{row.verdict}[/]",
            escape(row.scenario),
            escape(row.block),
            escape(f"{row.a.label} vs {row.b.label}"),
            escape(_reasons_text(row)),
        )
    console.print(table)
    counts = result.counts()
    console.print(
        "{} rows: {} differ, {} missing, {} same; {} statistical tests.".format(
            len(result.rows), counts["differs"], counts["missing"], counts["same"], result.tests
        ),
        highlight=False,
    )
    console.print("thresholds: " + result.thresholds.describe(), highlight=False)
    for note in result.notes:
        console.print("note: " + note, highlight=False)


def run(args: argparse.Namespace) -> int:
    if args.json:
        artifact.check_writable(Path(args.json), "--json")
    result, arts = compute_with_artifacts(args)
    found = findings_for(result.rows, arts)
    if args.json:
        engine.write_json(result, Path(args.json), found.to_dict())
    print_table(result, args.all, found)
    return result.exit_code
