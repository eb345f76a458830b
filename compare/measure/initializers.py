"""The initializers a fingerprint tells apart, as Keras, TF and PyTorch define them (numpy only; every env).

Definitions encoded (Keras / TF semantics, not measured values)
---------------------------------------------------------------
fans of a shape: () -> (1, 1); (n,) -> (n, n); (r, c) -> (r, c); more axes -> receptive field
``prod(shape[:-2])`` times (shape[-2], shape[-1]). ``variance_scaling(scale, mode, distribution)``:
``s = scale / n`` with n = fan_in | fan_out | (fan_in + fan_out) / 2 (at least 1), then

* ``uniform``: U(-limit, limit), ``limit = sqrt(3 s)``;
* ``truncated_normal`` (TF 1.15 ``"normal"``, Keras 2/3): N(0, stddev) cut at ±2 stddev with
  ``stddev = sqrt(s) / 0.87962566103423978``, so the values' std is ``sqrt(s)``;
* ``untruncated_normal``: N(0, sqrt(s)).

``glorot`` = (1, fan_avg), ``lecun`` = (1, fan_in), ``he`` = (2, fan_in); ``<name>_uniform`` or
``<name>_normal`` (params say whether the normal was truncated: decided from the data, not a version).
``torch_default``: PyTorch's ``reset_parameters`` for its recurrent modules, U(-1/sqrt(hidden), 1/sqrt(hidden))
on every parameter, i.e. ``variance_scaling(1/3, fan_out, uniform)`` over a canonical block (its columns are
the hidden units, a bias block's length too), over the block's own shape only, since it names a rule per
block, not a draw over a variable. It is tried after the named ones, but first for the weights of a family
whose registry entry names it its framework's own default (``Family.own_default``): with 16 units a Keras
LSTM kernel drawn glorot_uniform over (32, 64) and a PyTorch block drawn U(±1/4) are the same values.
``orthogonal``: Keras/TF flatten the shape to (prod(shape[:-1]), shape[-1]) and return ``gain`` times a
matrix with orthonormal rows or columns (whichever are fewer); its entries have std
``gain / sqrt(max(rows, cols))``.

Each distribution family (:class:`Family`: uniform, truncated normal, normal) carries the shape constants
``compare.measure.fingerprint`` tests a sample against; :func:`hypotheses` lists the initializers of one
family over candidate shapes, each with the std it predicts.
"""

import math
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

TRUNC_STD = 0.87962566103423978  # std of a standard normal truncated at ±2

NAMED = (("glorot", 1.0, "fan_avg"), ("lecun", 1.0, "fan_in"), ("he", 2.0, "fan_in"))
TORCH_DEFAULT = ("torch_default", 1.0 / 3.0, "fan_out")
MODES = ("fan_in", "fan_out", "fan_avg")
ROUND_SCALES = (
    0.01,
    0.02,
    0.05,
    0.1,
    0.2,
    0.25,
    1.0 / 3.0,
    0.5,
    2.0 / 3.0,
    1.0,
    1.5,
    2.0,
    3.0,
    4.0,
    5.0,
    6.0,
    8.0,
    10.0,
)

Shape = Tuple[int, ...]


def _truncated_moments(a: float) -> List[float]:
    """E[X^0], E[X^2], ..., E[X^8] of a standard normal truncated to [-a, a]."""
    mass = math.erf(a / math.sqrt(2.0))
    edge = 2.0 * math.exp(-0.5 * a * a) / math.sqrt(2.0 * math.pi) / mass
    moments = [1.0]
    for k in range(2, 10, 2):  # E[X^k] = (k - 1) E[X^(k-2)] - a^(k-1) 2 phi(a) / mass
        moments.append((k - 1) * moments[-1] - a ** (k - 1) * edge)
    return moments


def _standardized(moments: List[float]) -> Tuple[float, float, float]:
    """m4, m6, m8 of a symmetric distribution in units of its variance."""
    var = moments[1]
    return moments[2] / var**2, moments[3] / var**3, moments[4] / var**4


class Family:
    """A symmetric location-scale family: its shape constants and its CDF."""

    def __init__(
        self,
        name: str,
        m4: float,
        m6: float,
        m8: float,
        bound: Optional[float],
        cdf: Callable[[np.ndarray], np.ndarray],
    ) -> None:
        self.name = name
        self.kurtosis = m4 - 3.0
        # delta method: Var(kurtosis estimate) = V / N with V = a²(m4-1) + 2ab(m6-m4) + b²(m8-m4²),
        # a = -2 m4, b = 1 (standardized moments; 24 for the normal)
        self.kurt_var = 4 * m4**2 * (m4 - 1) - 4 * m4 * (m6 - m4) + (m8 - m4**2)
        self.std_var = (m4 - 1.0) / 4.0  # Var(s / sigma) = std_var / N
        self.bound = bound  # max |x - loc| / std, None when unbounded
        self.cdf = cdf  # of the standardized variable (mean 0, std 1)


