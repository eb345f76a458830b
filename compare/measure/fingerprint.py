"""Which known initializer best explains a weight drawn over several seeds (numpy only; every TF env).

    fingerprint(values, over_shapes, orthogonal_over=None, stats=None)
        -> {"name", "params", "over_shape", "confidence", "ties"}
    fingerprint_stats(element_shape, over_shapes, stats, orthogonal_over=None)   (the same, from stats)

``values`` has a leading seeds axis ``(S, ...)``. ``over_shapes`` lists the shapes the values may have
been DRAWN OVER, most likely first: a block's own shape and the shape of the variable it was cut from
(a TF1 GRU ``gates/kernel`` block (in+units, units) comes from the variable (in+units, 2*units)).
The initializers, their distribution families and the std each predicts are defined in
``compare.measure.initializers``.

Method, in order (first that applies wins)
------------------------------------------
1. ``constant``: every value equal -> params {"value"}, over_shape None, confidence 1.
2. ``orthogonal`` measured: a matrix whose thin side has >= 2 vectors and ``orth_rel_err`` (see
   ``compare.measure.stats``) <= ORTH_TOL -> params {"gain": orth_gain}, over_shape the values' own shape,
   confidence ``1 - orth_rel_err / ORTH_TOL``.
3. ``orthogonal`` asserted by the caller: ``orthogonal_over=(parent_shape, gain)`` says the values are
   a block cut out of a variable of ``parent_shape`` that was measured orthogonal with ``gain`` (its
   ``stats["orth_gain"]``). A block of an orthogonal matrix is usually not orthogonal itself, so it is
   checked by its distribution: centered, std ``gain / sqrt(max(rows, cols))`` of the parent within the
   scale tolerance below. Accepted -> over_shape parent_shape; contradicted -> fall through to 4.
4. Family from the pooled shape of all values (count N, std s, excess kurtosis k, half range / s):
   uniform (k = -1.2, half range <= sqrt(3) s), truncated normal (k = -0.6345, half range <= 2.2737 s)
   or normal (k = 0). A family fits when k is within Z standard errors of its value (delta-method SE
   from the family's 4th, 6th and 8th moments, plus KURT_FLOOR), the bound holds, and the Kolmogorov-
   Smirnov statistic of the sample against the fitted family is below the 0.1 % critical value
   (``sqrt(n) D <= KS_CRIT``). Of those that fit, the one with the smallest |kurtosis z| wins; none
   -> ``unknown`` (params: mean, std, kurtosis).
5. Scale: if the values are centered (|mean| <= Z s / sqrt(N)), every named initializer (glorot, lecun,
   he, in that preference order) over every candidate shape predicts the values' std s_p. It fits when
   ``|s / s_p - 1| <= tol = Z * sqrt((m4 - 1) / (4 N)) + SCALE_FLOOR`` (m4 the family's standardized 4th
   moment) and, for bounded families, the observed max |x| lies just under the predicted bound:
   ``bound (1 - c / N - 4 eps32) <= max|x| <= bound (1 + 4 eps32)`` with c = 12 (uniform) or 50
   (truncated normal; both miss with probability < 2e-5). No named fit -> generic
   ``variance_scaling`` with a scale from ROUND_SCALES, any mode and candidate shape, same test.
6. Otherwise ``random_uniform`` {minval, maxval} (fitted min, max), ``truncated_normal`` {mean, stddev}
   (stddev = s / 0.8796...) or ``random_normal`` {mean, stddev}, over_shape None.

Confidence (in [0, 1]; trust in the reported label)
---------------------------------------------------
``ks = clip((KS_CRIT - sqrt(n) D) / (KS_CRIT - KS_MEDIAN), 0, 1)`` with D the KS distance of the
sample (``stats["sample"]``, n values) to the reported distribution (for 5 the predicted one, for 6 the
fitted one): 1 for any fit better than the median of a true fit, 0 at the 0.1 % critical value.
``scale = 1 - (|s / s_p - 1| / tol)^2`` (1 when not applicable). ``confidence = ks * scale / (1 + t)``
where t counts the other (name, over_shape) hypotheses of the same tier that fit as well: a tie (the
same prediction from two shapes, e.g. glorot over (in+u, 2u) and (in, 3u) with in = 32, u = 16) reports
the first and lists the others in ``ties``. ``unknown``: ``1 - max ks`` over the families tried.
"""

import math
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from compare.measure.initializers import (
    FAMILIES,
    NORMAL,
    TRUNC_STD,
    TRUNCATED,
    UNIFORM,
    Family,
    Shape,
    hypotheses,
    spread_params,
)
from compare.measure.orthogonality import matrix_shape
from compare.measure.stats import block_stats

