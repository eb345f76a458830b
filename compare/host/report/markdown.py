"""report.md: the answer, the findings and their fixes, nothing else.

It leads with one line per scenario (same, or differs in N findings) and the run's findings, each once
with its fix; then per scenario its findings, the notes worth reading, the recipe and the port verdicts; what
did not run, once for the run. The evidence (per-block rows and statistics, config and bias tables, plots) is in
report.html and report.json: on the built-in suite it made report.md 3,000 lines nobody acts on.

Every piece of text that comes from an artifact, a diff row, a finding or a recipe goes through
:func:`escape` (or :func:`code`, whose backtick fence outlasts any run inside), so a pipe cannot split a
table cell and ``<script>`` stays text.
"""

from __future__ import annotations

import re
from typing import Dict, Iterable, List, Sequence, Tuple

from compare.host.findings import KINDS
from compare.host.findings import Finding as CauseFinding
from compare.host.report import answer, networks, text
from compare.host.report.impact import impact_text
from compare.host.report.records import Report, ScenarioReport

# HTML entities for & < >, a backslash before Markdown punctuation (pipes and backticks included)
_INERT = str.maketrans(dict({"&": "&amp;", "<": "&lt;", ">": "&gt;"}, **{c: "\\" + c for c in "\\`*_[]|~"}))


def escape(value: object) -> str:
    """Markdown-inert text for a table cell or a line: HTML entities for & < >, backslash before
    Markdown punctuation (pipes and backticks included), newlines folded to spaces."""
    return " ".join(str(value).split()).translate(_INERT)


