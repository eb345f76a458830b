"""report.md: what a person reads: summary grid, findings, recipe, config and bias tables (plots and the
full per-block tables live in report.html and report.json).

Every piece of text that comes from an artifact, a diff row or a recipe verdict goes through
:func:`escape`, so a pipe cannot split a table cell and ``<script>`` stays text.
"""

from __future__ import annotations

from typing import Iterable, List, Optional, Sequence

from compare.host.report import networks, text
from compare.host.report.records import BiasCell, GridCell, Report, ScenarioReport, bias_grid

# HTML entities for & < >, a backslash before Markdown punctuation (pipes and backticks included)
_INERT = str.maketrans(dict({"&": "&amp;", "<": "&lt;", ">": "&gt;"}, **{c: "\\" + c for c in "\\`*_[]|~"}))


def escape(value: object) -> str:
    """Markdown-inert text for a table cell or a line: HTML entities for & < >, backslash before
    Markdown punctuation (pipes and backticks included), newlines folded to spaces."""
    return " ".join(str(value).split()).translate(_INERT)


def table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> List[str]:
    lines = ["| " + " | ".join(escape(h) for h in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(escape(c) for c in row) + " |" for row in rows]
    return lines + [""]


def _envs(report: Report) -> List[str]:
    return table(
        ("env", "python", "tensorflow", "keras", "numpy"),
        ((e.name, e.python, e.tensorflow, e.keras, e.numpy) for e in report.envs),
    )


def _grid_text(cell: GridCell) -> str:
    word = cell.state + (" +config" if cell.config_differs else "")
    return word + (" (" + cell.short + ")" if cell.short else "")


def _grid(report: Report) -> List[str]:
    header = ["scenario"] + [text.series(s) for s in report.series]
    rows = []
    for sc in report.scenarios:
        cells = {(c.env, c.route): c for c in sc.grid}
        rows.append([sc.name] + [_grid_text(cells[s]) if s in cells else text.DASH for s in report.series])
    lines = ["## Summary", ""]
    if not report.compared:
        lines += ["No diff rows were given: cells say only whether each route ran.", ""]
    lines += [
        "Each cell compares that env/route with the scenario's baseline (by default the TF1 route of the "
        "newest TensorFlow 1.x that ran it: the code being migrated); `+config` marks a differing layer "
        "config.",
        "",
    ]
    return lines + table(header, rows)


def _routes(sc: ScenarioReport) -> List[str]:
    return table(
        ("env", "route", "status", "family", "reason"),
        ((r.env, r.route, r.status, r.family, r.reason) for r in sc.routes),
    )


def _recipe(sc: ScenarioReport) -> List[str]:
    if sc.recipe is None:
        return []
    fence = text.fence(sc.recipe.snippet)
    warning = []
    if sc.recipe.warnings:
        warning = ["**Warning:** " + escape(text.TIED_WEIGHTS), ""] + ["* " + escape(w) for w in sc.recipe.warnings]
        warning.append("")
    return (
        ["### Initialize Keras like TF1", "", "Verified verdict: " + escape(sc.recipe.verdict), ""]
        + warning
        + [fence + "python", sc.recipe.snippet, fence, ""]
    )


def _ports(sc: ScenarioReport) -> List[str]:
    if not sc.ports:
        return []
    return ["### Porting the baseline's weights", "", escape(text.PORTS), ""] + table(
        ("env", "route", "port"), ((p.env, p.route, p.verdict) for p in sc.ports)
    )


def _pairs(sc: ScenarioReport) -> List[str]:
    if not sc.pairs:
        return []
    rows = (
        [text.series(p.a), text.series(p.b)] + [n for _, n in text.counts(p.counts)] + [p.config or text.DASH]
        for p in sc.pairs
    )
    return ["### Compared pairs", ""] + table(("a", "b", "same", "differs", "missing", "config"), rows)


def _biases(sc: ScenarioReport) -> List[str]:
    if not sc.biases:
        return []
    keys, columns, cells = bias_grid(sc)
    rows = ([key] + [_bias(cells.get((key, s))) for s in columns] for key in keys)
    return ["### Biases: stored, and what the gate sees when different", ""] + table(
        ["block"] + [text.series(s) for s in columns], rows
    )


def _bias(cell: Optional[BiasCell]) -> str:
    return text.bias(cell.stored, cell.effective) if cell else text.DASH


def _config(sc: ScenarioReport) -> List[str]:
    return _config_normalized(sc) + _config_raw(sc)


def _config_normalized(sc: ScenarioReport) -> List[str]:
    if not sc.config_mismatches:
        return []
    rows = ((text.series(m.a), text.series(m.b), m.key, m.a_value, m.b_value, m.detail) for m in sc.config_mismatches)
    return ["### Layer options that change the computation", ""] + table(
        ("a", "b", "option", "a value", "b value", "why it matters"), rows
    )


def _or_absent(value: Optional[str]) -> str:
    return "(absent)" if value is None else value


def _config_raw(sc: ScenarioReport) -> List[str]:
    if not sc.config and not sc.config_cosmetic:
        return []
    envs = list(dict.fromkeys(env for d in sc.config for env in d.values))
    rows = ([d.route, d.key] + [_or_absent(d.values.get(e)) for e in envs] for d in sc.config)
    lines = ["### Built config differences between envs (same route)", ""]
    if sc.config_cosmetic:
        lines += [f"{sc.config_cosmetic} cosmetic differences (auto-generated names, module paths) not shown.", ""]
    return lines + (table(["route", "key"] + envs, rows) if sc.config else [])


def _findings(sc: ScenarioReport) -> List[str]:
    if not sc.findings:
        return []
    explain = any(f.explanation for f in sc.findings)
    rows = (
        [f.block, text.series(f.a), text.series(f.b), f.verdict, text.reasons(f.reasons)]
        + ([f.explanation] if explain else [])
        for f in sc.findings
    )
    header = ("block", "a", "b", "verdict", "reasons") + (("explanation",) if explain else ())
    return ["### Findings (differences, and notes on same blocks)", ""] + table(header, rows)


def _scenario(sc: ScenarioReport) -> List[str]:
    lines = ["## Scenario " + escape(sc.name), ""]
    lines += ["**Warning:** " + escape(w) for w in sc.warnings] + ([""] if sc.warnings else [])
    lines += ["Baseline: " + (escape(text.series(sc.baseline)) if sc.baseline else "none (no route ran)"), ""]
    for part in (_routes, _recipe, _ports, _pairs, _config, _biases, _findings, _blocks_pointer):
        lines += part(sc)
    return lines


def _blocks_pointer(sc: ScenarioReport) -> List[str]:
    """What a person reads stays here; the per-block table (every block x env/route, all statistics) is in
    report.html and report.json: on the built-in suite it made report.md about 1.2 MB."""
    if not sc.blocks:
        return []
    kind = "variables" if sc.blocks_from_variables else "blocks"
    return [
        f"The full table of the {len(sc.blocks)} {kind} (statistics, fingerprints, verdict per env/route) is in report.html "
        "and report.json.",
        "",
    ]


def render(report: Report) -> str:
    lines = ["# rnncompare report", "", "Plots are in report.html.", ""] + _envs(report)
    lines += ["- " + escape(n) for n in report.notes] + ([""] if report.notes else [])
    lines += _grid(report)
    lines += networks.markdown(report.networks, escape, table)
    for sc in report.scenarios:
        lines += _scenario(sc)
    return "\n".join(lines).rstrip("\n") + "\n"