Z = 5.0  # standard errors allowed for a fit
ORTH_TOL = 1e-4  # max |G - g²I| / g² of an orthogonal matrix
KURT_FLOOR = 0.01  # kurtosis tolerance beyond the sampling error
SCALE_FLOOR = 1e-4  # relative std tolerance beyond the sampling error
KS_CRIT = 1.95  # sqrt(n) D at the 0.1 % level (Kolmogorov distribution)
KS_MEDIAN = 0.83  # median of sqrt(n) D under a true fit
MIN_COUNT = 8  # fewer values than this: unknown
EPS32 = float(np.finfo(np.float32).eps)


def ks_distance(sample: np.ndarray, cdf: Callable[[np.ndarray], np.ndarray]) -> float:
    """Kolmogorov-Smirnov distance sup |F_n - F| of a sample to a continuous CDF."""
    x = np.sort(np.asarray(sample, dtype=np.float64))
    n = x.size
    if n == 0:
        return 1.0
    f = cdf(x)
    upper = np.arange(1, n + 1) / n - f
    lower = f - np.arange(0, n) / n
    return float(max(upper.max(), lower.max()))


def _ks_conf(sample: np.ndarray, cdf: Callable[[np.ndarray], np.ndarray]) -> float:
    lam = math.sqrt(max(1, len(sample))) * ks_distance(sample, cdf)
    return float(min(1.0, max(0.0, (KS_CRIT - lam) / (KS_CRIT - KS_MEDIAN))))


def _result(
    name: str,
    params: Dict[str, Any],
    over_shape: Optional[Sequence[int]],
    confidence: float,
    ties: Optional[List[Dict[str, Any]]] = None,
) -> Dict[str, Any]:
    return {
        "name": name,
        "params": params,
        "over_shape": None if over_shape is None else [int(d) for d in over_shape],
        "confidence": float(min(1.0, max(0.0, confidence))),
        "ties": ties or [],
    }


def _unique_shapes(over_shapes: Sequence[Sequence[int]]) -> List[Shape]:
    seen: List[Shape] = []
    for shape in over_shapes:
        shape = tuple(int(d) for d in shape)
        if shape not in seen:
            seen.append(shape)
    return seen


class _Fit:
    """The pooled numbers the hypotheses are tested against."""

    def __init__(self, stats: Dict[str, Any]) -> None:
        self.n = int(stats["count"])
        self.mean = float(stats["mean"])
        self.std = float(stats["std"])
        self.kurtosis = stats["kurtosis"]
        self.low, self.high = float(stats["min"]), float(stats["max"])
        self.abs_max = float(stats["abs_max"])
        self.sample = np.asarray(stats["sample"], dtype=np.float64)
        self.centered = abs(self.mean) <= Z * self.std / math.sqrt(self.n) + 1e-12 * self.std

    def scale_tol(self, family: Family) -> float:
        return Z * math.sqrt(family.std_var / self.n) + SCALE_FLOOR

    def family_fits(self, family: Family) -> Optional[Tuple[float, float]]:
        """(|kurtosis z|, ks confidence against the fitted family) when ``family`` fits, else None."""
        kurt_tol = math.sqrt(family.kurt_var / self.n)
        z = abs(self.kurtosis - family.kurtosis) / kurt_tol
        if abs(self.kurtosis - family.kurtosis) > Z * kurt_tol + KURT_FLOOR:
            return None
        if family.bound is not None:
            half = max(self.high - self.mean, self.mean - self.low) / self.std
            if half > family.bound * (1.0 + Z * math.sqrt(family.std_var / self.n) + 4 * EPS32):
                return None
        conf = _ks_conf(self.sample, lambda x: family.cdf((x - self.mean) / self.std))
        if conf <= 0.0:
            return None
        return z, conf

    def scale_fit(self, family: Family, std_p: float) -> Optional[float]:
        """Scale confidence of a centered hypothesis predicting std ``std_p``, None when it does not fit."""
        tol = self.scale_tol(family)
        mismatch = abs(self.std / std_p - 1.0)
        if mismatch > tol:
            return None
        if family.bound is not None:
            bound = family.bound * std_p
            slack = (12.0 if family is UNIFORM else 50.0) / self.n + 4 * EPS32
            if not bound * (1.0 - slack) <= self.abs_max <= bound * (1.0 + 4 * EPS32):
                return None
        return 1.0 - (mismatch / tol) ** 2


def _orthogonal_over(fit: _Fit, orthogonal_over: Tuple[Sequence[int], float]) -> Optional[Dict[str, Any]]:
    parent, gain = orthogonal_over
    parent = tuple(int(d) for d in parent)
    dims = matrix_shape(parent) or (int(np.prod(parent)), 1)
    std_p = float(gain) / math.sqrt(max(dims))
    if not fit.centered or std_p <= 0:
        return None
    tol = fit.scale_tol(NORMAL)
    mismatch = abs(fit.std / std_p - 1.0)
    if mismatch > tol:
        return None
    ks = _ks_conf(fit.sample, lambda x: NORMAL.cdf(x / std_p))
    return _result("orthogonal", {"gain": float(gain)}, parent, ks * (1.0 - (mismatch / tol) ** 2))


