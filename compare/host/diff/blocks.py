"""Block rows of a diff: one canonical block of one route pair, judged (host only).

Constants and shapes are judged at once; the scale and distribution tests are queued for the
correction over the whole diff (``compare.host.diff.significance``); orthogonality and fingerprints
are judged per block and, from the first seed (``compare.host.diff.structure``), for all gates of one part,
for the whole cell, and for blocks that are exact copies of others.
"""

import re
from typing import Any, List, Optional, Tuple

import numpy as np

from compare.artifact import Artifact, Fingerprint, Measured, RouteResult, Stats
from compare.host.diff.results import Reason, Row, Side, Thresholds
from compare.host.diff.significance import KsTests, QueuedTest, scale_pvalue
from compare.host.diff.structure import CellFigures, FirstSeeds


def fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, (list, tuple)):
        return "(" + ", ".join(str(v) for v in value) + ")"
    return str(value)


def _fp_label(fp: Fingerprint) -> str:
    if not fp.name:
        return "?"
    return fp.name + (" over " + fmt(fp.over_shape) if fp.over_shape else "")


def key_order(key: str) -> Tuple:
    return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", key))


class Memo:
    """What one diff works out once and every route pair reuses: first-seed figures and KS tests."""

    def __init__(self) -> None:
        self.first_seeds = FirstSeeds()
        self.ks = KsTests()


