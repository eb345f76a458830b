"""The issue's targets, judged from one run's result document, and the scaling fit over the grid.

Every number here comes from ``Timing`` records of the same run on the same machine, so ratios
compare like with like. A target whose inputs failed or were skipped is a FAIL that says so; one
whose part was not asked for is NOT RUN, which is not a failure.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

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


# ------------------------------------------------------------------ reading the measurements
def seconds(timing: Any) -> Optional[float]:
    """A Timing's (or its JSON dict's) best time; None when it failed or never ran."""
    return _field(timing, "seconds")


def peak(timing: Any) -> Optional[float]:
    return _field(timing, "peak_mb")


def _field(timing: Any, name: str) -> Optional[float]:
    record = timing if isinstance(timing, dict) or timing is None else timing.to_dict()
    return record[name] if record is not None and record["status"] == "ok" else None


def ratio(num: Optional[float], den: Optional[float]) -> Optional[float]:
    if num is None or den is None or den <= 0:
        return None
    return num / den


def versus_floor(measured: Dict[str, Any], read: Callable[[Any], Optional[float]] = seconds) -> Optional[float]:
    """Worker over floor B of one env or point, in time (``seconds``) or peak memory (``peak``)."""
    return ratio(read(measured.get("worker")), read(measured.get("floor_b")))


def fmt(value: Optional[float], digits: int = 2) -> str:
    """A measured number as the details and tables show it; a dash for none."""
    return "–" if value is None else "{:.{}f}".format(value, digits)


def ran(points: Sequence[Dict[str, Any]]) -> List[Dict[str, Any]]:
    return [p for p in points if not p["skipped"]]


def point_name(p: Dict[str, Any]) -> str:
    return "{} {} u{} s{}".format(p["route"], p["cell"], p["units"], p["seeds"])


def overhead_ratio(p: Dict[str, Any], floor_a: Optional[float]) -> Optional[float]:
    """(worker - floor B) / (floor B - floor A): what statistics add, per unit of initialization cost.

    The cost is floored at MIN_NET_SECONDS: on tiny grids floor B is within noise of floor A, and a
    huge ratio says that more truthfully than none.
    """
    worker, floor_b = seconds(p.get("worker")), seconds(p.get("floor_b"))
    if worker is None or floor_b is None or floor_a is None:
        return None
    return ratio(worker - floor_b, max(floor_b - floor_a, MIN_NET_SECONDS))


# ------------------------------------------------------------------ fits
def fit_logs(rows: Sequence[Sequence[float]]) -> Optional[List[float]]:
    """Exponents b1, b2, ... of t ~ a * x1^b1 * x2^b2 ..., least squares on logs over rows ``(x1, x2, ..., t)``.

    Times are floored at MIN_NET_SECONDS first (a net time can come out at or below 0 in noise). None
    when the rows cannot pin every exponent down: too few, or an axis that does not vary.
    """
    axes = list(zip(*rows))[:-1]
    if len(rows) <= len(axes) or any(len(set(axis)) < 2 for axis in axes):
        return None
    table = np.asarray(rows, dtype=float)
    design = np.column_stack([np.ones(len(table)), np.log(table[:, :-1])])
    times = np.log(np.maximum(table[:, -1], MIN_NET_SECONDS))
    solution, _, rank, _ = np.linalg.lstsq(design, times, rcond=None)
    return [float(b) for b in solution[1:]] if rank == design.shape[1] else None


def scaling(grid_result: Dict[str, Any]) -> Dict[str, Dict[str, Any]]:
    """Exponents b, c of net time (t - floor A) ~ units^b * seeds^c, per route and cell, worker and floor B."""
    floor_a = seconds(grid_result["floor_a"]) or 0.0
    fits: Dict[str, Dict[str, Any]] = {}
    for p in ran(grid_result["points"]):
        key = p["route"] + "/" + p["cell"]
        for system in ("worker", "floor_b"):
            t = seconds(p.get(system))
            if t is not None:
                fits.setdefault(key, {}).setdefault(system, []).append((p["units"], p["seeds"], t - floor_a))
    result = {}
    for key, systems in sorted(fits.items()):
        result[key] = {}
        for system, rows in systems.items():
            fit = fit_logs(rows)
            result[key][system] = {
                "points": len(rows),
                "units_exp": None if fit is None else round(fit[0], 3),
                "seeds_exp": None if fit is None else round(fit[1], 3),
            }
    return result


# ------------------------------------------------------------------ verdicts
def not_run(name: str, limit: Optional[float], part: str) -> Target:
    """A target whose measurements were not asked for in this run (``--parts``): neither PASS nor FAIL."""
    return Target(name, limit, None, "NOT RUN", f"part {part} not run (--parts)")


def worst(name: str, limit: float, ratios: Sequence[Tuple[str, Optional[float]]], what: str) -> Target:
    """The target holds when every ratio is within ``limit``; reports the worst and every case."""
    if not ratios:
        return Target(name, limit, None, "FAIL", "nothing measured")
    missing = [where for where, r in ratios if r is None]
    if missing:
        return Target(name, limit, None, "FAIL", "not measured: " + ", ".join(missing))
    where, top = max(ratios, key=lambda item: item[1])
    cases = ", ".join(f"{w} {r:.2f}" for w, r in ratios)
    return Target(name, limit, round(top, 3), "PASS" if top <= limit else "FAIL", f"{what}; worst {where} ({cases})")


def targets(doc: Dict[str, Any]) -> List[Target]:
    """Every target of the issues, from the JSON form of a result document."""
    envs, matrix, grid_result, prod = doc["envs"], doc["matrix"], doc["grid"], doc["production"]
    found = [
        worker_target(envs, doc["suite"]),
        overhead_target(grid_result),
        matrix_target(matrix),
        memory_target(envs, grid_result),
        seeds_memory_target(grid_result),
    ]
    found += production_targets(prod)
    found += analysis_targets(doc.get("analysis"))
    found.append(run_target(doc.get("run")))
    found.append(
        scaling_target(doc["scaling"]) if grid_result else not_run("time growth stated from the grid", None, "grid")
    )
    return found


def worker_target(envs: Dict[str, Any], suite: str) -> Target:
    name = f"worker <= 1.3 x floor B ({suite})"
    if not envs:
        return not_run(name, WORKER_VS_FLOOR, "envs")
    return worst(name, WORKER_VS_FLOOR, [(env, versus_floor(m)) for env, m in envs.items()], "worker / floor B per env")


def overhead_target(grid_result: Optional[Dict[str, Any]]) -> Target:
    if not grid_result:
        return not_run("statistics overhead <= 1 x initialization cost (largest units)", OVERHEAD_VS_INIT, "grid")
    points = ran(grid_result["points"])
    floor_a = seconds(grid_result["floor_a"])
    top_units = max((p["units"] for p in points), default=0)
    return worst(
        f"statistics overhead <= 1 x initialization cost (units {top_units})",
        OVERHEAD_VS_INIT,
        [(point_name(p), overhead_ratio(p, floor_a)) for p in points if p["units"] == top_units],
        "(worker - floor B) / (floor B - floor A) in {}".format(grid_result["env"]),
    )


def matrix_target(matrix: Optional[Dict[str, Any]]) -> Target:
    if not matrix:
        return not_run("warm 3-env matrix parallel <= 0.7 x serial", PARALLEL_VS_SERIAL, "matrix")
    return worst(
        "warm {}-env matrix parallel <= 0.7 x serial".format(len(matrix["envs"])),
        PARALLEL_VS_SERIAL,
        [
            (
                "{} on {} cores".format("+".join(matrix["envs"]), matrix["cores"]),
                ratio(seconds(matrix["parallel"]), matrix["serial_sum"]),
            )
        ],
        "parallel wall time / serial sum",
    )


def memory_target(envs: Dict[str, Any], grid_result: Optional[Dict[str, Any]]) -> Target:
    name = "worker peak memory <= 1.5 x floor B"
    memory = [(env, versus_floor(m, peak)) for env, m in envs.items()]
    memory += [(point_name(p), versus_floor(p, peak)) for p in ran(grid_result["points"] if grid_result else [])]
    if not memory:
        return not_run(name, MEMORY_VS_FLOOR, "envs, grid")
    return worst(name, MEMORY_VS_FLOOR, memory, "peak RSS worker / floor B")


def seeds_memory_target(grid_result: Optional[Dict[str, Any]]) -> Target:
    """Peak memory at the grid's most seeds against its fewest, for every (route, cell, units) that ran both."""
    name = "worker peak memory at most seeds <= 1.1 x at fewest seeds"
    if not grid_result:
        return not_run(name, MEMORY_VS_FEW_SEEDS, "grid")
    points = ran(grid_result["points"])
    pairs = []
    for key in sorted({(p["route"], p["cell"], p["units"]) for p in points}):
        same = sorted((p for p in points if (p["route"], p["cell"], p["units"]) == key), key=lambda p: p["seeds"])
        if len(same) > 1:
            few, most = same[0], same[-1]
            pairs.append(
                (
                    "{} {} u{} s{}/s{}".format(key[0], key[1], key[2], most["seeds"], few["seeds"]),
                    ratio(peak(most.get("worker")), peak(few.get("worker"))),
                )
            )
    return worst(
        name, MEMORY_VS_FEW_SEEDS, pairs, "peak RSS of the worker, most / fewest seeds in {}".format(grid_result["env"])
    )