def _phi(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + _ERF(np.asarray(z, dtype=np.float64) / math.sqrt(2.0)))


_ERF = np.vectorize(math.erf, otypes=[float])
_TN = _truncated_moments(2.0)
_PHI2 = 0.5 * (1.0 + math.erf(2.0 / math.sqrt(2.0)))

UNIFORM = Family(
    "uniform", 9.0 / 5.0, 27.0 / 7.0, 9.0, math.sqrt(3.0), lambda z: np.clip((z / math.sqrt(3.0) + 1.0) / 2.0, 0.0, 1.0)
)
TRUNCATED = Family(
    "truncated_normal",
    *_standardized(_TN),
    2.0 / TRUNC_STD,
    lambda z: np.clip((_phi(z * TRUNC_STD) - (1.0 - _PHI2)) / (2.0 * _PHI2 - 1.0), 0.0, 1.0),
)
NORMAL = Family("normal", 3.0, 15.0, 105.0, None, _phi)
FAMILIES = (UNIFORM, TRUNCATED, NORMAL)
DISTRIBUTION = {"uniform": "uniform", "truncated_normal": "truncated_normal", "normal": "untruncated_normal"}


def fans(shape: Sequence[int]) -> Tuple[float, float]:
    """(fan_in, fan_out) of a shape, as Keras and TF1 ``VarianceScaling`` compute them."""
    shape = tuple(int(d) for d in shape)
    if len(shape) < 1:
        return 1.0, 1.0
    if len(shape) == 1:
        return float(shape[0]), float(shape[0])
    receptive = float(np.prod(shape[:-2])) if len(shape) > 2 else 1.0
    return shape[-2] * receptive, shape[-1] * receptive


def predicted_std(scale: float, mode: str, shape: Sequence[int]) -> float:
    """std of the values ``variance_scaling(scale, mode, *)`` draws over ``shape`` (any distribution)."""
    fan_in, fan_out = fans(shape)
    n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[mode]
    return math.sqrt(scale / max(1.0, n))


def hypotheses(
    family: Family, shapes: List[Shape], named: bool, prefer: Sequence[str] = ()
) -> List[Tuple[str, Dict[str, Any], Shape, float]]:
    """(name, params, over_shape, predicted std) in preference order; the named ones in ``prefer`` first
    (a framework's own default explains its own draws before a coincidence of another's does)."""
    distribution = DISTRIBUTION[family.name]
    out = []
    if named:
        suffix = "uniform" if family is UNIFORM else "normal"
        for base, scale, mode in NAMED:
            for shape in shapes:
                out.append(
                    (
                        base + "_" + suffix,
                        {"scale": scale, "mode": mode, "distribution": distribution},
                        shape,
                        predicted_std(scale, mode, shape),
                    )
                )
        if family is UNIFORM and shapes:
            name, scale, mode = TORCH_DEFAULT
            params = {"scale": scale, "mode": mode, "distribution": distribution}
            out.append((name, params, shapes[0], predicted_std(scale, mode, shapes[0])))
        return sorted(out, key=lambda h: h[0] not in prefer)  # a stable sort: the others keep their order
    taken = {(scale, mode) for _, scale, mode in NAMED}
    for scale in ROUND_SCALES:
        for mode in MODES:
            if (scale, mode) in taken:
                continue
            for shape in shapes:
                out.append(
                    (
                        "variance_scaling",
                        {"scale": scale, "mode": mode, "distribution": distribution},
                        shape,
                        predicted_std(scale, mode, shape),
                    )
                )
    return out


def spread_params(family: Family, params: Dict[str, Any], std_p: float) -> Dict[str, Any]:
    """``params`` with the spread an initializer of ``family`` predicting std ``std_p`` is given: a uniform's
    ``limit``, a normal's ``stddev`` (a truncated normal's before the cut)."""
    params = dict(params)
    if family is UNIFORM:
        params["limit"] = std_p * math.sqrt(3.0)
    elif family is TRUNCATED:
        params["stddev"] = std_p / TRUNC_STD
    else:
        params["stddev"] = std_p
    return params
