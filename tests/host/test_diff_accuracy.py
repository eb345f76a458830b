"""Measured accuracy of ``compare.host.diff`` on real TensorFlow envs (host test; drives the tox envs).

Every env runs ``tests/data/accuracy.toml`` twice: with base_seed 0 and with another base_seed (the
same definitions, another seed set). Then

* null pairs: the same configuration on both sides (same route; same env with the other seed set, or
  the TF1 route across tf115 / tf215 / tf221-legacy, or the Keras route across Keras 2 / Keras 3 /
  tf_keras for the null-* scenarios' explicit initializers). A pair is a false alarm when any of its
  rows is not ``same``.
* planted differences: each must come out ``differs`` on the named block with the named code.

The confusion figures are printed (into the test log, captured or not) and must be: 0 false alarms, every planted found.
An env that cannot run fails the test; it is never skipped.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest

from compare import artifact
from compare.host import diff

pytestmark = pytest.mark.slow
SCENARIOS = Path(__file__).parent.parent / "data" / "accuracy.toml"
ENVS = ("tf115", "tf215", "tf221", "tf221-legacy")
TF1_ENVS = ("tf115", "tf215", "tf221-legacy")
OTHER_BASE_SEED = 7919
Where = Tuple[str, int, str]  # (env, seed set 0 | 1, route)


@dataclass(frozen=True)
class Planted:
    what: str
    a: Where
    b: Where
    scenario: str
    block: str
    code: str
    key: Optional[str] = None  # config_mismatch: which option


def _gru_blocks(part: str) -> List[str]:
    return [f"l0/fw/{g}/{part}" for g in ("update", "reset", "candidate")]


NULL_SCENARIOS = ("null-gru-orthogonal", "null-lstm-glorot", "null-bigru-varscale")
TF1_VS_KERAS = (("tf215", 0, "tf1"), ("tf215", 0, "keras"))
TF115_TF1_VS_KERAS = (("tf115", 0, "tf1"), ("tf115", 0, "keras"))  # the contrib cells exist in TF 1.15 only
PLANTED = (
    [
        Planted("TF1 GRU gate bias 1.0 vs Keras zeros", *TF1_VS_KERAS, "plant-gru-defaults", k, "constant_mismatch")
        for k in ("l0/fw/update/bias", "l0/fw/reset/bias")
    ]
    + [
        Planted(
            "TF1 glorot over the fused (in+u, u) kernel vs Keras glorot over (in, 3u)",
            *TF1_VS_KERAS,
            "plant-gru-defaults",
            "l0/fw/candidate/kernel",
            "scale_mismatch",
        )
    ]
    + [
        Planted(
            "TF1 orthogonal over [x; h] vs Keras orthogonal recurrent kernel",
            *TF1_VS_KERAS,
            "plant-gru-orthogonal",
            "l0/fw/*/recurrent",
            "orthogonality_mismatch",
        )
    ]
    + [
        Planted(
            "tf.keras GRU defaults, TF 1.15 vs TF 2.x: " + key,
            ("tf115", 0, "keras"),
            ("tf215", 0, "keras"),
            "plant-gru-defaults",
            "config",
            "config_mismatch",
            key,
        )
        for key in ("reset_after", "recurrent_activation")
    ]
    + [
        Planted(
            "bidirectional 2-layer Keras 'layers' stacking vs TF1: layer-2 kernel",
            *TF1_VS_KERAS,
            "plant-bigru-layers",
            "l1/fw/update/kernel",
            "shape_mismatch",
        )
    ]
    + [
        Planted(
            "5 % std difference between variance_scaling scales", *TF1_VS_KERAS, "plant-scale-5pct", k, "scale_mismatch"
        )
        for k in _gru_blocks("kernel")
    ]
    + [
        Planted(
            "5 % std difference between variance_scaling scales (TF 1.15 vs Keras 3)",
            ("tf115", 0, "tf1"),
            ("tf221", 0, "keras"),
            "plant-scale-5pct",
            k,
            "scale_mismatch",
        )
        for k in _gru_blocks("kernel")
    ]
    + [
        Planted(
            "TF1 orthogonal over the fused LSTM [x; h] kernel vs Keras independent orthogonal kernel and "
            "recurrent kernel: the whole cell",
            *TF1_VS_KERAS,
            "plant-lstm-joint-orthogonal",
            "l0/fw/*/cell",
            "joint_orthogonality_mismatch",
        )
    ]
    + [
        Planted(
            "one seeded Keras initializer shared by two layers and both kernels: " + what,
            *TF1_VS_KERAS,
            "plant-lstm-tied",
            k,
            "tied_weights",
        )
        for what, k in (
            ("layer 2 copies layer 1", "l1/fw/forget/kernel"),
            ("the recurrent kernel copies the kernel", "l0/fw/cell/recurrent"),
        )
    ]
    + [
        Planted(
            "CudnnCompatibleLSTMCell's forget gate sees its stored 0, Keras unit_forget_bias stores 1.0",
            *TF115_TF1_VS_KERAS,
            "plant-cudnn-lstm-forget",
            "l0/fw/forget/bias",
            "constant_mismatch",
        )
    ]
    + [
        Planted(
            "CudnnCompatibleGRUCell resets after the recurrent matmul, Keras GRU(reset_after=False) before",
            *TF115_TF1_VS_KERAS,
            "plant-cudnn-gru-candidate",
            "config",
            "config_mismatch",
            "reset_after",
        )
    ]
    + [
        Planted(
            "GRUBlockCellV2 resets before the recurrent matmul, Keras CuDNNGRU after",
            *TF115_TF1_VS_KERAS,
            "plant-gru-block-vs-cudnngru",
            "config",
            "config_mismatch",
            "reset_after",
        ),
        Planted(
            "GRUBlockCellV2 gate bias 1.0 vs CuDNNGRU zeros",
            *TF115_TF1_VS_KERAS,
            "plant-gru-block-vs-cudnngru",
            "l0/fw/update/bias",
            "constant_mismatch",
        ),
    ]
)
LSTM_GATES = ("input", "forget", "cell", "output")
# blocks inside planted scenarios that must still come out `same` (TF1 1.5/48 == Keras 0.5/16; the joint
# orthogonal LSTM's every block and each part alone)
SAME_INSIDE_PLANTED = [(TF1_VS_KERAS, "plant-scale-5pct", k) for k in _gru_blocks("recurrent")[:2]] + [
    (TF1_VS_KERAS, "plant-lstm-joint-orthogonal", f"l0/fw/{g}/{part}")
    for g in LSTM_GATES + ("*",)
    for part in ("kernel", "recurrent")
]


def null_comparisons() -> List[Tuple[Where, Where, Optional[str]]]:
    """(a, b, scenario prefix or None for all scenarios) of every same-configuration comparison."""
    out: List[Tuple[Where, Where, Optional[str]]] = []
    for env in TF1_ENVS:
        out.append(((env, 0, "tf1"), (env, 1, "tf1"), None))
    for e1, e2 in itertools.combinations(TF1_ENVS, 2):
        out.append(((e1, 0, "tf1"), (e2, 1, "tf1"), None))
    for env in ("tf215", "tf221", "tf221-legacy"):
        out.append(((env, 0, "keras"), (env, 1, "keras"), None))
    for other in ("tf221", "tf221-legacy"):  # Keras 2 vs Keras 3 / tf_keras, explicit initializers
        out.append((("tf215", 0, "keras"), (other, 1, "keras"), "null-"))
    return out


def other_seed_file(directory: Path) -> Path:
    text = re.sub(r"(?m)^base_seed = 0$", f"base_seed = {OTHER_BASE_SEED}", SCENARIOS.read_text())
    path = directory / "accuracy_other_seeds.toml"
    path.write_text(text)
    return path


def run_envs(directory: Path) -> Dict[Tuple[str, int], Path]:
    """Both seed sets in every env (envs in parallel, one env's runs in sequence); fail if any cannot run."""
    from compare.host.runner import run_env

    files = {0: SCENARIOS, 1: other_seed_file(directory)}
    routes = ["--routes", "tf1,keras"]
    # the other seed set is needed for the null pairs only
    only = {0: [], 1: [a for n in NULL_SCENARIOS for a in ("--only", n)]}

    def one_env(env: str):
        return [(env, s, run_env(env, directory / f"set{s}", files[s], routes + only[s])) for s in (0, 1)]

    with ThreadPoolExecutor(max_workers=len(ENVS)) as pool:
        results = [r for rs in pool.map(one_env, ENVS) for r in rs]
    failed = [(env, s, r) for env, s, r in results if r.status != "ok"]
    if failed:
        pytest.fail(
            "\n".join(
                "{} (seed set {}) {}: {}\n  {}".format(env, s, r.status, r.reason, "\n  ".join(r.tail[-8:]))
                for env, s, r in failed
            )
        )
    return {(env, s): r.artifact for env, s, r in results}


def _artifact(paths: Dict[Tuple[str, int], Path], env: str, seed_set: int, prefix: Optional[str]) -> artifact.Artifact:
    art = artifact.read(paths[(env, seed_set)])
    if prefix:
        art = dataclasses.replace(art, scenarios={n: s for n, s in art.scenarios.items() if n.startswith(prefix)})
    return art


def _compare(paths, a: Where, b: Where, prefix: Optional[str] = None) -> diff.DiffResult:
    return diff.diff(_artifact(paths, a[0], a[1], prefix), _artifact(paths, b[0], b[1], prefix), [(a[2], b[2])])


def _label(w: Where) -> str:
    return "{}:{}{}".format(w[0], w[2], "" if w[1] == 0 else " (other seeds)")


def confusion(paths: Dict[Tuple[str, int], Path]) -> Dict[str, object]:
    """False alarms over null pairs, found over planted; with the offending rows for the message."""
    pairs, alarms = 0, []
    for a, b, prefix in null_comparisons():
        result = _compare(paths, a, b, prefix)
        for scenario in sorted({r.scenario for r in result.rows}):
            pairs += 1
            bad = [r for r in result.rows if r.scenario == scenario and r.verdict != "same"]
            if bad:
                alarms.append(
                    "{} vs {} {}: {}".format(
                        _label(a),
                        _label(b),
                        scenario,
                        "; ".join(f"{r.block} {r.verdict} {[x.code for x in r.reasons]}" for r in bad),
                    )
                )
    found, missed, cache = [], [], {}
    for p in PLANTED:
        if (p.a, p.b) not in cache:
            cache[(p.a, p.b)] = _compare(paths, p.a, p.b)
        rows = [r for r in cache[(p.a, p.b)].rows if r.scenario == p.scenario and r.block == p.block]
        hit = any(
            r.verdict == "differs"
            and any(x.code == p.code and (p.key is None or x.figures.get("key") == p.key) for x in r.reasons)
            for r in rows
        )
        (found if hit else missed).append(
            f"{p.what} [{p.scenario} {p.block} {p.code}]: {[(r.verdict, [x.code for x in r.reasons]) for r in rows]}"
        )
    for (a, b), scenario, block in SAME_INSIDE_PLANTED:
        if (a, b) not in cache:
            cache[(a, b)] = _compare(paths, a, b)
        rows = [r for r in cache[(a, b)].rows if r.scenario == scenario and r.block == block]
        pairs += 1
        if not rows or rows[0].verdict != "same":
            alarms.append(f"{scenario} {block} inside a planted scenario: {[(r.verdict, r.reasons) for r in rows]}")
    return {"pairs": pairs, "false_alarms": alarms, "planted": len(PLANTED), "found": found, "missed": missed}


def report(figures: Dict[str, object]) -> str:
    lines = [
        f"rnncompare diff accuracy (defaults: {diff.Thresholds().describe()})",
        "false alarms: {} / {} same-configuration pairs".format(len(figures["false_alarms"]), figures["pairs"]),
        "found: {} / {} planted differences".format(len(figures["found"]), figures["planted"]),
    ]
    lines += ["  found  " + x for x in figures["found"]]
    lines += ["  MISSED " + x for x in figures["missed"]]
    lines += ["  FALSE ALARM " + x for x in figures["false_alarms"]]
    return "\n".join(lines)


def check(figures: Dict[str, object], minimum_pairs: int = 20) -> None:
    assert figures["pairs"] >= minimum_pairs
    assert not figures["false_alarms"] and not figures["missed"], report(figures)


def test_diff_accuracy_on_real_envs(tmp_path_factory, capsys):
    paths = run_envs(tmp_path_factory.mktemp("accuracy"))
    figures = confusion(paths)
    with capsys.disabled():  # the figures belong in the CI log, passing or not
        print("\n" + report(figures))
    check(figures)


def test_planted_list_is_sound():
    """Every planted block and scenario exists in the scenario file (cheap, no env)."""
    text = SCENARIOS.read_text()
    names = set(re.findall(r'(?m)^name = "([^"]+)"', text))
    assert {p.scenario for p in PLANTED} <= names and set(NULL_SCENARIOS) <= names
    assert len(re.findall(r"(?m)^base_seed = 0$", text)) == len(names)
    assert len(null_comparisons()) * len(NULL_SCENARIOS) >= 20
