"""The migration report: ``report.md``, ``report.json`` and a standalone ``report.html``.

    make_report(folder, out=None, baseline=None)                  # the whole pipeline (compare.host.report.pipeline)
    model = build(artifacts, rows, recipes=None, baseline=None)   # compare.host.report.build
    write(model, folder)                                          # -> {"report.md": Path, ...}

``artifacts`` maps env name -> typed artifact (``compare.artifact.read``), ``rows`` are the diff's
rows (``compare.host.diff.Row``), ``recipes`` an optional scenario -> ``{"snippet", "verdict"}``
(``compare.core.recipe_snippet``): a scenario's recipe is shown when given, nothing when not.
Every renderer leads with the answer: a line per scenario and the run's findings (``compare.host.findings``)
with their fixes; report.md stops there (and per scenario its findings, recipe and ports), report.html
and report.json add the evidence.
Modules: ``records`` (the model: what is shown), ``build`` (the model from artifacts and diff rows, with
the run's findings), ``evidence`` (per-block statistics, biases, configs from the artifacts), ``answer``
(a scenario's answer line, notes worth reading, grouped routes), ``plots`` (SVG figures), ``markdown``
(the answer and the fixes), ``htmlpage`` (the page), ``htmlevidence`` (its folded evidence), ``htmlkit``
(escaping, tables, images), ``output`` (checked folder, atomic files), ``pipeline`` (the verb as a function).
The renderers load on first use.
"""

import importlib
from typing import Any

from compare.host.report.build import build
from compare.host.report.pipeline import make_report
from compare.host.report.records import Recipe, Report

_LAZY = {
    "render_html": ("compare.host.report.htmlpage", "render"),
    "render_markdown": ("compare.host.report.markdown", "render"),
    "markdown_escape": ("compare.host.report.markdown", "escape"),
    "check_output": ("compare.host.report.output", "check_output"),
    "write": ("compare.host.report.output", "write"),
}

__all__ = [
    "Recipe",
    "Report",
    "build",
    "check_output",
    "make_report",
    "markdown_escape",
    "render_html",
    "render_markdown",
    "write",
]


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, attribute = _LAZY[name]
    return getattr(importlib.import_module(module), attribute)
