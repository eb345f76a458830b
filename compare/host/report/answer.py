"""The answer a scenario's section leads with: its line (same, or differs in N findings), the notes worth
reading on rows the diff calls ``same``, and its routes that did not run and its port verdicts grouped.

Notes are kept to what carries information: a stored bias the gate does not see (TF1 adds
``forget_bias`` at run time, Keras stores it: the same start, but a port must carry it), and a
confident fingerprint of another distribution family on a block the diff calls the same. Best-fit
labels that merely disagree (orthogonal over one shape vs another, ``unknown`` at confidence 0.15)
are noise here: they stay with their rows in the evidence. Host side.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from compare.host.findings import KINDS
from compare.host.findings import Finding as CauseFinding
from compare.host.findings.describe import sides
from compare.host.findings.where import pattern, universe_of
from compare.host.report.records import Answer, DiffRow, GridCell, Note, PortVerdict, RouteState, Series

# A fingerprint this sure of itself (both sides) says something; below it, it is a guess.
CONFIDENT = 0.9
# Distribution families by initializer name: a note needs two sure fingerprints of different families.
# Orthogonal counts as normal: a gate's block of an orthogonal matrix has normal-looking values, so
# "orthogonal vs glorot_normal" on the values alone is a tie, not news (orthogonality has its own test).
# Checked in this order ("untruncated_normal" holds "truncated"); a fingerprint's own ``distribution``
# parameter, when it has one, goes before its name (Keras's glorot_normal draws a truncated normal).
FAMILY_WORDS = (
    ("uniform", "uniform"),
    ("untruncated", "normal"),
    ("truncated", "truncated normal"),
    ("normal", "normal"),
    ("orthogonal", "normal"),
)
CONSTANTS = frozenset({"constant", "zeros", "ones"})


def answer_of(states: Sequence[RouteState], grid: Sequence[GridCell], findings: Sequence[CauseFinding]) -> Answer:
    """The scenario's one-line answer from its route states, its grid against the baseline and its findings.
    ``same`` needs a route the diff judged against the baseline: when only the baseline ran (or no rows
    were given), nothing was compared, which is no answer."""
    errors = tuple(f"{s.env}:{s.route}" for s in states if s.status == "error")
    counted = {k: sum(f.kind == k for f in findings) for k in KINDS}
    kinds = {k: n for k, n in counted.items() if n}
    if findings:
        return Answer("differs", len(findings), kinds, errors)
    if not any(s.status == "ok" for s in states):
        return Answer("nothing ran", errors=errors)
    judged = any(c.counts for c in grid)  # a cell has row counts only where the diff judged that route
    return Answer("same" if judged else "not compared", errors=errors)


def answer_text(answer: Answer) -> str:
    """``differs in 6 findings (2 function, 4 distribution)``, ``same: no finding``, plus failed routes."""
    if answer.state == "differs":
        plural = "s" if answer.findings != 1 else ""
        kinds = ", ".join(f"{n} {k}" for k, n in answer.kinds.items())
        text = f"differs in {answer.findings} finding{plural} ({kinds})"
    elif answer.state == "same":
        text = "same: no finding"
    else:
        text = answer.state
    if answer.errors:
        text += "; failed to build: " + ", ".join(answer.errors)
    return text


# ---------------------------------------------------------------- notes on same rows


def notes_of(rows: Sequence[DiffRow], blocks: Iterable[str]) -> List[Note]:
    """The notes of one scenario's ``same`` rows worth reading, each stated once; ``blocks``: the
    scenario's block keys (so "every layer and direction" means every one the scenario has)."""
    grouped: Dict[Tuple[Any, ...], List[DiffRow]] = {}
    for row in rows:
        if row.verdict != "same":
            continue
        for reason in row.reasons:
            key = _note_key(reason.code, reason.figures)
            if key is not None:
                grouped.setdefault(key, []).append(row)
    if not grouped:
        return []
    universe = universe_of(blocks)
    return [_note(key, found, universe) for key, found in grouped.items()]