class Comparer:
    """Compares blocks of one route pair; statistical tests are queued on ``tests``; first seeds and KS
    tests are worked out through ``memo``, shared by every pair of one diff."""

    def __init__(self, a: Side, b: Side, th: Thresholds, tests: List[QueuedTest], notes: List[str], memo: Memo) -> None:
        self.a, self.b, self.th, self.tests, self.notes, self.memo = a, b, th, tests, notes, memo

    def _check_draws(self, row: Row, side: Side, stats: Stats) -> None:
        seeds, distinct = stats.draws, len(stats.per_seed.distinct_stds())
        if 0 < distinct < seeds:
            note = (
                f"{side.label} {row.scenario}: some blocks have only {distinct} distinct draws among {seeds} seeds (the route repeats its "
                "draws); the tests count distinct draws only"
            )
            if not any(n.startswith(f"{side.label} {row.scenario}:") for n in self.notes):
                self.notes.append(note)

    def constants(self, sa: Stats, sb: Stats, what: str = "") -> Optional[Reason]:
        ca, cb = sa.constant, sb.constant
        if ca is None and cb is None:
            return None
        if ca is not None and cb is not None:
            if np.isclose(ca, cb, rtol=self.th.rtol, atol=self.th.atol):
                return None
            detail = (
                f"{what}{self.a.label} sets it to the constant {fmt(ca)}, {self.b.label} to the constant {fmt(cb)}."
            )
        else:
            const, rand = (self.a, self.b) if ca is not None else (self.b, self.a)
            rs = sb if ca is not None else sa
            detail = f"{what}{const.label} sets it to the constant {fmt(ca if ca is not None else cb)}, {rand.label} draws it at random (mean {fmt(rs.mean)}, std {fmt(rs.std)})."
        return Reason("constant_mismatch", detail, {"a": ca, "b": cb})

    def queue_tests(self, row: Row, sa: Stats, sb: Stats) -> None:
        self._check_draws(row, self.a, sa)
        self._check_draws(row, self.b, sb)
        self._queue_scale(row, sa, sb)
        self._queue_distribution(row, sa, sb)

    def _queue_scale(self, row: Row, sa: Stats, sb: Stats) -> None:
        std_a, std_b = sa.std or 0.0, sb.std or 0.0
        if std_a <= 0 or std_b <= 0:
            return
        ratio = std_b / std_a
        p = scale_pvalue(sa, sb)
        big = max(ratio, 1.0 / ratio) - 1.0 >= self.th.scale_floor
        figures = {
            "std_a": std_a,
            "std_b": std_b,
            "ratio": ratio,
            "p": p,
            "test": "welch_t_log_per_seed_std",
            "draws_a": len(sa.per_seed.distinct_stds()),
            "draws_b": len(sb.per_seed.distinct_stds()),
        }

        def detail(p_adj: float) -> str:
            return (
                "{} draws values {:.1f} % {} spread than {} (std {} vs {}; Welch t on per-seed log std, "
                "corrected p {:.2g}).".format(
                    self.b.label,
                    abs(ratio - 1) * 100,
                    "more" if ratio > 1 else "less",
                    self.a.label,
                    fmt(std_b),
                    fmt(std_a),
                    p_adj,
                )
            )

        self.tests.append(QueuedTest(row, "scale_mismatch", p, big, detail, figures))

    def _queue_distribution(self, row: Row, sa: Stats, sb: Stats) -> None:
        if len(sa.sample) < 2 or len(sb.sample) < 2:
            return
        d, p, exact = self.memo.ks.test(sa, sb, self.th.ks_floor)
        figures = {
            "ks_d": d,
            "p": p,
            "p_method": "asymptotic",
            "n_a": len(sa.sample),
            "n_b": len(sb.sample),
            "test": "ks_2samp",
            "mean_a": sa.mean,
            "mean_b": sb.mean,
            "kurtosis_a": sa.kurtosis,
            "kurtosis_b": sb.kurtosis,
        }

        def detail(p_adj: float) -> str:
            return (
                f"The values are distributed differently (KS D {d:.3f}, corrected p {p_adj:.2g}): {self.a.label} mean {fmt(sa.mean)} "
                f"kurtosis {fmt(sa.kurtosis)}, {self.b.label} mean {fmt(sb.mean)} kurtosis {fmt(sb.kurtosis)}."
            )

        self.tests.append(QueuedTest(row, "distribution_mismatch", p, d >= self.th.ks_floor, detail, figures, exact))

    def orthogonality(self, ea: Optional[float], eb: Optional[float], what: str = "") -> Optional[Reason]:
        if ea is None or eb is None:
            return None
        low, high = min(ea, eb), max(ea, eb)
        if not (low <= self.th.orth_tol and high >= self.th.orth_far):
            return None
        orth, not_orth = (self.a, self.b) if ea <= eb else (self.b, self.a)
        detail = f"{what}{orth.label} is an orthogonal matrix (relative error {low:.1e}), {not_orth.label} is not ({high:.2g})."
        return Reason("orthogonality_mismatch", detail, {"orth_rel_err_a": ea, "orth_rel_err_b": eb})

    def fingerprints(self, fa: Optional[Fingerprint], fb: Optional[Fingerprint]) -> Optional[Reason]:
        if fa is None or fb is None or not fa.name or not fb.name:
            return None
        if fa.label == fb.label or fb.label in fa.ties or fa.label in fb.ties:
            return None
        detail = f"Best-fitting initializer: {self.a.label} {_fp_label(fa)} (confidence {fmt(fa.confidence)}), {self.b.label} {_fp_label(fb)} (confidence {fmt(fb.confidence)})."
        return Reason("fingerprint_mismatch", detail, {"a": fa.as_json(), "b": fb.as_json()})


# ---------------------------------------------------------------- one block


def _stats(block: Measured) -> Stats:
    """A block's statistics (the artifact reader requires them of every block)."""
    if block.stats is None:
        raise ValueError(f"block {block.name} has no statistics")
    return block.stats


def _compare_values(cmp: Comparer, row: Row, sa: Stats, sb: Stats) -> None:
    reason = cmp.constants(sa, sb)
    if reason is not None:
        row.reasons.append(reason)
    elif sa.constant is None and sb.constant is None:
        cmp.queue_tests(row, sa, sb)


def _effective(route: RouteResult, key: str) -> Optional[Stats]:
    found = route.effective_bias.get(key)
    return None if found is None else found.stats


