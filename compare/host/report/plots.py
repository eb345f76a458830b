"""The report's plots as small SVG documents, written directly from the data (no plotting library).

Why not matplotlib: rasterizing a PNG per block through Agg took about 0.5 s a figure, most of the
report's time on the built-in suite (152 of 185 s for 144 histograms and the spectra); an SVG is a
few lines of text per series. The HTML embeds each as a ``data:image/svg+xml`` image, so the page
stays one standalone file that opens offline (its CSP allows only ``data:`` images).

Every figure is small (320 x 200 px) because the HTML shows dozens of them; each (env, route) keeps
one colour through the whole report (TF1 solid, Keras dashed), and the HTML prints that legend
once, so the figures carry none of their own.
"""

from __future__ import annotations

import math
from typing import Dict, List, Optional, Sequence, Tuple
from xml.sax.saxutils import escape

import numpy as np

from compare.host.report.records import BiasCell, BlockGroup, ScenarioReport, Series

SMALL = (320, 200)  # px
BINS = 40
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22")
LINESTYLE = {"tf1": "-", "keras": "--"}
DASH = {"-": "", "--": ' stroke-dasharray="5,3"', ":": ' stroke-dasharray="1,2"'}
MARGIN = (44, 8, 20, 22)  # left, right, top, bottom (px)

Style = Tuple[str, str]  # (colour, linestyle)


def styles(series: Sequence[Series]) -> Dict[Series, Style]:
    """One colour per env (shared by its routes), one line style per route."""
    envs = list(dict.fromkeys(env for env, _ in series))
    return {(env, route): (PALETTE[envs.index(env) % len(PALETTE)], LINESTYLE.get(route, ":")) for env, route in series}


def ticks(low: float, high: float, count: int = 4) -> List[float]:
    """About ``count`` round tick values (steps of 1, 2 or 5 times a power of ten) within [low, high]."""
    span = high - low
    if not span > 0 or not math.isfinite(span):
        return [low]
    raw = span / count
    power = 10 ** math.floor(math.log10(raw))
    step = min((m * power for m in (1, 2, 5, 10)), key=lambda candidate: abs(candidate - raw))
    first = math.ceil(low / step) * step
    return [first + i * step for i in range(int(math.floor((high - first) / step + 1e-9)) + 1)]


def _label(value: float) -> str:
    return f"{value + 0.0:.3g}"  # + 0.0: no "-0"


