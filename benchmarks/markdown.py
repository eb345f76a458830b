"""A result document as the Markdown tables README carries (``latest.md``), read from its JSON form alone."""

from __future__ import annotations

from typing import Any, Dict, List

from benchmarks.targets import fmt, overhead_ratio, peak, ratio, seconds, versus_floor


def markdown(doc: Dict[str, Any]) -> str:
    """The tables README carries: targets, per env, matrix, grid, exponents."""
    m = doc["machine"]
    o = doc["options"]
    lines = [
        "Measured {} on {} ({} cores, {} GB RAM, {}; load {} before, {} after); parts {}; best of {} runs "
        "(grid: {}, production: {}); {:.0f} s in all.".format(
            doc["finished"][:10],
            m["cpu"],
            m["cores"],
            m["memory_gb"],
            m["platform"],
            m["load_before"][0],
            m["load_after"][0],
            ",".join(o["parts"]),
            o["repeat"],
            o.get("grid_repeat", o["repeat"]),
            o["production_repeat"],
            doc["seconds_total"],
        ),
        "",
    ]
    lines += table("target", "limit", "measured", "verdict", "detail")
    lines += [
        row(t["name"], fmt(t["limit"], 1), fmt(t["ratio"]), "**{}**".format(t["status"]), t["detail"])
        for t in doc["targets"]
    ]
    if doc["envs"]:
        lines += env_lines(doc["envs"], doc["suite"])
    if doc["matrix"]:
        lines += matrix_lines(doc["matrix"])
    if doc["grid"]:
        lines += grid_lines(doc["grid"]) + scaling_lines(doc["scaling"])
    if doc["production"]:
        lines += production_lines(doc["production"])
    if doc.get("analysis"):
        lines += analysis_lines(doc["analysis"])
    if doc.get("run"):
        lines += run_lines(doc["run"])
    if doc.get("impact"):
        lines += impact_lines(doc["impact"])
    return "\n".join(lines) + "\n"


def table(*columns: str) -> List[str]:
    """A table's header and rule."""
    return [row(*columns), "|" + "---|" * len(columns)]


def row(*cells: Any) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def versus_cells(measured: Dict[str, Any]) -> List[str]:
    """Floor B s, worker s, worker / B: the cells every table of the worker against floor B starts with."""
    return [fmt(seconds(measured["floor_b"])), fmt(seconds(measured["worker"])), fmt(versus_floor(measured))]


def peak_cells(*timings: Any) -> List[str]:
    return [fmt(peak(t), 0) for t in timings]


def env_lines(envs: Dict[str, Any], suite: str) -> List[str]:
    lines = ["", f"Per env, {suite}:", ""]
    lines += table(
        "env", "floor A s", "floor B s", "worker s", "worker / B", "peak MB A", "peak MB B", "peak MB worker"
    )
    for env, e in envs.items():
        lines.append(
            row(env, fmt(seconds(e["floor_a"])), *versus_cells(e), *peak_cells(e["floor_a"], e["floor_b"], e["worker"]))
        )
    return lines


def production_lines(prod: Dict[str, Any]) -> List[str]:
    lines = ["", "Production points in {} (routes {}):".format(", ".join(prod["envs"]), prod["routes"]), ""]
    lines += table(
        "env",
        "point",
        "what",
        "seeds",
        "floor B s",
        "worker s",
        "worker / B",
        "peak MB B",
        "peak MB worker",
        "memory / B",
    )
    for p in prod["points"]:
        lines.append(
            row(
                p["env"],
                p["name"],
                p["description"],
                p["seeds"],
                *versus_cells(p),
                *peak_cells(p["floor_b"], p["worker"]),
                fmt(versus_floor(p, peak)),
            )
        )
    return lines


