"""How far one draw, read as a matrix, is from a multiple of an orthogonal one.

An element shape with two or more axes is read as the matrix ``(prod(shape[:-1]), shape[-1])``, as
Keras' ``Orthogonal`` flattens it. The Gram matrix ``G`` of its thin side (``QᵀQ`` when rows >= cols,
else ``QQᵀ``) is formed in float64, so small singular values of float32 matrices stay accurate;
``g²`` is the mean of its diagonal and the error is ``max |G - g²I|``.

The Gram matrices of large matrices (``is_large``) are slow in old OpenBLAS builds, so the squared norms
of their thin side (the Gram's diagonal, one pass) come first: a spread of ``NORMS_PROVE`` of
their mean or more proves the matrix not orthogonal, and that spread, a lower bound of the Gram's
figure, is the error (method ``"norms"``). numpy only; runs in every TF env.
"""

from typing import Optional, Tuple

import numpy as np

from compare.measure import moments

# Multiply-adds of a Gram matrix (thin² · long) from which a matrix is large: its spectrum is skipped,
# its orthogonality disproved by norms where they suffice: from here on TF 1.15's OpenBLAS is slow at Grams.
LARGE_GRAM = 1 << 28
# Relative spread of the thin side's squared norms that proves a matrix not orthogonal: the diff's
# ``orth_far``, its "clearly not orthogonal" (an orthogonal float32 matrix spreads by ~1e-7).
NORMS_PROVE = 1e-2


def matrix_shape(element_shape: Tuple[int, ...]) -> Optional[Tuple[int, int]]:
    """``(rows, cols)`` of a per-seed element shape read as a matrix, or None below two axes."""
    if len(element_shape) < 2:
        return None
    return int(np.prod(element_shape[:-1])), int(element_shape[-1])


def is_large(shape: Tuple[int, int]) -> bool:
    """Whether a (rows, cols) matrix's Gram matrix costs ``LARGE_GRAM`` multiply-adds or more."""
    return min(shape) ** 2 * max(shape) >= LARGE_GRAM


def orthogonality_error(
    value: np.ndarray, shape: Tuple[int, int], spectrum: bool = False
) -> Tuple[float, float, str, Optional[np.ndarray]]:
    """``(max |G - g² I|, g², method, singular values or None)`` of one draw read as a (rows, cols) matrix.

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


def _gram_stats(value: np.ndarray, shape: Tuple[int, int]) -> Tuple[np.ndarray, float]:
    """The Gram matrix of the thin side (float64) and its ``g²``."""
    rows, cols = shape
    q = value.reshape(rows, cols).astype(np.float64)
    gram = np.dot(q.T, q) if rows >= cols else np.dot(q, q.T)
    del q
    return gram, float(np.diagonal(gram).mean())


def _disproved_by_norms(value: np.ndarray, shape: Tuple[int, int]) -> Optional[Tuple[float, float]]:
    """``(max |norm² - g²|, g²)`` of a large matrix whose squared norms alone prove it not orthogonal,
    else None (small, or possibly orthogonal: the Gram matrix decides)."""
    if not is_large(shape):
        return None
    norms = _squared_norms(value, shape)
    g2 = float(norms.mean())
    spread = float(np.abs(norms - g2).max())
    return (spread, g2) if g2 > 0 and spread >= NORMS_PROVE * g2 else None


def _squared_norms(value: np.ndarray, shape: Tuple[int, int]) -> np.ndarray:
    """The Gram matrix's diagonal without the matrix: the thin side's squared norms (float64, in row
    chunks of about ``moments.CHUNK_ELEMENTS``, so no float64 copy of the whole draw)."""
    rows, cols = shape
    q = value.reshape(rows, cols)
    step = max(1, moments.CHUNK_ELEMENTS // max(1, cols))
    if rows < cols:  # the rows are the thin side
        return np.concatenate(
            [np.einsum("ij,ij->i", c, c) for c in (q[s : s + step].astype(np.float64) for s in range(0, rows, step))]
        )
    norms = np.zeros(cols)
    for start in range(0, rows, step):
        chunk = q[start : start + step].astype(np.float64)
        norms += np.einsum("ij,ij->j", chunk, chunk)
    return norms
