"""Numeric summaries of weights drawn over several seeds (numpy only; runs in every TF env).

Every function takes ``values`` with a leading seeds axis: shape ``(S, ...)``, one initialization
per seed. ``block_stats`` is the artifact's ``stats`` entry for a variable or a canonical block:

pooled over all seeds and elements
    ``count`` ``seeds`` ``mean`` ``std`` (population, ddof 0) ``min`` ``max`` ``abs_max``
    ``kurtosis`` (excess, Fisher: 0 for a normal, -1.2 for a uniform; None when std == 0)
    ``constant`` (the value when every element of every seed is exactly equal, else None)
``fro_norm``
    mean over seeds of the Frobenius norm of each seed's array.
matrix statistics (None for 0-D and 1-D elements)
    An element shape with two or more axes is read as the matrix ``(prod(shape[:-1]), shape[-1])``,
    as Keras' ``Orthogonal`` flattens it. Per seed, the Gram matrix ``G`` of the thin side is formed
    (``QᵀQ`` when rows >= cols, ``orth_side = "columns"``; else ``QQᵀ``, ``orth_side = "rows"``) and
    ``g²`` is fitted as the mean of its diagonal, on the first ``matrix_seeds`` seeds (default 1:
    orthogonality belongs to the initializer, every draw of an orthogonal one is orthogonal, and
    the Gram matrices cost the most at large sizes). ``orth_err`` is the max over them of
    ``max |G - g²I|``; ``orth_rel_err`` the max over seeds of that error divided by the seed's ``g²``
    (scale-free: ~1e-7 for float32 orthogonal matrices, order 1 for random ones); ``orth_gain`` the mean
    over seeds of ``g``. ``sv_min`` ``sv_max`` ``sv_mean`` are the first seed's singular values (the
    report's spectrum summary; one seed bounds the cost of the eigenvalues, which grows with the cube
    of the thin side), from its Gram eigenvalues (``eigvalsh``). Gram and eigenvalues are float64, so
    small singular values of float32 matrices stay accurate (float32 eigvalsh is no faster here).
    ``orth_method`` says how ``orth_*`` were had: ``"gram"`` (the Gram matrix, exact as above) or
    ``"norms"`` (large matrices, below).
    Large matrices (``is_large``: a Gram matrix of ``LARGE_GRAM`` multiply-adds, thin² · long, or
    more, e.g. a 512 x 1024 kernel or any 1024 x 1024 block) cost tens of seconds of Gram matrices and
    eigenvalues per production-size stack in TF 1.15's OpenBLAS. For them the squared norms of the
    thin side's vectors (the Gram's diagonal, one pass) come first: when they alone spread by
    ``NORMS_PROVE`` (1e-2) of their mean or more, the matrix is proven not orthogonal, and
    ``orth_err`` / ``orth_rel_err`` are that spread, a lower bound of the Gram's figure
    (``orth_method = "norms"``; ``orth_gain`` is exact). Otherwise the Gram matrix is formed as for
    any matrix. Their ``sv_*`` are None: the spectrum summary is shown, never judged, and would cost
    most of a production run.
``per_seed``
    ``{"mean": [S], "std": [S], "fro_norm": [S]}``: one float per seed, for tests across seeds.
``sample``
    ``min(sample_size, count)`` pooled values, rounded to float32, for distribution tests on the host.
    All values (flattened, C order) when ``count <= sample_size``; otherwise the values at
    ``sample_indices(count, sample_size)`` (see there): deterministic, identical under numpy 1.18 and 2.

Streaming: ``SeedStats`` takes the draws one at a time and keeps only per-seed figures, the sample
and the first seeds' orthogonality, so a draw can be dropped as soon as it is measured and memory
does not grow with the seed count; ``block_stats`` feeds it a stack seed by seed. Each draw is read
in chunks converted to float64 into two work buffers kept between draws (1 MiB each, so the passes
over a chunk run in the CPU's cache), plus, for the first seed of a matrix, its float64 copy and
Gram matrix. Small draws (up to ``BATCH_VALUES / 2`` values) are copied into a buffer of
``BATCH_VALUES`` float64 values instead and measured a stack at a time when it fills.
"""
import functools
import math
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

