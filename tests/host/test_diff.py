"""compare.host.diff on hand-made artifacts: stats made by compare.measure.stats.block_stats from numpy draws."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Dict, Optional

import numpy as np
import pytest

from compare import artifact
from compare.errors import UserError
from compare.host import diff
from compare.host.cli import main
from tests.helpers.builders import block, document, route, scenario

S = 32


def uniform(rng: np.random.Generator, shape, limit: float = 0.25) -> np.ndarray:
    return rng.uniform(-limit, limit, size=(S,) + tuple(shape)).astype(np.float32)


def const(shape, value: float) -> np.ndarray:
    return np.full((S,) + tuple(shape), value, dtype=np.float32)


def orthogonal(rng: np.random.Generator, rows: int, cols: int) -> np.ndarray:
    out = []
    for _ in range(S):
        q, r = np.linalg.qr(rng.standard_normal((max(rows, cols), min(rows, cols))))
        q = q * np.sign(np.diag(r))
        out.append(q if rows >= cols else q.T)
    return np.asarray(out, dtype=np.float32)


def entry(
    family: str,
    blocks: Dict[str, np.ndarray],
    cell: Optional[Dict[str, Any]] = None,
    effective: Optional[Dict[str, np.ndarray]] = None,
    stacking: str = "cells",
) -> Dict[str, Any]:
    return route(
        family, {k: block(v) for k, v in blocks.items()}, {"cell": dict(cell or {}), "stacking": stacking}, effective
    )


def doc(env: str, routes: Dict[str, Dict[str, Any]], name: str = "s", spec_hash: str = "h") -> Dict[str, Any]:
    return document(env, {name: scenario(routes, {"units": 16, "layers": 1, "bidirectional": False}, spec_hash)})


def run(a: Dict[str, Any], b: Dict[str, Any], pairs=(("keras", "keras"),), **kw) -> diff.DiffResult:
    return diff.diff(artifact.from_document(a), artifact.from_document(b), list(pairs), diff.Thresholds(**kw))


def row(result: diff.DiffResult, key: str) -> diff.Row:
    return next(r for r in result.rows if r.block == key)


def codes(r: diff.Row):
    return sorted(x.code for x in r.reasons)


KERAS_GRU = {"reset_after": True, "recurrent_activation": "sigmoid", "activation": "tanh", "use_bias": True}


def gru(rng, kernel=None, bias=0.0, recurrent=None) -> Dict[str, Any]:
    return entry(
        "keras_gru",
        {
            "l0/fw/update/kernel": uniform(rng, (32, 16)) if kernel is None else kernel,
            "l0/fw/update/recurrent": orthogonal(rng, 16, 16) if recurrent is None else recurrent,
            "l0/fw/update/bias": const((16,), bias),
        },
        KERAS_GRU,
    )


def test_same_distribution_other_seeds_is_same():
    a = doc("x", {"keras": gru(np.random.default_rng(1))})
    b = doc("y", {"keras": gru(np.random.default_rng(2))})
    result = run(a, b)
    assert [r.verdict for r in result.rows] == ["same"] * len(result.rows)
    assert result.exit_code == 0 and result.tests == 4


def test_constant_mismatch_names_both_values():
    rng = np.random.default_rng(3)
    result = run(doc("x", {"keras": gru(rng, bias=1.0)}), doc("y", {"keras": gru(rng)}))
    r = row(result, "l0/fw/update/bias")
    assert r.verdict == "differs" and codes(r) == ["constant_mismatch"]
    assert r.reasons[0].figures == {"a": 1.0, "b": 0.0}
    assert "1" in r.reasons[0].detail and "0" in r.reasons[0].detail and result.exit_code == 1


def test_constant_within_float32_tolerance_is_same():
    rng = np.random.default_rng(4)
    result = run(doc("x", {"keras": gru(rng, bias=0.1)}), doc("y", {"keras": gru(rng, bias=0.1 + 1e-9)}))
    assert row(result, "l0/fw/update/bias").verdict == "same"


def test_five_percent_std_difference_is_found():
    rng = np.random.default_rng(5)
    a = doc("x", {"keras": gru(rng, kernel=uniform(rng, (32, 16), 0.25))})
    b = doc("y", {"keras": gru(rng, kernel=uniform(rng, (32, 16), 0.25 * 1.05))})
    r = row(run(a, b), "l0/fw/update/kernel")
    assert "scale_mismatch" in codes(r) and r.verdict == "differs"
    fig = next(x.figures for x in r.reasons if x.code == "scale_mismatch")
    assert fig["ratio"] == pytest.approx(1.05, abs=0.01) and fig["p_adjusted"] < 0.01


def test_significant_but_negligible_scale_difference_is_not_flagged():
    rng = np.random.default_rng(6)
    big = (64, 64)
    a = doc("x", {"keras": gru(rng, kernel=uniform(rng, big, 0.25))})
    b = doc("y", {"keras": gru(rng, kernel=uniform(rng, big, 0.25 * 1.01))})
    result = run(a, b)
    assert row(result, "l0/fw/update/kernel").verdict == "same"  # the floor, not the p-value, keeps it same
    loose = run(a, b, scale_floor=0.005)
    assert "scale_mismatch" in codes(row(loose, "l0/fw/update/kernel"))


def test_distribution_mismatch_on_a_shift():
    rng = np.random.default_rng(7)
    shifted = uniform(rng, (32, 16)) + np.float32(0.1)
    r = row(run(doc("x", {"keras": gru(rng)}), doc("y", {"keras": gru(rng, kernel=shifted)})), "l0/fw/update/kernel")
    assert codes(r) == ["distribution_mismatch"]
    assert r.reasons[0].figures["ks_d"] > 0.1


def test_orthogonality_mismatch():
    rng = np.random.default_rng(8)
    random = uniform(rng, (16, 16), 0.25 * np.sqrt(3) / 4 / 0.25 / np.sqrt(3))  # std 1/4, like orthogonal 16x16
    r = row(
        run(doc("x", {"keras": gru(rng)}), doc("y", {"keras": gru(rng, recurrent=random)})), "l0/fw/update/recurrent"
    )
    assert "orthogonality_mismatch" in codes(r) and r.verdict == "differs"


def test_shape_and_missing_blocks():
    """A kernel of another shape differs; the candidate's recurrent bias on one side only (the reset gate
    scales it) is missing; the update gate's one is part of that gate's effective bias: no row of its own."""
    rng = np.random.default_rng(9)
    b_entry = gru(rng, kernel=uniform(rng, (16, 16)))
    for gate in ("update", "candidate"):
        b_entry["blocks"][f"l0/fw/{gate}/recurrent_bias"] = block(const((16,), 0.0))
    result = run(doc("x", {"keras": gru(rng)}), doc("y", {"keras": b_entry}))
    assert "shape_mismatch" in codes(row(result, "l0/fw/update/kernel"))
    missing = row(result, "l0/fw/candidate/recurrent_bias")
    assert missing.verdict == "missing" and codes(missing) == ["missing_block"]
    assert "l0/fw/update/recurrent_bias" not in {r.block for r in result.rows}


def test_effective_bias_same_is_informational():
    rng = np.random.default_rng(10)
    key = "l0/fw/forget/bias"
    tf1 = entry("tf1_lstm", {key: const((16,), 0.0)}, {"forget_bias": 1.0}, {key: const((16,), 1.0)})
    keras = entry(
        "keras_lstm",
        {key: const((16,), 1.0)},
        {"unit_forget_bias": True, "recurrent_activation": "sigmoid", "activation": "tanh"},
        {key: const((16,), 1.0)},
    )
    result = run(doc("x", {"tf1": tf1}), doc("y", {"keras": keras}), [("tf1", "keras")])
    r = row(result, key)
    assert r.verdict == "same" and codes(r) == ["effective_bias_same"]
    config = row(result, "config")  # forget_bias vs unit_forget_bias: every forget gate still sees 1.0
    assert config.verdict == "same" and codes(config) == ["effective_bias_same", "effective_bias_same"]
    assert {x.figures["key"] for x in config.reasons} == {"forget_bias", "unit_forget_bias"}
    # stored the same, seen differently: a constant_mismatch on the effective bias
    keras_plain = entry("keras_lstm", {key: const((16,), 0.0)}, {}, {key: const((16,), 0.0)})
    r = row(run(doc("x", {"tf1": tf1}), doc("y", {"keras": keras_plain}), [("tf1", "keras")]), key)
    assert codes(r) == ["constant_mismatch"] and "gate sees" in r.reasons[0].detail
    del rng


def test_config_mismatch_tf1_gru_vs_keras_defaults():
    rng = np.random.default_rng(11)
    tf1 = entry("tf1_gru", {"l0/fw/update/bias": const((16,), 1.0)}, {"activation": "tanh"})
    keras = entry("keras_gru", {"l0/fw/update/bias": const((16,), 0.0)}, KERAS_GRU)
    r = row(run(doc("x", {"tf1": tf1}), doc("y", {"keras": keras}), [("tf1", "keras")]), "config")
    assert [x.figures["key"] for x in r.reasons] == ["reset_after"]
    assert all(x.detail.count(".") >= 1 for x in r.reasons)
    del rng


def test_stacking_layers_bidirectional_vs_tf1():
    tf1 = entry("tf1_gru", {}, {}, stacking="cells")
    keras = entry("keras_gru", {}, dict(KERAS_GRU, reset_after=False), stacking="layers")
    a, b = doc("x", {"tf1": tf1}), doc("y", {"keras": keras})
    for d in (a, b):
        d["scenarios"]["s"]["spec"].update(layers=2, bidirectional=True)
    r = row(run(a, b, [("tf1", "keras")]), "config")
    assert [x.figures["key"] for x in r.reasons] == ["stacking"]


def test_fingerprint_mismatch_alone_is_informational():
    rng = np.random.default_rng(12)
    a, b = gru(rng), gru(rng)
    a["blocks"]["l0/fw/update/kernel"]["fingerprint"] = {
        "name": "glorot_uniform",
        "over_shape": [48, 32],
        "confidence": 0.9,
    }
    b["blocks"]["l0/fw/update/kernel"]["fingerprint"] = {
        "name": "glorot_uniform",
        "over_shape": [32, 48],
        "confidence": 0.9,
    }
    r = row(run(doc("x", {"keras": a}), doc("y", {"keras": b})), "l0/fw/update/kernel")
    assert r.verdict == "same" and codes(r) == ["fingerprint_mismatch"]
    b["blocks"]["l0/fw/update/kernel"]["fingerprint"]["ties"] = [{"name": "glorot_uniform", "over_shape": [48, 32]}]
    assert codes(row(run(doc("x", {"keras": a}), doc("y", {"keras": b})), "l0/fw/update/kernel")) == []


def test_unavailable_route_is_missing():
    rng = np.random.default_rng(13)
    b = doc("y", {"keras": {"status": "unavailable", "reason": "needs tf-keras"}})
    result = run(doc("x", {"keras": gru(rng)}), b)
    assert [r.verdict for r in result.rows] == ["missing"]
    assert "needs tf-keras" in result.rows[0].reasons[0].detail and result.exit_code == 1


def test_spec_hash_mismatch_is_refused():
    rng = np.random.default_rng(14)
    with pytest.raises(UserError, match="'s'"):
        run(doc("x", {"keras": gru(rng)}), doc("y", {"keras": gru(rng)}, spec_hash="other"))


def test_holm_and_bh_adjustment():
    p = [0.01, 0.04, 0.03, 0.005]
    assert diff.adjust(p, "holm") == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert diff.adjust(p, "bh") == pytest.approx([0.02, 0.04, 0.04, 0.02])
    assert diff.adjust([]) == []


def _sample_stats(values: np.ndarray) -> artifact.Stats:
    return artifact.Stats(present=("sample",), sample=np.asarray(values, dtype=np.float64))


def test_ks_distance_is_scipys_statistic():
    """D from the two sorted samples equals scipy's ks_2samp statistic (to rounding), for unequal sizes, ties
    within a sample and values both samples hold."""
    from scipy import stats as sps

    from compare.host.diff.significance import ks_distance

    rng = np.random.default_rng(21)
    shared = rng.normal(size=400)
    for a, b in [
        (rng.normal(size=2048), rng.normal(0.1, size=2000)),
        (shared, np.concatenate([shared[:150], rng.normal(0.2, size=200)])),
        (shared, shared),
        (rng.uniform(size=300), rng.uniform(size=512)),
        (np.repeat(rng.normal(size=50), 3), rng.normal(size=70)),
    ]:
        a, b = np.unique(a), np.unique(b)
        assert ks_distance(a, b) == pytest.approx(sps.ks_2samp(a, b).statistic, rel=1e-12)
        assert ks_distance(b, a) == pytest.approx(sps.ks_2samp(b, a).statistic, rel=1e-12)


def test_ks_p_is_asymptotic_with_the_exact_one_on_demand_where_it_can_flag():
    """The KS p is Kolmogorov's limiting one at the effective size; at or above the KS floor the test
    also carries scipy's exact p, to be asked for; below it, none."""
    from scipy import stats as sps

    from compare.host.diff.significance import KsTests

    ks_test = KsTests().test
    rng = np.random.default_rng(22)
    near, far = rng.normal(size=2048), rng.normal(0.3, size=2048)
    base = rng.normal(size=2048)
    d, p, exact = ks_test(_sample_stats(base), _sample_stats(far), 0.05)
    assert d >= 0.05 and p == pytest.approx(sps.kstwobign.sf(math.sqrt(1024) * d), rel=1e-12)
    assert exact() == sps.ks_2samp(np.unique(base), np.unique(far), method="exact").pvalue
    d, p, exact = ks_test(_sample_stats(base), _sample_stats(near), 0.05)
    assert d < 0.05 and exact is None
    assert p == pytest.approx(sps.kstwobign.sf(math.sqrt(1024) * d), rel=1e-12)
    # within a few per cent of scipy's finite-size asymptotic p
    assert p == pytest.approx(sps.ks_2samp(np.unique(base), np.unique(near), method="asymp").pvalue, rel=0.05)