def code(value: object) -> str:
    """An inline code span whose backtick fence is longer than any run inside (code spans show their
    text literally, so nothing in it is markup); newlines folded to spaces."""
    content = " ".join(str(value).split())
    longest = max((len(run) for run in re.findall("`+", content)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if content.startswith("`") or content.endswith("`") else ""
    return f"{fence}{pad}{content}{pad}{fence}"


def table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> List[str]:
    lines = ["| " + " | ".join(escape(h) for h in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(escape(c) for c in row) + " |" for row in rows]
    return lines + [""]


def _fix(fix: str) -> str:
    # escape folds whitespace: the space between the code and its explanation is put back
    return "".join(code(part) if is_code else " " + escape(part) for part, is_code in text.code_parts(fix)).strip()


# ---------------------------------------------------------------- the top: the answer and the run's findings


def _intro(report: Report) -> List[str]:
    against = text.against([sc.baseline for sc in report.scenarios if sc.baseline])
    lines = [
        f"Every env/route is compared with {escape(against)} ({escape(text.BASELINE_MEANING)}). "
        + escape(text.EVIDENCE),
        "",
    ]
    if not report.compared:
        lines += ["No diff rows were given: nothing was compared, so there are no findings.", ""]
    return lines


def _answer(report: Report) -> List[str]:
    recipes = any(sc.recipe for sc in report.scenarios)
    header = ("scenario", "answer") + (("Keras like TF1 with the recipe (init_like_tf1)",) if recipes else ())
    rows = (
        [sc.name, answer.answer_text(sc.answer)] + ([sc.recipe.verdict if sc.recipe else text.DASH] if recipes else [])
        for sc in report.scenarios
    )
    return ["## Answer", ""] + table(header, rows)


def _counts(findings: Sequence[CauseFinding]) -> str:
    return "; ".join(f"{sum(f.kind == k for f in findings)} {k} ({text.KIND_MEANING.get(k, k)})" for k in KINDS)


def _summary(report: Report) -> List[str]:
    if not report.summary:
        return ["## Findings", "", "None: every compared env/route starts like its baseline.", ""]
    lines = ["## Findings across the run", "", _counts(report.summary) + ". Worst kind first, then the broadest.", ""]
    number = 0
    for kind in KINDS:
        found = [f for f in report.summary if f.kind == kind]
        if not found:
            continue
        lines += [f"### {kind.capitalize()}: {text.KIND_MEANING.get(kind, kind)}", ""]
        for f in found:
            number += 1
            lines += _summary_item(number, f, report)
        lines.append("")
    return lines


def _summary_item(number: int, finding: CauseFinding, report: Report) -> List[str]:
    scenarios = ", ".join(finding.scenarios)
    lines = [f"{number}. **{escape(finding.cause)}** {code(finding.id)}: {escape(finding.what)} ({escape(scenarios)})"]
    fixes = answer.variants(finding, report.findings, "fix")
    if len(fixes) == 1:
        lines.append("   - **Fix:** " + _fix(fixes[0][0]))
    else:
        lines += ["   - **Fix** ({}): {}".format(escape(", ".join(names)), _fix(fix)) for fix, names in fixes]
    wheres = answer.variants(finding, report.findings, "where")
    lines.append(
        "   - Where: "
        + "; ".join(escape(w) + ("" if len(wheres) == 1 else " (" + escape(", ".join(n)) + ")") for w, n in wheres)
    )
    if finding.id in report.impact:
        lines.append("   - Training impact: " + escape(impact_text(report.impact[finding.id])))
    return lines


# ---------------------------------------------------------------- per scenario


def _findings(sc: ScenarioReport, report: Report) -> List[str]:
    found = report.findings_of(sc.name)
    return [
        f"- **{escape(f.kind)}** {escape(f.cause)} {code(f.id)}: {escape(f.what)} Where: {escape(f.where)}. **Fix:** {_fix(f.fix)}"
        for f in found
    ] + ([""] if found else [])


def _notes(sc: ScenarioReport) -> List[str]:
    if not sc.notes:
        return []
    lines = ["Worth knowing on blocks that are the same:"]
    lines += [f"- {escape(n.text)} Where: {escape(n.where)} ({n.rows} rows)." for n in sc.notes]
    return lines + [""]


def _recipe(sc: ScenarioReport) -> List[str]:
    if sc.recipe is None:
        return []
    fence = text.fence(sc.recipe.snippet)
    lines = ["**Initialize Keras like TF1.** Verified: " + escape(sc.recipe.verdict)]
    if sc.recipe.warnings:
        lines += ["**Warning:** " + escape(text.TIED_WEIGHTS), ""] + ["* " + escape(w) for w in sc.recipe.warnings]
        lines.append("")
    return lines + [fence + "python", sc.recipe.snippet, fence, ""]


def _ports(sc: ScenarioReport) -> List[str]:
    if not sc.ports:
        return []
    verdicts = "; ".join(f"{escape(text.labels(series))}: {escape(v)}" for v, series in answer.port_groups(sc.ports))
    return [f"**Porting the baseline's first-seed weights** (`rnncompare port`): {verdicts}.", ""]


def _not_run(report: Report) -> List[str]:
    """The routes that did not run, once for the run: the same reason recurs in every scenario."""
    grouped: Dict[Tuple[str, str, str], List[str]] = {}
    for sc in report.scenarios:
        for status, reason, series in answer.not_run(sc.routes):
            grouped.setdefault((text.labels(series), status, reason), []).append(sc.name)
    if not grouped:
        return []
    lines = ["## Did not run", ""]
    for (labels, status, reason), names in grouped.items():
        where = "every scenario" if len(names) == len(report.scenarios) else ", ".join(names)
        lines.append(
            f"- {escape(labels)} ({escape(status)}) in {escape(where)}" + (": " + escape(reason) if reason else "")
        )
    return lines + [""]


def _scenario(sc: ScenarioReport, report: Report) -> List[str]:
    lines = [f"## Scenario {escape(sc.name)}: {escape(answer.answer_text(sc.answer))}", ""]
    if not sc.baseline:
        lines += ["Nothing to compare with: no route ran.", ""]
    lines += ["**Warning:** " + escape(w) for w in sc.warnings] + ([""] if sc.warnings else [])
    if sc.blocks_from_variables:
        lines += ["These artifacts have no canonical blocks: their variables stand in for them.", ""]
    for part in (_findings(sc, report), _notes(sc), _recipe(sc), _ports(sc)):
        lines += part
    return lines


# ---------------------------------------------------------------- the run


def _run(report: Report) -> List[str]:
    lines = ["## The run", ""]
    lines += table(
        ("env", "python", "tensorflow", "keras", "numpy", "jax / flax / torch"),
        ((e.name, e.python, e.tensorflow, e.keras, e.numpy, e.frameworks) for e in report.envs),
    )
    return lines + ["- " + escape(n) for n in report.notes] + ([""] if report.notes else [])


def render(report: Report) -> str:
    lines = ["# rnncompare report", ""] + _intro(report) + _answer(report) + _summary(report)
    lines += networks.markdown(report.networks, escape, table)
    for sc in report.scenarios:
        lines += _scenario(sc, report)
    lines += _not_run(report) + _run(report)
    return "\n".join(lines).rstrip("\n") + "\n"
