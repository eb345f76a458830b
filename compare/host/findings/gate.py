"""The CI gate: whether a run's findings fail it, given the kinds that fail and the ids a project accepted.

    gate = make_gate("function,distribution", allow=Path("migration-allow.txt"))  # None: no gate asked for
    verdict = apply_gate(gate, Path("report/report.json"))  # judged; the allow-list written when asked
    verdict.exit_code   # 1 when a finding of a failing kind is not allowed, else 0
    verdict.lines()     # a line per failing finding (id, kind, what, fix), the stale ids, a summary line

``rnncompare report`` and ``run`` take ``--fail-on KINDS``, ``--allow FILE`` and ``--write-allow FILE``
and hand the gate to their library functions (``report_folders``, ``run_and_report``), which apply it
to the report.json they wrote (:mod:`compare.host.findings.reported`): the gate judges what the report
says, not the renderers' model.

Which ids the allow-list matches: a finding is accepted when its own ``id`` is listed, or its
``summary_id``. Its own id hashes the cause and where it shows: the same in every scenario where the
cause shows in the same places, unchanged when scenarios are added, and what ``--write-allow`` writes.
The ``summary_id`` is the run-wide finding's (the cause over every scenario); it differs from the scenario
ids only when the cause shows in other places in different scenarios, and listing it accepts the cause
in all of them. A listed id that matches no finding of the run is *stale*: reported, never an error.
A report whose diff compared nothing fails a gate: no finding can be vouched for.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Dict, FrozenSet, Iterable, List, Optional, Tuple, Union

from compare import artifact
from compare.errors import UserError
from compare.host.findings.allowlist import one_line, read_allow, write_allow
from compare.host.findings.records import KINDS
from compare.host.findings.reported import ReportedFinding, read_reported

KINDS_HINT = "kinds: " + ", ".join(KINDS) + "; e.g. --fail-on function,distribution"


@dataclass(frozen=True)
class Gate:
    """What a run's findings are judged by: ``fail_on``, the kinds that fail it (empty: none, the gate
    only writes the allow-list); ``allowed``, the accepted ids, read from the file ``allow`` when the gate
    was made; ``write_allow``, where to write the run's ids after judging (None: nowhere)."""

    fail_on: Tuple[str, ...] = ()
    allowed: FrozenSet[str] = frozenset()
    allow: Optional[Path] = None
    write_allow: Optional[Path] = None


@dataclass(frozen=True)
class Verdict:
    """A gate's judgement of one report: the failing findings (one per id, report order), the ids the
    allow-list accepted, the findings of kinds the gate does not fail on, the stale ids, whether the diff
    compared anything, and the ids written to ``written`` (``--write-allow``)."""

    gate: Gate
    failing: Tuple[ReportedFinding, ...]
    accepted: Tuple[str, ...]
    ungated: Tuple[str, ...]
    stale: Tuple[str, ...]
    compared: bool = True
    written: Tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        """No failing kind asked for, or no unaccepted finding of one in a report that compared something."""
        return not self.gate.fail_on or (self.compared and not self.failing)

    @property
    def exit_code(self) -> int:
        return 0 if self.passed else 1

    def to_dict(self) -> Dict[str, Any]:
        return {
            "passed": self.passed,
            "fail_on": list(self.gate.fail_on),
            "allow": str(self.gate.allow) if self.gate.allow else None,
            "failing": [f.to_dict() for f in self.failing],
            "accepted": list(self.accepted),
            "ungated": list(self.ungated),
            "stale": list(self.stale),
            "compared": self.compared,
            "written": list(self.written),
        }

    def lines(self) -> List[str]:
        """What the CLI prints: a line per failing finding, the stale ids, the file written, a summary line."""
        out = [
            f"gate: FAIL {f.id} {f.kind}: {one_line(f.what)} [{', '.join(f.scenarios)}] fix: {one_line(f.fix) or '-'}"
            for f in self.failing
        ]
        if self.stale:
            out.append(
                f"gate: {len(self.stale)} stale allow-list id(s), matching no finding of this run "
                f"(remove them from {self.gate.allow}): {', '.join(self.stale)}"
            )
        if self.gate.write_allow is not None:
            out.append(f"gate: wrote {len(self.written)} finding id(s) to the allow-list {self.gate.write_allow}")
        return out + [self._summary()]

    def _summary(self) -> str:
        if not self.gate.fail_on:
            return "gate: no --fail-on: no finding fails this run"
        if not self.compared:
            return "gate: failed: the diff compared nothing, so no finding can be vouched for (see the report's notes)"
        kinds = " or ".join(self.gate.fail_on)
        counts = "{}, {} of other kinds not gated".format(
            f"{len(self.accepted)} accepted by {self.gate.allow}" if self.gate.allow else "no allow-list",
            len(self.ungated),
        )
        if not self.failing:
            return f"gate: passed: no {kinds} finding beyond the accepted ones ({counts})"
        accepting = self.gate.allow or self.gate.write_allow  # the hint is for who has no list yet
        hint = "" if accepting else "; accept known ones once with --write-allow FILE, then gate with --allow FILE"
        return f"gate: failed: {len(self.failing)} {kinds} finding(s) not accepted ({counts}){hint}"


