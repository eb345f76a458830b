"""The findings a written report.json holds, read back as records for the CI gate.

    read_reported(Path("report/report.json")) -> Reported(findings=(ReportedFinding, ...), compared=True)

The gate judges the file a run wrote, not the renderers' model, so that it reads exactly what the report
says and does not move when the renderers do. It relies on two keys only: ``findings`` (one record per
finding and scenario, ``Finding.to_dict``'s keys) and, when present, ``compared`` (false when the diff
judged nothing, e.g. it refused the artifacts).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Tuple

from compare.errors import UserError
from compare.host.findings.records import KINDS

SCHEMA = "rnncompare/report"


@dataclass(frozen=True)
class ReportedFinding:
    """One finding of report.json: its ``id`` (cause and where), ``summary_id`` (its run-wide finding's;
    its own id in a report.json that does not say), kind, the sentence, where, the fix and its scenarios."""

    id: str
    summary_id: str
    kind: str
    what: str
    where: str
    fix: str
    scenarios: Tuple[str, ...]

    def to_dict(self) -> Dict[str, Any]:
        return {
            "id": self.id,
            "summary_id": self.summary_id,
            "kind": self.kind,
            "what": self.what,
            "where": self.where,
            "fix": self.fix,
            "scenarios": list(self.scenarios),
        }


@dataclass(frozen=True)
class Reported:
    """What the gate reads of one report.json: its findings, whether the diff compared anything, and
    the file (named in the gate's lines)."""

    findings: Tuple[ReportedFinding, ...]
    compared: bool
    source: Path


def read_reported(path: Path) -> Reported:
    """The findings of the report.json at ``path``.

    Args:
        path: a report.json written by ``rnncompare report`` or ``run``.

    Returns:
        its findings as records, in the file's order, and whether its diff compared anything.

    Raises:
        UserError: the file is unreadable, not a report.json, or has no ``findings`` array (written by an
        rnncompare from before the findings) or a finding without an id or with an unknown kind.
    """
    path = Path(path)
    hint = "make it with rnncompare report DIR (this rnncompare writes the findings the gate reads)"
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise UserError(f"cannot read the report {path}: {reason}", hint) from None
    if not isinstance(document, dict) or document.get("schema") != SCHEMA:
        raise UserError(f"{path} is not an rnncompare report.json", hint)
    entries = document.get("findings")
    if not isinstance(entries, list):
        raise UserError(f"{path} has no findings array: it was written before rnncompare had findings", hint)
    findings = tuple(_finding(entry, path, index) for index, entry in enumerate(entries))
    return Reported(findings, document.get("compared", True) is not False, path)


def _finding(entry: Any, path: Path, index: int) -> ReportedFinding:
    fid = entry.get("id") if isinstance(entry, dict) else None
    kind = entry.get("kind") if isinstance(entry, dict) else None
    if not isinstance(fid, str) or not fid or kind not in KINDS:
        raise UserError(
            f"finding {index} of {path} has no id or an unknown kind ({kind!r})",
            "kinds: " + ", ".join(KINDS) + "; rewrite the report with this rnncompare",
        )
    scenarios = entry.get("scenarios")
    return ReportedFinding(
        id=fid,
        summary_id=str(entry.get("summary_id") or fid),
        kind=str(kind),
        what=str(entry.get("what", "")),
        where=str(entry.get("where", "")),
        fix=str(entry.get("fix", "")),
        scenarios=tuple(str(s) for s in scenarios) if isinstance(scenarios, list) else (),
    )
