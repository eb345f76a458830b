"""The statistical tests of a diff and their correction over the whole diff (host only: scipy).

Seeds are the independent units: the scale test works on per-seed stds, the distribution test on the
distinct values of the stored samples. Tests are queued while the rows are built and judged together
once every p-value is known (Holm or Benjamini-Hochberg).
"""

import functools
import hashlib
import math
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
from scipy import special
from scipy import stats as sps

from compare.artifact import Stats
from compare.host.diff.results import Reason, Row, Thresholds

EXACT_MARGIN = 100.0  # how far below alpha / tests an approximate p stands for the exact one (resolve)


@dataclass
class QueuedTest:
    """A scale or distribution test whose verdict waits for the correction over the whole diff."""

    row: Row
    code: str
    p: float
    big_enough: bool
    detail: Callable[[float], str]
    figures: Dict[str, Any]
    exact: Optional[Callable[[], float]] = None  # the exact p where ``p`` approximates it (see resolve)


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


def _log_std_moments(stats: Stats, stds: Tuple[float, ...]) -> Tuple[float, float, int]:
    """Mean and variance of the log per-draw std, and the draws. One draw: the sampling variance of a
    std from ``n`` elements, ``(kurtosis + 2) / (4 n)`` (delta method), stands in for the spread."""
    if len(stds) >= 2:
        return _log_moments(stds)
    per_draw = max(1, int(stats.count or 1) // max(1, int(stats.seeds or 1)))
    kurt = stats.kurtosis
    return math.log(stds[0]), max(0.0, (0.0 if kurt is None else kurt) + 2.0) / (4.0 * per_draw), 1


@functools.lru_cache(maxsize=1 << 16)  # a diff tests each baseline block against every other env's
def _log_moments(stds: Tuple[float, ...]) -> Tuple[float, float, int]:
    """Mean and sample variance (ddof 1) of the logs of two or more stds."""
    logs = np.log(np.asarray(stds, dtype=float))
    return float(logs.mean()), float(logs.var(ddof=1)), int(logs.size)


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
        dof = se2**2 / ((va / na) ** 2 / (na - 1) + (vb / nb) ** 2 / (nb - 1)) if va + vb > 0 else 1e9
        return float(2 * special.stdtr(dof, -abs(t)))  # sps.t.sf, without its per-call overhead
    return float(2 * special.ndtr(-abs(t)))  # sps.norm.sf


def ks_distance(a: np.ndarray, b: np.ndarray) -> float:
    """The two-sample KS statistic D of two sorted samples of distinct values: the largest gap between
    their empirical CDFs (``scipy.stats.ks_2samp``'s statistic), read off one merge of the two.

    The gap is taken after the last of each run of equal values (a value in both samples moves both
    CDFs at once); a stable sort of two sorted runs is a linear merge."""
    both = np.concatenate([a, b])
    order = np.argsort(both, kind="stable")
    merged = both[order]
    last = np.empty(both.size, dtype=bool)
    np.not_equal(merged[1:], merged[:-1], out=last[:-1])
    last[-1:] = True
    from_a = np.cumsum(order < a.size)[last]  # how many of a are <= each distinct value
    from_b = np.flatnonzero(last) + 1 - from_a
    return float(np.abs(from_a / a.size - from_b / b.size).max())


class KsTests:
    """The KS tests of one diff, each worked out once per pair of distinct samples.

    Envs that draw the same values (one Keras under two TensorFlows) store equal samples, so a
    sample's sorted distinct values are keyed by their content (a BLAKE2 digest), and a pair's D and
    p by the two digests. Repeated values in a sample are copies of a repeated draw and count once."""

    def __init__(self) -> None:
        # id(sample) -> (the sample, kept so its id is not reused; its distinct values; their digest)
        self._samples: Dict[int, Tuple[np.ndarray, np.ndarray, bytes]] = {}
        self._pairs: Dict[Tuple[bytes, bytes], Tuple[float, float, np.ndarray, np.ndarray]] = {}
        self._exact: Dict[Tuple[bytes, bytes], float] = {}

    def _distinct(self, sample: np.ndarray) -> Tuple[np.ndarray, bytes]:
        found = self._samples.get(id(sample))
        if found is None:
            values = np.unique(sample)
            found = self._samples[id(sample)] = (sample, values, hashlib.blake2b(values.tobytes()).digest())
        return found[1], found[2]

    def test(self, sa: Stats, sb: Stats, material: float) -> Tuple[float, float, Optional[Callable[[], float]]]:
        """(KS D, asymptotic p, the exact p on demand or None) of the two stored samples.

        The p is Kolmogorov's limiting one at the effective size ``en = nm/(n+m)``
        (``scipy.special.kolmogorov(sqrt(en) D)``, one ufunc call). Where D reaches ``material`` (the
        diff's ``ks_floor``: only such a test can flag a row), scipy's exact p (``ks_2samp``) comes on
        demand: :func:`resolve` asks for it wherever it can change a verdict. Below the floor no p can:
        samples hold at most 2048 values (``en`` <= 1024), where D < 0.05 (the default floor) means
        p > 0.012, above any p that alpha 0.01 can flag, so it ranks after every flagged test (Holm) and
        never brings a smaller one's adjusted p below alpha (Benjamini-Hochberg).
        """
        (a, key_a), (b, key_b) = self._distinct(sa.sample), self._distinct(sb.sample)
        if not a.size or not b.size:
            return 1.0, 1.0, None
        key = (key_a, key_b)
        if key not in self._pairs:
            d = ks_distance(a, b)
            self._pairs[key] = (d, float(special.kolmogorov(math.sqrt(a.size * b.size / (a.size + b.size)) * d)), a, b)
        d, p, _, _ = self._pairs[key]
        return d, p, (lambda: self._exact_p(key)) if d >= material else None

    def _exact_p(self, key: Tuple[bytes, bytes]) -> float:
        if key not in self._exact:
            _, _, a, b = self._pairs[key]
            self._exact[key] = float(sps.ks_2samp(a, b).pvalue)
        return self._exact[key]


def resolve(tests: List[QueuedTest], th: Thresholds) -> None:
    """Correct the queued p-values together and attach a reason to every row whose test is flagged."""
    _make_exact(tests, th)
    for test, p_adj in zip(tests, adjust([t.p for t in tests], th.correction)):
        if p_adj < th.alpha and test.big_enough:
            test.row.reasons.append(Reason(test.code, test.detail(p_adj), dict(test.figures, p_adjusted=p_adj)))


def _make_exact(tests: List[QueuedTest], th: Thresholds) -> None:
    """The exact p of each test that has one and whose approximate p is not far below alpha / tests.

    Only tests whose effect is material carry an exact p. One whose p, exact or approximate, is below
    alpha / tests is flagged by either correction and changes no other verdict (Holm: every adjusted
    p up to its rank stays below alpha; BH: so does every ratio it enters). An approximate p
    ``EXACT_MARGIN`` times lower still vouches for the exact one: the exact p never exceeds the
    asymptotic KS p by that much (``tests/host/test_diff.py`` measures at most 1.02 times, and less
    than 1 where the asymptotic p is under 1e-6). An exact p costs scipy 1 to 20 ms, the asymptotic
    one a microsecond.
    """
    cutoff = th.alpha / (max(1, len(tests)) * EXACT_MARGIN)
    for test in tests:
        if test.exact is not None and test.p >= cutoff:
            test.p = test.exact()
            test.figures.update(p=test.p, p_method="exact")