def _named_fit(fit: _Fit, family: Family, shapes: List[Shape], prefer: Sequence[str]) -> Optional[Dict[str, Any]]:
    for named in (True, False):
        fits = []
        for name, params, shape, std_p in hypotheses(family, shapes, named, prefer):
            scale_conf = fit.scale_fit(family, std_p)
            if scale_conf is not None:
                fits.append((name, params, shape, std_p, scale_conf))
        if fits:
            name, params, shape, std_p, scale_conf = fits[0]
            ks = _ks_conf(fit.sample, _standardized_cdf(family, 0.0, std_p))  # a centered hypothesis
            ties = [{"name": n, "over_shape": list(s), "params": p} for n, p, s, _, _ in fits[1:]]
            return _result(name, spread_params(family, params, std_p), shape, ks * scale_conf / len(fits), ties)
    return None


def _standardized_cdf(family: Family, mean: float, std: float) -> Callable[[np.ndarray], np.ndarray]:
    """``family``'s cdf of values standardized by ``mean`` and ``std``."""
    return lambda x: family.cdf((x - mean) / std)


def _fallback(fit: _Fit, family: Family, ks: float) -> Dict[str, Any]:
    if family is UNIFORM:
        return _result("random_uniform", {"minval": fit.low, "maxval": fit.high}, None, ks)
    if family is TRUNCATED:
        return _result("truncated_normal", {"mean": fit.mean, "stddev": fit.std / TRUNC_STD}, None, ks)
    return _result("random_normal", {"mean": fit.mean, "stddev": fit.std}, None, ks)


def fingerprint(
    values: np.ndarray,
    over_shapes: Sequence[Sequence[int]],
    orthogonal_over: Optional[Tuple[Sequence[int], float]] = None,
    stats: Optional[Dict[str, Any]] = None,
    prefer: Sequence[str] = (),
) -> Dict[str, Any]:
    """The initializer that best explains ``values`` (S, ...) drawn over one of ``over_shapes``.

    ``orthogonal_over=(parent_shape, gain)``: the values are a block of a variable of ``parent_shape``
    measured orthogonal with ``gain``. ``stats``: ``block_stats(values)`` when the caller has it already
    (saves the Gram matrices); otherwise computed here without singular values. ``prefer``: named
    initializers tried first. See the module docstring for the method and the confidence formula.
    """
    values = np.asarray(values)
    if stats is None:
        stats = block_stats(values, singular_values=False)
    return fingerprint_stats(values.shape[1:], over_shapes, stats, orthogonal_over, prefer)


def fingerprint_stats(
    element_shape: Sequence[int],
    over_shapes: Sequence[Sequence[int]],
    stats: Dict[str, Any],
    orthogonal_over: Optional[Tuple[Sequence[int], float]] = None,
    prefer: Sequence[str] = (),
) -> Dict[str, Any]:
    """``fingerprint`` from the statistics alone (``block_stats`` or ``SeedStats.result()`` of draws of
    ``element_shape``, with their sample): what a caller that streams the draws has left of them.
    ``prefer``: named initializers tried before the others (the weights' framework's own default)."""
    shapes = _unique_shapes(over_shapes)
    if stats["count"] == 0:
        return _result("unknown", {}, None, 0.0)
    if stats["constant"] is not None:
        return _result("constant", {"value": stats["constant"]}, None, 1.0)
    own = tuple(int(d) for d in element_shape)
    matrix = matrix_shape(own)
    rel = stats.get("orth_rel_err")
    if matrix is not None and min(matrix) >= 2 and rel is not None and rel <= ORTH_TOL:
        return _result("orthogonal", {"gain": stats["orth_gain"]}, own, 1.0 - rel / ORTH_TOL)
    fit = _Fit(stats)
    if fit.n < MIN_COUNT or fit.kurtosis is None or not math.isfinite(fit.kurtosis + fit.mean):
        return _result("unknown", {"mean": fit.mean, "std": fit.std, "kurtosis": fit.kurtosis}, None, 0.0)
    if orthogonal_over is not None:
        found = _orthogonal_over(fit, orthogonal_over)
        if found is not None:
            return found
    fitting = []
    for family in FAMILIES:
        fits = fit.family_fits(family)
        if fits is not None:
            fitting.append((fits[0], fits[1], family))
    if not fitting:
        best = max(_ks_conf(fit.sample, _standardized_cdf(f, fit.mean, fit.std)) for f in FAMILIES)
        return _result("unknown", {"mean": fit.mean, "std": fit.std, "kurtosis": fit.kurtosis}, None, 1.0 - best)
    _, ks, family = min(fitting, key=lambda item: item[0])
    if fit.centered:
        found = _named_fit(fit, family, shapes, prefer)
        if found is not None:
            return found
    return _fallback(fit, family, ks)