def _note_key(code: str, figures: Mapping[str, Any]) -> Optional[Tuple[Any, ...]]:
    if code == "effective_bias_same" and "effective" in figures:  # a block's; the config row's says it again
        return (code,) + tuple(_rounded(figures.get(k)) for k in ("stored_a", "stored_b", "effective"))
    if code == "fingerprint_mismatch":
        a, b = figures.get("a") or {}, figures.get("b") or {}
        families = _family(a), _family(b)
        if None in families or families[0] == families[1]:
            return None
        return (code, a.get("name"), b.get("name"))
    return None


def _rounded(value: Any) -> Any:
    return float(f"{value:.6g}") if isinstance(value, float) else value


def _family(fingerprint: Mapping[str, Any]) -> Optional[str]:
    """The distribution family of a sure fingerprint (None when unsure or not an initializer)."""
    name = str(fingerprint.get("name") or "")
    confidence = fingerprint.get("confidence")
    if not isinstance(confidence, (int, float)) or confidence < CONFIDENT:
        return None
    if name in CONSTANTS:
        return "constant"
    params = fingerprint.get("params")
    described = str(params.get("distribution") or name) if isinstance(params, dict) else name
    return next((family for word, family in FAMILY_WORDS if word in described), None)


def _note(key: Tuple[Any, ...], rows: Sequence[DiffRow], universe: Any) -> Note:
    pairs = tuple(sorted({(_label(r.a), _label(r.b)) for r in rows}))
    where, _ = pattern([r.block for r in rows], universe)
    a_sides = sides(a for a, _ in pairs)
    b_sides = sides(b for _, b in pairs)
    if key[0] == "effective_bias_same":
        stored_a, stored_b, effective = (_num(v) for v in key[1:])
        text = (
            f"{a_sides} stores {stored_a} where {b_sides} store {stored_b}, and both gates see {effective} (TF1 "
            "adds forget_bias at run time, Keras stores it): the same start, but a port of trained weights "
            "must carry it into the stored Keras bias."
        )
    else:
        text = (
            f"{a_sides} fits {key[1]} and {b_sides} fits {key[2]}, both with confidence {CONFIDENT} or more: "
            "another distribution family where the diff's tests find the values alike."
        )
    return Note(key[0], text, where, pairs, len(rows))


def _label(series: Series) -> str:
    return "{}:{}".format(*series)


def _num(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


# ---------------------------------------------------------------- grouped for reading


def not_run(states: Sequence[RouteState]) -> List[Tuple[str, str, List[Series]]]:
    """``(status, reason, [(env, route), ...])`` of the routes that did not run, one entry per reason."""
    grouped: Dict[Tuple[str, str], List[Series]] = {}
    for s in states:
        if s.status != "ok":
            grouped.setdefault((s.status, s.reason), []).append((s.env, s.route))
    return [(status, reason, series) for (status, reason), series in grouped.items()]


def port_groups(ports: Sequence[PortVerdict]) -> List[Tuple[str, List[Series]]]:
    """``(verdict, [(env, route), ...])``: the routes with the same port verdict together."""
    grouped: Dict[str, List[Series]] = {}
    for p in ports:
        grouped.setdefault(p.verdict, []).append((p.env, p.route))
    return list(grouped.items())


def _part_of(run_wide: CauseFinding, finding: CauseFinding) -> bool:
    """Whether a scenario's finding is part of this run-wide one: its ``summary_id`` says so; findings
    made before they carried one match on kind and cause."""
    if finding.summary_id:
        return finding.summary_id == run_wide.id
    return (
        finding.kind == run_wide.kind and finding.cause == run_wide.cause and finding.scenarios[0] in run_wide.scenarios
    )


def variants(finding: CauseFinding, per_scenario: Sequence[CauseFinding], field: str) -> List[Tuple[str, List[str]]]:
    """A run-wide finding's ``fix`` or ``where``, each with the scenarios it is for (one entry when they
    agree), read from the scenarios' own findings rather than from the joined text."""
    grouped: Dict[str, List[str]] = {}
    for f in per_scenario:
        if _part_of(finding, f):
            grouped.setdefault(getattr(f, field), []).append(f.scenarios[0])
    return list(grouped.items()) or [(getattr(finding, field), list(finding.scenarios))]
