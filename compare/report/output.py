"""Where the report goes: the output folder is checked before any work, files are replaced atomically.

Only ``report.md``, ``report.json`` and ``report.html`` are written, all inside the output folder;
each goes to a temporary file beside its target first, so a reader never sees half a report and
an interrupted run leaves the previous report whole.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Dict

from compare.errors import UserError
from compare.report import htmlpage, markdown
from compare.report.model import Report

NAMES = ("report.md", "report.json", "report.html")


def check_output(folder: Path) -> Path:
    """Create ``folder`` if needed and prove it writable (a UserError otherwise), before any work."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".report.", suffix=".probe", dir=str(folder))
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise UserError("cannot write the report to {}: {}".format(folder, exc.strerror or exc),
                        "pass --out with a writable folder") from None
    for name in NAMES:
        if (folder / name).is_dir():
            raise UserError("{} is a folder, not a file".format(folder / name), "move it away or pass --out")
    return folder


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_text(path: Path, content: str) -> None:
    """Atomic replace: temporary file in the same folder, fsync, os.replace; the usual umask
    permissions (mkstemp alone would leave the report readable by its owner only)."""
    fd, tmp = tempfile.mkstemp(prefix="." + path.name + ".", suffix=".tmp", dir=str(path.parent))
    try:
        os.chmod(tmp, 0o666 & ~_umask())
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, str(path))
    except BaseException:
        os.unlink(tmp)
        raise


def write(report: Report, folder: Path) -> Dict[str, Path]:
    """Render and write the three files; returns name -> path."""
    folder = check_output(folder)
    contents = {
        "report.md": markdown.render(report),
        "report.json": json.dumps(report.to_json(), indent=1, allow_nan=False) + "\n",
        "report.html": htmlpage.render(report),
    }
    paths = {}
    for name in NAMES:
        paths[name] = folder / name
        write_text(paths[name], contents[name])
    return paths
