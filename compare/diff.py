"""Cross-environment diff: does route B initialize each canonical block like route A? (host only)

    diff_paths(a.json, b.json, a_route=None, b_route=None, thresholds=Thresholds()) -> DiffResult
    diff_dir(directory, baseline="tf115:tf1", thresholds=Thresholds()) -> DiffResult
    diff(a: Artifact, b: Artifact, pairs, thresholds) -> DiffResult      (the core, on loaded artifacts)

Every scenario both artifacts share (same ``spec_hash``, else UserError) is compared, for every pair of
routes asked for, block by block (``l{layer}/{fw|bw}/{gate}/{part}``), plus one ``config`` row per
scenario and pair and, when the ``.npz`` of first-seed values is beside both artifacts, one row per
``l{layer}/{dir}/*/{kernel|recurrent}``: all gates' kernel (or recurrent) blocks side by side.

Method, per block present on both sides
---------------------------------------
``shape_mismatch``
    the block shapes differ (e.g. layer 2 of Keras ``Bidirectional`` "layers" stacking sees 2*units).
``constant_mismatch``
    either side is constant (``stats.constant``) and the other is not, or both are constants that
    differ beyond float32 tolerance (``np.isclose(a, b, rtol, atol)``). Bias blocks are judged on the
    bias the gate really sees (``effective_bias``): stored biases that differ while the effective ones
    agree (TF1 LSTM ``forget_bias=1.0`` added at run time vs Keras ``unit_forget_bias`` storing 1.0)
    give the informational ``effective_bias_same`` instead.
``scale_mismatch``
    Welch's t-test on the log of the per-seed standard deviations (``per_seed.std``; seeds are the
    independent units, elements within one draw are not). Seeds whose per-seed (mean, std, fro_norm)
    repeat exactly are copies and count once (a route that repeats its draws is noted); a side left
    with one distinct draw uses the sampling variance of a std, (kurtosis + 2) / (4 n), in a z-test.
    Effect = ratio of the pooled stds. Flagged
    when the corrected p < ``alpha`` AND ``max(r, 1/r) - 1 >= scale_floor``.
``distribution_mismatch``
    two-sample Kolmogorov-Smirnov test on the distinct values of the stored ``sample`` of pooled values
    (location, scale and shape at once; repeated values are copies of a repeated draw), effect = KS D.
    Flagged when corrected p < ``alpha`` AND D >= ``ks_floor``.
``orthogonality_mismatch``
    one side orthogonal (``orth_rel_err <= orth_tol``), the other clearly not (``>= orth_far``); the gap
    between the two keeps float noise from flapping a verdict. Judged for every block and, from the
    first seed's raw values (cut into blocks by ``compare.layout``), for the matrix of all gates of one
    part: Keras' recurrent kernel is orthogonal as a whole (units, G*units) while none of its gate
    blocks is; the TF1 scope initializer makes [x; h] orthogonal, so the recurrent rows are not.
``fingerprint_mismatch`` (informational)
    the best-fitting initializer (name, over_shape) differs and neither is among the other's ties. It
    is a label inferred from the data, and two labels often predict the very same values (glorot over
    (in+u, 2u) and over (in, 3u)), so on its own it does not make a block differ; next to a measured
    difference it says where that difference comes from.
``missing_block``
    a block (or a whole route: unavailable, error) exists on one side only -> verdict ``missing``.
``config_mismatch`` (the ``config`` row)
    reset_after, recurrent_activation, activation, use_bias, the forget-gate bias handling
    (TF1 ``forget_bias`` at run time, Keras ``unit_forget_bias`` stored), peepholes / num_proj /
    cell_clip and the stacking topology (what layer 2 sees), normalized across TF1 and Keras.

Multiple comparisons: the p-values of every scale and distribution test of one diff (all scenarios,
route pairs and blocks) are corrected together, Holm by default (controls the chance of even one false
alarm in the whole diff at ``alpha``), Benjamini-Hochberg on request (``correction="bh"``).

Defaults (``Thresholds()``; printed under every table): alpha 0.01, Holm, scale_floor 0.025 (a 2.5 %
std ratio), ks_floor 0.05, constants rtol 1e-6 / atol 1e-7, orth_tol 1e-4, orth_far 1e-2. With the
default 32 seeds a 5 % std difference in a kernel block of 256+ elements is ~7 standard errors.
Verdict: ``missing`` if a side lacks the block, else ``differs`` if any non-informational reason,
else ``same``. Exit code (``DiffResult.exit_code``): 0 all same, 1 otherwise.
"""
from __future__ import annotations

import json
import math
import re
from collections import namedtuple
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
from scipy import stats as sps

from compare import artifact as artifact_io
from compare.errors import UserError

