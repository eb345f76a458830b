"""report.html: one standalone page that leads with the answer (inline CSS, SVG plots as images, no script,
no network).

Top: one line per scenario and the run's findings, each with its fix; then the matrix of every
env/route against the baseline; then per scenario its findings, recipe, port verdicts and notes, with
its evidence (``compare.host.report.htmlevidence``) collapsed below. A filter shows the findings of
one kind: radio inputs and ``:has()`` selectors, so it works without a script (the page promises none).

A Content-Security-Policy meta tag forbids every fetch and every script, so the page cannot reach
the network even if a value slipped through unescaped; and every value that comes from an artifact,
a diff row, a finding or a recipe goes through :func:`e` (``html.escape`` with quotes) anyway.
"""

from __future__ import annotations

from typing import Callable, Dict, List, Optional, Sequence, Tuple

from compare.host.findings import KINDS
from compare.host.findings import Finding as CauseFinding
from compare.host.report import answer, htmlevidence, networks, plots, text
from compare.host.report.htmlkit import anchor, css_state, details, e, table, td
from compare.host.report.impact import impact_text
from compare.host.report.records import GridCell, Report, ScenarioReport, Series

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
# The filter: the kind chosen hides every finding of another kind, wherever it is on the page.
FILTER_CSS = "".join(f"body:has(#kind-{k}:checked) .finding:not(.{k}){{display:none}}" for k in KINDS)
CSS = (
    """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1400px;
padding:.6em 1.2em;color:#222}
h1{font-size:1.4em;margin:.2em 0}h2{font-size:1.2em;border-bottom:2px solid #ccc;padding-bottom:.1em;
margin:1.1em 0 .4em}h3{font-size:1.05em;margin:1em 0 .3em}p{margin:.3em 0}.lead{color:#444;margin:0 0 .4em}
table{border-collapse:collapse;margin:.3em 0 .7em;font-size:12px}
th,td{border:1px solid #ddd;padding:2px 6px;text-align:left;vertical-align:top;overflow-wrap:break-word}
th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.scroll{overflow-x:auto}.muted{color:#777}.warn{background:#fff3cd;border:1px solid #e0c36a;padding:.3em .8em}
code,pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12.5px}
pre{background:#f6f8fa;border:1px solid #ddd;padding:.5em;overflow-x:auto;margin:.3em 0}
.same{background:#d4edda}.differs{background:#f8d7da}.missing{background:#ffe5b4}.unavailable{background:#e2e3e5}
.error{background:#e6a5a5}.baseline{background:#cfe2ff}.not-compared,.nothing-ran{background:#fafafa}
.detail{display:block;font-size:11px;color:#555;font-weight:400}
table.answer td{padding:3px 8px;font-size:13px}table.answer td.name{font-family:monospace}
ol.findings{list-style:none;padding:0;margin:.2em 0}
.finding{border:1px solid #ddd;border-left:5px solid #999;border-radius:3px;padding:.25em .7em;margin:.35em 0}
.finding.function{border-left-color:#b03a2e}.finding.distribution{border-left-color:#c87f0a}
.finding.cosmetic{border-left-color:#7f8c8d}
.kind{font-size:10.5px;font-weight:700;text-transform:uppercase;padding:1px 6px;border-radius:8px;color:#fff;
background:#7f8c8d}.kind.function{background:#b03a2e}.kind.distribution{background:#c87f0a}
.fid{color:#666;font-size:11px}.fix code{background:#e6f4ea;padding:0 3px}.fix ul{margin:0;padding-left:1.4em}
.finding details{font-size:12.5px}.finding summary{color:#555;cursor:pointer}
.finding dl{margin:.2em 0 .3em}.finding dt{font-weight:600;float:left;clear:left;width:6.5em}
.finding dd{margin:0 0 .15em 7em}.finding ul.rows{margin:0;padding-left:1.2em}
.filter{display:flex;flex-wrap:wrap;gap:.4em;align-items:center;margin:.2em 0 .3em;font-size:13px}
.filter label{border:1px solid #bbb;border-radius:12px;padding:1px 10px;cursor:pointer;user-select:none}
.filter label:has(input:checked){background:#333;color:#fff;border-color:#333}
.filter input{position:absolute;opacity:0;width:1px;height:1px}
.filter label:has(input:focus-visible){outline:2px solid #1f6feb}
table.grid{table-layout:fixed;width:100%}table.grid td,table.grid th{text-align:center;padding:2px 2px;
font-size:11px;overflow-wrap:anywhere}table.grid th.env{background:#e8eef7;font-family:monospace}table.grid td.name,
table.grid th.name{text-align:left;font-family:monospace;width:14em;font-size:12px}
.state{font-weight:600}
summary{cursor:pointer}details.section{margin:.25em 0}details.section>summary{padding:.15em 0}
.evidence{border-top:1px dashed #ccc;margin-top:.6em}.evidence h3{color:#555;font-size:1em}
th.group{background:#e8eef7;font-family:monospace}
table.blocks td:nth-child(n+4):nth-child(-n+11){text-align:right;font-variant-numeric:tabular-nums;
white-space:nowrap}table.blocks td:nth-child(3){color:#777}
td.shifted{background:#fff3cd}.plots{display:flex;flex-wrap:wrap;gap:6px}.plots img{border:1px solid #eee}
.legend span{display:inline-block;margin-right:1.2em;font-size:12px}
.legend i{display:inline-block;width:28px;margin-right:4px;vertical-align:middle}
"""
    + FILTER_CSS
)
# What a matrix cell says in its few pixels (its title holds the whole story).
CELL_WORDS = {"unavailable": "n/a", "not compared": "\u2013", "missing": "missing"}


