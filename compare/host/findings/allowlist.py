"""The allow-list file of the CI gate: the finding ids a project has accepted, read and written.

    read_allow(path) -> frozenset of ids      # UserError (one line, exit 2) when missing or unreadable
    write_allow(path, findings)               # the ids of ``findings``, one per line, each with a comment

The file is plain text: one id per line; ``#`` starts a comment (a whole line, or after the id); blank
lines are skipped. ``write_allow`` writes each id once, sorted by kind then id, so that a project's file
changes only where its findings do; after each id a comment says its kind, where it shows and what it is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, FrozenSet, Iterable, List

from compare import artifact
from compare.errors import UserError
from compare.host.findings.records import KINDS
from compare.host.findings.reported import ReportedFinding

HEADER = (
    "# rnncompare allow-list: accepted finding ids, one per line; '#' starts a comment.\n"
    "# The CI gate (--fail-on KINDS --allow FILE) fails only on findings whose id is not here.\n"
)
WRITE_HINT = (
    "write the current findings' ids with rnncompare report DIR --write-allow FILE, or start from an empty file"
)


def read_allow(path: Path) -> FrozenSet[str]:
    """The ids listed in the allow-list at ``path``.

    Args:
        path: the allow-list file.

    Returns:
        every id the file lists (an empty file accepts nothing).

    Raises:
        UserError: the file is missing or unreadable, or a line holds more than one word before its comment
        (an id with a note after it and no ``#`` would otherwise never match, silently).
    """
    path = Path(path)
    if not path.is_file():
        what = "is a folder, not a file" if path.is_dir() else "does not exist"
        raise UserError(f"allow-list {path} {what}", WRITE_HINT)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise UserError(f"cannot read the allow-list {path}: {reason}", WRITE_HINT) from None
    ids = set()
    for number, line in enumerate(text.splitlines(), 1):
        words = line.split("#", 1)[0].split()
        if len(words) > 1:
            raise UserError(
                f"line {number} of the allow-list {path} holds {len(words)} words, not one id: {' '.join(words)[:80]}",
                "one id per line; put notes after a '#'",
            )
        ids.update(words)
    return frozenset(ids)


def write_allow(path: Path, findings: Iterable[ReportedFinding]) -> List[str]:
    """Write the ids of ``findings`` to ``path`` atomically, each once, sorted by kind then id.

    Args:
        path: the allow-list file (replaced whole).
        findings: report.json's findings (:func:`compare.host.findings.reported.read_reported`).

    Returns:
        the ids written, in the file's order.

    The scenario ids are written, not the run-wide ones: a scenario id does not change when scenarios are
    added or removed (it hashes the cause and where it shows); the run-wide id of a cause that shows in
    other places in different scenarios does.
    """
    first: Dict[str, ReportedFinding] = {}
    scenarios: Dict[str, List[str]] = {}
    for finding in findings:
        first.setdefault(finding.id, finding)
        scenarios.setdefault(finding.id, []).extend(finding.scenarios)
    ids = sorted(first, key=lambda fid: (KINDS.index(first[fid].kind), fid))
    text = HEADER + "".join(_line(first[fid], scenarios[fid]) for fid in ids)
    artifact.atomic_write(Path(path), lambda handle: handle.write(text.encode("utf-8")))
    return ids


def _line(finding: ReportedFinding, scenarios: List[str]) -> str:
    # The comment is for the person who reviews the file: kind, scenarios, where and what, on one line.
    names = ", ".join(dict.fromkeys(scenarios))
    return f"{finding.id}  # {one_line(f'{finding.kind} [{names}] {finding.where}: {finding.what}', 200)}\n"


def one_line(text: str, limit: int = 0) -> str:
    """``text`` with its whitespace (newlines from artifact text included) folded, cut to ``limit``."""
    folded = " ".join(text.split())
    return folded if not limit or len(folded) <= limit else folded[: limit - 3] + "..."