def production_targets(prod: Optional[Dict[str, Any]]) -> List[Target]:
    time_name, memory_name = "production: worker <= 1.3 x floor B", "production: worker peak memory <= 1.5 x floor B"
    if not prod:
        return [not_run(time_name, WORKER_VS_FLOOR, "production"), not_run(memory_name, MEMORY_VS_FLOOR, "production")]
    where = "in {}, routes {}".format(", ".join(prod["envs"]), prod["routes"])
    return [
        worst(
            time_name,
            WORKER_VS_FLOOR,
            [("{} {}".format(p["env"], p["name"]), versus_floor(p)) for p in prod["points"]],
            "worker / floor B " + where,
        ),
        worst(
            memory_name,
            MEMORY_VS_FLOOR,
            [("{} {}".format(p["env"], p["name"]), versus_floor(p, peak)) for p in prod["points"]],
            "peak RSS worker / floor B " + where,
        ),
    ]


def analysis_targets(analysis: Optional[Dict[str, Any]]) -> List[Target]:
    load_name = "report <= 3 x (json.load of its artifacts + host imports)"
    linear_name = "report time linear in scenarios (fitted exponent <= 1.1)"
    if not analysis:
        return [not_run(load_name, REPORT_VS_LOAD, "analysis"), not_run(linear_name, LINEAR_EXPONENT, "analysis")]
    where = "{} scenarios, {} artifacts".format(analysis["scenarios"], len(analysis["artifacts"]))
    sizes = ", ".join("{}: {} s".format(s["scenarios"], fmt(seconds(s["report"]))) for s in analysis["sizes"])
    exponent = analysis["exponent"]
    linear = Target(linear_name, LINEAR_EXPONENT, exponent, "FAIL", "cannot fit: " + (sizes or "nothing measured"))
    if exponent is not None:
        linear = Target(
            linear_name,
            LINEAR_EXPONENT,
            exponent,
            "PASS" if exponent <= LINEAR_EXPONENT else "FAIL",
            "(report - host imports) ~ scenarios^b, least squares on logs; report s per scenario count: " + sizes,
        )
    return [
        worst(
            load_name,
            REPORT_VS_LOAD,
            [(where, ratio(seconds(analysis["report"]), seconds(analysis["load"])))],
            "report / (fresh process: import {} + json.load every artifact)".format(", ".join(analysis["host_libs"])),
        ),
        linear,
    ]