def test_ks_tests_of_equal_samples_are_worked_out_once():
    """Two envs storing the same values (separate arrays) share one KS result, exact p included."""
    from scipy import stats as sps

    from compare.host.diff.significance import KsTests

    rng = np.random.default_rng(25)
    base, other = rng.normal(size=2048), rng.normal(0.3, size=2048)
    tests = KsTests()
    first = tests.test(_sample_stats(base), _sample_stats(other), 0.05)
    again = tests.test(_sample_stats(base.copy()), _sample_stats(other.copy()), 0.05)
    assert first[:2] == again[:2] and len(tests._pairs) == 1
    assert first[2]() == again[2]() == sps.ks_2samp(np.unique(base), np.unique(other)).pvalue
    assert len(tests._exact) == 1


def test_the_exact_ks_p_never_exceeds_the_asymptotic_one_by_the_margin():
    """What lets resolve keep an asymptotic p far below alpha / tests: over sample sizes 20 to 2048 and
    shifts from none to one std, scipy's exact p is at most 1.02 times Kolmogorov's limiting p, and
    below it wherever the limiting p is under 1e-6 (EXACT_MARGIN is 100)."""
    from scipy import special
    from scipy import stats as sps

    from compare.host.diff.significance import EXACT_MARGIN

    rng = np.random.default_rng(24)
    ratios, tail = [], []
    for n, m in [(2048, 2048), (2048, 1900), (2048, 500), (300, 2048), (100, 120), (40, 40), (20, 30)]:
        for shift in np.linspace(0.0, 1.0, 11):
            a, b = np.unique(rng.normal(size=n)), np.unique(rng.normal(shift, size=m))
            result = sps.ks_2samp(a, b, method="exact")
            limiting = special.kolmogorov(math.sqrt(a.size * b.size / (a.size + b.size)) * result.statistic)
            if limiting > 0:
                ratios.append(result.pvalue / limiting)
                if limiting < 1e-6:
                    tail.append(result.pvalue / limiting)
    assert len(ratios) > 60 and len(tail) > 20
    assert max(ratios) < 1.02 < EXACT_MARGIN and max(tail) < 1.0


