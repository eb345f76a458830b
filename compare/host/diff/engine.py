"""Driving a diff: scenarios and route pairs of typed artifacts into rows, tests corrected together (host only)."""

import dataclasses
import re
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from compare import artifact
from compare.artifact import Artifact, RouteResult
from compare.core import families
from compare.core.layout import parse_key
from compare.errors import UserError
from compare.host.diff.blocks import Comparer, Memo, compare_block, first_seed_rows, key_order, missing
from compare.host.diff.config import config_row, forget_bias_settled
from compare.host.diff.results import DEFAULTS, ROUTE_BLOCK, DiffResult, Reason, Row, Side, Thresholds
from compare.host.diff.significance import QueuedTest, resolve


def _scenario_rows(name: str, a: Artifact, b: Artifact, cmp: Comparer, notes: List[str]) -> List[Row]:
    ea, eb = a.route(name, cmp.a.route), b.route(name, cmp.b.route)
    if ea is None or not ea.ok:
        return [_unusable_route(name, cmp, ea, cmp.a, cmp.b)]
    if eb is None or not eb.ok:
        return [_unusable_route(name, cmp, eb, cmp.b, cmp.a)]
    if not ea.has_blocks or not eb.has_blocks:
        raise UserError(
            f"scenario {name!r}: an artifact has no per-block statistics",
            "re-run the envs with this rnncompare (tox -m matrix) to rewrite the artifacts",
        )
    config = config_row(name, cmp, ea, eb, a.scenarios[name].spec)
    rows = []
    for key in sorted(set(ea.blocks) | set(eb.blocks), key=key_order):
        if _folded(key, ea if key in ea.blocks else eb) and (key in ea.blocks) != (key in eb.blocks):
            continue  # part of its gate's effective bias, which the gate's bias row compares
        row = Row(name, key, cmp.a, cmp.b)
        if key not in eb.blocks:
            rows.append(missing(row, cmp.a, cmp.b, "this block"))
        elif key not in ea.blocks:
            rows.append(missing(row, cmp.b, cmp.a, "this block"))
        else:
            compare_block(cmp, row, ea, eb)
            rows.append(row)
    forget_bias_settled(config, rows)
    return [config] + rows + first_seed_rows(cmp, name, a, b, rows, notes)


def _folded(key: str, entry: RouteResult) -> bool:
    """Whether block ``key`` of ``entry`` is a recurrent bias its gate adds to its input bias (a gate the reset
    gate does not scale): the gate sees their sum alone, its effective bias."""
    _, _, gate, part = parse_key(key)
    return part == "recurrent_bias" and gate not in families.get(entry.family).reset_scaled


def _unusable_route(name: str, cmp: Comparer, entry: Optional[RouteResult], side: Side, other: Side) -> Row:
    """The one row of a scenario whose route ``entry`` on ``side`` is absent or not ok."""
    status, why = ("absent", "") if entry is None else (entry.status, entry.reason[:200])
    detail = "Route {} is {} for this scenario{}.".format(side.label, status, ": " + why if why else "")
    return Row(
        name,
        ROUTE_BLOCK,
        cmp.a,
        cmp.b,
        "missing",
        [Reason("missing_block", detail, {"absent": side.label, "present": other.label})],
    )


def _check_hashes(a: Artifact, b: Artifact) -> List[str]:
    shared = [n for n in a.scenarios if n in b.scenarios]
    for name in shared:
        ha, hb = a.scenarios[name].spec_hash, b.scenarios[name].spec_hash
        if ha != hb:
            raise UserError(
                f"scenario {name!r} has spec_hash {ha} in {a.name} but {hb} in {b.name}: not the same layer definition",
                "run both envs on the same scenario file (seeds and base_seed may differ)",
            )
    return shared