def run_target(run_result: Optional[Dict[str, Any]]) -> Target:
    """(tox -e run - report) / max(slowest worker, sum of workers / cores) <= 1.2, all measured in this run."""
    name = "warm tox -e run <= 1.2 x max(slowest worker, sum / cores) + report"
    if not run_result:
        return not_run(name, RUN_VS_WORKERS, "run")
    workers = [seconds(t) for t in run_result["workers"].values()]
    report, tox_run = seconds(run_result["report"]), seconds(run_result["tox_run"])
    if None in workers or report is None or tox_run is None:
        return worst(name, RUN_VS_WORKERS, [("tox -e run", None)], "")
    bound = max(max(workers), sum(workers) / run_result["cores"])
    return worst(
        name,
        RUN_VS_WORKERS,
        [("{} envs on {} cores".format(len(workers), run_result["cores"]), ratio(tox_run - report, bound))],
        "(tox -e run {} s - report {} s) / max(slowest worker {} s, sum {} s / {} cores)".format(
            fmt(tox_run), fmt(report), fmt(max(workers)), fmt(sum(workers)), run_result["cores"]
        ),
    )


def scaling_target(fits: Dict[str, Dict[str, Any]]) -> Target:
    """Stated, not judged: the exponents of the worker (and of floor B beside them) from the grid."""
    parts, missing = [], []
    for key, systems in fits.items():
        w, b = systems.get("worker", {}), systems.get("floor_b", {})
        if w.get("units_exp") is None or b.get("units_exp") is None:
            missing.append(key)
            continue
        parts.append(
            "{}: worker ~ units^{:.2f} seeds^{:.2f} (floor B units^{:.2f} seeds^{:.2f})".format(
                key, w["units_exp"], w["seeds_exp"], b["units_exp"], b["seeds_exp"]
            )
        )
    if missing or not parts:
        return Target(
            "time growth stated from the grid",
            None,
            None,
            "FAIL",
            "cannot fit: " + (", ".join(missing) or "no grid points"),
        )
    top = max(systems["worker"]["seeds_exp"] for systems in fits.values())
    return Target(
        "time growth stated from the grid",
        None,
        round(top, 3),
        "STATED",
        "net time (t - floor A) fitted by least squares on logs; " + "; ".join(parts),
    )
