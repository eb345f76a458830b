"""The artifact's statistics of one variable or block, measured over several seeds (numpy only; runs in
every TF env).

Every function takes ``values`` with a leading seeds axis: shape ``(S, ...)``, one initialization
per seed. ``block_stats`` (or ``SeedStats``, fed draw by draw) gives the artifact's ``stats`` entry:

pooled over all seeds and elements
    ``count`` ``seeds`` ``mean`` ``std`` (population, ddof 0) ``min`` ``max`` ``abs_max``
    ``kurtosis`` (excess, Fisher: 0 for a normal, -1.2 for a uniform; None when std == 0)
    ``constant`` (the value when every element of every seed is exactly equal, else None)
``fro_norm``
    mean over seeds of the Frobenius norm of each seed's array.
matrix statistics (None for 0-D and 1-D elements; ``compare.measure.orthogonality``)
    Over the first ``matrix_seeds`` seeds (default 1: orthogonality belongs to the initializer, so one
    draw shows it; the count is stored as ``matrix_seeds``), ``G`` the Gram matrix of the thin side:
    ``orth_err`` the max of ``max |G - g²I|``; ``orth_rel_err`` the max of that error divided by the
    seed's ``g²`` (scale-free: ~1e-7 for float32 orthogonal matrices, order 1 for random ones);
    ``orth_gain`` the mean of ``g``; ``orth_side`` ``"columns"`` (``G = QᵀQ``) or ``"rows"``;
    ``orth_method`` ``"gram"`` (exact) or ``"norms"`` (a large matrix proven not orthogonal by its
    norms: the errors are lower bounds). ``sv_min`` ``sv_max`` ``sv_mean``: the first seed's singular
    values (the report's spectrum summary), None for large matrices: shown, never judged.
``per_seed``
    ``{"mean": [S], "std": [S], "fro_norm": [S]}``: one float per seed, for tests across seeds.
``sample``
    ``min(sample_size, count)`` pooled values, rounded to float32, for distribution tests on the host.
    All values (flattened, C order) when ``count <= sample_size``; otherwise the values at
    ``sample_indices(count, sample_size)`` (see there): deterministic, identical under numpy 1.18 and 2.

``SeedStats`` keeps only per-seed figures (``compare.measure.moments``), the sample and the first
seeds' orthogonality, so a draw can be dropped as soon as it is measured and memory does not grow with
the seed count. Small draws are buffered and measured a stack at a time.
"""

import functools
import math
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from compare.measure.moments import Moments, seed_moments, stack_moments, tiled_moments
from compare.measure.orthogonality import matrix_shape, orthogonality_error

# Seeds whose orthogonality is measured (orth_*; sv_* come from the first of them): orthogonality is
# a property of the initializer, every draw shows it, and Gram matrices dominate the cost at large sizes.
MATRIX_SEEDS = 1
# float64 values an accumulator buffers (256 KiB): draws of up to half as many are measured a stack at a
# time, because a draw's statistics cost a dozen numpy calls whatever its size.
BATCH_VALUES = 1 << 15
SAMPLE_SEED = 0
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


def _floats(array: np.ndarray) -> List[float]:
    """Python floats of a 1-D array (``tolist`` converts float32 and float64 exactly, in C)."""
    return array.tolist()


def _joined(parts: Sequence["SeedStats"], k: int) -> Moments:
    """The figures of draw ``k`` of an array tiled by ``parts`` (each given its draw k)."""
    if any(p.k != k + 1 for p in parts):
        raise ValueError(f"every part must have been given draw {k} first")
    return tiled_moments([(p.per, p.moments[:, k]) for p in parts if p.per])


