"""Hand-made artifacts for the host tests, in the artifact contract's shape, with real statistics.

``block``, ``route``, ``scenario`` and ``document`` build the JSON an env's worker writes, from numpy
draws measured by the real ``compare.measure.stats.block_stats``; ``typed`` reads such documents through the
one artifact reader. ``tests/host/test_builders.py`` checks that what they build is what the reader
accepts.
"""

from typing import Any, Dict, Optional, Union

import numpy as np

from compare import artifact
from compare.measure.stats import block_stats


def block(values: np.ndarray, variable: str = "v", fingerprint: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """A canonical block measured over the draws ``values`` (seeds first)."""
    return {
        "shape": list(values.shape[1:]),
        "variable": variable,
        "stats": block_stats(values),
        "fingerprint": fingerprint or {},
    }


def route(
    family: str,
    blocks: Dict[str, Dict[str, Any]],
    config: Optional[Dict[str, Any]] = None,
    effective: Optional[Dict[str, np.ndarray]] = None,
) -> Dict[str, Any]:
    """An ok route of ``family``: its built ``config``, ``blocks`` (from :func:`block`) and the draws
    ``effective`` of the biases its gates see."""
    return {
        "status": "ok",
        "reason": "",
        "family": family,
        "config": config or {"cell": {}},
        "variables": {},
        "blocks": blocks,
        "effective_bias": {k: {"stats": block_stats(v)} for k, v in (effective or {}).items()},
    }


def scenario(routes: Dict[str, Dict[str, Any]], spec: Dict[str, Any], spec_hash: str = "h") -> Dict[str, Any]:
    return {"spec_hash": spec_hash, "spec": spec, "routes": routes}


def document(env: Union[str, Dict[str, Any]], scenarios: Dict[str, Dict[str, Any]]) -> Dict[str, Any]:
    """An artifact document of one env (a name, or the whole ``env`` table) holding ``scenarios``."""
    return {"env": {"name": env} if isinstance(env, str) else env, "scenarios": scenarios}


def typed(documents: Dict[str, Dict[str, Any]]) -> Dict[str, artifact.Artifact]:
    """env -> the typed artifact the reader makes of each document."""
    return {env: artifact.from_document(doc, env) for env, doc in documents.items()}