class Canvas:
    """One plot: data ranges mapped onto a fixed pixel box, elements collected as SVG text."""

    def __init__(
        self,
        size: Tuple[int, int],
        x_range: Tuple[float, float],
        y_range: Tuple[float, float],
        title: str,
        bottom: int = MARGIN[3],
    ) -> None:
        self.width, self.height = size
        self.left, self.right, self.top, self.bottom = MARGIN[0], MARGIN[1], MARGIN[2], bottom
        self.x0, self.x1 = x_range
        self.y0, self.y1 = y_range
        if not self.y1 > self.y0:
            self.y0, self.y1 = self.y0 - 0.5, self.y0 + 0.5
        if not self.x1 > self.x0:
            self.x0, self.x1 = self.x0 - 0.5, self.x0 + 0.5
        self.parts = [f'<text x="{self.width // 2}" y="13" font-size="10" text-anchor="middle">{escape(title)}</text>']

    def x(self, value: float) -> float:
        inner = self.width - self.left - self.right
        return round(self.left + (value - self.x0) / (self.x1 - self.x0) * inner, 1)

    def y(self, value: float) -> float:
        inner = self.height - self.top - self.bottom
        return round(self.height - self.bottom - (value - self.y0) / (self.y1 - self.y0) * inner, 1)

    def y_axis(self) -> None:
        for value in ticks(self.y0, self.y1):
            y = self.y(value)
            self.parts.append(
                f'<line x1="{self.left}" y1="{y}" x2="{self.width - self.right}" y2="{y}" stroke="#ddd" stroke-width="0.5"/>'
                f'<text x="{self.left - 3}" y="{y + 3}" font-size="8" text-anchor="end">{_label(value)}</text>'
            )

    def x_axis(self) -> None:
        base = self.height - self.bottom
        for value in ticks(self.x0, self.x1):
            self.parts.append(
                f'<text x="{self.x(value)}" y="{base + 10}" font-size="8" text-anchor="middle">{_label(value)}</text>'
            )

    def x_labels(self, labels: Sequence[str]) -> None:
        """Category labels under positions 0, 1, ..., rotated so long block names fit."""
        base = self.height - self.bottom + 6
        for i, text in enumerate(labels):
            x = self.x(i)
            self.parts.append(
                f'<text x="{x}" y="{base}" font-size="7" text-anchor="end" '
                f'transform="rotate(-60 {x} {base})">{escape(text)}</text>'
            )

    def frame(self) -> None:
        self.parts.append(
            f'<rect x="{self.left}" y="{self.top}" width="{self.width - self.left - self.right}" height="{self.height - self.top - self.bottom}" fill="none" stroke="#888" '
            'stroke-width="0.6"/>'
        )

    def stairs(self, edges: np.ndarray, heights: np.ndarray, style: Style) -> None:
        """A histogram's outline: up at the first edge, across each bin at its height, down after the last
        (an SVG path of vertical and horizontal steps, mapped to pixels as whole arrays: the report draws
        thousands of them). Bins are equal, so each step across is the same relative ``h``; heights are
        whole pixels. Both keep the page small (a 200 px plot shows no tenth of a pixel)."""
        colour, line = style
        inner_x = self.width - self.left - self.right
        inner_y = self.height - self.top - self.bottom
        xs = self.left + (edges - self.x0) / (self.x1 - self.x0) * inner_x
        ys = np.round(self.height - self.bottom - (heights - self.y0) / (self.y1 - self.y0) * inner_y).astype(int)
        step = _label(round(float(xs[-1] - xs[0]) / max(1, len(heights)), 2))
        base = int(round(self.y(0.0)))
        steps = "".join(map(f"V{{}}h{step}".format, ys.tolist()))
        self.parts.append(
            '<path d="M{},{}{}V{}" fill="none" stroke="{}" stroke-width="1.1"{}/>'.format(
                round(float(xs[0]), 1), base, steps, base, escape(colour), DASH.get(line, "")
            )
        )

    def bars(self, xs: Sequence[float], lows: Sequence[float], highs: Sequence[float], style: Style) -> None:
        """Vertical min-max bars, one path for the series (one element each made the spectra 35 KB)."""
        colour, line = style
        if not xs:
            return
        d = "".join(f"M{self.x(px)} {self.y(lo)}V{self.y(hi)}" for px, lo, hi in zip(xs, lows, highs))
        self.parts.append(
            '<path d="{}" stroke="{}" stroke-width="1.1"{}/>'.format(
                d, escape(colour), DASH["--"] if line != "-" else ""
            )
        )

    def markers(self, points: Sequence[Tuple[float, float]], colour: str, shape: str, filled: bool = True) -> None:
        """Points as one path: a square each (``s``, filled or as an outline), else a dot each (a
        zero-length line with a round cap)."""
        if not points:
            return
        c = escape(colour)
        if shape == "s":
            d = "".join(f"M{self.x(px) - 2.5:.1f} {self.y(py) - 2.5:.1f}h5v5h-5z" for px, py in points)
            self.parts.append(f'<path d="{d}" fill="{c if filled else "none"}" stroke="{c}"/>')
        else:
            d = "".join(f"M{self.x(px)} {self.y(py)}h0" for px, py in points)
            self.parts.append(f'<path d="{d}" stroke="{c}" stroke-width="4" stroke-linecap="round"/>')

    def svg(self) -> str:
        return (
            '<svg xmlns="http://www.w3.org/2000/svg" width="{0}" height="{1}" viewBox="0 0 {0} {1}" '
            'font-family="sans-serif"><rect width="100%" height="100%" fill="white"/>{2}</svg>'
        ).format(self.width, self.height, "".join(self.parts))


def _edges(samples: Sequence[np.ndarray]) -> np.ndarray:
    """Shared bins over all series; about sqrt(n) of them (at most BINS) so small samples stay readable."""
    pooled = np.concatenate(samples)
    low, high = float(pooled.min()), float(pooled.max())
    if high <= low:
        low, high = low - 0.5, high + 0.5
    bins = int(min(BINS, max(8, np.sqrt(min(len(s) for s in samples)))))
    return np.linspace(low, high, bins + 1)


def histogram(group: BlockGroup, style: Dict[Series, Style]) -> Optional[str]:
    """The block's value distribution per (env, route), from the stats sample, on shared bins (SVG).

    None when no series has a sample, or when every series is constant: a spike says nothing the
    bias plot and the tables do not."""
    cells = [c for c in group.cells if len(c.sample)]
    if not cells or all(c.stats.get("constant") is not None for c in cells):
        return None
    samples = [c.sample for c in cells]  # float64 arrays, as the artifact reader hands them out
    edges = _edges(samples)
    # equal bins by count and range: numpy's uniform-bin path, which needs no sort of the sample
    span = (float(edges[0]), float(edges[-1]))
    densities = [np.histogram(sample, bins=len(edges) - 1, range=span, density=True)[0] for sample in samples]
    top = max(float(d.max()) for d in densities) * 1.05
    canvas = Canvas(SMALL, (float(edges[0]), float(edges[-1])), (0.0, top), group.key)
    canvas.y_axis()
    canvas.x_axis()
    for cell, density in zip(cells, densities):
        canvas.stairs(edges, density, style.get((cell.env, cell.route), ("black", ":")))
    canvas.frame()
    return canvas.svg()


