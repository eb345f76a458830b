"""Findings: a diff's rows grouped into causes, each stated once with what, where, kind and fix (host only).

    findings_for(rows, artifacts=None) -> Findings      # .findings per scenario, .summary run-wide
    make_gate(fail_on, allow, write_allow) -> Gate      # the CI gate; apply_gate(gate, report.json) -> Verdict

A finding is ``{id, kind, cause, what, where, pairs, figures, fix, rows, summary_id}`` (``Finding.to_dict``):
one cause (``function``: the layer computes another function, e.g. ``reset_after`` or ``hard_sigmoid`` gates;
``distribution``: it starts from other weights, e.g. other constants, spread, distribution, structure or
copies; ``cosmetic``: names only), what differs in one sentence with the measured figures, where as a
pattern over layers, directions, gates and parts, the pairs of ``env:route`` it shows between, the fix
(the Keras argument, or ``init_like_tf1`` with the scenario's arguments) and the rows that are its
evidence. Its ``id`` hashes the cause and the normalised where: stable across runs and row orders;
``summary_id`` is the id of the run-wide finding it is part of.

Modules: ``records`` (the records and the id), ``context`` (what the artifacts say of a side),
``causes`` (each row's cause, consequences joined to their cause), ``where`` (the pattern),
``describe`` (the sentence and figures), ``fixes`` (the fix), ``build`` (grouping, ranking, summary);
the CI gate: ``reported`` (report.json's findings read back), ``allowlist`` (the accepted ids' file),
``gate`` (the verdict and exit code).
"""

from compare.host.findings.build import findings_for
from compare.host.findings.gate import Gate, Verdict, apply_gate, make_gate
from compare.host.findings.records import KINDS, Cause, Finding, Findings, RowRef, finding_id

__all__ = [
    "KINDS",
    "Cause",
    "Finding",
    "Findings",
    "Gate",
    "RowRef",
    "Verdict",
    "apply_gate",
    "finding_id",
    "findings_for",
    "make_gate",
]