def test_resolve_asks_for_the_exact_p_only_where_it_can_change_a_verdict():
    """Of two flaggable tests among 100, the one whose approximate p is far below alpha / 100 keeps it;
    the borderline one gets its exact p, which here decides its verdict."""
    from compare.host.diff.significance import QueuedTest, resolve

    th = diff.Thresholds()
    asked = []

    def exact(value):
        return lambda: asked.append(value) or value

    rows = [diff.Row("s", f"b{i}", diff.Side("x", "tf1"), diff.Side("y", "keras")) for i in range(100)]
    tests = [
        QueuedTest(rows[0], "distribution_mismatch", 1e-12, True, str, {"p": 1e-12}, exact(2e-12)),
        QueuedTest(rows[1], "distribution_mismatch", 5e-5, True, str, {"p": 5e-5}, exact(2e-4)),
    ]
    tests += [QueuedTest(r, "distribution_mismatch", 0.5, False, str, {"p": 0.5}) for r in rows[2:]]
    resolve(tests, th)
    assert asked == [2e-4]
    assert tests[0].figures == {"p": 1e-12} and len(rows[0].reasons) == 1
    assert tests[1].figures == {"p": 2e-4, "p_method": "exact"} and rows[1].reasons == []  # 100 x 2e-4 > 0.01


