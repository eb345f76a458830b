"""report.html's evidence for one scenario, below its answer: every section collapsed until asked for.

Route statuses, the pairs compared, the options that change the computation, the built configs, the
biases, the plots (spectra, stored vs effective biases, value histograms), the per-gate table (each
block's statistics and fingerprint per env/route, with the diff's verdict and reasons against the
baseline) and the rows that table has no cell for (config rows, rows over all gates or the whole cell,
routes that did not run, pairs without the baseline). Every diff row is in one of the last two.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Sequence

from compare.host.report import plots, text
from compare.host.report.htmlkit import css_state, details, e, img, table, td
from compare.host.report.records import BiasCell, BlockGroup, DiffRow, ScenarioReport, Series, bias_grid

Style = Dict[Series, plots.Style]


def _section(title: str, body: str, note: str = "") -> str:
    """One collapsed evidence section; empty when there is nothing to show."""
    if not body:
        return ""
    count = f' <span class="muted">{e(note)}</span>' if note else ""
    return details(f"<b>{e(title)}</b>{count}", body, "section")


def _routes(sc: ScenarioReport) -> str:
    rows = ([td(r.env), td(r.route), td(r.status, css_state(r.status)), td(r.family), td(r.reason)] for r in sc.routes)
    return _section("Routes", table(("env", "route", "status", "family", "reason"), rows))


def _pairs(sc: ScenarioReport) -> str:
    rows = (
        [td(text.series(p.a)), td(text.series(p.b))]
        + [td(n, "n") for _, n in text.counts(p.counts)]
        + [td(p.config or text.DASH, p.config)]
        for p in sc.pairs
    )
    body = table(("a", "b", "same", "differs", "missing", "config"), rows) if sc.pairs else ""
    return _section("Compared pairs", body, f"{len(sc.pairs)} pairs")


def _options(sc: ScenarioReport) -> str:
    rows = (
        [td(text.series(m.a)), td(text.series(m.b)), td(m.key), td(m.a_value), td(m.b_value), td(m.detail)]
        for m in sc.config_mismatches
    )
    body = table(("a", "b", "option", "a value", "b value", "why it matters"), rows) if sc.config_mismatches else ""
    return _section("Layer options that change the computation", body, f"{len(sc.config_mismatches)} rows")


def _config(sc: ScenarioReport) -> str:
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
    body = note + (table(["route", "key"] + envs, rows) if sc.config else "")
    return _section("Built config differences between envs (same route)", body, f"{len(sc.config)} keys")


def _biases(sc: ScenarioReport) -> str:
    if not sc.biases:
        return ""
    keys, columns, cells = bias_grid(sc)
    rows = ([td(key)] + [_bias_cell(cells.get((key, s))) for s in columns] for key in keys)
    body = table(["block"] + [text.series(s) for s in columns], rows)
    return _section("Biases: stored, and what the gate sees when different", body, f"{len(keys)} blocks")


def _bias_cell(cell: Optional[BiasCell]) -> str:
    if cell is None:
        return td(text.DASH)
    shown = text.bias(cell.stored, cell.effective)
    return td(shown, "n shifted" if shown != text.spread(cell.stored) else "n")


def legend(series: Sequence[Series], style: Style) -> str:
    items = []
    for s in series:
        colour, line = style[s]
        border = "solid" if line == "-" else "dashed"
        items.append(f'<span><i style="border-top:3px {border} {e(colour)}"></i>{e(text.series(s))}</span>')
    return '<p class="legend">Plot colours: {}</p>'.format("".join(items))


def _plots(sc: ScenarioReport, series: Sequence[Series], style: Style) -> str:
    images = [
        img(plots.spectrum(sc, part, series, style), f"singular values of {part} blocks")
        for part in ("kernel", "recurrent")
    ]
    images.append(img(plots.biases(sc.biases, series, style), "stored vs effective biases"))
    images += [img(plots.histogram(g, style), "value histogram of " + g.key) for g in sc.blocks]
    images = [i for i in images if i]
    if not images:
        return ""
    body = legend(series, style) + '<div class="plots">{}</div>'.format("".join(images))
    return _section("Plots: spectra, biases, value histograms (stats sample, shared bins)", body, f"{len(images)}")


def _verdict_cell(verdict: str, reasons: str) -> str:
    if not verdict:
        return td(text.DASH)
    small = f'<span class="detail">{e(reasons)}</span>' if reasons else ""
    return f'<td class="{e(css_state(verdict))}">{e(verdict)}{small}</td>'


def _block_rows(group: BlockGroup, width: int, baseline: Optional[Series]) -> List[List[str]]:
    rows = [[f'<th class="group" colspan="{width}">{e(group.key)}</th>']]
    for c in group.cells:
        verdict = "baseline" if (c.env, c.route) == baseline else c.verdict
        # plain cells: the table's CSS aligns its number columns (a class on each would be 10% of the page)
        rows.append(
            [td(text.series((c.env, c.route))), td(text.shape(c.shape)), td(c.variable)]
            + [td(text.stat(c.stats, k)) for _, k in text.STAT_COLUMNS]
            + [
                td(text.sv_range(c.stats)),
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
        + ["sv min / mean / max", "fingerprint", "vs baseline: verdict, reasons"]
    )
    rows = [r for g in sc.blocks for r in _block_rows(g, len(header), sc.baseline)]
    title = (
        "Variables (these artifacts have no canonical blocks yet)"
        if sc.blocks_from_variables
        else "Per-gate blocks: statistics, fingerprints, and each block's diff row"
    )
    return _section(title, table(header, rows, "blocks"), f"{len(sc.blocks)} keys")


def other_rows(sc: ScenarioReport) -> List[DiffRow]:
    """The rows the per-gate table has no cell for: not a block key of it, or a pair without the baseline."""
    keys = {g.key for g in sc.blocks}
    return [r for r in sc.rows if r.block not in keys or sc.baseline not in (r.a, r.b)]


def _other_rows(sc: ScenarioReport) -> str:
    found = other_rows(sc)
    rows = (
        [td(r.block), td(text.series(r.a)), td(text.series(r.b)), td(r.verdict, css_state(r.verdict))]
        + [td(text.reasons(r.reasons))]
        for r in found
    )
    body = table(("block", "a", "b", "verdict", "reasons"), rows) if found else ""
    return _section("Rows over a whole part, the whole cell, the config or a route", body, f"{len(found)} rows")


def render(sc: ScenarioReport, series: Sequence[Series], style: Style) -> str:
    """The scenario's evidence, one collapsed section per table or figure set."""
    parts = (
        _routes(sc),
        _pairs(sc),
        _options(sc),
        _config(sc),
        _biases(sc),
        _plots(sc, series, style),
        _blocks(sc),
        _other_rows(sc),
    )
    return '<div class="evidence"><h3>Evidence</h3>{}</div>'.format("".join(parts))