def _stem(key: str) -> str:
    """``l0/fw/update/kernel`` -> ``l0/fw/update``."""
    return key.rsplit("/", 1)[0]


def _offsets(count: int, width: float = 0.8) -> List[float]:
    if count <= 1:
        return [0.0]
    step = width / count
    return [-width / 2 + step * (i + 0.5) for i in range(count)]


def _category_canvas(keys: Sequence[str], y_range: Tuple[float, float], title: str) -> Canvas:
    size = (int(min(800, 160 + 36 * len(keys))), 230)
    canvas = Canvas(size, (-0.6, len(keys) - 0.4), y_range, title, bottom=70)
    canvas.y_axis()
    canvas.x_labels([_stem(k) for k in keys])
    return canvas


def _padded(values: Sequence[float], floor: Optional[float] = None) -> Tuple[float, float]:
    low, high = min(values), max(values)
    pad = (high - low) * 0.05 or abs(high) * 0.05 or 0.5
    return (floor if floor is not None else low - pad), high + pad


def spectrum(
    scenario: ScenarioReport, part: str, series: Sequence[Series], style: Dict[Series, Style]
) -> Optional[str]:
    """Singular values of every ``part`` block (kernel or recurrent): min-max bar, mean marker, per series."""
    groups = [g for g in scenario.blocks if g.part == part and any(c.stats.get("sv_max") is not None for c in g.cells)]
    if not groups:
        return None
    drawn = []
    for dx, s in zip(_offsets(len(series)), series):
        xs, lows, highs, means = [], [], [], []
        for x, group in enumerate(groups):
            stats = next((c.stats for c in group.cells if (c.env, c.route) == s), {})
            if stats.get("sv_max") is not None and stats.get("sv_min") is not None:
                xs.append(x + dx)
                lows.append(stats["sv_min"])
                highs.append(stats["sv_max"])
                means.append(stats.get("sv_mean"))
        drawn.append((s, xs, lows, highs, means))
    values = [v for _, _, lows, highs, _ in drawn for v in lows + highs]
    # from zero: an orthogonal block is a flat line at its gain, not float noise
    canvas = _category_canvas(
        [g.key for g in groups], _padded(values, 0.0), f"singular values of {part} blocks (min-max, o mean)"
    )
    for s, xs, lows, highs, means in drawn:
        canvas.bars(xs, lows, highs, style[s])
        canvas.markers([(x, m) for x, m in zip(xs, means) if m is not None], style[s][0], "o")
    canvas.frame()
    return canvas.svg()


def biases(cells: Sequence[BiasCell], series: Sequence[Series], style: Dict[Series, Style]) -> Optional[str]:
    """Stored (hollow square on its min-max bar) against effective (filled dot) bias, per block and series."""
    keys = list(dict.fromkeys(c.key for c in cells))
    if not keys:
        return None
    by = {(c.key, c.env, c.route): c for c in cells}
    drawn, values = [], []
    for dx, s in zip(_offsets(len(series)), series):
        found = [(x + dx, by[(k, s[0], s[1])]) for x, k in enumerate(keys) if (k, s[0], s[1]) in by]
        bars = [(x, c.stored) for x, c in found if c.stored.get("min") is not None and c.stored.get("max") is not None]
        effective = [(x, c.effective["mean"]) for x, c in found if c.effective and c.effective.get("mean") is not None]
        drawn.append((s, bars, effective))
        values += [b[k] for _, b in bars for k in ("min", "max")] + [m for _, m in effective]
    if not values:
        return None
    canvas = _category_canvas(keys, _padded(values), "bias: stored (square, min-max) vs effective (dot)")
    for s, bars, effective in drawn:
        canvas.bars([x for x, _ in bars], [b["min"] for _, b in bars], [b["max"] for _, b in bars], style[s])
        canvas.markers([(x, b["mean"]) for x, b in bars if b.get("mean") is not None], style[s][0], "s", filled=False)
        canvas.markers(effective, style[s][0], "o")
    canvas.frame()
    return canvas.svg()