ROUTES = ("tf1", "keras", "recipe")  # display order; any route an artifact holds is accepted
INFORMATIONAL = frozenset({"fingerprint_mismatch", "effective_bias_same"})
CODES = ("shape_mismatch", "constant_mismatch", "scale_mismatch", "distribution_mismatch",
         "orthogonality_mismatch", "fingerprint_mismatch", "effective_bias_same", "missing_block",
         "config_mismatch", "nonfinite")
CONFIG_BLOCK = "config"
ROUTE_BLOCK = "*"
_Weight = namedtuple("_Weight", "name layer direction param value")


@dataclass(frozen=True)
class Thresholds:
    """Everything that decides a verdict; see the module docstring for what each one does."""

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
            raise UserError("unknown correction {!r}".format(self.correction), "use holm or bh")
        if not 0 < self.alpha < 1:
            raise UserError("alpha must be in (0, 1), got {}".format(self.alpha))

    def describe(self) -> str:
        return ("alpha {} ({}-corrected over all tests), scale floor {:.1%} std ratio, KS floor D {}, "
                "constants rtol {} atol {}, orthogonal <= {} vs not >= {}").format(
            self.alpha, "Holm" if self.correction == "holm" else "Benjamini-Hochberg", self.scale_floor,
            self.ks_floor, self.rtol, self.atol, self.orth_tol, self.orth_far)


@dataclass(frozen=True)
class Side:
    env: str
    route: str

    @property
    def label(self) -> str:
        return "{}:{}".format(self.env, self.route)


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
        out = {"same": 0, "differs": 0, "missing": 0}
        for row in self.rows:
            out[row.verdict] += 1
        return out

    def to_dict(self) -> Dict[str, Any]:
        return {"schema": "rnncompare/diff", "version": 1, "thresholds": asdict(self.thresholds),
                "tests": self.tests, "counts": self.counts(), "notes": list(self.notes),
                "rows": [r.to_dict() for r in self.rows]}


@dataclass
class Artifact:
    """A loaded artifact; ``path`` None for hand-made documents (no first-seed arrays then)."""

    doc: Dict[str, Any]
    path: Optional[Path] = None
    _arrays: Optional[Dict[str, np.ndarray]] = None

    @classmethod
    def load(cls, path: Path) -> Artifact:
        return cls(artifact_io.load(Path(path)), Path(path))

    @property
    def env(self) -> str:
        name = (self.doc.get("env") or {}).get("name")
        return str(name or (self.path.stem if self.path else "?"))

    @property
    def scenarios(self) -> Dict[str, Any]:
        return self.doc.get("scenarios") or {}

    def routes(self) -> List[str]:
        found = {r for s in self.scenarios.values() for r in (s.get("routes") or {})}
        return [r for r in ROUTES if r in found] + sorted(found - set(ROUTES))

    def first_seed(self) -> Optional[Dict[str, np.ndarray]]:
        """The ``.npz`` values (first seed), or None when there is none beside the JSON."""
        if self._arrays is None and self.path is not None and artifact_io.npz_path(self.path).exists():
            self._arrays = dict(artifact_io.arrays(self.path, self.doc))
        return self._arrays


# ---------------------------------------------------------------- statistics


@dataclass
class _Test:
    """A scale or distribution test whose verdict waits for the correction over the whole diff."""

    row: Row
    code: str
    p: float
    big_enough: bool
    detail: Callable[[float], str]
    figures: Dict[str, Any]


def adjust(pvalues: Sequence[float], method: str = "holm") -> List[float]:
    """Holm (step-down FWER) or Benjamini-Hochberg adjusted p-values, in the input order."""
    p = np.asarray(pvalues, dtype=float)
    if p.size == 0:
        return []
    if method == "bh":
        return [float(x) for x in sps.false_discovery_control(p, method="bh")]
    order = np.argsort(p, kind="stable")
    scaled = p[order] * (p.size - np.arange(p.size))
    adjusted = np.empty_like(p)
    adjusted[order] = np.minimum(1.0, np.maximum.accumulate(scaled))
    return [float(x) for x in adjusted]


def distinct_draws(stats: Dict[str, Any]) -> List[float]:
    """Per-seed stds of the distinct draws: seeds whose (mean, std, fro_norm) repeat are copies, not evidence."""
    per = stats.get("per_seed") or {}
    keys = list(zip(per.get("mean") or [], per.get("std") or [], per.get("fro_norm") or []))
    seen, out = set(), []
    for key, std in zip(keys, per.get("std") or []):
        if key not in seen:
            seen.add(key)
            out.append(float(std))
    return out