def _compare_bias(cmp: Comparer, row: Row, ea: RouteResult, eb: RouteResult) -> None:
    """Bias blocks: judge what the gate sees; stored-only differences are informational."""
    sa, sb = _stats(ea.blocks[row.block]), _stats(eb.blocks[row.block])
    eff_a, eff_b = _effective(ea, row.block), _effective(eb, row.block)
    if eff_a is None or eff_b is None:
        _compare_values(cmp, row, sa, sb)
        return
    stored = cmp.constants(sa, sb)
    effective = cmp.constants(eff_a, eff_b, "The gate sees a different bias: ")
    if effective is not None:
        row.reasons.append(effective)
    elif stored is not None and eff_a.constant is not None:
        row.reasons.append(
            Reason(
                "effective_bias_same",
                f"Stored biases differ ({cmp.a.label} {fmt(sa.constant)}, {cmp.b.label} {fmt(sb.constant)}) but the gate "
                f"sees the same bias {fmt(eff_a.constant)} (e.g. TF1 forget_bias added at run time vs Keras "
                "unit_forget_bias stored).",
                {"stored_a": sa.constant, "stored_b": sb.constant, "effective": eff_a.constant},
            )
        )
    elif stored is not None:
        row.reasons.append(stored)
    if eff_a.constant is None and eff_b.constant is None:
        cmp.queue_tests(row, eff_a, eff_b)


def _nonfinite(cmp: Comparer, row: Row, ba: Measured, bb: Measured) -> bool:
    """NaN/Inf values (the worker's ``stats.nonfinite`` count): flagged, and no statistics are judged."""
    na, nb = ba.nonfinite, bb.nonfinite
    if not na and not nb:
        return False
    detail = f"NaN or Inf values: {cmp.a.label} has {na}, {cmp.b.label} has {nb} (of {_stats(ba).count} and {_stats(bb).count}); statistics are not comparable."
    row.reasons.append(Reason("nonfinite", detail, {"a": na, "b": nb}))
    return True


def _repeats(stats: Stats) -> Optional[Tuple[int, int]]:
    """(distinct draws, seeds) of a random block whose seeds repeat draws, else None."""
    distinct = len(stats.per_seed.distinct_stds())
    return (distinct, stats.draws) if stats.constant is None and 0 < distinct < stats.draws else None


def _repeated_draws(cmp: Comparer, ba: Measured, bb: Measured) -> Optional[Reason]:
    """One side gives several seeds the very same draw (a seeded initializer: every run starts alike),
    the other draws afresh per seed."""
    ra, rb = _repeats(_stats(ba)), _repeats(_stats(bb))
    if ra is not None and rb is None:
        side, other, (distinct, seeds) = cmp.a, cmp.b, ra
    elif rb is not None and ra is None:
        side, other, (distinct, seeds) = cmp.b, cmp.a, rb
    else:
        return None
    return Reason(
        "repeated_draws",
        f"{side.label} repeats its draws ({distinct} distinct among {seeds} seeds: a seeded initializer "
        f"gives every run the same weights); {other.label} draws afresh with each seed.",
        {"repeats": side.label, "distinct": distinct, "seeds": seeds},
    )


def compare_block(cmp: Comparer, row: Row, ea: RouteResult, eb: RouteResult) -> None:
    ba, bb = ea.blocks[row.block], eb.blocks[row.block]
    if _nonfinite(cmp, row, ba, bb):
        return
    repeated = _repeated_draws(cmp, ba, bb)
    if repeated is not None:
        row.reasons.append(repeated)
    if ba.shape != bb.shape:
        row.reasons.append(
            Reason(
                "shape_mismatch",
                f"{cmp.a.label} has shape {fmt(ba.shape)}, {cmp.b.label} has {fmt(bb.shape)}: the layers do not take the "
                "same inputs here, so these weights cannot be carried over one to one.",
                {"a": list(ba.shape), "b": list(bb.shape)},
            )
        )
    if row.block.endswith("/bias"):
        _compare_bias(cmp, row, ea, eb)
    else:
        _compare_values(cmp, row, _stats(ba), _stats(bb))
    for reason in (
        cmp.orthogonality(_stats(ba).orthogonality, _stats(bb).orthogonality),
        cmp.fingerprints(ba.fingerprint, bb.fingerprint),
    ):
        if reason is not None:
            row.reasons.append(reason)


