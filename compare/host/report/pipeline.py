"""The migration report of a folder of artifacts, in one call: read, diff against a baseline, recipes, write.

    make_report(folder, out=None, baseline=None) -> {"report.md": Path, "report.json": Path, "report.html": Path}

``rnncompare report`` and ``rnncompare run`` are this function. Host side.
"""

import contextlib
import gc
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

from compare import artifact
from compare.artifact import Artifact
from compare.core import families, port
from compare.core.assemble import PortError
from compare.core.recipe_snippet import snippet
from compare.errors import UserError
from compare.host import diff
from compare.host.report.build import build
from compare.host.report.impact import read_verdicts
from compare.host.report.networks import NetworkSection
from compare.host.report.records import Series


def baseline_of(artifacts: Mapping[str, Artifact], text: Optional[str]) -> Series:
    """``--baseline ENV:ROUTE`` checked against the artifacts, else ``compare.host.diff.default_baseline``."""
    if text:
        env, route = artifact.split_route(text, "--baseline ENV:ROUTE, e.g. tf115:tf1")
        if env not in artifacts:
            raise UserError(f"--baseline env {env!r} has no artifact", "envs: " + ", ".join(artifacts))
        return env, route
    arts = list(artifacts.values())
    return diff.default_baseline(arts) or (arts[0].name, artifact.ROUTES[0])


def diff_rows(artifacts: Mapping[str, Artifact], baseline: Series) -> Tuple[List[diff.Row], List[str]]:
    """The diff's rows for every (env, route) against the baseline, and its notes.

    When the diff refuses (artifacts without per-block statistics, differing spec hashes), the
    report still shows the statistics, with the refusal as a note.
    """
    try:
        result = diff.diff_against(list(artifacts.values()), "{}:{}".format(*baseline))
    except UserError as exc:
        return [], ["no verdicts: compare.host.diff refused these artifacts: " + exc.one_line()]
    return result.rows, result.notes + ["verdict thresholds: " + result.thresholds.describe()]


def recipes_for(
    artifacts: Mapping[str, Artifact], rows: Sequence[diff.Row], baseline: Series
) -> Dict[str, Dict[str, str]]:
    """scenario -> {"snippet", "verdict"}: the recipe's code and its measured verdict (the recipe route).
    Scenarios whose stored spec is not a whole scenario (hand-made artifacts) get none."""
    recipes: Dict[str, Dict[str, str]] = {}
    for art in artifacts.values():
        for name, scenario in art.scenarios.items():
            if name not in recipes and scenario.spec.complete:
                verdict = recipe_verdict(rows, name, baseline)
                pytorch = recipe_verdict(rows, name, baseline, "torch_recipe")
                if not pytorch.startswith("not measured"):
                    verdict += "; PyTorch recipe (torch_recipe): " + pytorch
                recipes[name] = {"snippet": snippet(scenario.spec), "verdict": verdict}
    return recipes


def _port_verdict(base: Artifact, base_route: str, target: Artifact, route: str, scenario: str) -> str:
    try:
        variables = port.port_between(base, base_route, target, route, scenario)
    except PortError as exc:
        return f"refused: {exc}"
    except ValueError as exc:  # first-seed weights that do not fit their family's layout
        return f"not checked: {exc}"
    except UserError as exc:  # no first-seed weights beside an artifact
        return f"not checked: {exc.cause}"
    return f"exact: {len(variables)} variables"


def ports_for(artifacts: Mapping[str, Artifact], baseline: Series) -> Dict[str, Dict[Series, str]]:
    """scenario -> {(env, route): whether the baseline route's first-seed weights port exactly into it}, for
    every ok route of another family framework than the baseline's (TF1 weights into Keras layers)."""
    base_env, base_route = baseline
    base = artifacts.get(base_env)
    verdicts: Dict[str, Dict[Series, str]] = {}
    if base is None:
        return verdicts
    for name in base.scenarios:
        source = base.route(name, base_route)
        if source is None or not source.ok:
            continue
        framework = families.get(source.family).framework
        for art in artifacts.values():
            for route_name, route in art.scenarios[name].routes.items() if name in art.scenarios else ():
                if route.ok and families.get(route.family).framework != framework:
                    verdicts.setdefault(name, {})[(art.name, route_name)] = _port_verdict(
                        base, base_route, art, route_name, name
                    )
    return verdicts


def recipe_verdict(rows: Sequence[Any], scenario: str, baseline: Tuple[str, str], route: str = "recipe") -> str:
    """The recipe ``route``'s measured verdict against the baseline, from the diff's rows, in one phrase:
    ``same in tf115 and tf215 (all 49 rows); not run in tf11`` (envs with the same outcome together)."""
    per_env: Dict[str, Dict[str, int]] = {}
    not_run: List[str] = []
    for row in rows:
        if row.scenario == scenario and (row.a.env, row.a.route) == baseline and row.b.route == route:
            if row.block == diff.ROUTE_BLOCK:  # the whole route is absent: it did not run there
                not_run.append(row.b.env)
                continue
            counts = per_env.setdefault(row.b.env, {"same": 0, "differs": 0, "missing": 0})
            counts[row.verdict] = counts.get(row.verdict, 0) + 1
    if not per_env and not not_run:
        return "not measured: no {} route was compared with {}:{}".format(route, *baseline)
    same: Dict[int, List[str]] = {}
    parts = []
    for env, counts in sorted(per_env.items()):
        total = sum(counts.values())
        if counts["same"] == total:
            same.setdefault(total, []).append(env)
        else:
            parts.append("{}: {} of {} rows differ or are missing".format(env, total - counts["same"], total))
    parts[:0] = [
        "same in {} ({})".format(", ".join(envs), f"all {total} rows" if total != 1 else "1 row")
        for total, envs in same.items()
    ]
    if not_run:
        parts.append("not run in " + ", ".join(sorted(set(not_run))))
    return "; ".join(parts)


def make_report(
    folder: Path, out: Optional[Path] = None, baseline: Optional[str] = None, networks: Sequence[NetworkSection] = ()
) -> Dict[str, Path]:
    """Read every artifact in ``folder``, judge every env/route against the baseline, write the report
    files into ``out`` (default: ``folder``, checked before anything is read); returns their paths.
    ``networks``: a migrated checkpoint's sections (``rnncompare migrate``), shown first."""
    from compare.host.report.output import check_output, write

    target = check_output(Path(out or folder))
    with _without_cycle_collection():
        artifacts = artifact.read_folder(Path(folder))
        base = baseline_of(artifacts, baseline)
        rows, notes = diff_rows(artifacts, base)
        model = build(
            artifacts, rows, recipes_for(artifacts, rows, base), base, notes, ports_for(artifacts, base), networks
        )
        model.impact = read_verdicts(Path(folder))
        return write(model, target)


@contextlib.contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """Python's cycle collector paused, then restored as it was.

    A report makes hundreds of thousands of small records (statistics, rows, reasons) and no cycles
    worth collecting; the collector's passes over them grew faster than the artifacts (a quarter of
    reading and diffing the built-in suite four times over). Reference counting still frees everything.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
