"""Central moments of drawn weights in float64, streamed: one draw in chunks, small draws a stack at a time,
and the figures of disjoint parts joined exactly (Pébay 2008), so any split agrees to rounding.

A draw's figures are ``(min, max, mean, m2, m3, m4)``, m2..m4 its central power sums (sums, not means).
A draw is read in row chunks of about ``CHUNK_ELEMENTS`` converted to float64 into two work buffers
kept between draws, so temporaries stay bounded at any size. numpy only; runs in every TF env.
"""

import math
from typing import List, Sequence, Tuple

import numpy as np

# float64 elements per chunk (1 MiB per work buffer): small enough for the CPU's cache to serve every pass
# over a chunk, large enough that numpy's per-call cost stays small.
CHUNK_ELEMENTS = 1 << 17

Moments = Tuple[float, float, float, float, float, float]  # min, max, mean, m2, m3, m4
Sums = Tuple[int, float, float, float, float]  # count, mean, m2, m3, m4


def seed_moments(value: np.ndarray) -> Moments:
    """The figures of one draw, read in row chunks; the chunks' sums are joined with :func:`combine`.

    Converting a strided block view row chunk by row chunk makes one contiguous copy, not a flattened
    copy and then another."""
    rows = value.reshape(-1, value.shape[-1]) if value.ndim >= 2 else value.reshape(1, -1)
    step = max(1, CHUNK_ELEMENTS // max(1, rows.shape[1]))
    sums: Sums = (0, 0.0, 0.0, 0.0, 0.0)
    low, high = math.inf, -math.inf
    for start in range(0, rows.shape[0], step):
        chunk = rows[start : start + step]
        low, high = min(low, float(chunk.min())), max(high, float(chunk.max()))  # NaN: the mean says so
        x, d2 = _scratch(chunk.size)
        np.copyto(x.reshape(chunk.shape), chunk)  # float32 -> float64, exact
        sums = combine(sums, (x.size,) + _chunk_moments(x, d2))
    return (low, high) + sums[1:]


def _chunk_moments(x: np.ndarray, d2: np.ndarray) -> Tuple[float, float, float, float]:
    """(mean, m2, m3, m4) of the float64 chunk ``x``, using ``d2`` as work space (both may be changed).

    From the power sums about zero where the mean is within one standard deviation of zero (every
    kernel of these initializers): their cancellation then costs a few units in the last place, and
    they take one pass fewer than centring first. Otherwise (biases, constants) centred on the mean.
    """
    n = x.size
    np.multiply(x, x, out=d2)
    s1, s2, s3, s4 = float(x.sum()), float(d2.sum()), float(np.dot(d2, x)), float(np.dot(d2, d2))
    mean = s1 / n
    m2 = s2 - s1 * mean
    if mean * mean * n <= m2:
        m3 = s3 - mean * (3.0 * s2 - 2.0 * mean * s1)
        return mean, m2, m3, s4 - mean * (4.0 * s3 - mean * (6.0 * s2 - 3.0 * mean * s1))
    x -= mean
    np.multiply(x, x, out=d2)
    return mean, float(d2.sum()), float(np.dot(d2, x)), float(np.dot(d2, d2))


def stack_moments(stack: np.ndarray) -> np.ndarray:
    """(6, draws) array of the figures of each row of a float64 ``(draws, values)`` stack.

    Centres ``stack`` in place (it is the caller's scratch buffer)."""
    size = stack.shape[1]
    low, high = stack.min(axis=1), stack.max(axis=1)
    mean = stack.sum(axis=1) / size
    stack -= mean[:, None]
    d2 = stack * stack
    return np.stack([low, high, mean, d2.sum(axis=1), np.einsum("ij,ij->i", d2, stack), np.einsum("ij,ij->i", d2, d2)])


_SCRATCH: List[np.ndarray] = []


def _scratch(size: int) -> Tuple[np.ndarray, np.ndarray]:
    """Two float64 work arrays of ``size`` elements, views of buffers kept between calls.

    Fresh temporaries per block and seed would cost more than the arithmetic on them (the kernel
    zero-fills their pages every time); the buffers grow to the largest chunk seen, at most
    ``CHUNK_ELEMENTS`` each.
    """
    if not _SCRATCH or _SCRATCH[0].size < size:
        _SCRATCH[:] = [np.empty(size), np.empty(size)]
    return _SCRATCH[0][:size], _SCRATCH[1][:size]


def combine(a: Sums, b: Sums) -> Sums:
    """Count, mean and central power sums of two disjoint parts joined (Pébay 2008, exact)."""
    na, ma, a2, a3, a4 = a
    nb, mb, b2, b3, b4 = b
    if na == 0:
        return b
    n = na + nb
    delta = mb - ma
    mean = ma + delta * nb / n
    m2 = a2 + b2 + delta**2 * na * nb / n
    m3 = a3 + b3 + delta**3 * na * nb * (na - nb) / n**2 + 3.0 * delta * (na * b2 - nb * a2) / n
    m4 = (
        a4
        + b4
        + delta**4 * na * nb * (na * na - na * nb + nb * nb) / n**3
        + 6.0 * delta**2 * (na * na * b2 + nb * nb * a2) / n**2
        + 4.0 * delta * (na * b3 - nb * a3) / n
    )
    return n, mean, m2, m3, m4


def tiled_moments(parts: Sequence[Tuple[int, np.ndarray]]) -> Moments:
    """The figures of an array tiled by non-empty ``parts``, each given as (its size, its figures)."""
    sums: Sums = (0, 0.0, 0.0, 0.0, 0.0)
    for size, figures in parts:
        sums = combine(sums, (size,) + tuple(figures[2:]))
    low = float(np.min([figures[0] for _, figures in parts]))  # np.min, not min: a NaN wins
    high = float(np.max([figures[1] for _, figures in parts]))
    return (low, high) + sums[1:]