# Seeds whose orthogonality is measured (orth_*; sv_* come from the first of them): orthogonality is
# a property of the initializer, every draw shows it, and Gram matrices dominate the cost at large sizes.
MATRIX_SEEDS = 1
# float64 elements per chunk of one draw: 2**17 = 1 MiB per float64 buffer, small enough for the cache to
# serve the moments' passes over it (2048 x 2048 blocks: twice as fast as 32 MiB chunks), large enough
# that numpy's per-call cost stays small.
CHUNK_ELEMENTS = 1 << 17
# float64 values an accumulator buffers (256 KiB): draws of up to half as many are copied into it and
# measured together when it fills, one numpy call per statistic for the whole stack. A small draw's
# statistics cost a dozen numpy calls whatever its size, so measured one by one they cost the built-in
# suite more than TensorFlow's draws.
BATCH_VALUES = 1 << 15
SAMPLE_SEED = 0
# Multiply-adds of a Gram matrix (thin² · long) from which a matrix is large: its spectrum is skipped,
# its orthogonality disproved by norms where they suffice (module docstring). 2**28: 0.1 s per Gram in
# TF 1.15's OpenBLAS (which runs its generic kernels on current CPUs), 0.03 s in numpy 2's.
LARGE_GRAM = 1 << 28
# Relative spread of the thin side's squared norms that proves a matrix not orthogonal: the diff's
# ``orth_far``, its "clearly not orthogonal" (an orthogonal float32 matrix spreads by ~1e-7).
NORMS_PROVE = 1e-2
MATRIX_KEYS = ("orth_err", "orth_rel_err", "orth_side", "orth_gain", "orth_method", "sv_min", "sv_max", "sv_mean")
EMPTY_KEYS = ("mean", "std", "min", "max", "abs_max", "kurtosis", "constant", "fro_norm") + MATRIX_KEYS


def constant_value(values: np.ndarray) -> Optional[float]:
    """The value when every element is equal (exactly, in the stored dtype), else None."""
    flat = values.ravel()
    if flat.size and bool(np.all(flat == flat[0])):
        return float(flat[0])
    return None


def summary(values: np.ndarray) -> Dict[str, Any]:
    """mean, std, min, max and constant of all elements of all seeds (``values``: seeds first)."""
    data = values.astype(np.float64)
    return {
        "count": int(data.size),
        "mean": float(data.mean()),
        "std": float(data.std()),
        "min": float(data.min()),
        "max": float(data.max()),
        "constant": constant_value(values),
    }


@functools.lru_cache(maxsize=64)
def sample_indices(count: int, size: int, seed: int = SAMPLE_SEED) -> np.ndarray:
    """``min(size, count)`` distinct flat indices into ``range(count)``, sorted ascending.

    ``count <= size``: all of them. Otherwise draws from ``np.random.RandomState(seed).randint(0, count,
    dtype=int64)`` in batches, keeps the first occurrence of each index in draw order until ``size`` are
    distinct, then sorts them. ``RandomState``'s stream is frozen across numpy versions, so the indices
    are the same under numpy 1.18 and 2; unlike ``choice(replace=False)`` this costs O(size), not a
    permutation of ``count`` indices. Cached (the blocks of a scenario share a few counts) and
    returned read-only.
    """
    if count <= size:
        return read_only(np.arange(count, dtype=np.int64))
    state = np.random.RandomState(seed)
    chosen = np.empty(0, dtype=np.int64)
    while chosen.size < size:
        draw = state.randint(0, count, size=2 * (size - chosen.size) + 16, dtype=np.int64)
        merged = np.concatenate([chosen, draw])
        _, first = np.unique(merged, return_index=True)
        chosen = merged[np.sort(first)][:size]
    return read_only(np.sort(chosen))


def read_only(array: np.ndarray) -> np.ndarray:
    """``array`` itself, made read-only (values handed out and shared must not be changed)."""
    array.flags.writeable = False
    return array


def matrix_shape(element_shape: Tuple[int, ...]) -> Optional[Tuple[int, int]]:
    """``(rows, cols)`` of a per-seed element shape read as a matrix, or None below two axes."""
    if len(element_shape) < 2:
        return None
    return int(np.prod(element_shape[:-1])), int(element_shape[-1])


def _floats(array: np.ndarray) -> List[float]:
    """Python floats of a 1-D array (``tolist`` converts float32 and float64 exactly, 20x faster than a loop)."""
    return array.tolist()


