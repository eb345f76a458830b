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
``per_seed``
    ``{"mean": [S], "std": [S], "fro_norm": [S]}``: one float per seed, for tests across seeds.
``sample``
    ``min(sample_size, count)`` pooled values, rounded to float32, for distribution tests on the host.
    All values (flattened, C order) when ``count <= sample_size``; otherwise the values at
    ``sample_indices(count, sample_size)`` (see there): deterministic, identical under numpy 1.18 and 2.

Memory: the values are read in chunks of seeds converted to float64, never copied whole, so a
(128, 2048, 3072) float32 array (3 GiB) needs about 0.2 GiB on top of itself.

Side: in-env (every TF env's Python and numpy; no host libraries).
"""
import functools
import math
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

# Seeds whose orthogonality is measured (orth_*; sv_* come from the first of them): orthogonality is
# a property of the initializer, every draw shows it, and Gram matrices dominate the cost at large sizes.
MATRIX_SEEDS = 1
# float64 elements per chunk of seeds (2**24 elements = 128 MiB per float64 temporary)
CHUNK_ELEMENTS = 1 << 24
SAMPLE_SEED = 0


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
        return _read_only(np.arange(count, dtype=np.int64))
    state = np.random.RandomState(seed)
    chosen = np.empty(0, dtype=np.int64)
    while chosen.size < size:
        draw = state.randint(0, count, size=2 * (size - chosen.size) + 16, dtype=np.int64)
        merged = np.concatenate([chosen, draw])
        _, first = np.unique(merged, return_index=True)
        chosen = merged[np.sort(first)][:size]
    return _read_only(np.sort(chosen))


def _read_only(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


def matrix_shape(element_shape: Tuple[int, ...]) -> Optional[Tuple[int, int]]:
    """``(rows, cols)`` of a per-seed element shape read as a matrix, or None below two axes."""
    if len(element_shape) < 2:
        return None
    return int(np.prod(element_shape[:-1])), int(element_shape[-1])


def _seed_chunks(seeds: int, per_seed: int) -> List[Tuple[int, int]]:
    step = max(1, CHUNK_ELEMENTS // max(1, per_seed))
    return [(start, min(seeds, start + step)) for start in range(0, seeds, step)]


def _floats(array: np.ndarray) -> List[float]:
    """Python floats of a 1-D array (``tolist`` converts float32 and float64 exactly, 20x faster than a loop)."""
    return array.tolist()


def _matrix_stats(values: np.ndarray, shape: Tuple[int, int], singular_values: bool) -> Dict[str, Any]:
    """orth_* of ``values`` (S, rows, cols) and sv_* of its first seed, Gram matrices batched over chunks
    of seeds."""
    seeds = values.shape[0]
    rows, cols = shape
    side = "columns" if rows >= cols else "rows"
    thin = min(rows, cols)
    errs, rels, gains = [], [], []
    sv_min, sv_max, sv_sum, sv_count = math.inf, -math.inf, 0.0, 0
    diag = np.arange(thin)
    for start, stop in _seed_chunks(seeds, rows * cols + thin * thin):
        q = values[start:stop].reshape(stop - start, rows, cols).astype(np.float64)
        gram = np.matmul(q.transpose(0, 2, 1), q) if side == "columns" else np.matmul(q, q.transpose(0, 2, 1))
        del q
        if singular_values and start == 0:  # the first seed's spectrum
            eig = np.linalg.eigvalsh(gram[0])
            sv = np.sqrt(np.clip(eig, 0.0, None))
            sv_min = min(sv_min, float(sv.min()))
            sv_max = max(sv_max, float(sv.max()))
            sv_sum += float(sv.sum())
            sv_count += sv.size
        g2 = gram[:, diag, diag].mean(axis=1)
        gram[:, diag, diag] -= g2[:, None]
        err = np.abs(gram).reshape(stop - start, -1).max(axis=1)
        errs.append(err)
        rels.append(np.where(g2 > 0, err / np.where(g2 > 0, g2, 1.0), np.inf))
        gains.append(np.sqrt(np.clip(g2, 0.0, None)))
    rel = float(np.concatenate(rels).max())
    return {
        "orth_err": float(np.concatenate(errs).max()),
        "orth_rel_err": rel if math.isfinite(rel) else None,
        "orth_side": side,
        "orth_gain": float(np.concatenate(gains).mean()),
        "sv_min": sv_min if singular_values else None,
        "sv_max": sv_max if singular_values else None,
        "sv_mean": sv_sum / sv_count if singular_values else None,
    }


def block_stats(values: np.ndarray, sample_size: int = 2048, singular_values: bool = True,
                matrix_seeds: int = MATRIX_SEEDS) -> Dict[str, Any]:
    """Statistics of ``values`` (S, ...) pooled over seeds, per seed and, for matrices, orthogonality.

    The keys are listed in the module docstring; every value is a JSON-able float, int, str, list or
    None. ``singular_values=False`` skips the eigenvalues (``sv_*`` None); ``orth_*`` come from the first
    ``matrix_seeds`` seeds (``matrix_seeds`` in the result), ``sv_*`` from the first seed.
    """
    values = np.asarray(values)
    if values.ndim < 1:
        raise ValueError("values need a leading seeds axis; got a 0-d array")
    seeds = int(values.shape[0])
    per = int(np.prod(values.shape[1:]))
    count = seeds * per
    result: Dict[str, Any] = {"count": count, "seeds": seeds}
    if count == 0:
        for key in ("mean", "std", "min", "max", "abs_max", "kurtosis", "constant", "fro_norm",
                    "orth_err", "orth_rel_err", "orth_side", "orth_gain", "sv_min", "sv_max", "sv_mean"):
            result[key] = None
        result["per_seed"] = {"mean": [], "std": [], "fro_norm": []}
        result["sample"] = []
        return result
    means = np.empty(seeds)
    m2, m3, m4 = np.empty(seeds), np.empty(seeds), np.empty(seeds)
    lows, highs = np.empty(seeds), np.empty(seeds)
    for start, stop in _seed_chunks(seeds, per):
        x = values[start:stop].reshape(stop - start, per).astype(np.float64)
        lows[start:stop] = x.min(axis=1)
        highs[start:stop] = x.max(axis=1)
        mean = x.mean(axis=1)
        means[start:stop] = mean
        x -= mean[:, None]
        d2 = x * x
        m2[start:stop] = d2.sum(axis=1)
        m3[start:stop] = np.einsum("ij,ij->i", d2, x)
        m4[start:stop] = np.einsum("ij,ij->i", d2, d2)
        del x, d2
    # pooled central moments from the per-seed ones (exact, no second pass)
    mean = float(means.mean())
    delta = means - mean
    pooled_m2 = float(np.sum(m2 + per * delta ** 2))
    pooled_m4 = float(np.sum(m4 + 4 * delta * m3 + 6 * delta ** 2 * m2 + per * delta ** 4))
    low, high = float(lows.min()), float(highs.max())
    std = math.sqrt(pooled_m2 / count)
    fro = np.sqrt(m2 + per * means ** 2)
    constant = constant_value(values) if low == high else None
    result.update({
        "mean": mean,
        "std": std,
        "min": low,
        "max": high,
        "abs_max": max(abs(low), abs(high)),
        "kurtosis": count * pooled_m4 / pooled_m2 ** 2 - 3.0 if pooled_m2 > 0 else None,
        "constant": constant,
        "fro_norm": float(fro.mean()),
    })
    shape = matrix_shape(tuple(values.shape[1:]))
    if shape is None:
        result.update({"orth_err": None, "orth_rel_err": None, "orth_side": None, "orth_gain": None,
                       "sv_min": None, "sv_max": None, "sv_mean": None})
    else:
        result.update(_matrix_stats(values[:matrix_seeds], shape, singular_values))
        result["matrix_seeds"] = min(seeds, matrix_seeds)
    result["per_seed"] = {"mean": _floats(means), "std": _floats(np.sqrt(m2 / per)), "fro_norm": _floats(fro)}
    picked = values[np.unravel_index(sample_indices(count, sample_size), values.shape)]
    result["sample"] = _floats(picked.astype(np.float32))
    return result