def analysis_lines(a: Dict[str, Any]) -> List[str]:
    lines = [
        "",
        "Analysis ({} scenarios, artifacts {}): import host libraries {} s; + json.load of the artifacts "
        "{} s; rnncompare report {} s (peak {} MB); ratio {}.".format(
            a["scenarios"],
            ", ".join(a["artifacts"]),
            fmt(seconds(a["imports"])),
            fmt(seconds(a["load"])),
            fmt(seconds(a["report"])),
            fmt(peak(a["report"]), 0),
            fmt(ratio(seconds(a["report"]), seconds(a["load"]))),
        ),
        "",
    ]
    lines += table("scenarios", "report s")
    lines += [row(s["scenarios"], fmt(seconds(s["report"]))) for s in a["sizes"]]
    return lines + ["", "Fitted exponent of (report - imports) against scenarios: {}.".format(fmt(a["exponent"]))]


def run_lines(r: Dict[str, Any]) -> List[str]:
    workers = ", ".join(f"{env} {fmt(seconds(t))}" for env, t in r["workers"].items())
    return [
        "",
        "Run ({} cores): workers alone {} s; report alone {} s; tox -e run {} s to warm up, then {} s warm.".format(
            r["cores"], workers, fmt(seconds(r["report"])), fmt(seconds(r["warm_up"])), fmt(seconds(r["tox_run"]))
        ),
    ]


def impact_lines(r: Dict[str, Any]) -> List[str]:
    return [
        "",
        "Impact: {} findings, {} arms, {} training runs ({}, {} steps, {} seeds) in {} s wall, {} s of training.".format(
            r["findings"], r["arms"], r["runs"], r["task"], r["budget"]["steps"], r["budget"]["seeds"],
            fmt(seconds(r["timing"])), fmt(r["train_seconds"]),
        ),
    ]  # fmt: skip


def matrix_lines(mx: Dict[str, Any]) -> List[str]:
    serial = " + ".join(f"{env} {fmt(seconds(t))}" for env, t in zip(mx["envs"], mx["serial"]))
    return [
        "",
        "Matrix ({} cores): serial {} = {} s; parallel {} s; ratio {}.".format(
            mx["cores"],
            serial,
            fmt(mx["serial_sum"]),
            fmt(seconds(mx["parallel"])),
            fmt(ratio(seconds(mx["parallel"]), mx["serial_sum"])),
        ),
    ]


def grid_lines(g: Dict[str, Any]) -> List[str]:
    floor_a = seconds(g["floor_a"])
    lines = [
        "",
        "Grid in {} (2 layers, bidirectional, input_dim {}; floor A {} s):".format(
            g["env"], g["input_dim"], fmt(floor_a)
        ),
        "",
    ]
    lines += table(
        "route",
        "cell",
        "units",
        "seeds",
        "floor B s",
        "worker s",
        "worker / B",
        "overhead / init",
        "peak MB B",
        "peak MB worker",
    )
    for p in g["points"]:
        if p["skipped"]:
            lines.append(
                "| {} | {} | {} | {} | skipped: refused by the worker's memory guard | | | | | |".format(
                    p["route"], p["cell"], p["units"], p["seeds"]
                )
            )
            continue
        lines.append(
            row(
                p["route"],
                p["cell"],
                p["units"],
                p["seeds"],
                *versus_cells(p),
                fmt(overhead_ratio(p, floor_a)),
                *peak_cells(p["floor_b"], p["worker"]),
            )
        )
    return lines


def scaling_lines(fits: Dict[str, Dict[str, Any]]) -> List[str]:
    lines = ["", "Net time (t − floor A) ~ units^b · seeds^c, least squares on logs:", ""]
    lines += table("route/cell", "worker b (units)", "worker c (seeds)", "floor B b", "floor B c")
    for key, s in fits.items():
        w, b = s.get("worker", {}), s.get("floor_b", {})
        lines.append(
            row(key, fmt(w.get("units_exp")), fmt(w.get("seeds_exp")), fmt(b.get("units_exp")), fmt(b.get("seeds_exp")))
        )
    return lines
