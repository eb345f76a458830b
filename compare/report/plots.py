"""The report's plots as PNG bytes (matplotlib, Agg canvas, no pyplot state, no display needed).

Every figure is small (about 4 x 2.5 in at 80 dpi) because the HTML shows dozens of them; each
(env, route) keeps one colour through the whole report (TF1 solid, Keras dashed), and the HTML
prints that legend once, so the figures carry none of their own.

Side: host (current Python; may use scipy, matplotlib, rich; never TensorFlow).
"""
from __future__ import annotations

import io
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from compare.report.model import BiasCell, BlockGroup, ScenarioReport, Series

DPI = 80
SMALL = (4.0, 2.5)
BINS = 40
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22")
LINESTYLE = {"tf1": "-", "keras": "--"}


Style = Tuple[str, str]  # (colour, linestyle)


def styles(series: Sequence[Series]) -> Dict[Series, Style]:
    """One colour per env (shared by its routes), one line style per route."""
    envs = list(dict.fromkeys(env for env, _ in series))
    return {(env, route): (PALETTE[envs.index(env) % len(PALETTE)], LINESTYLE.get(route, ":"))
            for env, route in series}


def _figure(size: Tuple[float, float] = SMALL) -> Figure:
    fig = Figure(figsize=size, dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def _png(fig: Figure, bottom: float = 0.12) -> bytes:
    """Render and release: the figure is dropped once its bytes exist (no pyplot registry keeps it).
    Fixed margins instead of tight_layout, which would draw every figure twice (half the report's time)."""
    buffer = io.BytesIO()
    fig.subplots_adjust(left=0.13, right=0.98, top=0.88, bottom=bottom)
    fig.savefig(buffer, format="png", dpi=DPI)
    fig.clear()
    return buffer.getvalue()


def _tidy(ax, title: str, grid: bool = True) -> None:
    ax.set_title(title, fontsize=8)
    ax.tick_params(labelsize=6)
    if grid:
        ax.grid(alpha=0.25, linewidth=0.5)


def _edges(samples: Sequence[np.ndarray]) -> np.ndarray:
    """Shared bins over all series; about sqrt(n) of them (at most BINS) so small samples stay readable."""
    pooled = np.concatenate(samples)
    low, high = float(pooled.min()), float(pooled.max())
    if high <= low:
        low, high = low - 0.5, high + 0.5
    bins = int(min(BINS, max(8, np.sqrt(min(len(s) for s in samples)))))
    return np.linspace(low, high, bins + 1)


def histogram(group: BlockGroup, style: Dict[Series, Style]) -> Optional[bytes]:
    """The block's value distribution per (env, route), from the stats sample, on shared bins.

    None when no series has a sample, or when every series is constant: a spike says nothing the
    bias plot and the tables do not (and skipping them keeps the report fast)."""
    cells = [c for c in group.cells if c.sample]
    if not cells or all(c.stats.get("constant") is not None for c in cells):
        return None
    samples = [np.asarray(c.sample, dtype=np.float64) for c in cells]
    edges = _edges(samples)
    fig = _figure()
    ax = fig.add_subplot(1, 1, 1)
    for cell, sample in zip(cells, samples):
        colour, line = style.get((cell.env, cell.route), ("black", ":"))
        density, _ = np.histogram(sample, bins=edges, density=True)
        ax.stairs(density, edges, color=colour, linestyle=line, linewidth=1.1)
    _tidy(ax, group.key, grid=False)
    ax.xaxis.set_major_locator(MaxNLocator(5))
    ax.yaxis.set_major_locator(MaxNLocator(4))
    return _png(fig)


def _stem(key: str) -> str:
    """``l0/fw/update/kernel`` -> ``l0/fw/update``."""
    return key.rsplit("/", 1)[0]


def _offsets(count: int, width: float = 0.8) -> List[float]:
    if count <= 1:
        return [0.0]
    step = width / count
    return [-width / 2 + step * (i + 0.5) for i in range(count)]


def _ranges(ax, xs: List[float], lows: List[float], highs: List[float], marks: List[float], style: Style,
            marker: str, filled: bool = True) -> None:
    """One series' min-max bars and markers, drawn as two artists (not two per block: that is slow)."""
    colour, line = style
    if xs:
        ax.vlines(xs, lows, highs, colors=colour, linestyles="solid" if line == "-" else "dashed", linewidth=1.1)
    points = [(x, m) for x, m in zip(xs, marks) if m is not None]
    if points:
        ax.plot([p[0] for p in points], [p[1] for p in points], linestyle="none", marker=marker, markersize=3,
                color=colour, markerfacecolor=colour if filled else "none")


def _axis(keys: Sequence[str], title: str) -> Tuple[Figure, object]:
    fig = _figure((min(10.0, 2.0 + 0.45 * len(keys)), 2.6))
    ax = fig.add_subplot(1, 1, 1)
    ax.set_xticks(range(len(keys)))
    ax.set_xticklabels([_stem(k) for k in keys], rotation=60, ha="right", fontsize=6)
    ax.set_xlim(-0.6, len(keys) - 0.4)
    _tidy(ax, title)
    return fig, ax


def spectrum(scenario: ScenarioReport, part: str, series: Sequence[Series],
             style: Dict[Series, Style]) -> Optional[bytes]:
    """Singular values of every ``part`` block (kernel or recurrent): min-max bar, mean marker, per series."""
    groups = [g for g in scenario.blocks if g.part == part
              and any(c.stats.get("sv_max") is not None for c in g.cells)]
    if not groups:
        return None
    fig, ax = _axis([g.key for g in groups], "singular values of {} blocks (min-max, o mean)".format(part))
    for dx, s in zip(_offsets(len(series)), series):
        xs, lows, highs, means = [], [], [], []
        for x, group in enumerate(groups):
            stats = next((c.stats for c in group.cells if (c.env, c.route) == s), {})
            if stats.get("sv_max") is not None and stats.get("sv_min") is not None:
                xs.append(x + dx)
                lows.append(stats["sv_min"])
                highs.append(stats["sv_max"])
                means.append(stats.get("sv_mean"))
        _ranges(ax, xs, lows, highs, means, style[s], "o")
    ax.set_ylim(bottom=0)  # from zero: an orthogonal block is a flat line at its gain, not float noise
    ax.ticklabel_format(axis="y", useOffset=False)
    return _png(fig, bottom=0.32)


def biases(cells: Sequence[BiasCell], series: Sequence[Series], style: Dict[Series, Style]) -> Optional[bytes]:
    """Stored (hollow square on its min-max bar) against effective (filled dot) bias, per block and series."""
    keys = list(dict.fromkeys(c.key for c in cells))
    if not keys:
        return None
    fig, ax = _axis(keys, "bias: stored (square, min-max) vs effective (dot)")
    by = {(c.key, c.env, c.route): c for c in cells}
    for dx, s in zip(_offsets(len(series)), series):
        found = [(x + dx, by[(k, s[0], s[1])]) for x, k in enumerate(keys) if (k, s[0], s[1]) in by]
        bars = [(x, c.stored) for x, c in found if c.stored.get("min") is not None and c.stored.get("max") is not None]
        _ranges(ax, [x for x, _ in bars], [b["min"] for _, b in bars], [b["max"] for _, b in bars],
                [b.get("mean") for _, b in bars], style[s], "s", filled=False)
        effective = [(x, c.effective["mean"]) for x, c in found if c.effective and c.effective.get("mean") is not None]
        if effective:
            ax.plot([x for x, _ in effective], [m for _, m in effective], linestyle="none", marker="o",
                    markersize=3, color=style[s][0])
    return _png(fig, bottom=0.32)
