"""What findings are made of: causes, row references, findings and a run's findings (frozen records).

A finding is one cause, stated once, over the diff rows that are its evidence. Its ``id`` is a readable
prefix and a short hash of the cause and the normalised pattern of where it shows, so the same cause
in the same places gets the same id in every run, whatever the order of the rows (``finding_id``).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, Mapping, Optional, Tuple

# Worst first: a layer that computes another function outranks a different start, which outranks names.
KINDS = ("function", "distribution", "cosmetic")


@dataclass(frozen=True)
class Cause:
    """One cause, as findings group by it: a code (``reset_after``, ``constant``, ``scale``, ...), its
    kind and the facts that tell two causes of the same code apart (the constants, the values, the
    initializers, which side is orthogonal). ``label`` reads as the finding's ``cause``."""

    code: str
    kind: str
    params: Tuple[Any, ...] = ()

    @property
    def label(self) -> str:
        return self.code if not self.params else "{}({})".format(self.code, ", ".join(map(str, self.params)))


@dataclass(frozen=True)
class RowRef:
    """A diff row a finding rests on: scenario, block, both sides as ``env:route``; ``key`` names the
    config option when the row is a config row (each differing option is its own cause)."""

    scenario: str
    block: str
    a: str
    b: str
    verdict: str = "differs"
    key: str = ""

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Finding:
    """One cause: what differs (with measured figures), where (a pattern over layers, directions, gates
    and parts), between which pairs of ``env:route``, its kind, the fix, and the rows that show it.
    ``scenarios`` holds one name for a scenario's finding, every scenario it shows in for the summary.
    ``summary_id`` is the id of the run-wide finding this one is part of (its own id when the cause shows
    in the same places in every scenario): the CI gate's allow-list accepts a finding by either."""

    id: str
    kind: str
    cause: str
    what: str
    where: str
    pairs: Tuple[Tuple[str, str], ...]
    figures: Mapping[str, Any]
    fix: str
    rows: Tuple[RowRef, ...]
    scenarios: Tuple[str, ...]
    pattern: str = field(default="", compare=False)  # the normalised where the id hashes
    summary_id: str = field(default="", compare=False)  # set once the run-wide summary is known

    def to_dict(self) -> Dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "cause": self.cause,
            "what": self.what,
            "where": self.where,
            "pairs": [list(p) for p in self.pairs],
            "figures": dict(self.figures),
            "fix": self.fix,
            "rows": [r.to_dict() for r in self.rows],
            "scenarios": list(self.scenarios),
            "pattern": self.pattern,
            "summary_id": self.summary_id,
        }


@dataclass(frozen=True)
class Findings:
    """A diff's findings: ``findings`` per scenario (scenarios in the rows' order, each ranked), and
    ``summary``, the same findings deduplicated across scenarios (one per id), ranked."""

    findings: Tuple[Finding, ...] = ()
    summary: Tuple[Finding, ...] = ()

    def of(self, scenario: str) -> Tuple[Finding, ...]:
        """The findings of one scenario, ranked."""
        return tuple(f for f in self.findings if scenario in f.scenarios)

    def get(self, finding_id: str) -> Optional[Finding]:
        """The run-wide finding with this id, or None."""
        return next((f for f in self.summary if f.id == finding_id), None)

    def to_dict(self) -> Dict[str, Any]:
        return {"findings": [f.to_dict() for f in self.findings], "summary": [f.to_dict() for f in self.summary]}


def finding_id(cause: Cause, pattern: str) -> str:
    """``<code>-<8 hex>``: the hash of the cause and the normalised pattern, nothing order-dependent."""
    text = json.dumps([cause.code, [str(p) for p in cause.params], pattern], separators=(",", ":"))
    return "{}-{}".format(cause.code.replace("_", "-"), hashlib.sha256(text.encode("utf-8")).hexdigest()[:8])


def rank_key(finding: Finding) -> Tuple[int, int, str]:
    """Kind first (function, distribution, cosmetic), then breadth (rows shown), then id."""
    return KINDS.index(finding.kind), -len(finding.rows), finding.id