def parse_kinds(kinds: Union[str, Iterable[str]]) -> Tuple[str, ...]:
    """``--fail-on``: kinds by name, comma-separated in a string; each known, at least one, in KINDS' order.

    Raises:
        UserError: an unknown kind, or none.
    """
    names = [k.strip() for k in (kinds.split(",") if isinstance(kinds, str) else kinds)]
    names = [k for k in names if k]
    unknown = [k for k in names if k not in KINDS]
    if unknown or not names:
        what = f"unknown kind {unknown[0]!r}" if unknown else "no kind given"
        raise UserError(f"--fail-on: {what}", KINDS_HINT)
    return tuple(k for k in KINDS if k in names)


def make_gate(
    fail_on: Union[None, str, Iterable[str]] = None,
    allow: Optional[Path] = None,
    write_allow: Optional[Path] = None,
) -> Optional[Gate]:
    """The gate of ``--fail-on``, ``--allow`` and ``--write-allow``; None when none is given (a run as before).

    Args:
        fail_on: the kinds that fail the run (``"function,distribution"`` or a sequence of kinds).
        allow: the allow-list file of accepted ids; read now, so that a missing file stops a run before
            any env starts.
        write_allow: where to write the run's finding ids once judged; checked writable now.

    Returns:
        the gate, or None.

    Raises:
        UserError: an unknown kind, ``allow`` without ``fail_on``, an allow-list missing or unreadable, or
        ``write_allow`` not writable.
    """
    if fail_on is None and allow is None and write_allow is None:
        return None
    if allow is not None and fail_on is None:
        raise UserError("--allow FILE needs --fail-on KINDS: without it nothing fails", KINDS_HINT)
    kinds = parse_kinds(fail_on) if fail_on is not None else ()
    allowed = read_allow(Path(allow)) if allow is not None else frozenset()
    if write_allow is not None:
        artifact.check_writable(Path(write_allow), "--write-allow file")
    return Gate(kinds, allowed, Path(allow) if allow is not None else None, Path(write_allow) if write_allow else None)


def judge(gate: Gate, findings: Iterable[ReportedFinding], compared: bool = True) -> Verdict:
    """The verdict on ``findings`` (one report's: a finding per scenario, an id repeated across scenarios).

    Args:
        gate: the kinds that fail and the accepted ids.
        findings: report.json's findings (:func:`compare.host.findings.reported.read_reported`).
        compared: whether the report's diff compared anything (a gate fails a report that compared nothing).

    Returns:
        the verdict: a finding fails when its kind is in ``gate.fail_on`` and neither its id nor its
        summary id is accepted; each id is judged and listed once, with every scenario it shows in.
    """
    found = _by_id(findings)
    accepted = {f.id for f in found if f.id in gate.allowed or f.summary_id in gate.allowed}
    known = {f.id for f in found} | {f.summary_id for f in found}
    return Verdict(
        gate=gate,
        failing=tuple(f for f in found if f.kind in gate.fail_on and f.id not in accepted),
        accepted=tuple(f.id for f in found if f.id in accepted),
        ungated=tuple(f.id for f in found if f.kind not in gate.fail_on and f.id not in accepted),
        stale=tuple(sorted(gate.allowed - known)),
        compared=compared,
    )


def _by_id(findings: Iterable[ReportedFinding]) -> List[ReportedFinding]:
    """One finding per id, in first-seen order, with the scenarios of all its copies (the same id is the
    same cause in the same places; only the figures in its sentence may differ between scenarios)."""
    merged: Dict[str, ReportedFinding] = {}
    for f in findings:
        seen = merged.get(f.id)
        if seen is None:
            merged[f.id] = f
        else:
            merged[f.id] = replace(seen, scenarios=tuple(dict.fromkeys(seen.scenarios + f.scenarios)))
    return list(merged.values())


def apply_gate(gate: Gate, report_json: Path) -> Verdict:
    """Judge the findings of the report.json at ``report_json``, then write the allow-list if asked.

    The allow-list is written after the judging, so ``--allow F --write-allow F`` fails on what is new
    (the exit code says so) and then accepts it for the next run."""
    reported = read_reported(report_json)
    verdict = judge(gate, reported.findings, reported.compared)
    if gate.write_allow is None:
        return verdict
    written = write_allow(gate.write_allow, reported.findings)
    return replace(verdict, written=tuple(written))
