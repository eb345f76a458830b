"""report.html: one standalone page (inline CSS, SVG plots inline, no script, no network).

A Content-Security-Policy meta tag forbids every fetch and every script, so the page cannot reach
the network even if a value slipped through unescaped; and every value that comes from an artifact,
a diff row or a recipe goes through :func:`e` (``html.escape`` with quotes) anyway.
"""

from __future__ import annotations

import base64
import html
from typing import Callable, Dict, Iterable, List, Optional, Sequence

from compare.host.report import networks, plots, text
from compare.host.report.records import BiasCell, BlockGroup, GridCell, Report, ScenarioReport, Series, bias_grid

OPEN_ROWS = 15  # longer optional tables start folded
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
CSS = """
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5em auto;max-width:1400px;padding:0 1em;
color:#222}
h1{font-size:1.6em}h2{border-bottom:2px solid #ccc;padding-bottom:.2em;margin-top:2em}h3{margin:1.4em 0 .4em}
table{border-collapse:collapse;margin:.4em 0 1em;font-size:12px}
th,td{border:1px solid #ddd;padding:2px 6px;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.scroll{overflow-x:auto}.muted{color:#777}.warn{background:#fff3cd;border:1px solid #e0c36a;padding:.4em .8em}
th.group{background:#e8eef7;font-family:monospace}code,pre{font-family:ui-monospace,Menlo,Consolas,monospace}
pre{background:#f6f8fa;border:1px solid #ddd;padding:.6em;overflow-x:auto}
.grid td{text-align:center;min-width:7em}.grid td.name{text-align:left;font-family:monospace}
.same{background:#d4edda}.differs{background:#f8d7da}.missing{background:#ffe5b4}.unavailable{background:#e2e3e5}
.error{background:#e6a5a5}.baseline{background:#cfe2ff}.not-compared{background:#fafafa}
.state{font-weight:600}.detail{display:block;font-size:11px;color:#555;font-weight:400}
td.shifted{background:#fff3cd}.plots{display:flex;flex-wrap:wrap;gap:6px}.plots img{border:1px solid #eee}
.legend span{display:inline-block;margin-right:1.2em;font-size:12px}
.legend i{display:inline-block;width:28px;margin-right:4px;vertical-align:middle}
nav a{margin-right:1em}
"""


def e(value: object) -> str:
    """Escape any value for HTML text and attribute values."""
    return html.escape(str(value), quote=True)


def _img(svg: Optional[str], alt: str) -> str:
    """A plot as an image of its own (``data:`` URL): the page's CSP allows no other image source, and the
    figure's text cannot reach the page's markup."""
    if svg is None:
        return ""
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return f'<img src="data:image/svg+xml;base64,{data}" alt="{e(alt)}">'


def _table(header: Sequence[str], rows: Iterable[Sequence[str]], cls: str = "", table_id: str = "") -> str:
    """``rows`` hold finished cell HTML (``<td>...``); the header is escaped here."""
    head = "".join(f"<th>{e(h)}</th>" for h in header)
    body = "".join("<tr>{}</tr>".format("".join(r)) for r in rows)
    attr = (f' id="{table_id}"' if table_id else "") + (f' class="{cls}"' if cls else "")
    return f'<div class="scroll"><table{attr}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def td(value: object, cls: str = "") -> str:
    return "<td{}>{}</td>".format(f' class="{cls}"' if cls else "", e(value))


def _css_state(state: str) -> str:
    return state.replace(" ", "-")


# ---------------------------------------------------------------- page head and summary


def _envs(report: Report) -> str:
    rows = ([td(x.name), td(x.python), td(x.tensorflow), td(x.keras), td(x.numpy)] for x in report.envs)
    return _table(("env", "python", "tensorflow", "keras", "numpy"), rows)


def _legend(report: Report, style: Dict[Series, plots.Style]) -> str:
    items = []
    for s in report.series:
        colour, line = style[s]
        border = "solid" if line == "-" else "dashed"
        items.append(f'<span><i style="border-top:3px {border} {e(colour)}"></i>{e(text.series(s))}</span>')
    return '<p class="legend">Plot colours: {}</p>'.format("".join(items))


def _grid_cell(cell: Optional[GridCell]) -> str:
    if cell is None:
        return td(text.DASH)
    word = cell.state + (" +config" if cell.config_differs else "")
    detail = f'<span class="detail">{e(cell.short)}</span>' if cell.short else ""
    return f'<td class="{_css_state(cell.state)}" title="{e(cell.detail)}"><span class="state">{e(word)}</span>{detail}</td>'