def missing(row: Row, present: Side, absent: Side, what: str) -> Row:
    row.verdict = "missing"
    row.reasons.append(
        Reason(
            "missing_block", f"Only {present.label} has {what}; {absent.label} has none.", {"present": present.label}
        )
    )
    return row


# ---------------------------------------------------------------- first seed: parts, whole cells, copies


def _cell_reasons(cmp: Comparer, fa: CellFigures, fb: CellFigures) -> List[Reason]:
    reasons = []
    whole = cmp.orthogonality(
        fa.orth_rel_err, fb.orth_rel_err, "The whole cell ([x; h] x gates, {}x{}): ".format(*fa.shape)
    )
    if whole is not None:
        reasons.append(whole)
    ca, cb = fa.coupling, fb.coupling
    if ca is not None and cb is not None and min(ca, cb) <= cmp.th.orth_tol and max(ca, cb) >= cmp.th.orth_far:
        joint, apart = (cmp.a, cmp.b) if ca <= cb else (cmp.b, cmp.a)
        reasons.append(
            Reason(
                "joint_orthogonality_mismatch",
                (
                    f"{joint.label} makes the input and recurrent rows mutually orthogonal (coupling {min(ca, cb):.1e}); {apart.label} draws them "
                    f"independently (coupling {max(ca, cb):.2g}): each part alone can look alike while the cell as a whole "
                    "starts differently."
                ),
                {
                    "coupling_a": ca,
                    "coupling_b": cb,
                    "orth_rel_err_a": fa.orth_rel_err,
                    "orth_rel_err_b": fb.orth_rel_err,
                },
            )
        )
    return reasons


def _tie_reason(cmp: Comparer, copy_a: Optional[str], copy_b: Optional[str]) -> Optional[Reason]:
    if copy_a == copy_b:
        return None
    said = []
    for side, copy in ((cmp.a, copy_a), (cmp.b, copy_b)):
        said.append(
            "{} {}".format(side.label, "starts it as an exact copy of " + copy if copy else "draws it on its own")
        )
    return Reason(
        "tied_weights",
        "{}: the weights start tied on one side (one seeded initializer drawing several "
        "weights gives each the same values).".format("; ".join(said)),
        {"copy_of_a": copy_a, "copy_of_b": copy_b},
    )


def first_seed_rows(
    cmp: Comparer, scenario: str, a: Artifact, b: Artifact, rows: List[Row], notes: List[str]
) -> List[Row]:
    """Rows for all gates of one part and for whole cells, from both sides' first seed; block rows whose
    block is a copy of another on one side only get ``tied_weights``."""
    fa, fb = cmp.memo.first_seeds.of(a, scenario, cmp.a.route), cmp.memo.first_seeds.of(b, scenario, cmp.b.route)
    for why in (fa.why, fb.why):
        if why and "first-seed checks (all gates, whole cells, copies) not made: " + why not in notes:
            notes.append("first-seed checks (all gates, whole cells, copies) not made: " + why)
    copies_a, copies_b = fa.copies, fb.copies
    for row in rows:
        reason = (
            _tie_reason(cmp, copies_a.get(row.block), copies_b.get(row.block))
            if row.block in fa.blocks and row.block in fb.blocks
            else None
        )
        if reason is not None:
            row.reasons.append(reason)
    out = []
    oa, ob = fa.part_orthogonality, fb.part_orthogonality
    for key in sorted(set(oa) & set(ob), key=key_order):
        row = Row(scenario, key, cmp.a, cmp.b)
        part = key.rsplit("/", 1)[1]
        reason = cmp.orthogonality(oa[key], ob[key], f"The {part} weights of all gates together: ")
        row.reasons += [reason] if reason is not None else []
        out.append(row)
    ca, cb = fa.cells, fb.cells
    for key in sorted(set(ca) & set(cb), key=key_order):
        out.append(Row(scenario, key, cmp.a, cmp.b, reasons=_cell_reasons(cmp, ca[key], cb[key])))
    return out