def _scenario_link(name: str) -> str:
    return f'<a href="#{e(anchor(name))}">{e(name)}</a>'


# ---------------------------------------------------------------- the answer


def _answer(report: Report) -> str:
    recipes = any(sc.recipe for sc in report.scenarios)
    rows = []
    for sc in report.scenarios:
        row = [
            f'<td class="name">{_scenario_link(sc.name)}</td>',
            td(answer.answer_text(sc.answer), css_state(sc.answer.state)),
        ]
        rows.append(row + ([td(sc.recipe.verdict if sc.recipe else text.DASH)] if recipes else []))
    header = ["scenario", "answer"] + (["Keras like TF1 with the recipe (init_like_tf1)"] if recipes else [])
    note = "" if report.compared else '<p class="warn">No diff rows were given: nothing was compared.</p>'
    return f'<section id="answer"><h2>Answer</h2>{note}{table(header, rows, "answer", "answer-table")}</section>'


# ---------------------------------------------------------------- findings


def _fix(fix: str) -> str:
    return "".join(f"<code>{e(part)}</code>" if is_code else e(part) for part, is_code in text.code_parts(fix))


def _variants(found: List[Tuple[str, List[str]]], render: Callable[[str], str]) -> str:
    if len(found) == 1:
        return render(found[0][0])
    return "<ul>{}</ul>".format(
        "".join('<li>{} <span class="muted">({})</span></li>'.format(render(v), e(", ".join(n))) for v, n in found)
    )


def _rows_list(finding: CauseFinding, per_scenario: bool) -> str:
    """The finding's rows, by scenario and pair: the blocks of each (the evidence is in each scenario)."""
    grouped: Dict[Tuple[str, str, str], List[str]] = {}
    for r in finding.rows:
        grouped.setdefault((r.scenario, r.a, r.b), []).append(r.block + (f" ({r.key})" if r.key else ""))
    items = []
    for (scenario, a, b), blocks in grouped.items():
        head = (_scenario_link(scenario) + ": ") if per_scenario else ""
        items.append(f"<li>{head}{e(a)} vs {e(b)}: {e(', '.join(blocks))}</li>")
    return '<ul class="rows">{}</ul>'.format("".join(items))