def _log_std_moments(stats: Dict[str, Any], stds: List[float]) -> Tuple[float, float, int]:
    """Mean and variance of the log per-draw std, and the draws. One draw: the sampling variance of a
    std from ``n`` elements, ``(kurtosis + 2) / (4 n)`` (delta method), stands in for the spread."""
    logs = np.log(np.asarray(stds, dtype=float))
    if logs.size >= 2:
        return float(logs.mean()), float(logs.var(ddof=1)), int(logs.size)
    per_draw = max(1, int(stats.get("count") or 1) // max(1, int(stats.get("seeds") or 1)))
    kurt = stats.get("kurtosis")
    return float(logs[0]), max(0.0, (0.0 if kurt is None else kurt) + 2.0) / (4.0 * per_draw), 1


def scale_pvalue(sa: Dict[str, Any], sb: Dict[str, Any]) -> float:
    """Two-sided p of equal stds: Welch's t on the log per-draw std of the distinct draws (a z-test when a
    side has a single distinct draw)."""
    da, db = distinct_draws(sa), distinct_draws(sb)
    if not da or not db or min(da + db) <= 0:
        return 1.0
    (ma, va, na), (mb, vb, nb) = _log_std_moments(sa, da), _log_std_moments(sb, db)
    se2 = va / na + vb / nb
    if se2 <= 0:  # no spread at all: equal or certainly different
        return 1.0 if np.isclose(ma, mb, rtol=0, atol=1e-12) else 0.0
    t = (mb - ma) / math.sqrt(se2)
    if na >= 2 and nb >= 2:
        dof = se2 ** 2 / ((va / na) ** 2 / (na - 1) + (vb / nb) ** 2 / (nb - 1)) if va + vb > 0 else 1e9
        return float(2 * sps.t.sf(abs(t), dof))
    return float(2 * sps.norm.sf(abs(t)))


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return "{:.4g}".format(value)
    if isinstance(value, (list, tuple)):
        return "(" + ", ".join(str(v) for v in value) + ")"
    return str(value)


def _fp_label(fp: Optional[Dict[str, Any]]) -> str:
    if not fp or not fp.get("name"):
        return "?"
    over = fp.get("over_shape")
    return fp["name"] + (" over " + _fmt(over) if over else "")


def _ties(fp: Dict[str, Any]) -> set:
    return {(t.get("name"), tuple(t.get("over_shape") or ())) for t in fp.get("ties") or [] if isinstance(t, dict)}


def _orth(stats: Dict[str, Any]) -> Optional[float]:
    value = stats.get("orth_rel_err")
    return stats.get("orth_err") if value is None else value


class _Comparer:
    """Compares blocks of one route pair; statistical tests are queued on ``tests``."""

    def __init__(self, a: Side, b: Side, th: Thresholds, tests: List[_Test], notes: List[str]) -> None:
        self.a, self.b, self.th, self.tests, self.notes = a, b, th, tests, notes

    def _check_draws(self, row: Row, side: Side, stats: Dict[str, Any]) -> None:
        seeds, distinct = int(stats.get("seeds") or 0), len(distinct_draws(stats))
        if 0 < distinct < seeds:
            note = ("{} {}: some blocks have only {} distinct draws among {} seeds (the route repeats its "
                    "draws); the tests count distinct draws only").format(side.label, row.scenario, distinct, seeds)
            if not any(n.startswith("{} {}:".format(side.label, row.scenario)) for n in self.notes):
                self.notes.append(note)

    def constants(self, sa: Dict[str, Any], sb: Dict[str, Any], what: str = "") -> Optional[Reason]:
        ca, cb = sa.get("constant"), sb.get("constant")
        if ca is None and cb is None:
            return None
        if ca is not None and cb is not None:
            if np.isclose(ca, cb, rtol=self.th.rtol, atol=self.th.atol):
                return None
            detail = "{}{} sets it to the constant {}, {} to the constant {}.".format(
                what, self.a.label, _fmt(ca), self.b.label, _fmt(cb))
        else:
            const, rand = (self.a, self.b) if ca is not None else (self.b, self.a)
            rs = sb if ca is not None else sa
            detail = "{}{} sets it to the constant {}, {} draws it at random (mean {}, std {}).".format(
                what, const.label, _fmt(ca if ca is not None else cb), rand.label, _fmt(rs.get("mean")),
                _fmt(rs.get("std")))
        return Reason("constant_mismatch", detail, {"a": ca, "b": cb})

    def queue_tests(self, row: Row, sa: Dict[str, Any], sb: Dict[str, Any]) -> None:
        self._check_draws(row, self.a, sa)
        self._check_draws(row, self.b, sb)
        self._queue_scale(row, sa, sb)
        self._queue_distribution(row, sa, sb)

    def _queue_scale(self, row: Row, sa: Dict[str, Any], sb: Dict[str, Any]) -> None:
        std_a, std_b = sa.get("std") or 0.0, sb.get("std") or 0.0
        if std_a <= 0 or std_b <= 0:
            return
        ratio = std_b / std_a
        p = scale_pvalue(sa, sb)
        big = max(ratio, 1.0 / ratio) - 1.0 >= self.th.scale_floor
        figures = {"std_a": std_a, "std_b": std_b, "ratio": ratio, "p": p, "test": "welch_t_log_per_seed_std",
                   "draws_a": len(distinct_draws(sa)), "draws_b": len(distinct_draws(sb))}

        def detail(p_adj: float) -> str:
            return "{} draws values {:.1f} % {} spread than {} (std {} vs {}; Welch t on per-seed log std, " \
                   "corrected p {:.2g}).".format(self.b.label, abs(ratio - 1) * 100,
                                                "more" if ratio > 1 else "less", self.a.label,
                                                _fmt(std_b), _fmt(std_a), p_adj)
        self.tests.append(_Test(row, "scale_mismatch", p, big, detail, figures))

    def _queue_distribution(self, row: Row, sa: Dict[str, Any], sb: Dict[str, Any]) -> None:
        xa, xb = sa.get("sample") or [], sb.get("sample") or []
        if len(xa) < 2 or len(xb) < 2:
            return
        # repeated values are copies (identical draws), not independent evidence: KS counts each once
        result = sps.ks_2samp(np.unique(np.asarray(xa, dtype=float)), np.unique(np.asarray(xb, dtype=float)))
        d, p = float(result.statistic), float(result.pvalue)
        figures = {"ks_d": d, "p": p, "n_a": len(xa), "n_b": len(xb), "test": "ks_2samp",
                   "mean_a": sa.get("mean"), "mean_b": sb.get("mean"),
                   "kurtosis_a": sa.get("kurtosis"), "kurtosis_b": sb.get("kurtosis")}

        def detail(p_adj: float) -> str:
            return "The values are distributed differently (KS D {:.3f}, corrected p {:.2g}): {} mean {} " \
                   "kurtosis {}, {} mean {} kurtosis {}.".format(
                       d, p_adj, self.a.label, _fmt(sa.get("mean")), _fmt(sa.get("kurtosis")), self.b.label,
                       _fmt(sb.get("mean")), _fmt(sb.get("kurtosis")))
        self.tests.append(_Test(row, "distribution_mismatch", p, d >= self.th.ks_floor, detail, figures))

    def orthogonality(self, ea: Optional[float], eb: Optional[float], what: str = "") -> Optional[Reason]:
        if ea is None or eb is None:
            return None
        low, high = min(ea, eb), max(ea, eb)
        if not (low <= self.th.orth_tol and high >= self.th.orth_far):
            return None
        orth, not_orth = (self.a, self.b) if ea <= eb else (self.b, self.a)
        detail = "{}{} is an orthogonal matrix (relative error {:.1e}), {} is not ({:.2g}).".format(
            what, orth.label, low, not_orth.label, high)
        return Reason("orthogonality_mismatch", detail, {"orth_rel_err_a": ea, "orth_rel_err_b": eb})

    def fingerprints(self, fa: Optional[Dict[str, Any]], fb: Optional[Dict[str, Any]]) -> Optional[Reason]:
        if not fa or not fb or not fa.get("name") or not fb.get("name"):
            return None
        la = (fa["name"], tuple(fa.get("over_shape") or ()))
        lb = (fb["name"], tuple(fb.get("over_shape") or ()))
        if la == lb or lb in _ties(fa) or la in _ties(fb):
            return None
        detail = "Best-fitting initializer: {} {} (confidence {}), {} {} (confidence {}).".format(
            self.a.label, _fp_label(fa), _fmt(fa.get("confidence")), self.b.label, _fp_label(fb),
            _fmt(fb.get("confidence")))
        return Reason("fingerprint_mismatch", detail, {"a": fa, "b": fb})


# ---------------------------------------------------------------- blocks


def _key_order(key: str) -> Tuple:
    return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", key))


def _effective(entry: Dict[str, Any], key: str) -> Optional[Dict[str, Any]]:
    found = (entry.get("effective_bias") or {}).get(key)
    return found.get("stats") if isinstance(found, dict) else None


def _compare_bias(cmp: _Comparer, row: Row, ea: Dict[str, Any], eb: Dict[str, Any]) -> None:
    """Bias blocks: judge what the gate sees; stored-only differences are informational."""
    sa, sb = ea["blocks"][row.block]["stats"], eb["blocks"][row.block]["stats"]
    eff_a, eff_b = _effective(ea, row.block), _effective(eb, row.block)
    if eff_a is None or eff_b is None:
        _compare_values(cmp, row, sa, sb)
        return
    stored = cmp.constants(sa, sb)
    effective = cmp.constants(eff_a, eff_b, "The gate sees a different bias: ")
    if effective is not None:
        row.reasons.append(effective)
    elif stored is not None and eff_a.get("constant") is not None:
        row.reasons.append(Reason("effective_bias_same", "Stored biases differ ({} {}, {} {}) but the gate "
                                  "sees the same bias {} (e.g. TF1 forget_bias added at run time vs Keras "
                                  "unit_forget_bias stored).".format(
                                      cmp.a.label, _fmt(sa.get("constant")), cmp.b.label,
                                      _fmt(sb.get("constant")), _fmt(eff_a.get("constant"))),
                                  {"stored_a": sa.get("constant"), "stored_b": sb.get("constant"),
                                   "effective": eff_a.get("constant")}))
    elif stored is not None:
        row.reasons.append(stored)
    if eff_a.get("constant") is None and eff_b.get("constant") is None:
        cmp.queue_tests(row, eff_a, eff_b)


def _compare_values(cmp: _Comparer, row: Row, sa: Dict[str, Any], sb: Dict[str, Any]) -> None:
    reason = cmp.constants(sa, sb)
    if reason is not None:
        row.reasons.append(reason)
    elif sa.get("constant") is None and sb.get("constant") is None:
        cmp.queue_tests(row, sa, sb)


def _nonfinite(cmp: _Comparer, row: Row, ba: Dict[str, Any], bb: Dict[str, Any]) -> bool:
    """NaN/Inf values (the worker's ``stats.nonfinite`` count): flagged, and no statistics are judged."""
    na, nb = (int((b.get("stats") or {}).get("nonfinite") or 0) for b in (ba, bb))
    if not na and not nb:
        return False
    detail = "NaN or Inf values: {} has {}, {} has {} (of {} and {}); statistics are not comparable.".format(
        cmp.a.label, na, cmp.b.label, nb, ba["stats"].get("count"), bb["stats"].get("count"))
    row.reasons.append(Reason("nonfinite", detail, {"a": na, "b": nb}))
    return True


def _compare_block(cmp: _Comparer, row: Row, ea: Dict[str, Any], eb: Dict[str, Any]) -> None:
    ba, bb = ea["blocks"][row.block], eb["blocks"][row.block]
    if _nonfinite(cmp, row, ba, bb):
        return
    if list(ba.get("shape") or []) != list(bb.get("shape") or []):
        row.reasons.append(Reason("shape_mismatch", "{} has shape {}, {} has {}: the layers do not take the "
                                  "same inputs here, so these weights cannot be carried over one to one.".format(
                                      cmp.a.label, _fmt(ba.get("shape")), cmp.b.label, _fmt(bb.get("shape"))),
                                  {"a": ba.get("shape"), "b": bb.get("shape")}))
    if row.block.endswith("/bias"):
        _compare_bias(cmp, row, ea, eb)
    else:
        _compare_values(cmp, row, ba["stats"], bb["stats"])
    for reason in (cmp.orthogonality(_orth(ba["stats"]), _orth(bb["stats"])),
                   cmp.fingerprints(ba.get("fingerprint"), bb.get("fingerprint"))):
        if reason is not None:
            row.reasons.append(reason)


def _missing(row: Row, present: Side, absent: Side, what: str) -> Row:
    row.verdict = "missing"
    row.reasons.append(Reason("missing_block", "Only {} has {}; {} has none.".format(present.label, what,
                                                                                  absent.label),
                              {"present": present.label}))
    return row


# ---------------------------------------------------------------- part orthogonality (first seed)


def _part_orth(art: Artifact, scenario: str, route: str) -> Tuple[Dict[str, float], str]:
    """orth_rel_err of every ``l{k}/{dir}/*/{kernel|recurrent}`` matrix (all gates side by side), seed 0."""
    from compare import layout
    from compare.stats import block_stats

    arrays = art.first_seed()
    if arrays is None:
        return {}, "no .npz beside {}".format(art.path) if art.path else "hand-made artifact"
    entry = art.scenarios[scenario]["routes"][route]
    spec = art.scenarios[scenario].get("spec") or {}
    prefix = "{}/{}/".format(scenario, route)
    weights = [_Weight(name, v.get("layer"), v.get("direction"), v.get("param"), arrays[prefix + name])
               for name, v in (entry.get("variables") or {}).items() if prefix + name in arrays]
    num_proj = ((spec.get("tf1") or {}).get("cell_kwargs") or {}).get("num_proj")
    try:
        blocks = layout.split(entry["family"], weights, int(spec["units"]),
                              num_proj if entry["family"] == "tf1_lstm" else None)
    except (KeyError, TypeError, ValueError) as exc:
        return {}, "cannot cut {} {} {} into blocks: {}".format(art.env, scenario, route, exc)
    groups: Dict[str, List[Tuple[str, np.ndarray]]] = {}
    for key, block in blocks.items():
        layer, direction, gate, part = layout.parse_key(key)
        if part in ("kernel", "recurrent") and gate != layout.PROJECTION:
            groups.setdefault(layout.block_key(layer, direction, "*", part), []).append((gate, block.value))
    out = {}
    for key, parts in groups.items():
        matrix = np.concatenate([v for _, v in sorted(parts, key=lambda p: p[0])], axis=-1)
        with np.errstate(all="ignore"):
            value = _orth(block_stats(matrix[None], sample_size=0, singular_values=False))
        if value is not None and math.isfinite(value):
            out[key] = float(value)
    return out, ""


def _part_rows(cmp: _Comparer, scenario: str, a: Artifact, b: Artifact, notes: List[str]) -> List[Row]:
    oa, why_a = _part_orth(a, scenario, cmp.a.route)
    ob, why_b = _part_orth(b, scenario, cmp.b.route)
    for why in (why_a, why_b):
        if why and why not in notes:
            notes.append("all-gates orthogonality not checked: " + why)
    rows = []
    for key in sorted(set(oa) & set(ob), key=_key_order):
        row = Row(scenario, key, cmp.a, cmp.b)
        part = key.rsplit("/", 1)[1]
        reason = cmp.orthogonality(oa[key], ob[key], "The {} weights of all gates together: ".format(part))
        if reason is not None:
            row.reasons.append(reason)
        rows.append(row)
    return rows


# ---------------------------------------------------------------- config


def _name(value: Any) -> Optional[str]:
    if value is None:
        return None
    if isinstance(value, dict):
        inner = value.get("config") if isinstance(value.get("config"), dict) else {}
        value = inner.get("name") or value.get("class_name") or value.get("name")
    text = str(value)
    match = re.search(r"function (\w+)", text)
    return (match.group(1) if match else text).lower()


def _cell_config(config: Dict[str, Any]) -> Dict[str, Any]:
    cell = config.get("cell") or {}
    if isinstance(cell.get("cells"), list) and cell["cells"]:  # StackedRNNCells: the first cell
        first = cell["cells"][0]
        cell = first.get("config", first) if isinstance(first, dict) else {}
    return cell


def _shape_of(spec: Dict[str, Any], entry: Dict[str, Any]) -> Tuple[int, bool]:
    keys = list(entry.get("blocks") or {})
    layers = spec.get("layers") or (1 + max([int(k.split("/")[0][1:]) for k in keys] or [0]))
    bidirectional = spec.get("bidirectional")
    if bidirectional is None:
        bidirectional = any("/bw/" in k for k in keys)
    return int(layers), bool(bidirectional)


def layer_config(entry: Dict[str, Any], spec: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """The options that change what a built layer computes, in one vocabulary for TF1 and Keras.

    TF1 ``GRUCell`` is a Keras GRU with reset_after=False and sigmoid gates; TF1 ``LSTMCell`` adds
    ``forget_bias`` (default 1.0) at run time and stores nothing; the TF1 route stacks per direction,
    like Keras "cells" stacking; Keras "layers" stacking of a bidirectional stack feeds layer 2 both
    directions' outputs.
    """
    family, config = entry.get("family") or "", entry.get("config") or {}
    cell, lstm = _cell_config(config), family.endswith("lstm")
    layers, bidirectional = _shape_of(spec or {}, entry)
    tf1 = family.startswith("tf1")
    out: Dict[str, Any] = {
        "activation": _name(cell.get("activation")) or "tanh",
        "recurrent_activation": "sigmoid" if tf1 else _name(cell.get("recurrent_activation")),
        "use_bias": True if tf1 else bool(cell.get("use_bias", True)),
    }
    if family.endswith("gru"):
        out["reset_after"] = False if tf1 else bool(cell.get("reset_after", False))
    if lstm:
        out["forget_bias"] = float(cell["forget_bias"]) if tf1 else 0.0
        out["unit_forget_bias"] = False if tf1 else bool(cell.get("unit_forget_bias", False))
        out["use_peepholes"] = bool(cell.get("use_peepholes", False)) if tf1 else False
        out["num_proj"] = cell.get("num_proj") if tf1 else None
        out["cell_clip"] = cell.get("cell_clip") if tf1 else None
    per_level = not tf1 and config.get("stacking") == "layers" and bidirectional and layers > 1
    out["stacking"] = "per level (layer 2 sees both directions)" if per_level else "per direction"
    return out


CONFIG_WHY = {
    "activation": "the candidate / cell output squashes differently, so equal weights compute different outputs.",
    "recurrent_activation": "the gates squash differently, so equal weights open the gates differently.",
    "use_bias": "one side has no bias at all.",
    "reset_after": "reset_after=True applies the reset gate after the recurrent matmul and adds a recurrent "
                   "bias: a different function, no weights make the two the same.",
    "forget_bias": "TF1 adds forget_bias to the forget gate at run time without storing it; carry it into the "
                   "Keras bias (unit_forget_bias=True stores 1.0) when porting weights.",
    "unit_forget_bias": "unit_forget_bias stores 1.0 in the forget-gate bias at initialization.",
    "use_peepholes": "peephole weights exist on one side only.",
    "num_proj": "an output projection exists on one side only.",
    "cell_clip": "the cell state is clipped on one side only.",
    "stacking": "the layers above the first see different inputs, so their kernels have other shapes.",
}


def _config_row(scenario: str, cmp: _Comparer, ea: Dict[str, Any], eb: Dict[str, Any],
                spec: Dict[str, Any]) -> Row:
    row = Row(scenario, CONFIG_BLOCK, cmp.a, cmp.b)
    ca, cb = layer_config(ea, spec), layer_config(eb, spec)
    for key in [k for k in ca if k in cb]:
        if ca[key] != cb[key]:
            row.reasons.append(Reason("config_mismatch", "{}: {} {}, {} {}; {}".format(
                key, cmp.a.label, _fmt(ca[key]), cmp.b.label, _fmt(cb[key]), CONFIG_WHY.get(key, "")),
                {"key": key, "a": ca[key], "b": cb[key]}))
    return row


# ---------------------------------------------------------------- driving


def _scenario_rows(name: str, a: Artifact, b: Artifact, cmp: _Comparer, notes: List[str]) -> List[Row]:
    ea = (a.scenarios[name].get("routes") or {}).get(cmp.a.route)
    eb = (b.scenarios[name].get("routes") or {}).get(cmp.b.route)
    for entry, side, other in ((ea, cmp.a, cmp.b), (eb, cmp.b, cmp.a)):
        if not entry or entry.get("status") != "ok":
            status, why = (entry or {}).get("status", "absent"), ((entry or {}).get("reason") or "")[:200]
            detail = "Route {} is {} for this scenario{}.".format(side.label, status, ": " + why if why else "")
            row = Row(name, ROUTE_BLOCK, cmp.a, cmp.b, "missing",
                      [Reason("missing_block", detail, {"absent": side.label, "present": other.label})])
            return [row]
    if "blocks" not in ea or "blocks" not in eb:
        raise UserError("scenario {!r}: an artifact has no per-block statistics".format(name),
                        "re-run the envs with this rnncompare (tox -m matrix) to rewrite the artifacts")
    spec = a.scenarios[name].get("spec") or {}
    config = _config_row(name, cmp, ea, eb, spec)
    rows = []
    for key in sorted(set(ea["blocks"]) | set(eb["blocks"]), key=_key_order):
        row = Row(name, key, cmp.a, cmp.b)
        if key not in eb["blocks"]:
            rows.append(_missing(row, cmp.a, cmp.b, "this block"))
        elif key not in ea["blocks"]:
            rows.append(_missing(row, cmp.b, cmp.a, "this block"))
        else:
            _compare_block(cmp, row, ea, eb)
            rows.append(row)
    _forget_bias_settled(config, rows)
    return [config] + rows + _part_rows(cmp, name, a, b, notes)


FORGET_KEYS = ("forget_bias", "unit_forget_bias")


def _forget_bias_settled(config: Row, rows: List[Row]) -> None:
    """forget_bias vs unit_forget_bias is informational when every forget gate sees the same bias.

    TF1 adds forget_bias at run time, Keras stores its 1.0 (unit_forget_bias, or folded in by the
    recipe or by ``rnncompare port``): the gates start alike, which the bias rows have judged. The
    constant-bias rows are final here (statistical tests never judge constant blocks).
    """
    forget_rows = [r for r in rows if r.block.endswith("/forget/bias")]
    if not forget_rows or any(x.code not in INFORMATIONAL for row in forget_rows for x in row.reasons):
        return
    for reason in config.reasons:
        if reason.code == "config_mismatch" and reason.figures.get("key") in FORGET_KEYS:
            reason.code = "effective_bias_same"
            reason.detail += " Every forget gate sees the same bias here, so this is informational."


def _check_hashes(a: Artifact, b: Artifact) -> List[str]:
    shared = [n for n in a.scenarios if n in b.scenarios]
    for name in shared:
        ha, hb = a.scenarios[name].get("spec_hash"), b.scenarios[name].get("spec_hash")
        if ha != hb:
            raise UserError("scenario {!r} has spec_hash {} in {} but {} in {}: not the same layer definition"
                            .format(name, ha, a.env, hb, b.env),
                            "run both envs on the same scenario file (seeds and base_seed may differ)")
    return shared


def _resolve(tests: List[_Test], th: Thresholds) -> None:
    for test, p_adj in zip(tests, adjust([t.p for t in tests], th.correction)):
        if p_adj < th.alpha and test.big_enough:
            test.row.reasons.append(Reason(test.code, test.detail(p_adj), dict(test.figures, p_adjusted=p_adj)))


def _verdict(row: Row) -> str:
    if row.verdict == "missing" or any(r.code == "missing_block" for r in row.reasons):
        return "missing"
    return "differs" if any(r.code not in INFORMATIONAL for r in row.reasons) else "same"


def diff(a: Artifact, b: Artifact, pairs: Sequence[Tuple[str, str]], thresholds: Thresholds = Thresholds(),
         tests: Optional[List[_Test]] = None) -> DiffResult:
    """Rows for every shared scenario and route pair ``(a_route, b_route)``; tests corrected together."""
    shared = _check_hashes(a, b)
    queue: List[_Test] = [] if tests is None else tests
    rows: List[Row] = []
    notes: List[str] = []
    only = sorted(set(a.scenarios) ^ set(b.scenarios))
    if only:
        notes.append("scenarios in one artifact only, not compared: " + ", ".join(only))
    for ra, rb in pairs:
        cmp = _Comparer(Side(a.env, ra), Side(b.env, rb), thresholds, queue, notes)
        for name in shared:
            rows.extend(_scenario_rows(name, a, b, cmp, notes))
    result = DiffResult(rows, thresholds, len(queue), notes)
    if tests is None:
        finish(result, queue)
    return result


def finish(result: DiffResult, queue: List[_Test]) -> DiffResult:
    """Correct the queued tests together, attach the flagged ones, set every verdict."""
    _resolve(queue, result.thresholds)
    result.tests = len(queue)
    for row in result.rows:
        row.verdict = _verdict(row)
    return result


def default_pairs(a: Artifact, b: Artifact, a_route: Optional[str] = None,
                  b_route: Optional[str] = None) -> List[Tuple[str, str]]:
    """Asked routes; else the same route on both sides, plus tf1 vs keras when A has tf1 and B keras."""
    ra, rb = a.routes(), b.routes()
    if a_route or b_route:
        pair = (a_route or b_route, b_route or a_route)
        for route, side, have in ((pair[0], a, ra), (pair[1], b, rb)):
            if route not in have:
                raise UserError("{} has no route {!r}".format(side.env, route), "routes there: " + ", ".join(have))
        return [pair]
    pairs = [(r, r) for r in ra if r in rb]
    if "tf1" in ra and "keras" in rb:
        pairs.append(("tf1", "keras"))
    if not pairs:
        raise UserError("{} and {} share no route".format(a.env, b.env), "pass --a-route and --b-route")
    return pairs


def diff_paths(a_path: Path, b_path: Path, a_route: Optional[str] = None, b_route: Optional[str] = None,
               thresholds: Thresholds = Thresholds()) -> DiffResult:
    a, b = Artifact.load(a_path), Artifact.load(b_path)
    return diff(a, b, default_pairs(a, b, a_route, b_route), thresholds)


def parse_baseline(text: str) -> Tuple[str, str]:
    return artifact_io.split_route(text, "ENV:ROUTE, e.g. tf115:tf1")


def diff_against(arts: Sequence[Artifact], baseline: str = "tf115:tf1",
                 thresholds: Thresholds = Thresholds()) -> DiffResult:
    """Every route of every artifact against the baseline ENV:ROUTE; all tests corrected together."""
    env, route = parse_baseline(baseline)
    base = [x for x in arts if x.env == env]
    if not base:
        raise UserError("no artifact of env {!r} among {}".format(env, ", ".join(x.env for x in arts)),
                        "pass --baseline ENV:ROUTE with one of those envs")
    queue: List[_Test] = []
    total = DiffResult([], thresholds)
    for other in arts:
        pairs = [(route, r) for r in other.routes() if (other.env, r) != (env, route)]
        part = diff(base[0], other, pairs, thresholds, queue)
        total.rows.extend(part.rows)
        total.notes.extend(n for n in part.notes if n not in total.notes)
    return finish(total, queue)


def diff_dir(directory: Path, baseline: str = "tf115:tf1", thresholds: Thresholds = Thresholds()) -> DiffResult:
    """Every route of every artifact in ``directory`` against the baseline ENV:ROUTE."""
    documents, paths = artifact_io.load_folder(Path(directory))
    return diff_against([Artifact(documents[name], paths[name]) for name in documents], baseline, thresholds)


def write_json(result: DiffResult, path: Path) -> None:
    """The rows, thresholds and notes as JSON, written atomically (``compare.artifact.atomic_write``)."""
    text = json.dumps(artifact_io.jsonable(result.to_dict()), indent=1, allow_nan=False) + "\n"
    artifact_io.atomic_write(Path(path), lambda handle: handle.write(text.encode("utf-8")))
