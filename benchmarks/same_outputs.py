"""Do two versions of the code give the same results? Artifacts, every pair of envs' diff, and the report.

    python -m benchmarks.same_outputs make --code DIR --out OUT [--envs tf11,tf115,...] [--scenarios FILE]
    python -m benchmarks.same_outputs compare BEFORE AFTER [--rel 1e-9] [--added KEY ...]

``make`` runs the code in ``DIR`` (a checkout: ``git worktree add /tmp/old REV`` for an older one) the way
``rnncompare run`` does, but with this checkout's env Pythons, so both versions see the same TensorFlow:
its worker in each env (``OUT/artifacts/ENV.json``), its ``diff --json`` for every pair of envs
(``OUT/diffs/A__B.json``) and its report (``OUT/report/report.json``). ``compare`` checks two such folders:
every row of every diff has the same verdict and reason codes, every number agrees within ``--rel``, and
the artifacts hold the same measurements (``benchmarks.same_artifacts``); ``--added KEY`` leaves out a key
the newer code writes and the older did not (e.g. ``findings``). Exit code 0 when they agree.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import AbstractSet, Any, Dict, List, Optional, Sequence, Tuple

from benchmarks.same_artifacts import differences, npz_differences
from compare.host.envs import matrix

REPO = Path(__file__).resolve().parents[1]
RowKey = Tuple[str, str, str, str, str, str]


def env_python(env: str) -> Path:
    """This checkout's Python of ``env``: its matrix env if created, else its test env."""
    for name in (env, "tests-" + env):
        python = REPO / ".tox" / name / "bin" / "python"
        if python.exists():
            return python
    raise SystemExit(f"error: no .tox/{env} or .tox/tests-{env} here (hint: tox -m test --notest creates them)")


def env_variables(code: Path, env: str) -> Dict[str, str]:
    variables = dict(
        os.environ,
        PYTHONPATH=str(code),
        PYTHONHASHSEED="0",
        RNNCOMPARE_ENV=env,
        TF_CPP_MIN_LOG_LEVEL="2",
        CUDA_VISIBLE_DEVICES="-1",
        OPENBLAS_NUM_THREADS="1",
    )
    variables.pop("TF_USE_LEGACY_KERAS", None)
    if env.endswith("-legacy"):
        variables["TF_USE_LEGACY_KERAS"] = "1"
    return variables


def make(code: Path, out: Path, envs: Sequence[str], scenarios: Optional[Path]) -> None:
    """``code``'s artifacts, pairwise diffs and report of ``scenarios`` (default: its built-in suite) in ``out``."""
    artifacts, diffs = out / "artifacts", out / "diffs"
    diffs.mkdir(parents=True, exist_ok=True)
    extra = ["--scenarios", str(scenarios)] if scenarios else []
    for env in envs:
        command = [str(env_python(env)), "-m", "backends.worker", "--out", str(artifacts / f"{env}.json"), *extra]
        subprocess.run(command, cwd=code, env=env_variables(code, env), check=True)
    host = dict(os.environ, PYTHONPATH=str(code), PYTHONHASHSEED="0")
    for a, b in itertools.combinations(envs, 2):
        command = [
            sys.executable,
            "-m",
            "compare",
            "diff",
            str(artifacts / f"{a}.json"),
            str(artifacts / f"{b}.json"),
            "--json",
            str(diffs / f"{a}__{b}.json"),
        ]
        subprocess.run(command, cwd=code, env=host, stdout=subprocess.DEVNULL, check=False)  # exit 1: rows differ
    subprocess.run(
        [sys.executable, "-m", "compare", "report", str(artifacts), "--out", str(out / "report")],
        cwd=code,
        env=host,
        stdout=subprocess.DEVNULL,
        check=True,
    )


def rows(path: Path) -> Dict[RowKey, dict]:
    """A diff's rows by (scenario, block, env and route of A, of B)."""
    keyed = {}
    for row in json.loads(path.read_text(encoding="utf-8"))["rows"]:
        a, b = row["a"], row["b"]
        keyed[(row["scenario"], row["block"], a["env"], a["route"], b["env"], b["route"])] = row
    return keyed


def verdict_changes(before: Dict[RowKey, dict], after: Dict[RowKey, dict]) -> List[str]:
    """Rows present on one side only, or whose verdict or reason codes changed."""
    found = [f"row {key} only {'before' if key in before else 'after'}" for key in before.keys() ^ after.keys()]
    for key in before.keys() & after.keys():
        old, new = before[key], after[key]
        codes = [[r["code"] for r in side["reasons"]] for side in (old, new)]
        if old["verdict"] != new["verdict"] or codes[0] != codes[1]:
            found.append(f"row {key}: {old['verdict']} {codes[0]} -> {new['verdict']} {codes[1]}")
    return found


def _documents(before: Path, after: Path, relative: str) -> Tuple[Any, Any]:
    """The JSON at ``relative`` in both folders, without the env description (versions, platform)."""
    docs = [json.loads((folder / relative).read_text(encoding="utf-8")) for folder in (before, after)]
    for doc in docs:
        if relative.startswith("artifacts/"):
            doc.pop("env", None)
    return docs[0], docs[1]


def compare(before: Path, after: Path, rel: float, added: AbstractSet[str] = frozenset()) -> int:
    """Print what differs between two ``make`` folders and the figures of the check; 0 when they agree."""
    diffs = sorted(f"diffs/{p.name}" for p in (before / "diffs").glob("*.json"))
    artifacts = sorted(f"artifacts/{p.name}" for p in (before / "artifacts").glob("*.json"))
    found: List[str] = []
    worst = 0.0
    for relative in diffs + ["report/report.json"] + artifacts:
        more, gap = differences(*_documents(before, after, relative), rel, added=added)
        found, worst = found + [relative + line for line in more], max(worst, gap)
    row_count = 0
    for relative in diffs:
        old, new = rows(before / relative), rows(after / relative)
        row_count += len(old)
        found += [f"{relative}: {line}" for line in verdict_changes(old, new)]
    for relative in artifacts:
        found += npz_differences(before / relative, after / relative)
    for line in found[:50]:
        print(line)
    print(
        f"{len(artifacts)} artifacts, {len(diffs)} pairwise diffs ({row_count} rows), report.json: "
        f"{len(found)} differences; largest relative difference of the floats {worst:.3g}"
    )
    return 1 if found else 0


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.same_outputs", description=__doc__.splitlines()[0])
    verbs = parser.add_subparsers(dest="verb", required=True)
    made = verbs.add_parser("make", help="run a checkout's worker, pairwise diffs and report")
    made.add_argument("--code", type=Path, required=True, help="the checkout whose code runs")
    made.add_argument("--out", type=Path, required=True)
    made.add_argument("--envs", default=",".join(matrix.matrix()), help="comma-separated (default: the matrix)")
    made.add_argument("--scenarios", type=Path, help="scenario file (default: the code's built-in suite)")
    checked = verbs.add_parser("compare", help="check two make folders agree")
    checked.add_argument("before", type=Path)
    checked.add_argument("after", type=Path)
    checked.add_argument("--rel", type=float, default=1e-9, help="relative tolerance of floats (default 1e-9)")
    checked.add_argument(
        "--added", action="append", default=[], metavar="KEY", help="a key only AFTER writes; left out (repeatable)"
    )
    args = parser.parse_args(argv)
    if args.verb == "make":
        make(args.code.resolve(), args.out.resolve(), args.envs.split(","), args.scenarios)
        return 0
    return compare(args.before, args.after, args.rel, frozenset(args.added))


if __name__ == "__main__":
    sys.exit(main())
