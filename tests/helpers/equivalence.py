"""Forward equivalence across real envs, shared by the port-equivalence tests.

``drawn`` runs envs' workers on a scenario file; ``ported_outputs`` ports every scenario's first-seed
weights from one artifact's route to another's, runs the target env on them and pairs the two forward
outputs; ``assert_equivalent`` holds every pair to the tolerance and prints the worst figure.
"""

from pathlib import Path
from typing import Dict, Optional, Sequence, Tuple

import numpy as np

from compare import artifact
from compare.core import port
from compare.host import runner

TOLERANCE = 1e-5
KERAS_ENVS = ("tf215", "tf221", "tf221-legacy")
Pairs = Dict[str, Tuple[np.ndarray, np.ndarray]]


def drawn(out: Path, envs: Sequence[str], scenarios: Path) -> Dict[str, Path]:
    """env -> the artifact its worker wrote for ``scenarios``; every env must run."""
    results = runner.run_matrix(list(envs), out, scenarios, parallel=2)
    for result in results:
        assert result.status == "ok", (result.env, result.reason, result.tail)
    return {r.env: r.artifact for r in results}


def ported_outputs(
    source_path: Path,
    source_route: str,
    target_env: str,
    target_path: Path,
    target_route: str,
    out: Path,
    scenarios: Path,
    names: Optional[Sequence[str]] = None,
) -> Pairs:
    """Port every scenario (or those ``names``), run the target env on the ported weights;
    {scenario: (expected, got)}."""
    source, target = artifact.read(source_path), artifact.read(target_path)
    names = list(source.scenarios) if names is None else list(names)
    weights = {}
    for name in names:
        variables = port.port_between(source, source_route, target, target_route, name)
        weights.update(port.npz_keys(name, target_route, variables))
    out.mkdir()
    np.savez(str(out / "ported.npz"), **weights)
    result = runner.run_env(target_env, out, scenarios, ["--weights", str(out / "ported.npz")])
    assert result.status == "ok", (result.reason, result.tail)
    expected, got = artifact.arrays(source_path), artifact.arrays(result.artifact)
    return {
        name: (
            expected[name + "/" + source_route + "/forward/output"],
            got[name + "/" + target_route + "/forward/output"],
        )
        for name in names
    }


def assert_equivalent(pairs: Pairs, label: str, count: int, capsys) -> None:
    """Every scenario's outputs equal within TOLERANCE; the per-scenario worst figures go to the test log."""
    worst = {name: float(np.abs(a - b).max()) for name, (a, b) in pairs.items()}
    with capsys.disabled():
        print(
            "\n{}: max |diff| per scenario: {}".format(
                label, ", ".join(f"{n} {w:.1e}" for n, w in sorted(worst.items()))
            )
        )
    assert len(worst) == count
    for name, (a, b) in pairs.items():
        assert a.shape == b.shape, name
        np.testing.assert_allclose(b, a, rtol=0, atol=TOLERANCE, err_msg=name)
