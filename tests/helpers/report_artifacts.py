"""Synthetic artifacts for the report tests: three envs, two scenarios, every verdict and status, and
hostile text (env names, reasons, config values) where artifacts may carry any."""

from pathlib import Path
from typing import Any, Dict, List

import numpy as np

from compare import artifact
from tests.helpers.builders import block, document, route, scenario

EVIL_ENV = "ev<img src=x onerror=alert(2)>il|`x`"


EVIL_REASON = "TypeError: <script>alert(1)</script> | `tick` *bold* [link](http://example.com)"


EVIL_CONFIG = '<b onmouseover="alert(3)">hard</b>|sigmoid'


SEEDS = 6


UNITS = 4


INPUT = 6


def orthogonal(rng: np.random.RandomState, rows: int, cols: int) -> np.ndarray:
    q, _ = np.linalg.qr(rng.standard_normal((max(rows, cols), min(rows, cols))))
    return (q if rows >= cols else q.T).astype(np.float32)


def _block(values: np.ndarray, variable: str, name: str) -> Dict[str, Any]:
    return block(
        values,
        variable,
        {
            "name": name,
            "params": {"gain": 1.0} if name == "orthogonal" else {},
            "over_shape": list(values.shape[1:]),
            "confidence": 0.9,
        },
    )


def _route(
    rng: np.random.RandomState,
    family: str,
    directions: List[str],
    scale: float = 1.0,
    forget_stored: float = 0.0,
    forget_added: float = 0.0,
    config: Any = None,
) -> Dict[str, Any]:
    gates = ("update", "reset", "candidate") if family.endswith("gru") else ("input", "forget", "cell", "output")
    limit = np.sqrt(6.0 / (INPUT + UNITS))
    blocks, effective = {}, {}
    for d in directions:
        for g in gates:
            key = f"l0/{d}/{g}/"
            kernel = rng.uniform(-limit, limit, (SEEDS, INPUT, UNITS)).astype(np.float32) * scale
            recurrent = np.stack([orthogonal(rng, UNITS, UNITS) for _ in range(SEEDS)])
            bias = np.full((SEEDS, UNITS), forget_stored if g == "forget" else 0.0, np.float32)
            blocks[key + "kernel"] = _block(kernel, "cell/kernel", "glorot_uniform")
            blocks[key + "recurrent"] = _block(recurrent, "cell/recurrent_kernel", "orthogonal")
            blocks[key + "bias"] = _block(bias, "cell/bias", "constant")
            added = forget_added if g == "forget" else 0.0
            effective[key + "bias"] = bias + np.float32(added)
    default_cell = {"units": UNITS, "forget_bias": forget_added} if family == "tf1_lstm" else {"units": UNITS}
    return route(family, blocks, config or {"cell": default_cell}, effective)


def artifact_document(name: str, scenarios: Dict[str, Dict[str, Any]]) -> Dict[str, Any]:
    env = {
        "name": name,
        "python": "3.x",
        "tensorflow": "t",
        "keras": {"flavor": "k", "version": "v"},
        "numpy": "n",
        "platform": "p",
    }
    return document(
        env, {s: scenario(routes, {"name": s, "units": UNITS}, "hash-" + s) for s, routes in scenarios.items()}
    )


def synthetic_artifacts() -> Dict[str, Dict[str, Any]]:
    """Three envs, two scenarios: same, differs (kernel scale, config), error, unavailable, missing."""
    rng = np.random.RandomState(0)
    bi = ["fw", "bw"]
    base = artifact_document(
        "tf115",
        {
            "bigru": {"tf1": _route(rng, "tf1_gru", bi), "keras": _route(rng, "keras_gru", bi)},
            "lstm": {
                "tf1": _route(rng, "tf1_lstm", ["fw"], forget_added=1.0),
                "keras": _route(rng, "keras_lstm", ["fw"], forget_stored=1.0),
            },
        },
    )
    newer = artifact_document(
        "tf215",
        {
            "bigru": {
                "tf1": _route(rng, "tf1_gru", bi),
                "keras": _route(rng, "keras_gru", bi, scale=1.5, config={"cell": {"reset_after": True}}),
            },
            "lstm": {
                "tf1": {"status": "unavailable", "reason": "needs tf-keras"},
                "keras": _route(rng, "keras_lstm", ["fw"], forget_stored=1.0),
            },
        },
    )
    evil = artifact_document(
        EVIL_ENV,
        {
            "bigru": {
                "tf1": {"status": "error", "reason": EVIL_REASON},
                "keras": _route(rng, "keras_gru", bi, config={"cell": {"recurrent_activation": EVIL_CONFIG}}),
            }
        },
    )
    return {"tf115": base, "tf215": newer, EVIL_ENV: evil}


def write_artifacts(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for index, (_, doc) in enumerate(synthetic_artifacts().items()):
        artifact.write(folder / f"env{index}.json", doc, {})
    return folder


# The built-in matrix's shape: five envs, three routes each, scenario names as long as the built-in ones.
WIDE_ENVS = ("tf11", "tf115", "tf215", "tf221", "tf221-legacy")
WIDE_SCENARIOS = ("seed-bigru-orthogonal", "seed-bilstm-orthogonal", "defaults-gru")


def wide_artifacts() -> Dict[str, Dict[str, Any]]:
    """As many columns as the built-in suite's summary matrix (15): TF1 and recipe routes alike, the Keras
    route with another kernel scale and ``reset_after`` (a distribution and a function finding), TF1
    unavailable in one env and Keras in another."""
    rng = np.random.RandomState(1)
    bi = ["fw", "bw"]
    documents = {}
    for env in WIDE_ENVS:
        scenarios: Dict[str, Dict[str, Any]] = {}
        for name in WIDE_SCENARIOS:
            lstm = "lstm" in name
            tf1, keras = ("tf1_lstm", "keras_lstm") if lstm else ("tf1_gru", "keras_gru")
            scenarios[name] = {
                "tf1": _route(rng, tf1, bi, forget_added=1.0 if lstm else 0.0),
                "keras": _route(rng, keras, bi, scale=1.5, config={"cell": {"reset_after": not lstm}}),
                "recipe": _route(rng, keras, bi, forget_stored=0.0),
            }
            if env == "tf221":
                scenarios[name]["tf1"] = {"status": "unavailable", "reason": "the TF1 cells need tf-keras here"}
            if env == "tf11":
                scenarios[name]["keras"] = {"status": "unavailable", "reason": "tf.contrib.keras has no RNN"}
        documents[env] = artifact_document(env, scenarios)
    return documents


def write_wide_artifacts(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for env, doc in wide_artifacts().items():
        artifact.write(folder / f"{env}.json", doc, {})
    return folder