def _card(f: CauseFinding, report: Report, run_wide: bool) -> str:
    """One finding: kind, cause and id, what (with the figures), the fix; where, pairs and rows folded."""
    if run_wide:
        scenarios = " in " + ", ".join(_scenario_link(s) for s in f.scenarios)
        fix = _variants(answer.variants(f, report.findings, "fix"), _fix)
        where = _variants(answer.variants(f, report.findings, "where"), e)
        ident = f' id="{e(anchor(f.id, "finding-"))}"'
    else:  # the id links to the run-wide finding this one is part of
        scenarios, fix, where, ident = "", _fix(f.fix), e(f.where), ""
        if f.summary_id:
            scenarios = f' <a class="fid" href="#{e(anchor(f.summary_id, "finding-"))}">across the run</a>'
    pairs = "; ".join(f"{e(a)} vs {e(b)}" for a, b in f.pairs)
    folded = details(
        f"Where, between which env/routes, and its {text.plural(len(f.rows), 'row')}",
        f"<dl><dt>Where</dt><dd>{where}</dd><dt>Between</dt><dd>{pairs}</dd>"
        f"<dt>Rows</dt><dd>{_rows_list(f, run_wide)}</dd></dl>",
    )
    record = report.impact.get(f.summary_id or f.id)
    impact = f'<div class="impact"><b>Training impact:</b> {e(impact_text(record))}</div>' if record else ""
    return (
        f'<li class="finding {e(f.kind)}"{ident}><div><span class="kind {e(f.kind)}">{e(f.kind)}</span> '
        f'<b>{e(f.cause)}</b> <code class="fid">{e(f.id)}</code>{scenarios}</div>'
        f'<p class="what">{e(f.what)}</p><div class="fix"><b>Fix:</b> {fix}</div>{impact}{folded}</li>'
    )


def _filter(findings: Sequence[CauseFinding]) -> str:
    choices = [("all", len(findings))] + [(k, sum(f.kind == k for f in findings)) for k in KINDS]
    labels = "".join(
        f'<label title="{e(text.KIND_MEANING.get(k, "every kind"))}"><input type="radio" name="kind" '
        f'id="kind-{k}" value="{k}"{" checked" if k == "all" else ""}>{k} ({n})</label>'
        for k, n in choices
    )
    return f'<div class="filter" role="radiogroup" aria-label="Show findings of one kind">Show: {labels}</div>'


def _summary(report: Report) -> str:
    if not report.summary:
        return '<section id="findings"><h2>Findings</h2><p>None: every compared env/route starts like its baseline.</p></section>'
    meaning = "; ".join(f"<b>{k}</b>: {e(m)}" for k, m in text.KIND_MEANING.items())
    cards = "".join(_card(f, report, True) for f in report.summary)
    return (
        f'<section id="findings"><h2>Findings across the run ({len(report.summary)})</h2>{_filter(report.summary)}'
        f'<p class="muted">Worst kind first ({meaning}), then the broadest. Each is one cause, stated once '
        f'over every block, env and scenario it shows in.</p><ol class="findings">{cards}</ol></section>'
    )


# ---------------------------------------------------------------- the matrix


def _grid_cell(cell: Optional[GridCell]) -> str:
    if cell is None:
        return td(text.DASH)
    word = CELL_WORDS.get(cell.state, cell.state)
    rows = sum(cell.counts.values())
    count = cell.counts.get("differs") or cell.counts.get("missing") or 0
    small = (f"{count}/{rows}" if count else "") + (" +cfg" if cell.config_differs else "")
    detail = f'<span class="detail">{e(small.strip())}</span>' if small else ""
    title = (
        cell.state
        + (": " + cell.detail if cell.detail else "")
        + ("; the config differs" if cell.config_differs else "")
    )
    return f'<td class="{css_state(cell.state)}" title="{e(title)}"><span class="state">{e(word)}</span>{detail}</td>'