def test_a_ks_test_below_the_floor_cannot_outrank_a_flagged_one():
    """Why the asymptotic p below the floor cannot change a verdict: with samples of at most 2048 values
    (effective size <= 1024), D just under the default floor 0.05 has p > the default alpha 0.01, so such
    a test ranks after every p that the correction can flag."""
    from scipy import stats as sps

    from compare.host.diff.significance import KsTests

    th = diff.Thresholds()
    assert sps.kstwobign.sf(math.sqrt(1024) * th.ks_floor) > th.alpha
    grid = np.arange(2048) / 2048.0  # through a KS test: two stored-size samples 100 grid steps apart
    d, p, exact = KsTests().test(_sample_stats(grid), _sample_stats(grid + 100 / 2048.0), th.ks_floor)
    assert exact is None and d == 100 / 2048.0 and th.alpha < p < 0.02


def test_correction_spans_the_whole_diff():
    """One borderline difference survives alone but not among many tests."""
    rng = np.random.default_rng(15)
    a_blocks = {"l0/fw/update/kernel": uniform(rng, (32, 16), 0.25)}
    b_blocks = {"l0/fw/update/kernel": uniform(rng, (32, 16), 0.25 * 1.04)}
    a, b = entry("keras_gru", a_blocks, KERAS_GRU), entry("keras_gru", b_blocks, KERAS_GRU)
    alone = run(doc("x", {"keras": a}), doc("y", {"keras": b}))
    p_alone = next(
        x.figures["p_adjusted"] for x in row(alone, "l0/fw/update/kernel").reasons if x.code == "scale_mismatch"
    )
    for i in range(200):
        key = f"l{i + 1}/fw/update/kernel"
        a["blocks"][key] = block(uniform(rng, (4, 4)))
        b["blocks"][key] = block(uniform(rng, (4, 4)))
    crowded = run(doc("x", {"keras": a}), doc("y", {"keras": b}))
    assert crowded.tests > 400
    flagged = [x for x in row(crowded, "l0/fw/update/kernel").reasons if x.code == "scale_mismatch"]
    assert not flagged or flagged[0].figures["p_adjusted"] > p_alone


