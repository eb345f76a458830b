"""``rnncompare report DIR [--out FOLDER] [--baseline ENV:ROUTE]``: the migration report of a matrix run.

Reads every artifact ``DIR/*.json`` (the report's own ``report.json`` excepted), has
``compare.diff`` judge every env/route against the baseline, and writes ``report.md``,
``report.json`` and ``report.html`` into ``--out`` (default: DIR). The output folder is checked before anything is read.
"""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple

from compare import artifact
from compare.errors import UserError

# compare.report itself (matplotlib) and compare.diff (scipy) are imported when the verb runs, so the
# CLI still loads where they are absent.

HELP = "write report.md, report.json and a standalone report.html from a folder of artifacts"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("folder", help="folder of artifacts (<env>.json + .npz), e.g. artifacts")
    parser.add_argument("--out", help="folder for the report files (default: the artifacts folder)")
    parser.add_argument("--baseline", metavar="ENV:ROUTE",
                        help="what every env/route is compared with (default: tf115:tf1, else the first env whose "
                        "tf1 route ran)")


def default_baseline(artifacts: Mapping[str, Mapping[str, Any]]) -> Tuple[str, str]:
    """tf115 (diff's default baseline), else the first env (by name), where some scenario's TF1 route
    ran: the code being migrated away from. tf11 sorts first but is the oddity (TF 1.1's orthogonal
    initializer), not the reference."""
    for env, document in sorted(artifacts.items(), key=lambda item: item[0] != "tf115"):
        for entry in (document.get("scenarios") or {}).values():
            if ((entry.get("routes") or {}).get("tf1") or {}).get("status") == "ok":
                return env, "tf1"
    return next(iter(artifacts)), "keras"


def diff_rows(artifacts: Mapping[str, Mapping[str, Any]], paths: Mapping[str, Path],
              baseline: Tuple[str, str]) -> Tuple[List[Dict[str, Any]], List[str]]:
    """compare.diff's rows for every (env, route) against the baseline, and its notes.

    When the diff refuses (artifacts without per-block statistics, differing spec hashes), the
    report still shows the statistics, with the refusal as a note.
    """
    from compare import diff

    arts = [diff.Artifact(dict(doc), paths[env]) for env, doc in artifacts.items()]
    try:
        result = diff.diff_against(arts, "{}:{}".format(*baseline))
    except UserError as exc:
        return [], ["no verdicts: compare.diff refused these artifacts: " + exc.one_line()]
    notes = result.notes + ["verdict thresholds: " + result.thresholds.describe()]
    return [row.to_dict() for row in result.rows], notes


def recipes_for(artifacts: Mapping[str, Mapping[str, Any]], rows: List[Dict[str, Any]],
                baseline: Tuple[str, str]) -> Dict[str, Dict[str, str]]:
    """scenario -> {"snippet", "verdict"}: the recipe's code and its measured verdict (the recipe route)."""
    from compare.recipes import snippet, verdict

    recipes: Dict[str, Dict[str, str]] = {}
    for document in artifacts.values():
        for name, entry in (document.get("scenarios") or {}).items():
            if name not in recipes and isinstance(entry.get("spec"), dict):
                try:
                    code = snippet(entry["spec"])
                except (KeyError, TypeError, ValueError, AttributeError):
                    continue  # not a whole scenario spec (hand-made or damaged): no recipe, nothing else lost
                recipes[name] = {"snippet": code, "verdict": verdict(rows, name, baseline)}
    return recipes


def parse_baseline(value: Optional[str]) -> Optional[Tuple[str, str]]:
    """``tf115:tf1`` -> ("tf115", "tf1"); None when not given."""
    return artifact.split_route(value, "--baseline ENV:ROUTE, e.g. tf115:tf1") if value else None


def run(args: argparse.Namespace) -> int:
    from compare.report import build, check_output, write

    out = check_output(Path(args.out or args.folder))
    baseline = parse_baseline(args.baseline)
    artifacts, paths = artifact.load_folder(Path(args.folder))
    if baseline is not None and baseline[0] not in artifacts:
        raise UserError("--baseline env {!r} has no artifact".format(baseline[0]), "envs: " + ", ".join(artifacts))
    baseline = baseline or default_baseline(artifacts)
    rows, notes = diff_rows(artifacts, paths, baseline)
    model = build(artifacts, rows, recipes_for(artifacts, rows, baseline), baseline, notes)
    for path in write(model, out).values():
        print("wrote {}".format(path))
    return 0