def diff(
    a: Artifact,
    b: Artifact,
    pairs: Sequence[Tuple[str, str]],
    thresholds: Thresholds = DEFAULTS,
    tests: Optional[List[QueuedTest]] = None,
    memo: Optional[Memo] = None,
) -> DiffResult:
    """Rows for every shared scenario and route pair ``(a_route, b_route)``; tests corrected together
    (or, with ``tests``, queued there for the caller's :func:`finish`); ``memo``: what several diffs
    of one caller share."""
    shared = _check_hashes(a, b)
    queue: List[QueuedTest] = [] if tests is None else tests
    memo = Memo() if memo is None else memo
    rows: List[Row] = []
    notes: List[str] = []
    only = sorted(set(a.scenarios) ^ set(b.scenarios))
    if only:
        notes.append("scenarios in one artifact only, not compared: " + ", ".join(only))
    for ra, rb in pairs:
        cmp = Comparer(Side(a.name, ra), Side(b.name, rb), thresholds, queue, notes, memo)
        for name in shared:
            rows.extend(_scenario_rows(name, a, b, cmp, notes))
    result = DiffResult(rows, thresholds, len(queue), notes)
    if tests is None:
        finish(result, queue)
    return result


def finish(result: DiffResult, queue: List[QueuedTest]) -> DiffResult:
    """Correct the queued tests together, attach the flagged ones, set every verdict."""
    resolve(queue, result.thresholds)
    result.tests = len(queue)
    for row in result.rows:
        row.settle()
    return result


def default_pairs(
    a: Artifact, b: Artifact, a_route: Optional[str] = None, b_route: Optional[str] = None
) -> List[Tuple[str, str]]:
    """Asked routes; else the same route on both sides, plus tf1 vs keras when A has tf1 and B keras."""
    ra, rb = a.routes(), b.routes()
    asked = a_route or b_route
    if asked:
        pair = (a_route or asked, b_route or asked)
        for route, side, have in ((pair[0], a, ra), (pair[1], b, rb)):
            if route not in have:
                raise UserError(f"{side.name} has no route {route!r}", "routes there: " + ", ".join(have))
        return [pair]
    pairs = [(r, r) for r in ra if r in rb]
    if "tf1" in ra and "keras" in rb:
        pairs.append(("tf1", "keras"))
    if not pairs:
        raise UserError(f"{a.name} and {b.name} share no route", "pass --a-route and --b-route")
    return pairs


def diff_paths(
    a_path: Path,
    b_path: Path,
    a_route: Optional[str] = None,
    b_route: Optional[str] = None,
    thresholds: Thresholds = DEFAULTS,
) -> DiffResult:
    """Two artifact files: the asked route pair, else :func:`default_pairs`."""
    a, b = artifact.read(a_path), artifact.read(b_path)
    return diff(a, b, default_pairs(a, b, a_route, b_route), thresholds)


def parse_baseline(text: str) -> Tuple[str, str]:
    """``"tf115:tf1"`` -> ``("tf115", "tf1")``; a UserError with the expected form otherwise."""
    return artifact.split_route(text, "ENV:ROUTE, e.g. tf115:tf1")


def _tf1_release(art: Artifact) -> Tuple[int, ...]:
    """The env's TensorFlow version as numbers when it is a 1.x release, else ``()``."""
    numbers = tuple(int(n) for n in re.findall(r"\d+", art.env.tensorflow)[:3])
    return numbers if numbers[:1] == (1,) else ()


def default_baseline(arts: Sequence[Artifact], scenario: Optional[str] = None) -> Optional[Tuple[str, str]]:
    """What the others are compared with when nobody says: the TF1 route of the newest TensorFlow 1.x
    that ran it (1.15, the release TF1 models are migrated from), else the first env whose TF1 route ran,
    else the first route that ran; for one ``scenario``, or for any. None when nothing ran."""
    ran = [
        (i, art, route) for i, art in enumerate(arts) for name, route, _ in art.ok_routes() if scenario in (None, name)
    ]
    tf1 = [(_tf1_release(art), -i, art.name) for i, art, route in ran if route == "tf1"]
    if tf1:
        return max(tf1)[2], "tf1"
    return (ran[0][1].name, ran[0][2]) if ran else None


