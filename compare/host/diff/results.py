"""What a diff produces: thresholds, rows with their reasons, and the result (host only).

Diff rows: ``{scenario, block, a: {env, route}, b: {env, route}, verdict: same|differs|missing,
reasons: [{code, detail, figures}]}`` (``Row.to_dict``); ``DiffResult.to_dict`` is the ``--json`` file,
with the findings of its rows added by :func:`write_json`.
"""

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

from compare.artifact import atomic_write, jsonable
from compare.errors import UserError

INFORMATIONAL = frozenset({"fingerprint_mismatch", "effective_bias_same"})
CODES = (
    "shape_mismatch",
    "constant_mismatch",
    "scale_mismatch",
    "distribution_mismatch",
    "orthogonality_mismatch",
    "fingerprint_mismatch",
    "effective_bias_same",
    "missing_block",
    "config_mismatch",
    "nonfinite",
    "joint_orthogonality_mismatch",
    "tied_weights",
    "repeated_draws",
)
VERDICTS = ("same", "differs", "missing")
CONFIG_BLOCK = "config"
ROUTE_BLOCK = "*"


@dataclass(frozen=True)
class Thresholds:
    """Everything that decides a verdict; see ``compare.host.diff`` for what each one does."""

    alpha: float = 0.01
    correction: str = "holm"  # holm | bh
    scale_floor: float = 0.025
    ks_floor: float = 0.05
    rtol: float = 1e-6
    atol: float = 1e-7
    orth_tol: float = 1e-4
    orth_far: float = 1e-2

    def __post_init__(self) -> None:
        if self.correction not in ("holm", "bh"):
            raise UserError(f"unknown correction {self.correction!r}", "use holm or bh")
        if not 0 < self.alpha < 1:
            raise UserError(f"alpha must be in (0, 1), got {self.alpha}")

    def describe(self) -> str:
        return (
            "alpha {} ({}-corrected over all tests), scale floor {:.1%} std ratio, KS floor D {}, "
            "constants rtol {} atol {}, orthogonal <= {} vs not >= {}"
        ).format(
            self.alpha,
            "Holm" if self.correction == "holm" else "Benjamini-Hochberg",
            self.scale_floor,
            self.ks_floor,
            self.rtol,
            self.atol,
            self.orth_tol,
            self.orth_far,
        )


DEFAULTS = Thresholds()


@dataclass(frozen=True)
class Side:
    env: str
    route: str

    @property
    def label(self) -> str:
        return f"{self.env}:{self.route}"


@dataclass
class Reason:
    code: str
    detail: str
    figures: Dict[str, Any] = field(default_factory=dict)


@dataclass
class Row:
    scenario: str
    block: str
    a: Side
    b: Side
    verdict: str = "same"
    reasons: List[Reason] = field(default_factory=list)

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)

    def settle(self) -> None:
        """``missing`` if a side lacks the block, else ``differs`` on any non-informational reason, else ``same``."""
        if self.verdict == "missing" or any(r.code == "missing_block" for r in self.reasons):
            self.verdict = "missing"
        else:
            self.verdict = "differs" if any(r.code not in INFORMATIONAL for r in self.reasons) else "same"


@dataclass
class DiffResult:
    rows: List[Row]
    thresholds: Thresholds
    tests: int = 0
    notes: List[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 0 if all(r.verdict == "same" for r in self.rows) else 1

    def counts(self) -> Dict[str, int]:
        out = dict.fromkeys(VERDICTS, 0)
        for row in self.rows:
            out[row.verdict] += 1
        return out

    def to_dict(self) -> Dict[str, Any]:
        return {
            "schema": "rnncompare/diff",
            "version": 1,
            "thresholds": asdict(self.thresholds),
            "tests": self.tests,
            "counts": self.counts(),
            "notes": list(self.notes),
            "rows": [r.to_dict() for r in self.rows],
        }


def write_json(result: DiffResult, path: Path, findings: Optional[Mapping[str, Any]] = None) -> None:
    """The rows, thresholds and notes as JSON, written atomically; with ``findings``
    (``compare.host.findings.Findings.to_dict()``, made from these rows) also its ``findings`` (one per
    cause and scenario, as report.json's) and ``findings_summary`` (one per cause over the run).
    The findings come in as a dict: the findings are built on the diff, so the diff does not import them."""
    document = result.to_dict()
    if findings is not None:
        document["findings"] = list(findings.get("findings", []))
        document["findings_summary"] = list(findings.get("summary", []))
    text = json.dumps(jsonable(document), indent=1, allow_nan=False) + "\n"
    atomic_write(Path(path), lambda handle: handle.write(text.encode("utf-8")))
