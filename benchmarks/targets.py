"""The issue's targets as ratios of one run's measurements, and the scaling fit over the grid.

Every number here comes from ``Timing`` records of the same run on the same machine, so ratios
compare like with like. A target whose inputs failed or were skipped is a FAIL that says so.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

WORKER_VS_FLOOR = 1.3
OVERHEAD_VS_INIT = 1.0
PARALLEL_VS_SERIAL = 0.7
MEMORY_VS_FLOOR = 1.5
MEMORY_VS_FEW_SEEDS = 1.1
REPORT_VS_LOAD = 3.0
LINEAR_EXPONENT = 1.1  # "linear in the number of scenarios": no worse than n^1.1 once fitted
RUN_VS_WORKERS = 1.2
MIN_NET_SECONDS = 0.05  # net times are clamped here before taking logs


@dataclass
class Target:
    """One target: its worst measured ratio against its limit, and where that worst case was."""

    name: str
    limit: Optional[float]
    ratio: Optional[float]
    status: str  # "PASS" | "FAIL" | "STATED" | "NOT RUN"
    detail: str

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)


def ratio(num: Optional[float], den: Optional[float]) -> Optional[float]:
    if num is None or den is None or den <= 0:
        return None
    return num / den


def not_run(name: str, limit: Optional[float], part: str) -> Target:
    """A target whose measurements were not asked for in this run (``--parts``): neither PASS nor FAIL."""
    return Target(name, limit, None, "NOT RUN", "part {} not run (--parts)".format(part))


def worst(name: str, limit: float, ratios: Sequence[Tuple[str, Optional[float]]], what: str) -> Target:
    """The target holds when every ratio is within ``limit``; reports the worst and every case."""
    if not ratios:
        return Target(name, limit, None, "FAIL", "nothing measured")
    missing = [where for where, r in ratios if r is None]
    if missing:
        return Target(name, limit, None, "FAIL", "not measured: " + ", ".join(missing))
    where, top = max(ratios, key=lambda item: item[1])
    cases = ", ".join("{} {:.2f}".format(w, r) for w, r in ratios)
    return Target(name, limit, round(top, 3), "PASS" if top <= limit else "FAIL",
                  "{}; worst {} ({})".format(what, where, cases))


def fit_exponents(rows: Sequence[Tuple[float, float, float]]) -> Optional[Tuple[float, float]]:
    """Least squares of log t = a + b log units + c log seeds over ``(units, seeds, t)``; (b, c).

    None when the points do not vary along both axes (the system would be singular).
    """
    if len({r[0] for r in rows}) < 2 or len({r[1] for r in rows}) < 2 or len(rows) < 3:
        return None
    xs = [(1.0, math.log(u), math.log(s)) for u, s, _ in rows]
    ys = [math.log(max(t, MIN_NET_SECONDS)) for _, _, t in rows]
    normal = [[sum(x[i] * x[j] for x in xs) for j in range(3)] for i in range(3)]
    rhs = [sum(x[i] * y for x, y in zip(xs, ys)) for i in range(3)]
    solution = solve3(normal, rhs)
    return None if solution is None else (solution[1], solution[2])


def solve3(matrix: List[List[float]], rhs: List[float]) -> Optional[List[float]]:
    """Gaussian elimination with partial pivoting for the 3x3 normal equations (no numpy on the host)."""
    a = [row[:] + [b] for row, b in zip(matrix, rhs)]
    n = len(a)
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(a[r][col]))
        if abs(a[pivot][col]) < 1e-12:
            return None
        a[col], a[pivot] = a[pivot], a[col]
        for r in range(n):
            if r != col:
                factor = a[r][col] / a[col][col]
                a[r] = [x - factor * y for x, y in zip(a[r], a[col])]
    return [a[i][n] / a[i][i] for i in range(n)]