def test_bad_thresholds():
    with pytest.raises(UserError):
        diff.Thresholds(correction="bonferroni")
    with pytest.raises(UserError):
        diff.parse_baseline("tf115")


# ---------------------------------------------------------------- files and CLI


def write(path: Path, document: Dict[str, Any], arrays=None) -> Path:
    artifact.write(path, document, arrays or {})
    return path


def test_cli_exit_codes_and_json(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "240")
    rng = np.random.default_rng(16)
    a = write(tmp_path / "a" / "x.json", doc("x", {"keras": gru(rng)}))
    b = write(tmp_path / "b" / "y.json", doc("y", {"keras": gru(rng)}))
    c = write(tmp_path / "c" / "z.json", doc("z", {"keras": gru(rng, bias=1.0)}))
    assert main(["diff", str(a), str(b)]) == 0
    out = tmp_path / "rows.json"
    assert main(["diff", str(a), str(c), "--json", str(out)]) == 1
    printed = capsys.readouterr().out
    assert "differs" in printed and "constant_mismatch" in printed and "thresholds: alpha 0.01" in printed
    data = json.loads(out.read_text())
    assert data["thresholds"]["alpha"] == 0.01 and data["counts"]["differs"] == 1
    first = next(r for r in data["rows"] if r["verdict"] == "differs")
    assert set(first) == {"scenario", "block", "a", "b", "verdict", "reasons"}
    assert first["a"] == {"env": "x", "route": "keras"}
    assert set(first["reasons"][0]) == {"code", "detail", "figures"}
    assert not list(tmp_path.glob(".rows.json.*"))
    assert main(["diff", str(a), str(tmp_path / "nope.json")]) == 2


def test_cli_dir_against_baseline(tmp_path, capsys):
    rng = np.random.default_rng(17)
    write(tmp_path / "tf115.json", doc("tf115", {"tf1": gru(rng), "keras": gru(rng)}))
    write(tmp_path / "tf215.json", doc("tf215", {"tf1": gru(rng), "keras": gru(rng, bias=2.0)}))
    result = diff.diff_dir(tmp_path, "tf115:tf1")
    pairs = {(r.a.label, r.b.label) for r in result.rows}
    assert pairs == {("tf115:tf1", "tf115:keras"), ("tf115:tf1", "tf215:tf1"), ("tf115:tf1", "tf215:keras")}
    assert main(["diff", str(tmp_path)]) == 1
    assert main(["diff", str(tmp_path), "--baseline", "tf999:tf1"]) == 2
    capsys.readouterr()