def _grid(report: Report) -> str:
    rows = []
    for sc in report.scenarios:
        cells = {(c.env, c.route): c for c in sc.grid}
        name = f'<td class="name"><a href="#{e(_anchor(sc.name))}">{e(sc.name)}</a></td>'
        rows.append([name] + [_grid_cell(cells.get(s)) for s in report.series])
    note = (
        "" if report.compared else '<p class="warn">No diff rows were given: cells say only whether each route ran.</p>'
    )
    table = _table(["scenario"] + [text.series(s) for s in report.series], rows, "grid", "summary-grid")
    return (
        f'<section id="summary"><h2>Summary</h2>{note}<p>Each cell compares that env/route with the scenario\'s '
        "baseline (by default the TF1 route of the newest TensorFlow 1.x that ran it: the code being "
        "migrated). <b>+config</b>: the layer config "
        f"differs too.</p>{table}</section>"
    )


def _anchor(name: str) -> str:
    return "scenario-" + "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


# ---------------------------------------------------------------- scenario parts


def _routes(sc: ScenarioReport) -> str:
    rows = ([td(r.env), td(r.route), td(r.status, _css_state(r.status)), td(r.family), td(r.reason)] for r in sc.routes)
    return _table(("env", "route", "status", "family", "reason"), rows)


def _recipe(sc: ScenarioReport) -> str:
    if sc.recipe is None:
        return ""
    warning = ""
    if sc.recipe.warnings:
        warning = '<p class="warning"><b>Warning:</b> {}</p><ul>{}</ul>'.format(
            e(text.TIED_WEIGHTS), "".join(f"<li>{e(w)}</li>" for w in sc.recipe.warnings)
        )
    return (
        f'<div class="recipe"><h3>Initialize Keras like TF1</h3><p>Verified verdict: <b>{e(sc.recipe.verdict)}</b></p>{warning}'
        f"<pre><code>{e(sc.recipe.snippet)}</code></pre></div>"
    )


def _ports(sc: ScenarioReport) -> str:
    if not sc.ports:
        return ""
    rows = (
        [td(p.env), td(p.route), td(p.verdict, "same" if p.verdict.startswith("exact") else "differs")]
        for p in sc.ports
    )
    return f"<h3>Porting the baseline's weights</h3><p>{e(text.PORTS)}</p>" + _table(("env", "route", "port"), rows)


def _pairs(sc: ScenarioReport) -> str:
    if not sc.pairs:
        return ""
    rows = (
        [td(text.series(p.a)), td(text.series(p.b))]
        + [td(n, "n") for _, n in text.counts(p.counts)]
        + [td(p.config or text.DASH, p.config)]
        for p in sc.pairs
    )
    return "<h3>Compared pairs</h3>" + _table(("a", "b", "same", "differs", "missing", "config"), rows)


def _verdict_cell(verdict: str, reasons: str) -> str:
    if not verdict:
        return td(text.DASH)
    small = f'<span class="detail">{e(reasons)}</span>' if reasons else ""
    return f'<td class="{e(_css_state(verdict))}">{e(verdict)}{small}</td>'


def _block_rows(group: BlockGroup, width: int, baseline: Optional[Series]) -> List[List[str]]:
    rows = [[f'<th class="group" colspan="{width}">{e(group.key)}</th>']]
    for c in group.cells:
        verdict = "baseline" if (c.env, c.route) == baseline else c.verdict
        rows.append(
            [td(text.series((c.env, c.route))), td(text.shape(c.shape)), td(c.variable, "muted")]
            + [td(text.stat(c.stats, k), "n") for _, k in text.STAT_COLUMNS]
            + [
                td(text.sv_range(c.stats), "n"),
                td(text.fingerprint(c.fingerprint)),
                _verdict_cell(verdict, text.reasons(c.reasons)),
            ]
        )
    return rows


def _blocks(sc: ScenarioReport) -> str:
    if not sc.blocks:
        return ""
    header = (
        ["env/route", "shape", "variable"]
        + [t for t, _ in text.STAT_COLUMNS]
        + ["sv min / mean / max", "fingerprint", "vs baseline"]
    )
    rows = [r for g in sc.blocks for r in _block_rows(g, len(header), sc.baseline)]
    body = _table(header, rows)
    title = (
        "Variables (these artifacts have no canonical blocks yet)" if sc.blocks_from_variables else "Per-gate blocks"
    )
    return f"<details><summary><b>{e(title)}</b> ({len(sc.blocks)} keys; click to open)</summary>{body}</details>"


def _histograms(sc: ScenarioReport, style: Dict[Series, plots.Style]) -> str:
    images = [_img(plots.histogram(g, style), "value histogram of " + g.key) for g in sc.blocks]
    images = [i for i in images if i]
    if not images:
        return ""
    return (
        "<details open><summary><b>Value histograms</b> (stats sample, shared bins)</summary>"
        '<div class="plots">{}</div></details>'
    ).format("".join(images))


