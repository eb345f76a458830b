"""The statistical tests of a diff and their correction over the whole diff (host only: scipy).

Seeds are the independent units: the scale test works on per-seed stds, the distribution test on the
distinct values of the stored samples. Tests are queued while the rows are built and judged together
once every p-value is known (Holm or Benjamini-Hochberg).

Side: host (current Python; may use scipy, matplotlib, rich; never TensorFlow).
"""
import math
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Sequence, Tuple

import numpy as np
from scipy import special
from scipy import stats as sps

from compare.artifact import Stats
from compare.diff.results import Reason, Row, Thresholds


@dataclass
class QueuedTest:
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


def _log_std_moments(stats: Stats, stds: List[float]) -> Tuple[float, float, int]:
    """Mean and variance of the log per-draw std, and the draws. One draw: the sampling variance of a
    std from ``n`` elements, ``(kurtosis + 2) / (4 n)`` (delta method), stands in for the spread."""
    logs = np.log(np.asarray(stds, dtype=float))
    if logs.size >= 2:
        return float(logs.mean()), float(logs.var(ddof=1)), int(logs.size)
    per_draw = max(1, int(stats.count or 1) // max(1, int(stats.seeds or 1)))
    kurt = stats.kurtosis
    return float(logs[0]), max(0.0, (0.0 if kurt is None else kurt) + 2.0) / (4.0 * per_draw), 1


def scale_pvalue(sa: Stats, sb: Stats) -> float:
    """Two-sided p of equal stds: Welch's t on the log per-draw std of the distinct draws (a z-test when a
    side has a single distinct draw)."""
    da, db = sa.per_seed.distinct_stds(), sb.per_seed.distinct_stds()
    if not da or not db or min(da + db) <= 0:
        return 1.0
    (ma, va, na), (mb, vb, nb) = _log_std_moments(sa, da), _log_std_moments(sb, db)
    se2 = va / na + vb / nb
    if se2 <= 0:  # no spread at all: equal or certainly different
        return 1.0 if np.isclose(ma, mb, rtol=0, atol=1e-12) else 0.0
    t = (mb - ma) / math.sqrt(se2)
    if na >= 2 and nb >= 2:
        dof = se2 ** 2 / ((va / na) ** 2 / (na - 1) + (vb / nb) ** 2 / (nb - 1)) if va + vb > 0 else 1e9
        return float(2 * special.stdtr(dof, -abs(t)))  # sps.t.sf, without its per-call overhead
    return float(2 * special.ndtr(-abs(t)))  # sps.norm.sf


def ks_distance(a: np.ndarray, b: np.ndarray) -> float:
    """The two-sample KS statistic D of two sorted samples: the largest gap between their empirical CDFs
    (computed as ``scipy.stats.ks_2samp`` does)."""
    both = np.concatenate([a, b])
    gaps = np.searchsorted(a, both, side="right") / a.size - np.searchsorted(b, both, side="right") / b.size
    return float(np.abs(gaps).max())


def ks_test(sa: Stats, sb: Stats, material: float) -> Tuple[float, float, str]:
    """(KS D, p, how p was had) of the two stored samples; repeated values are copies of a repeated draw
    and count once.

    Where D reaches ``material`` (the diff's ``ks_floor``: only such a test can flag a row), p is scipy's
    exact one (``ks_2samp``). Below it p is the asymptotic one (scipy's ``method="asymp"``: the
    Kolmogorov distribution ``kstwo`` at the effective size nm/(n+m)), within a few per cent of the
    exact p at these sample sizes and several times cheaper. Neither correction lets such a p decide a
    verdict: samples hold at most 2048 values (effective size <= 1024), where D < 0.05 (the default
    floor) means p > 0.013, above any p that alpha 0.01 can flag, so it ranks
    after every flagged test (Holm) and is never the minimum that flags one (Benjamini-Hochberg).
    """
    a, b = np.unique(sa.sample), np.unique(sb.sample)  # float64 arrays from the artifact reader
    d = ks_distance(a, b)
    if d >= material:
        result = sps.ks_2samp(a, b)
        return float(result.statistic), float(result.pvalue), "exact"
    large, small = max(a.size, b.size), min(a.size, b.size)
    return d, float(np.clip(sps.kstwo.sf(d, np.round(large * small / (large + small))), 0.0, 1.0)), "asymptotic"


def resolve(tests: List[QueuedTest], th: Thresholds) -> None:
    """Correct the queued p-values together and attach a reason to every row whose test is flagged."""
    for test, p_adj in zip(tests, adjust([t.p for t in tests], th.correction)):
        if p_adj < th.alpha and test.big_enough:
            test.row.reasons.append(Reason(test.code, test.detail(p_adj), dict(test.figures, p_adjusted=p_adj)))
