"""Do two artifacts hold the same measurements? Every number to a float tolerance, everything else exactly.

    python -m benchmarks.same_artifacts A.json B.json [--rel 1e-9] [--added KEY ...]

For checking that a change to the measuring code (e.g. streaming the statistics) leaves the results
alone: run the old and the new worker on the same scenarios in the same env and compare. Samples
stored packed (base64 float32) are compared as numbers; the ``.npz`` arrays beside each artifact
exactly; the env's description (versions, platform) is left out. Prints the differences, the
largest relative difference of the floats (those within ``ABS`` of each other included); exit code 0
when the two agree, 1 when not.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
from pathlib import Path
from typing import AbstractSet, Any, List, Optional, Tuple

import numpy as np

ABS = 1e-12  # floats this close are equal whatever their size (sums that cancel to ~0, e.g. a mean)


def _unpacked(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"dtype", "base64"}:
        return np.frombuffer(base64.b64decode(value["base64"]), dtype="<f4").tolist()
    return value


def differences(
    a: Any, b: Any, rel: float, path: str = "", added: AbstractSet[str] = frozenset()
) -> Tuple[List[str], float]:
    """(where a and b differ beyond ``rel``, the largest relative difference of their floats); keys named in
    ``added`` that b has and a lacks are left out (what a newer artifact records beyond an older one)."""
    a, b = _unpacked(a), _unpacked(b)
    if isinstance(a, dict) and isinstance(b, dict):
        found, worst = [], 0.0
        b = {key: value for key, value in b.items() if key in a or key not in added}
        if list(a) != list(b):
            found.append("{}: keys {} vs {}".format(path or "/", list(a), list(b)))
        for key in a:
            if key in b:
                more, w = differences(a[key], b[key], rel, path + "/" + key, added)
                found, worst = found + more, max(worst, w)
        return found, worst
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} vs {len(b)} items"], 0.0
        found, worst = [], 0.0
        for i, (x, y) in enumerate(zip(a, b)):
            more, w = differences(x, y, rel, f"{path}[{i}]", added)
            found, worst = found + more, max(worst, w)
        return found, worst
    if isinstance(a, float) and isinstance(b, float):
        gap = abs(a - b) / max(abs(a), abs(b)) if a != b else 0.0
        return ([f"{path}: {a!r} vs {b!r}"] if gap > rel and abs(a - b) > ABS else []), gap
    return ([] if a == b else [f"{path}: {a!r} vs {b!r}"]), 0.0


def npz_differences(a: Path, b: Path) -> List[str]:
    with np.load(str(a.with_suffix(".npz"))) as x, np.load(str(b.with_suffix(".npz"))) as y:
        if sorted(x.files) != sorted(y.files):
            return [f"npz: arrays {sorted(x.files)} vs {sorted(y.files)}"]
        return [f"npz {k}: values differ" for k in x.files if not np.array_equal(x[k], y[k])]


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.same_artifacts", description=__doc__.splitlines()[0])
    parser.add_argument("a", type=Path)
    parser.add_argument("b", type=Path)
    parser.add_argument("--rel", type=float, default=1e-9, help="relative tolerance of floats (default 1e-9)")
    parser.add_argument(
        "--added",
        action="append",
        default=[],
        metavar="KEY",
        help="a key B records and A, from older code, does not; left out (repeatable)",
    )
    args = parser.parse_args(argv)
    docs = [json.loads(p.read_text(encoding="utf-8")) for p in (args.a, args.b)]
    for doc in docs:
        doc.pop("env", None)
    found, worst = differences(docs[0], docs[1], args.rel, added=frozenset(args.added))
    found += npz_differences(args.a, args.b)
    for line in found[:50]:
        print(line)
    print(f"{len(found)} differences; largest relative difference of the floats {worst:.3g}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
