"""Numeric summaries of weights, pooled over seeds (numpy only; runs in every TF env)."""
from __future__ import annotations

from typing import Any, Dict, Optional

import numpy as np


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
