"""The migration report: ``report.md``, ``report.json`` and a standalone ``report.html``.

    model = build(artifacts, rows, recipes=None, baseline=None)   # compare.report.model
    write(model, folder)                                          # -> {"report.md": Path, ...}

``artifacts`` maps env name -> loaded artifact (``compare.artifact.load``), ``rows`` are the diff
rows of ``compare.diff`` as dicts, ``recipes`` an optional scenario -> ``{"snippet", "verdict"}``
(``compare.recipes``): a scenario's recipe is shown when given, nothing when not.
Modules: ``model`` (what is shown), ``plots`` (PNG figures), ``markdown`` and ``htmlpage``
(renderers), ``output`` (checked folder, atomic files).
"""
from compare.report.htmlpage import render as render_html
from compare.report.markdown import escape as markdown_escape
from compare.report.markdown import render as render_markdown
from compare.report.model import Recipe, Report, build
from compare.report.output import check_output, write

__all__ = ["Recipe", "Report", "build", "check_output", "markdown_escape", "render_html", "render_markdown",
           "write"]