def _grid(report: Report) -> str:
    envs: Dict[str, List[Series]] = {}
    for s in report.series:
        envs.setdefault(s[0], []).append(s)
    top = "".join(f'<th class="env" colspan="{len(cols)}">{e(env)}</th>' for env, cols in envs.items())
    sub = "".join(f"<th>{e(route)}</th>" for cols in envs.values() for _, route in cols)
    rows = []
    for sc in report.scenarios:
        cells = {(c.env, c.route): c for c in sc.grid}
        rows.append(
            f'<tr><td class="name">{_scenario_link(sc.name)}</td>'
            + "".join(_grid_cell(cells.get(s)) for s in report.series)
            + "</tr>"
        )
    grid = (
        f'<table class="grid" id="summary-grid"><thead><tr><th class="name" rowspan="2">scenario</th>{top}</tr>'
        f"<tr>{sub}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )
    return (
        '<section id="matrix"><h2>Every env/route against the baseline</h2><p class="muted">Each cell: the worst '
        "verdict of its blocks against the scenario's baseline (by default the TF1 route of the newest "
        "TensorFlow 1.x that ran it), with the differing (or missing) rows of all; <b>+cfg</b>: the layer "
        f"config differs too; n/a: the route cannot be built there (hover for why).</p>{grid}</section>"
    )


# ---------------------------------------------------------------- per scenario


def _recipe(sc: ScenarioReport) -> str:
    if sc.recipe is None:
        return ""
    warning = ""
    if sc.recipe.warnings:
        warning = '<p class="warn"><b>Warning:</b> {}</p><ul>{}</ul>'.format(
            e(text.TIED_WEIGHTS), "".join(f"<li>{e(w)}</li>" for w in sc.recipe.warnings)
        )
    return (
        f'<div class="recipe"><h3>Initialize Keras like TF1</h3><p>Verified: <b>{e(sc.recipe.verdict)}</b></p>{warning}'
        f"<pre><code>{e(sc.recipe.snippet)}</code></pre></div>"
    )


def _ports(sc: ScenarioReport) -> str:
    if not sc.ports:
        return ""
    items = "".join(
        f'<li><span class="{"same" if v.startswith("exact") else "differs"}">{e(v)}</span>: {e(text.labels(s))}</li>'
        for v, s in answer.port_groups(sc.ports)
    )
    return f'<h3>Porting the baseline\'s weights</h3><p class="muted">{e(text.PORTS)}</p><ul>{items}</ul>'


def _not_run(sc: ScenarioReport) -> str:
    groups = answer.not_run(sc.routes)
    if not groups:
        return ""
    items = "".join(
        f'<li><span class="{css_state(status)}">{e(status)}</span> {e(text.labels(s))}{": " + e(r) if r else ""}</li>'
        for status, r, s in groups
    )
    return f"<h3>Did not run</h3><ul>{items}</ul>"


def _notes(sc: ScenarioReport) -> str:
    if not sc.notes:
        return ""
    items = "".join(
        f'<li>{e(n.text)} <span class="muted">Where: {e(n.where)} ({n.rows} rows).</span></li>' for n in sc.notes
    )
    return f"<h3>Worth knowing on blocks that are the same</h3><ul>{items}</ul>"


def _scenario(sc: ScenarioReport, report: Report, style: Dict[Series, plots.Style]) -> str:
    warnings = "".join(f'<p class="warn">{e(w)}</p>' for w in sc.warnings)
    baseline = e(text.series(sc.baseline)) if sc.baseline else "nothing (no route ran)"
    state = css_state(sc.answer.state)
    found = report.findings_of(sc.name)
    cards = '<ol class="findings">{}</ol>'.format("".join(_card(f, report, False) for f in found)) if found else ""
    head = (
        f'<section class="scenario" id="{e(anchor(sc.name))}"><h2>Scenario <code>{e(sc.name)}</code></h2>{warnings}'
        f'<p><span class="{state}"><b>{e(answer.answer_text(sc.answer))}</b></span> against <b>{baseline}</b></p>'
    )
    body = cards + _notes(sc) + _recipe(sc) + _ports(sc) + _not_run(sc)
    return head + body + htmlevidence.render(sc, report.series, style) + "</section>"


def _run(report: Report) -> str:
    rows = (
        [td(x.name), td(x.python), td(x.tensorflow), td(x.keras), td(x.numpy), td(x.frameworks)] for x in report.envs
    )
    notes = "".join(f"<li>{e(n)}</li>" for n in report.notes)
    return (
        '<section id="run"><h2>The run</h2>'
        + table(("env", "python", "tensorflow", "keras", "numpy", "jax / flax / torch"), rows)
        + (f'<ul class="notes">{notes}</ul>' if notes else "")
        + "</section>"
    )


def render(report: Report) -> str:
    style = plots.styles(report.series)
    body = "".join(_scenario(sc, report, style) for sc in report.scenarios)
    against = text.against([sc.baseline for sc in report.scenarios if sc.baseline])
    lead = (
        f'<p class="lead">Does each Keras route start like the TF1 code it replaces? Against <b>{e(against)}</b> '
        f"({e(text.BASELINE_MEANING)}). The answer and the findings first, each with its fix; the evidence "
        'folded under each scenario. <a href="#run">Envs and thresholds</a>.</p>'
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{e(CSP)}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>rnncompare report</title><style>{CSS}</style></head><body>"
        f"<h1>rnncompare report</h1>{lead}{_answer(report)}{_summary(report)}{_grid(report)}"
        f"{networks.html(report.networks)}{body}{_run(report)}</body></html>\n"
    )
