"""Where the report goes: the output folder is checked before any work, files are replaced atomically.

Only ``report.md``, ``report.json`` and ``report.html`` are written, all inside the output folder;
each goes to a temporary file beside its target first, so a reader never sees half a report and
an interrupted run leaves the previous report whole.
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict

from compare import artifact
from compare.host.report import htmlpage, markdown
from compare.host.report.records import Report

NAMES = ("report.md", "report.json", "report.html")


def check_output(folder: Path) -> Path:
    """Create ``folder`` if needed and prove it writable (a UserError otherwise), before any work."""
    folder = Path(folder)
    for name in NAMES:
        artifact.check_writable(folder / name, "report file")
    return folder


def write_text(path: Path, content: str) -> None:
    """Atomic replace through ``compare.artifact.atomic_write`` (temporary file beside it, then rename)."""
    artifact.atomic_write(path, lambda handle: handle.write(content.encode("utf-8")))


def write(report: Report, folder: Path) -> Dict[str, Path]:
    """Render and write the three files; returns name -> path."""
    folder = check_output(folder)
    contents = {
        "report.md": markdown.render(report),
        "report.json": report.json_text() + "\n",
        "report.html": htmlpage.render(report),
    }
    paths = {}
    for name in NAMES:
        paths[name] = folder / name
        write_text(paths[name], contents[name])
    return paths
