"""What an impact run writes: ``impact.json`` (every number), ``impact.md`` and the loss-curve plots (SVG).

The plot shows, per arm, the median test loss over the seeds at each evaluated step and the band from the
lowest to the highest seed, on a log10 axis, drawn from the data like the report's other plots.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, BinaryIO, Callable, Dict, List, Sequence
from xml.sax.saxutils import escape

import numpy as np

from compare.artifact import atomic_write
from compare.host.impact.stats import Comparison, Curve
from compare.host.report.plots import PALETTE, Canvas

SIZE = (420, 240)


def curves_svg(runs: Sequence[Curve], arms: Sequence[str], title: str) -> str:
    """Median and min-max band of log10 test loss per arm, over the evaluated steps."""
    steps = np.asarray(runs[0].steps, dtype=np.float64)
    logs = {arm: np.log10(np.maximum([r.loss for r in runs if r.arm == arm], 1e-12)) for arm in arms}
    low = min(float(v.min()) for v in logs.values())
    high = max(float(v.max()) for v in logs.values())
    canvas = Canvas(SIZE, (float(steps[0]), float(steps[-1])), (low, high), title)
    canvas.y_axis()
    canvas.x_axis()
    canvas.frame()
    for i, arm in enumerate(arms):
        colour = PALETTE[i % len(PALETTE)]
        values = logs[arm]
        lo, mid, hi = values.min(axis=0), np.median(values, axis=0), values.max(axis=0)
        band = [f"{canvas.x(x)},{canvas.y(y)}" for x, y in zip(steps, hi)]
        band += [f"{canvas.x(x)},{canvas.y(y)}" for x, y in zip(steps[::-1], lo[::-1])]
        line = " ".join(f"{canvas.x(x)},{canvas.y(y)}" for x, y in zip(steps, mid))
        canvas.parts.append(f'<polygon points="{" ".join(band)}" fill="{colour}" fill-opacity="0.15" stroke="none"/>')
        canvas.parts.append(f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="1.4"/>')
        canvas.parts.append(
            f'<text x="{canvas.left + 6}" y="{canvas.top + 12 + 11 * i}" font-size="9" fill="{colour}">{escape(arm)}</text>'
        )
    canvas.parts.append(
        f'<text x="{SIZE[0] // 2}" y="{SIZE[1] - 4}" font-size="8" text-anchor="middle">step (y: log10 test loss)</text>'
    )
    return canvas.svg()


def _effect_cell(effect: Dict[str, Any]) -> str:
    low, high = effect["interval"]
    return f"{effect['mean']:+.3g} [{low:+.3g}, {high:+.3g}] p={effect['p_t']:.2g}"


def markdown(document: Dict[str, Any]) -> str:
    """``impact.md``: the setup, then one row per compared pair."""
    budget, task = document["budget"], document["task"]
    lines = [
        "# Training impact",
        "",
        f"Task `{task['name']}` ({task['loss']}, trivial predictor {task['trivial_loss']:.4g}, threshold "
        f"{document['threshold']:.4g}); trainer: {document['trainer']}; budget: {budget['steps']} steps of "
        f"batch {budget['batch']}, Adam {budget['learning_rate']}, {budget['seeds']} paired seeds"
        + (f" x {document['repeats']} repeats" if document["repeats"] > 1 else "")
        + f"; {document['seconds']:.0f} s.",
        "",
        "Effects are B - A (negative: B lower loss / faster), mean [interval] and paired t-test p; "
        "`final` and `auc` in log10 loss, `steps` to the threshold.",
        "",
        "| A | B | verdict | final | auc | steps | why |",
        "|---|---|---|---|---|---|---|",
    ]
    for c in document["comparisons"]:
        e = c["effects"]
        lines.append(
            f"| `{c['a']}` | `{c['b']}` | **{c['verdict']}** | {_effect_cell(e['final'])} | "
            f"{_effect_cell(e['auc'])} | {_effect_cell(e['steps'])} | {c['reason']} |"
        )
    lines += ["", "![loss curves](impact-curves.svg)", ""]
    return "\n".join(lines)


def _writer(text: str) -> Callable[[BinaryIO], Any]:
    return lambda handle: handle.write(text.encode("utf-8"))


def write(out: Path, document: Dict[str, Any], runs: List[Curve], arms: Sequence[str]) -> Dict[str, Path]:
    """Write the three files (each atomically) into ``out``; returns them by name."""
    out.mkdir(parents=True, exist_ok=True)
    files = {
        "impact.json": json.dumps(document, indent=1, sort_keys=True),
        "impact.md": markdown(document),
        "impact-curves.svg": curves_svg(runs, arms, f"{document['task']['name']}: median and range over seeds"),
    }
    for name, text in files.items():
        atomic_write(out / name, _writer(text))
    return {name: out / name for name in files}


def comparisons_dict(comparisons: Sequence[Comparison]) -> List[Dict[str, Any]]:
    return [c.to_dict() for c in comparisons]