def _measured(parts: Sequence["SeedStats"]) -> bool:
    """Whether every part's moments are there as soon as it is given a draw (no part buffers draws)."""
    return all(p.batch is None for p in parts)


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

    def __init__(
        self,
        seeds: int,
        element_shape: Tuple[int, ...],
        sample_size: int = 2048,
        singular_values: bool = True,
        matrix_seeds: int = MATRIX_SEEDS,
    ) -> None:
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
        blocks); its moments are then joined from theirs instead of read again, unless a part buffers
        its draws (its moments come later) or this one does.
        """
        value = np.asarray(value)
        if value.shape != self.shape or self.k >= self.seeds:
            raise ValueError(f"draw {self.k} of shape {value.shape}: expected {self.seeds} draws of shape {self.shape}")
        k, self.k = self.k, self.k + 1
        if not self.per:
            return
        if k == 0:
            self.first = float(value[(0,) * value.ndim])  # no copy of a strided block view
        if self.batch is not None:
            self._buffer(self.batch, value, k)
            return
        self.moments[:, k] = _joined(parts, k) if parts and _measured(parts) else seed_moments(value)
        if not math.isfinite(self.moments[2, k]):  # a float64 sum of float32 values is finite unless one is not
            self._count_nonfinite(value)
            return  # its statistics are nulls (``result``): no sample, no Gram matrix of NaNs
        self._sample(value, k)
        if self.matrix is not None and k < self.matrix_seeds:
            self._orthogonality(value, k, self.matrix)

    def _count_nonfinite(self, values: np.ndarray) -> None:
        self.nonfinite += int(values.size - np.count_nonzero(np.isfinite(values)))
        self.nan += int(np.count_nonzero(np.isnan(values)))

    def _buffer(self, batch: np.ndarray, value: np.ndarray, k: int) -> None:
        batch[self.pending] = value  # float32 -> float64, exact
        if self.matrix is not None and k < self.matrix_seeds and np.isfinite(batch[self.pending]).all():
            self._orthogonality(value, k, self.matrix)
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
        self.moments[:, start:stop] = stack_moments(stack)

    def _sample(self, value: np.ndarray, k: int) -> None:
        lo, hi = np.searchsorted(self.sampled, [k * self.per, (k + 1) * self.per])
        local = self.sampled[lo:hi] - k * self.per
        if local.size:
            picked = value[np.unravel_index(local, self.shape)] if self.shape else value.reshape(1)[local]
            self.samples.append(picked.astype(np.float32))

    def _orthogonality(self, value: np.ndarray, k: int, matrix: Tuple[int, int]) -> None:
        spectrum = self.singular_values and k == 0  # sv_* summarize the first seed
        err, g2, method, sv = orthogonality_error(value, matrix, spectrum)
        if method == "norms":
            self.orth_method = method
        if sv is not None:
            self.sv = sv
        rel = err / g2 if g2 > 0 else math.inf
        self.orth.append((err, rel, math.sqrt(max(g2, 0.0))))

    def result(self) -> Dict[str, Any]:
        """The statistics of every seed added (``seeds`` of them); keys as in the module docstring."""
        if self.k != self.seeds:
            raise ValueError(f"{self.k} of {self.seeds} draws added")
        if self.batch is not None and self.pending:
            self._flush(self.batch)
        result: Dict[str, Any] = {"count": self.count, "seeds": self.seeds}
        if self.nonfinite or self.count == 0:
            result.update(dict.fromkeys(EMPTY_KEYS))
            if self.nonfinite:
                result.update(nonfinite=self.nonfinite, nan=self.nan)
            result.update(per_seed={"mean": [], "std": [], "fro_norm": []}, sample=[])
            return result
        result.update(self._pooled())
        result.update(self._matrix_result())
        means, m2 = self.moments[2], self.moments[3]
        result["per_seed"] = {
            "mean": _floats(means),
            "std": _floats(np.sqrt(m2 / self.per)),
            "fro_norm": _floats(self._fro_norms()),
        }
        result["sample"] = _floats(np.concatenate(self.samples)) if self.samples else []
        return result

    def _fro_norms(self) -> np.ndarray:
        return np.sqrt(self.moments[3] + self.per * self.moments[2] ** 2)

    def _pooled(self) -> Dict[str, Any]:
        """The statistics over all seeds and elements, pooled exactly from the per-seed moments (no second pass)."""
        lows, highs, means, m2, m3, m4 = self.moments
        per, count = self.per, self.count
        mean = float(means.mean())
        delta = means - mean
        pooled_m2 = float(np.sum(m2 + per * delta**2))
        pooled_m4 = float(np.sum(m4 + 4 * delta * m3 + 6 * delta**2 * m2 + per * delta**4))
        low, high = float(lows.min()), float(highs.max())
        return {
            "mean": mean,
            "std": math.sqrt(pooled_m2 / count),
            "min": low,
            "max": high,
            "abs_max": max(abs(low), abs(high)),
            "kurtosis": count * pooled_m4 / pooled_m2**2 - 3.0 if pooled_m2 > 0 else None,
            "constant": self.first if low == high else None,
            "fro_norm": float(self._fro_norms().mean()),
        }

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


def block_stats(
    values: np.ndarray, sample_size: int = 2048, singular_values: bool = True, matrix_seeds: int = MATRIX_SEEDS
) -> Dict[str, Any]:
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