def keras_gru_artifact(path: Path, env: str, rng, orthogonal_recurrent: bool) -> Path:
    """A Keras GRU whose raw first-seed variables are in the .npz (for the all-gates orthogonality)."""
    kernel = orthogonal(rng, 32, 48)
    recurrent = orthogonal(rng, 16, 48) if orthogonal_recurrent else uniform(rng, (16, 48), 0.25)
    return gru_variables_artifact(path, env, kernel, recurrent)


def gru_variables_artifact(path: Path, env: str, kernel: np.ndarray, recurrent: np.ndarray) -> Path:
    """A Keras GRU (16 units) of these draws of its kernel and recurrent kernel, first seed in the .npz."""
    blocks = {}
    for g, gate in enumerate(("update", "reset", "candidate")):
        blocks[f"l0/fw/{gate}/kernel"] = kernel[:, :, 16 * g : 16 * (g + 1)]
        blocks[f"l0/fw/{gate}/recurrent"] = recurrent[:, :, 16 * g : 16 * (g + 1)]
    e = entry("keras_gru", blocks, dict(KERAS_GRU, reset_after=False, use_bias=False))
    e["variables"] = {
        name: {"shape": list(v.shape[1:]), "layer": 0, "direction": "fw", "param": param}
        for name, param, v in (
            ("gru/kernel", "kernel", kernel),
            ("gru/recurrent_kernel", "recurrent_kernel", recurrent),
        )
    }
    arrays = {"s/keras/gru/kernel": kernel[0], "s/keras/gru/recurrent_kernel": recurrent[0]}
    return write(path, doc(env, {"keras": e}), arrays)


def test_all_gates_orthogonality_from_first_seed(tmp_path):
    rng = np.random.default_rng(18)
    a = keras_gru_artifact(tmp_path / "a.json", "x", rng, True)
    b = keras_gru_artifact(tmp_path / "b.json", "y", rng, False)
    result = diff.diff_paths(a, b)
    assert row(result, "l0/fw/*/kernel").verdict == "same"
    r = row(result, "l0/fw/*/recurrent")
    assert codes(r) == ["orthogonality_mismatch"] and r.verdict == "differs"
    assert "all gates" in r.reasons[0].detail
    # the gate blocks of an orthogonal (16, 48) are not orthogonal themselves: no block-level flag
    assert "orthogonality_mismatch" not in codes(row(result, "l0/fw/update/recurrent"))


def test_repeated_draws_count_once():
    """A route that repeats one draw for every seed gives no 32-fold evidence (no false alarm)."""
    rng = np.random.default_rng(19)
    one = np.repeat(uniform(rng, (32, 16))[:1], S, axis=0)
    other = np.repeat(uniform(rng, (32, 16))[:1], S, axis=0)
    a = entry("keras_gru", {"l0/fw/update/kernel": one}, KERAS_GRU)
    b = entry("keras_gru", {"l0/fw/update/kernel": other}, KERAS_GRU)
    result = run(doc("x", {"keras": a}), doc("y", {"keras": b}))
    assert row(result, "l0/fw/update/kernel").verdict == "same"
    assert any("distinct draws" in n for n in result.notes)
    stats = artifact.from_document(doc("x", {"keras": a})).route("s", "keras").blocks["l0/fw/update/kernel"].stats
    assert stats.per_seed.distinct_stds() == (pytest.approx(float(one[0].std()), rel=1e-6),)
    # but a large difference is still found from one draw per side
    wide = np.repeat(uniform(rng, (32, 16), 0.4)[:1], S, axis=0)
    b = entry("keras_gru", {"l0/fw/update/kernel": wide}, KERAS_GRU)
    assert "scale_mismatch" in codes(row(run(doc("x", {"keras": a}), doc("y", {"keras": b})), "l0/fw/update/kernel"))


