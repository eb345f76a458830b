"""The impact verdicts of a run's findings as the report shows them (written by ``rnncompare impact --findings`` to
``FOLDER/impact/impact.json``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict

from compare.errors import UserError

FOLDER = "impact"


def read_verdicts(folder: Path) -> Dict[str, Dict[str, Any]]:
    """finding id -> impact record (verdict, reason, pair, effects), when ``rnncompare impact --findings``
    wrote them beside the artifacts in ``folder``; else nothing."""
    path = Path(folder) / FOLDER / "impact.json"
    if not path.is_file():
        return {}
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UserError(f"cannot read {path}: {exc}", "run rnncompare impact --findings again") from None
    findings = document.get("findings")
    return findings if isinstance(findings, dict) else {}


def impact_text(record: Dict[str, Any]) -> str:
    """One line for a finding's impact: the verdict, the pair trained (its differences together), the task,
    seeds and steps, the reason."""
    return "{} ({} vs {}; {}, {} paired seeds, {} steps: {})".format(
        record["verdict"],
        record["b"],
        record["a"],
        record.get("task", "?"),
        len(record["seeds"]),
        record.get("budget", "?"),
        record["reason"],
    )