def _seed_moments(value: np.ndarray) -> Tuple[float, float, float, float, float, float]:
    """(min, max, mean, m2, m3, m4) of one draw: central power sums about its own mean, in float64.

    Read in row chunks of about ``CHUNK_ELEMENTS`` converted to float64 (bounded temporaries at any
    size; converting a strided block view row by row makes one contiguous copy, not a flattened copy
    and then another), the chunks' moments combined exactly (Pébay's pairwise formulas), so one chunk
    or many agree to rounding.
    """
    rows = value.reshape(-1, value.shape[-1]) if value.ndim >= 2 else value.reshape(1, -1)
    step = max(1, CHUNK_ELEMENTS // max(1, rows.shape[1]))
    n, mean, m2, m3, m4 = 0, 0.0, 0.0, 0.0, 0.0
    low, high = math.inf, -math.inf
    for start in range(0, rows.shape[0], step):
        chunk = rows[start:start + step]
        low, high = min(low, float(chunk.min())), max(high, float(chunk.max()))  # NaN: the mean says so
        x, d2 = _scratch(chunk.size)
        np.copyto(x.reshape(chunk.shape), chunk)  # float32 -> float64, exact
        n, mean, m2, m3, m4 = _combine(n, mean, m2, m3, m4, x.size, *_chunk_moments(x, d2))
    return low, high, mean, m2, m3, m4


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


def _stack_moments(stack: np.ndarray) -> np.ndarray:
    """(6, draws) array of ``_seed_moments`` for each row of a float64 ``(draws, values)`` stack.

    Centres ``stack`` in place (it is the caller's scratch buffer)."""
    size = stack.shape[1]
    low, high = stack.min(axis=1), stack.max(axis=1)
    mean = stack.sum(axis=1) / size
    stack -= mean[:, None]
    d2 = stack * stack
    return np.stack([low, high, mean, d2.sum(axis=1),
                     np.einsum("ij,ij->i", d2, stack), np.einsum("ij,ij->i", d2, d2)])


_SCRATCH: List[np.ndarray] = []


def _scratch(size: int) -> Tuple[np.ndarray, np.ndarray]:
    """Two float64 work arrays of ``size`` elements, views of buffers kept between calls.

    Fresh 8 MiB temporaries per block and seed cost more than the arithmetic on them (the kernel
    zero-fills their pages every time: half of ``_seed_moments`` on 1024 x 1024 blocks); the buffers
    grow to the largest chunk seen, at most ``CHUNK_ELEMENTS`` each.
    """
    if not _SCRATCH or _SCRATCH[0].size < size:
        _SCRATCH[:] = [np.empty(size), np.empty(size)]
    return _SCRATCH[0][:size], _SCRATCH[1][:size]


def _combine(na: int, ma: float, a2: float, a3: float, a4: float,
             nb: int, mb: float, b2: float, b3: float, b4: float) -> Tuple[int, float, float, float, float]:
    """Count, mean and central power sums of two disjoint parts joined (Pébay 2008, exact)."""
    if na == 0:
        return nb, mb, b2, b3, b4
    n = na + nb
    delta = mb - ma
    mean = ma + delta * nb / n
    m2 = a2 + b2 + delta ** 2 * na * nb / n
    m3 = a3 + b3 + delta ** 3 * na * nb * (na - nb) / n ** 2 + 3.0 * delta * (na * b2 - nb * a2) / n
    m4 = (a4 + b4 + delta ** 4 * na * nb * (na * na - na * nb + nb * nb) / n ** 3
          + 6.0 * delta ** 2 * (na * na * b2 + nb * nb * a2) / n ** 2 + 4.0 * delta * (na * b3 - nb * a3) / n)
    return n, mean, m2, m3, m4


def _joined(parts: Sequence["SeedStats"], k: int) -> Tuple[float, float, float, float, float, float]:
    """(min, max, mean, m2, m3, m4) of draw ``k`` of an array tiled by ``parts`` (each given its draw k)."""
    if any(p.k != k + 1 for p in parts):
        raise ValueError("every part must have been given draw {} first".format(k))
    n, mean, m2, m3, m4 = 0, 0.0, 0.0, 0.0, 0.0
    for p in parts:
        if p.per:
            n, mean, m2, m3, m4 = _combine(n, mean, m2, m3, m4, p.per, *p.moments[2:, k])
    lows = [p.moments[0, k] for p in parts if p.per]
    highs = [p.moments[1, k] for p in parts if p.per]
    return float(np.min(lows)), float(np.max(highs)), mean, m2, m3, m4


def _measured(parts: Sequence["SeedStats"]) -> bool:
    """Whether every part's moments are there as soon as it is given a draw (no part buffers draws)."""
    return all(p.batch is None for p in parts)


def _gram_stats(value: np.ndarray, shape: Tuple[int, int]) -> Tuple[np.ndarray, float]:
    """One draw read as a (rows, cols) matrix: the Gram matrix of its thin side (float64) and its ``g²``."""
    rows, cols = shape
    q = value.reshape(rows, cols).astype(np.float64)
    gram = np.dot(q.T, q) if rows >= cols else np.dot(q, q.T)
    del q
    return gram, float(np.diagonal(gram).mean())


def _squared_norms(value: np.ndarray, shape: Tuple[int, int]) -> np.ndarray:
    """The Gram matrix's diagonal without the matrix: the thin side's squared norms (float64, in row
    chunks of about ``CHUNK_ELEMENTS``, so no float64 copy of the whole draw)."""
    rows, cols = shape
    q = value.reshape(rows, cols)
    step = max(1, CHUNK_ELEMENTS // max(1, cols))
    if rows < cols:  # the rows are the thin side
        return np.concatenate([np.einsum("ij,ij->i", c, c) for c in
                               (q[s:s + step].astype(np.float64) for s in range(0, rows, step))])
    norms = np.zeros(cols)
    for start in range(0, rows, step):
        chunk = q[start:start + step].astype(np.float64)
        norms += np.einsum("ij,ij->j", chunk, chunk)
    return norms


def is_large(shape: Tuple[int, int]) -> bool:
    """Whether a (rows, cols) matrix's Gram matrix costs ``LARGE_GRAM`` multiply-adds or more."""
    return min(shape) ** 2 * max(shape) >= LARGE_GRAM


def _disproved_by_norms(value: np.ndarray, shape: Tuple[int, int]) -> Optional[Tuple[float, float]]:
    """``(max |norm² - g²|, g²)`` of a large matrix whose squared norms alone prove it not orthogonal,
    else None (small, or possibly orthogonal: the Gram matrix decides)."""
    if not is_large(shape):
        return None
    norms = _squared_norms(value, shape)
    g2 = float(norms.mean())
    spread = float(np.abs(norms - g2).max())
    return (spread, g2) if g2 > 0 and spread >= NORMS_PROVE * g2 else None


def orthogonality_error(value: np.ndarray, shape: Tuple[int, int], spectrum: bool = False
                        ) -> Tuple[float, float, str, Optional[np.ndarray]]:
    """``(max |G - g² I|, g², method, singular values or None)`` of one draw read as a (rows, cols) matrix,
    G the Gram matrix of its thin side and g² its mean diagonal.

    ``method`` is ``"gram"`` (exact), or ``"norms"`` for a large matrix whose squared norms alone
    prove it not orthogonal (the error is then their spread, a lower bound). The singular values
    come with ``spectrum`` from an exact Gram matrix of a matrix that is not large."""
    disproved = _disproved_by_norms(value, shape)
    if disproved is not None:
        return disproved[0], disproved[1], "norms", None
    gram, g2 = _gram_stats(value, shape)
    sv = np.sqrt(np.clip(np.linalg.eigvalsh(gram), 0.0, None)) if spectrum and not is_large(shape) else None
    diag = np.arange(gram.shape[0])
    gram[diag, diag] -= g2
    return float(np.abs(gram).max()), g2, "gram", sv


class SeedStats:
    """``block_stats`` accumulated draw by draw: ``add`` one seed's array at a time, then ``result``.

    Holds only per-seed numbers (a few floats per seed), the sample's values and the first
    ``matrix_seeds`` seeds' orthogonality figures: memory does not depend on the seed count beyond
    that, so a caller can drop each draw once it is added. ``nonfinite`` and ``nan`` count the NaN/Inf
    values added (counted only for draws holding any: a finite mean proves the others clean);
    when there are any, ``result`` gives them and None for every statistic.

    Small draws (``BATCH_VALUES``) are copied into a buffer of a few draws and measured when it fills
    (or at ``result``): the figures are those of one draw at a time, to rounding.
    """

    def __init__(self, seeds: int, element_shape: Tuple[int, ...], sample_size: int = 2048,
                 singular_values: bool = True, matrix_seeds: int = MATRIX_SEEDS) -> None:
        self.seeds = int(seeds)
        self.shape = tuple(int(d) for d in element_shape)
        self.per = int(np.prod(self.shape))
        self.count = self.seeds * self.per
        self.matrix = matrix_shape(self.shape)
        self.singular_values = singular_values
        self.matrix_seeds = matrix_seeds
        self.k = 0
        self.nonfinite = 0
        self.nan = 0
        self.first: Optional[float] = None
        self.moments = np.empty((6, self.seeds))  # rows: min, max, mean, m2, m3, m4
        self.sampled = sample_indices(self.count, sample_size)
        self.samples: List[np.ndarray] = []
        self.orth: List[Tuple[float, float, float]] = []  # (err, rel, gain) per matrix seed
        self.orth_method = "gram"
        self.sv: Optional[np.ndarray] = None
        rows = min(self.seeds, BATCH_VALUES // self.per) if self.per else 0
        self.batch = np.empty((rows,) + self.shape) if rows >= 2 else None
        self.pending = 0  # draws in ``batch`` not measured yet

    def add(self, value: np.ndarray, parts: Sequence["SeedStats"] = ()) -> None:
        """Measure the next seed's array (shape ``element_shape``); it is not kept.

        ``parts``: accumulators that were just given the pieces tiling this array exactly (a variable's
        blocks); its moments are then joined from theirs instead of read again (half the work per seed),
        unless a part buffers its draws (its moments come later) or this one does.
        """
        value = np.asarray(value)
        if value.shape != self.shape or self.k >= self.seeds:
            raise ValueError("draw {} of shape {}: expected {} draws of shape {}".format(
                self.k, value.shape, self.seeds, self.shape))
        k, self.k = self.k, self.k + 1
        if not self.per:
            return
        if k == 0:
            self.first = float(value[(0,) * value.ndim])  # no copy of a strided block view
        if self.batch is not None:
            self._buffer(self.batch, value, k)
            return
        self.moments[:, k] = _joined(parts, k) if parts and _measured(parts) else _seed_moments(value)
        if not math.isfinite(self.moments[2, k]):  # a float64 sum of float32 values is finite unless one is not
            self._count_nonfinite(value)
            return  # its statistics are nulls (``result``): no sample, no Gram matrix of NaNs
        self._sample(value, k)
        if self.matrix is not None and k < self.matrix_seeds:
            self._orthogonality(value, k)

    def _count_nonfinite(self, values: np.ndarray) -> None:
        self.nonfinite += int(values.size - np.count_nonzero(np.isfinite(values)))
        self.nan += int(np.count_nonzero(np.isnan(values)))

    def _buffer(self, batch: np.ndarray, value: np.ndarray, k: int) -> None:
        batch[self.pending] = value  # float32 -> float64, exact
        if self.matrix is not None and k < self.matrix_seeds and np.isfinite(batch[self.pending]).all():
            self._orthogonality(value, k)
        self.pending += 1
        if self.pending == len(batch):
            self._flush(batch)

    def _flush(self, batch: np.ndarray) -> None:
        """Measure the draws buffered in ``batch`` as one stack, then empty it."""
        stop, count = self.k, self.pending
        start, self.pending = stop - count, 0
        stack = batch[:count].reshape(count, self.per)
        finite = np.isfinite(stack.sum(axis=1)).all()  # as one draw's: finite unless a value is not
        if not finite:
            self._count_nonfinite(stack)  # statistics are nulls now (``result``): no sample needed
        lo, hi = np.searchsorted(self.sampled, [start * self.per, stop * self.per])
        if finite and hi > lo:
            self.samples.append(stack.reshape(-1)[self.sampled[lo:hi] - start * self.per].astype(np.float32))
        self.moments[:, start:stop] = _stack_moments(stack)

    def _sample(self, value: np.ndarray, k: int) -> None:
        lo, hi = np.searchsorted(self.sampled, [k * self.per, (k + 1) * self.per])
        local = self.sampled[lo:hi] - k * self.per
        if local.size:
            picked = value[np.unravel_index(local, self.shape)] if self.shape else value.reshape(1)[local]
            self.samples.append(picked.astype(np.float32))

    def _orthogonality(self, value: np.ndarray, k: int) -> None:
        # the first seed's spectrum
        err, g2, method, sv = orthogonality_error(value, self.matrix, self.singular_values and k == 0)
        if method == "norms":
            self.orth_method = method
        if sv is not None:
            self.sv = sv
        rel = err / g2 if g2 > 0 else math.inf
        self.orth.append((err, rel, math.sqrt(max(g2, 0.0))))

    def result(self) -> Dict[str, Any]:
        """The statistics of every seed added (``seeds`` of them); keys as in the module docstring."""
        if self.k != self.seeds:
            raise ValueError("{} of {} draws added".format(self.k, self.seeds))
        if self.batch is not None and self.pending:
            self._flush(self.batch)
        result: Dict[str, Any] = {"count": self.count, "seeds": self.seeds}
        if self.nonfinite:
            result.update(dict.fromkeys(EMPTY_KEYS))
            result.update({"nonfinite": self.nonfinite, "nan": self.nan,
                           "per_seed": {"mean": [], "std": [], "fro_norm": []}, "sample": []})
            return result
        if self.count == 0:
            result.update(dict.fromkeys(EMPTY_KEYS))
            result["per_seed"] = {"mean": [], "std": [], "fro_norm": []}
            result["sample"] = []
            return result
        lows, highs, means, m2, m3, m4 = self.moments
        per, count = self.per, self.count
        # pooled central moments from the per-seed ones (exact, no second pass)
        mean = float(means.mean())
        delta = means - mean
        pooled_m2 = float(np.sum(m2 + per * delta ** 2))
        pooled_m4 = float(np.sum(m4 + 4 * delta * m3 + 6 * delta ** 2 * m2 + per * delta ** 4))
        low, high = float(lows.min()), float(highs.max())
        fro = np.sqrt(m2 + per * means ** 2)
        result.update({
            "mean": mean,
            "std": math.sqrt(pooled_m2 / count),
            "min": low,
            "max": high,
            "abs_max": max(abs(low), abs(high)),
            "kurtosis": count * pooled_m4 / pooled_m2 ** 2 - 3.0 if pooled_m2 > 0 else None,
            "constant": self.first if low == high else None,
            "fro_norm": float(fro.mean()),
        })
        result.update(self._matrix_result())
        result["per_seed"] = {"mean": _floats(means), "std": _floats(np.sqrt(m2 / per)), "fro_norm": _floats(fro)}
        result["sample"] = _floats(np.concatenate(self.samples)) if self.samples else []
        return result

    def _matrix_result(self) -> Dict[str, Any]:
        if self.matrix is None:
            return dict.fromkeys(MATRIX_KEYS)
        rows, cols = self.matrix
        errs, rels, gains = zip(*self.orth)
        rel = max(rels)
        sv = self.sv
        return {
            "orth_err": max(errs),
            "orth_rel_err": rel if math.isfinite(rel) else None,
            "orth_side": "columns" if rows >= cols else "rows",
            "orth_gain": float(np.mean(gains)),
            "orth_method": self.orth_method,
            "sv_min": None if sv is None else float(sv.min()),
            "sv_max": None if sv is None else float(sv.max()),
            "sv_mean": None if sv is None else float(sv.sum()) / sv.size,
            "matrix_seeds": min(self.seeds, self.matrix_seeds),
        }


def block_stats(values: np.ndarray, sample_size: int = 2048, singular_values: bool = True,
                matrix_seeds: int = MATRIX_SEEDS) -> Dict[str, Any]:
    """Statistics of ``values`` (S, ...) pooled over seeds, per seed and, for matrices, orthogonality.

    The keys are listed in the module docstring; every value is a JSON-able float, int, str, list or
    None. ``singular_values=False`` skips the eigenvalues (``sv_*`` None); ``orth_*`` come from the first
    ``matrix_seeds`` seeds (``matrix_seeds`` in the result), ``sv_*`` from the first seed. The seeds are
    fed to ``SeedStats`` one by one: a stack and a stream of draws give the same numbers.
    """
    values = np.asarray(values)
    if values.ndim < 1:
        raise ValueError("values need a leading seeds axis; got a 0-d array")
    acc = SeedStats(values.shape[0], values.shape[1:], sample_size, singular_values, matrix_seeds)
    for value in values:
        acc.add(value)
    return acc.result()