def _spectra_and_biases(sc: ScenarioReport, series: Sequence[Series], style: Dict[Series, plots.Style]) -> str:
    images = [
        _img(plots.spectrum(sc, part, series, style), f"singular values of {part} blocks")
        for part in ("kernel", "recurrent")
    ]
    images.append(_img(plots.biases(sc.biases, series, style), "stored vs effective biases"))
    images = [i for i in images if i]
    return '<h3>Spectra and biases</h3><div class="plots">{}</div>'.format("".join(images)) if images else ""


def _biases(sc: ScenarioReport) -> str:
    if not sc.biases:
        return ""
    keys, columns, cells = bias_grid(sc)
    rows = ([td(key)] + [_bias_cell(cells.get((key, s))) for s in columns] for key in keys)
    return "<h3>Biases: stored, and what the gate sees when different</h3>" + _table(
        ["block"] + [text.series(s) for s in columns], rows
    )


def _bias_cell(cell: Optional[BiasCell]) -> str:
    if cell is None:
        return td(text.DASH)
    shown = text.bias(cell.stored, cell.effective)
    return td(shown, "n shifted" if shown != text.spread(cell.stored) else "n")


def _config(sc: ScenarioReport) -> str:
    return _config_normalized(sc) + _config_raw(sc)


def _config_normalized(sc: ScenarioReport) -> str:
    if not sc.config_mismatches:
        return ""
    rows = (
        [td(text.series(m.a)), td(text.series(m.b)), td(m.key), td(m.a_value), td(m.b_value), td(m.detail)]
        for m in sc.config_mismatches
    )
    return "<h3>Layer options that change the computation</h3>" + _table(
        ("a", "b", "option", "a value", "b value", "why it matters"), rows
    )


def _config_raw(sc: ScenarioReport) -> str:
    if not sc.config and not sc.config_cosmetic:
        return ""
    envs = list(dict.fromkeys(env for d in sc.config for env in d.values))
    rows = (
        [td(d.route), td(d.key)]
        + [td(d.values[v]) if d.values.get(v) is not None else td("(absent)", "muted") for v in envs]
        for d in sc.config
    )
    note = (
        f'<p class="muted">{sc.config_cosmetic} cosmetic differences (auto-generated names, module paths) not shown.</p>'
        if sc.config_cosmetic
        else ""
    )
    table = _table(["route", "key"] + envs, rows) if sc.config else ""
    return (
        "<details{}><summary><b>Built config differences between envs (same route)</b> ({} keys)</summary>"
        "{}{}</details>"
    ).format(" open" if len(sc.config) <= OPEN_ROWS else "", len(sc.config), note, table)


def _findings(sc: ScenarioReport) -> str:
    if not sc.findings:
        return ""
    explain = any(f.explanation for f in sc.findings)
    rows = (
        [
            td(f.block),
            td(text.series(f.a)),
            td(text.series(f.b)),
            td(f.verdict, _css_state(f.verdict)),
            td(text.reasons(f.reasons)),
        ]
        + ([td(f.explanation)] if explain else [])
        for f in sc.findings
    )
    header = ("block", "a", "b", "verdict", "reasons") + (("explanation",) if explain else ())
    return "<h3>Findings (differences, and notes on same blocks)</h3>" + _table(header, rows)


def _scenario(sc: ScenarioReport, report: Report, style: Dict[Series, plots.Style]) -> str:
    warnings = "".join(f'<p class="warn">{e(w)}</p>' for w in sc.warnings)
    baseline = e(text.series(sc.baseline)) if sc.baseline else "none (no route ran)"
    parts: List[Callable[[], str]] = [
        lambda: _routes(sc),
        lambda: _recipe(sc),
        lambda: _ports(sc),
        lambda: _pairs(sc),
        lambda: _config(sc),
        lambda: _spectra_and_biases(sc, report.series, style),
        lambda: _biases(sc),
        lambda: _findings(sc),
        lambda: _histograms(sc, style),
        lambda: _blocks(sc),
    ]
    head = f'<section class="scenario" id="{e(_anchor(sc.name))}"><h2>Scenario <code>{e(sc.name)}</code></h2>'
    return "{}{}<p>Baseline: {}</p>{}</section>".format(head, warnings, baseline, "".join(p() for p in parts))


def render(report: Report) -> str:
    style = plots.styles(report.series)
    nav = "".join(f'<a href="#{e(_anchor(sc.name))}">{e(sc.name)}</a>' for sc in report.scenarios)
    body = "".join(_scenario(sc, report, style) for sc in report.scenarios)
    notes = (
        '<ul class="notes">{}</ul>'.format("".join(f"<li>{e(n)}</li>" for n in report.notes)) if report.notes else ""
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{e(CSP)}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>rnncompare report</title><style>{CSS}</style></head><body>"
        f"<h1>rnncompare report</h1>{_envs(report)}{notes}{_legend(report, style)}{_grid(report)}<nav>{nav}</nav>{networks.html(report.networks) + body}</body></html>\n"
    )