def test_whole_cell_rows_tell_joint_orthogonality_from_independent_parts(tmp_path):
    """Both sides: orthonormal input rows and orthonormal recurrent rows (every part looks alike). One side
    cuts both from one orthogonal (48, 48) matrix, like TF1's scope over the fused [x; h] kernel; the other
    draws them independently, like Keras. Only the whole-cell row tells them apart, with both figures."""
    rng = np.random.default_rng(20)
    fused = orthogonal(rng, 48, 48)
    a = gru_variables_artifact(tmp_path / "a.json", "x", fused[:, :32], fused[:, 32:])
    b = gru_variables_artifact(tmp_path / "b.json", "y", orthogonal(rng, 32, 48), orthogonal(rng, 16, 48))
    result = diff.diff_paths(a, b)
    assert row(result, "l0/fw/*/kernel").verdict == row(result, "l0/fw/*/recurrent").verdict == "same"
    cell = row(result, "l0/fw/*/cell")
    assert codes(cell) == ["joint_orthogonality_mismatch", "orthogonality_mismatch"] and cell.verdict == "differs"
    joint = next(x for x in cell.reasons if x.code == "joint_orthogonality_mismatch")
    assert joint.figures["coupling_a"] < 1e-5 and joint.figures["coupling_b"] > 0.5
    assert "x:keras makes the input and recurrent rows mutually orthogonal" in joint.detail


def test_a_block_copied_from_another_is_tied_naming_what_it_copies(tmp_path):
    """One seeded initializer for kernel and recurrent kernel (16 inputs, 16 units): the recurrent blocks
    equal the kernel blocks exactly on one side only."""
    rng = np.random.default_rng(21)
    kernel = orthogonal(rng, 16, 48)
    a = gru_variables_artifact(tmp_path / "a.json", "x", kernel, orthogonal(rng, 16, 48))
    b = gru_variables_artifact(tmp_path / "b.json", "y", kernel, kernel.copy())
    result = diff.diff_paths(a, b)
    tied = row(result, "l0/fw/reset/recurrent")
    assert "tied_weights" in codes(tied) and tied.verdict == "differs"
    assert next(x for x in tied.reasons if x.code == "tied_weights").figures == {
        "copy_of_a": None,
        "copy_of_b": "l0/fw/reset/kernel",
    }
    assert "tied_weights" not in codes(row(result, "l0/fw/reset/kernel"))  # the original is not the copy
    same = diff.diff_paths(b, b)  # both sides tied alike: nothing differs
    assert "tied_weights" not in [c for r in same.rows for c in codes(r)]


def test_draws_repeated_on_one_side_only_are_named():
    rng = np.random.default_rng(22)
    one = np.repeat(uniform(rng, (32, 16))[:1], S, axis=0)
    a = entry("keras_gru", {"l0/fw/update/kernel": one}, KERAS_GRU)
    b = entry("keras_gru", {"l0/fw/update/kernel": uniform(rng, (32, 16))}, KERAS_GRU)
    r = row(run(doc("x", {"keras": a}), doc("y", {"keras": b})), "l0/fw/update/kernel")
    assert "repeated_draws" in codes(r) and r.verdict == "differs"
    figures = next(x for x in r.reasons if x.code == "repeated_draws").figures
    assert figures == {"repeats": "x:keras", "distinct": 1, "seeds": S}


def test_default_baseline_is_the_tf1_route_of_the_newest_tensorflow_1():
    """TF 1.15 is what TF1 models are migrated from: its TF1 route is the reference even where an older
    TF 1.x sorts first; without a 1.x env, the first env whose TF1 route ran; without any, the first route."""

    def art(env, tensorflow, tf1="ok"):
        routes = {"keras": entry("keras_gru", {}, KERAS_GRU)}
        if tf1 == "ok":
            routes["tf1"] = entry("tf1_gru", {}, {"activation": "tanh"})
        document = doc(env, routes)
        document["env"]["tensorflow"] = tensorflow
        return artifact.from_document(document)

    assert diff.default_baseline([art("tf11", "1.1.0"), art("tf115", "1.15.5"), art("tf215", "2.15.1")]) == (
        "tf115",
        "tf1",
    )
    assert diff.default_baseline([art("tf11", "1.1.0"), art("tf115", "1.15.5", tf1="no"), art("tf215", "2.15.1")]) == (
        "tf11",
        "tf1",
    )
    assert diff.default_baseline([art("tf215", "2.15.1"), art("tf221", "2.21.0")]) == ("tf215", "tf1")
    assert diff.default_baseline([art("tf221", "2.21.0", tf1="no")]) == ("tf221", "keras")