def diff_against(
    arts: Sequence[Artifact], baseline: Optional[str] = None, thresholds: Thresholds = DEFAULTS
) -> DiffResult:
    """Every route of every artifact against the baseline ENV:ROUTE (default :func:`default_baseline`);
    all tests corrected together. A scenario whose baseline route did not run (a TF1 cell only TF 1.15
    has, an option TF 1.1 lacks) is compared with its own default baseline instead, as the report's grid
    is."""
    found = parse_baseline(baseline) if baseline else default_baseline(arts)
    if found is None:
        raise UserError(
            "no route ran in any of {}".format(", ".join(x.name for x in arts)),
            "see each route's reason in the artifacts (rnncompare report shows them)",
        )
    if not [x for x in arts if x.name == found[0]]:
        raise UserError(
            "no artifact of env {!r} among {}".format(found[0], ", ".join(x.name for x in arts)),
            "pass --baseline ENV:ROUTE with one of those envs",
        )
    queue: List[QueuedTest] = []
    memo = Memo()
    total = DiffResult([], thresholds)
    for (env, route), names in _baselines(arts, found).items():
        base = _only(next(x for x in arts if x.name == env), names)
        for other in arts:
            pairs = [(route, r) for r in other.routes() if (other.name, r) != (env, route)]
            part = diff(base, _only(other, names), pairs, thresholds, queue, memo)
            total.rows.extend(part.rows)
            total.notes.extend(n for n in part.notes if n not in total.notes)
    return finish(total, queue)


def _baselines(arts: Sequence[Artifact], found: Tuple[str, str]) -> Dict[Tuple[str, str], List[str]]:
    """baseline (env, route) -> the scenarios compared with it: ``found`` where it ran, else the scenario's own."""
    groups: Dict[Tuple[str, str], List[str]] = {}
    names = list(dict.fromkeys(name for art in arts for name in art.scenarios))
    for name in names:
        ran = any(art.name == found[0] and r == found[1] for art in arts for n, r, _ in art.ok_routes() if n == name)
        base = found if ran else (default_baseline(arts, name) or found)
        groups.setdefault(base, []).append(name)
    return groups


def _only(art: Artifact, names: Sequence[str]) -> Artifact:
    return dataclasses.replace(art, scenarios={n: s for n, s in art.scenarios.items() if n in names})


def diff_dir(directory: Path, baseline: Optional[str] = None, thresholds: Thresholds = DEFAULTS) -> DiffResult:
    """Every route of every artifact in ``directory`` against the baseline ENV:ROUTE."""
    return diff_against(list(artifact.read_folder(Path(directory)).values()), baseline, thresholds)


def diff_files(
    paths: Sequence[Path],
    a_route: Optional[str] = None,
    b_route: Optional[str] = None,
    baseline: Optional[str] = None,
    thresholds: Thresholds = DEFAULTS,
) -> DiffResult:
    """``rnncompare diff``: two artifacts (:func:`diff_paths`), or one folder of them against a baseline
    (:func:`diff_dir`)."""
    if len(paths) == 1:
        folder = Path(paths[0])
        if not folder.is_dir():
            raise UserError(f"{folder} is not a folder", "pass A.json B.json, or a folder of artifacts")
        if a_route or b_route:
            raise UserError("--a-route/--b-route apply to two artifacts", "use --baseline ENV:ROUTE with a folder")
        return diff_dir(folder, baseline, thresholds)
    if len(paths) != 2:
        raise UserError(f"diff takes two artifacts or one folder, got {len(paths)} paths")
    return diff_paths(Path(paths[0]), Path(paths[1]), a_route, b_route, thresholds)
