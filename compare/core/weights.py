"""The weight record every part shares: one variable of one cell, by layer, direction and cell-local name.

In-env and host alike (numpy only). Routes hand these back, ``compare.core.layout`` cuts them into
canonical blocks, ``compare.core.port`` rebuilds them from an artifact's first seed.
"""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Weight:
    """One variable of one cell. ``param`` is cell-local as the family registry names it
    (``gates/kernel``, ``kernel``, ``recurrent_kernel``, ``bias``, ``w_f_diag``, ...)."""

    name: str  # the TF variable name, without ':0' (TF 1.1's "gates/weights" stays so)
    layer: int
    direction: str  # "fw" | "bw"
    param: str  # canonical: the registry's name for it, whatever this TF version called it
    value: np.ndarray
