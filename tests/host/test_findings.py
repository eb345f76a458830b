"""Findings (compare.host.findings): a diff's rows as causes, each stated once, as a specification.

Rows here are made by hand in the diff's shape (``compare.host.diff.Row``), against the baseline
``tf115:tf1``, with the figures the diff's reasons carry; a few tests add artifacts (for the concrete
fixes) or take the rows of a real diff (``tests/data/tiny-tf115.json``, the report, the CLI).
"""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path
from typing import Any, Dict, List

import numpy as np

import compare
from compare import artifact
from compare.host import diff
from compare.host.cli import main
from compare.host.diff import Reason, Row, Side
from compare.host.findings import KINDS, Findings, findings_for
from compare.host.report import build
from tests.helpers.builders import block, document, route, scenario, typed
from tests.helpers.report_artifacts import synthetic_artifacts

DATA = Path(__file__).resolve().parent.parent / "data"
BASE = "tf115:tf1"
GRU = ("update", "reset", "candidate")
BIGRU = [(layer, d) for layer in (0, 1) for d in ("fw", "bw")]  # two layers, both directions


def side(label: str) -> Side:
    env, route_name = label.split(":")
    return Side(env, route_name)


def row(block_key: str, b: str, *reasons: Reason, scenario: str = "s", verdict: str = "differs") -> Row:
    return Row(scenario, block_key, side(BASE), side(b), verdict, list(reasons))


def constant(a: Any = 1.0, b: Any = 0.0) -> Reason:
    return Reason("constant_mismatch", "The gate sees a different bias", {"a": a, "b": b})


def scale(ratio: float, std_a: float = 0.177) -> Reason:
    figures = {"std_a": std_a, "std_b": std_a * ratio, "ratio": ratio, "p_adjusted": 1e-30}
    return Reason("scale_mismatch", "spread", figures)


def ks(d: float = 0.1, mean_b: float = -0.02, kurtosis_b: float = -0.45) -> Reason:
    figures = {"ks_d": d, "mean_a": 0.0, "mean_b": mean_b, "kurtosis_a": -0.2, "kurtosis_b": kurtosis_b}
    return Reason("distribution_mismatch", "distributed differently", figures)


def fingerprint(name_a: str, name_b: str) -> Reason:
    return Reason("fingerprint_mismatch", "labels", {"a": {"name": name_a}, "b": {"name": name_b}})


def config(key: str, a: Any, b: Any) -> Reason:
    return Reason("config_mismatch", f"{key} differs", {"key": key, "a": a, "b": b})


def orthogonality(err_a: float, err_b: float) -> Reason:
    return Reason("orthogonality_mismatch", "orthogonal", {"orth_rel_err_a": err_a, "orth_rel_err_b": err_b})


def missing(present: str) -> Reason:
    return Reason("missing_block", "only one side", {"present": present})


def gate_bias_rows(b: str, scenario: str = "s", places=BIGRU) -> List[Row]:
    """TF1 GRUCell's gate biases 1, Keras's 0 (the candidate's bias 0 on both sides: same)."""
    rows = []
    for layer, d in places:
        rows += [row(f"l{layer}/{d}/{g}/bias", b, constant(), scenario=scenario) for g in ("update", "reset")]
        rows.append(row(f"l{layer}/{d}/candidate/bias", b, scenario=scenario, verdict="same"))
    return rows


def differs_rows_in_findings(rows: List[Row], found: Findings) -> Counter:
    """How many findings each differs row is in (a config row: once per differing option)."""
    cited = Counter((r.scenario, r.block, r.a, r.b, r.key) for f in found.findings for r in f.rows)
    counts: Counter = Counter()
    for r in rows:
        if r.verdict == "differs":
            keys = {x.figures.get("key") for x in r.reasons if x.code == "config_mismatch"} or {""}
            for key in keys:
                counts[(r.scenario, r.block, key)] = cited[(r.scenario, r.block, r.a.label, r.b.label, key)]
    return counts


# ---------------------------------------------------------------- one cause, stated once


def test_gate_biases_one_to_zero_are_one_finding_over_layers_directions_and_envs():
    rows = gate_bias_rows("tf115:keras") + gate_bias_rows("tf215:keras")
    found = findings_for(rows)
    assert len(found.findings) == 1
    f = found.findings[0]
    assert (f.kind, f.cause) == ("distribution", "constant(1.0, 0.0)")
    assert f.where == "every layer and direction: update and reset gate biases"
    assert f.what == "The gate biases start at the constant 1 in tf115:tf1, at 0 in keras in tf115 and tf215."
    assert f.pairs == ((BASE, "tf115:keras"), (BASE, "tf215:keras"))
    assert f.figures == {"a": 1.0, "b": 0.0}
    assert len(f.rows) == 16 and {r.verdict for r in f.rows} == {"differs"}


def test_options_that_change_the_function_come_first_each_with_its_keras_argument():
    rows = gate_bias_rows("tf215:keras") + [
        row("config", "tf215:keras", config("reset_after", False, True)),
        row("config", "tf115:keras", config("recurrent_activation", "sigmoid", "hard_sigmoid")),
    ]
    rows += [
        row(f"l{n}/{d}/{g}/recurrent_bias", "tf215:keras", missing("tf215:keras"), verdict="missing")
        for n, d in BIGRU
        for g in GRU
    ]
    found = findings_for(rows)
    assert [f.kind for f in found.findings] == ["function", "function", "distribution"]
    reset, sigmoid = found.findings[0], found.findings[1]
    assert (reset.cause, reset.fix) == ("reset_after(False, True)", "reset_after=False")
    assert reset.what.startswith("reset_after: False in tf115:tf1, True in tf215:keras: reset_after=True applies")
    # the recurrent biases only reset_after makes are its evidence, not a finding of their own
    assert reset.where == "the layer's options; every layer and direction: every gate's recurrent biases"
    assert Counter(r.verdict for r in reset.rows) == {"missing": 12, "differs": 1}
    assert (sigmoid.fix, sigmoid.pairs) == ('recurrent_activation="sigmoid"', ((BASE, "tf115:keras"),))


def test_a_config_row_with_two_options_gives_one_finding_per_option():
    both = row(
        "config",
        "tf11:keras",
        config("recurrent_activation", "sigmoid", "hard_sigmoid"),
        config("activation", "tanh", "relu"),
    )
    found = findings_for([both])
    assert sorted(f.fix for f in found.findings) == ['activation="tanh"', 'recurrent_activation="sigmoid"']
    assert sorted(r.key for f in found.findings for r in f.rows) == ["activation", "recurrent_activation"]


def test_layer_one_spread_is_one_finding_with_its_measured_range():
    """The Bidirectional stack's layer 1: every gate's kernels and recurrent kernels, 17-19 % less spread."""
    ratios = iter([0.81, 0.83, 0.82, 0.815] * 6)
    rows = [
        row(f"l1/{d}/{g}/{p}", "tf215:keras", scale(next(ratios)))
        for d in ("fw", "bw")
        for g in GRU
        for p in ("kernel", "recurrent")
    ]
    rows += [
        row(f"l0/{d}/{g}/{p}", "tf215:keras", verdict="same")
        for d in ("fw", "bw")
        for g in GRU
        for p in ("kernel", "recurrent")
    ]
    (f,) = findings_for(rows).findings
    assert (f.kind, f.cause) == ("distribution", "scale(less, )")
    assert f.where == "layer 1, every direction: every gate's kernels and recurrent kernels"
    assert "17-19 % less spread than tf115:tf1 (std 0.145 vs 0.177)" in f.what
    assert f.figures["ratio"] == [0.81, 0.83] and f.fix.startswith("init_like_tf1(layer")


def test_another_initializer_is_one_cause_and_takes_the_orthogonality_it_brings():
    """Keras's orthogonal recurrent kernel against TF1's glorot_uniform over [x; h]: the spread, the
    distribution and the all-gates orthogonality are one cause, not three."""
    rows = [
        row(f"l0/fw/{g}/recurrent", "tf215:keras", fingerprint("glorot_uniform", "orthogonal"), scale(0.9), ks())
        for g in GRU
    ]
    rows.append(row("l0/fw/*/recurrent", "tf215:keras", orthogonality(0.34, 3e-7)))
    rows.append(
        row("l0/fw/candidate/kernel", "tf215:keras", fingerprint("glorot_uniform", "glorot_uniform"), scale(0.9))
    )
    found = findings_for(rows)
    assert sorted(f.cause for f in found.findings) == [
        "initializer(glorot_uniform, orthogonal)",
        "scale(less, glorot_uniform)",
    ]
    init = next(f for f in found.findings if f.cause.startswith("initializer"))
    assert len(init.rows) == 4 and init.where.startswith("every layer and direction: every gate's recurrent kernels")
    assert "from orthogonal where tf115:tf1 draws them from glorot_uniform" in init.what
    assert "kurtosis -0.45 vs -0.2" in init.what and "form one orthogonal matrix" in init.what


def test_lost_joint_orthogonality_of_x_and_h():
    joint = Reason("joint_orthogonality_mismatch", "coupled", {"coupling_a": 2e-7, "coupling_b": 0.8})
    rows = [row(f"l{n}/{d}/*/cell", "tf215:keras", orthogonality(3e-7, 0.35), joint) for n, d in BIGRU]
    (f,) = findings_for(rows).findings
    assert (f.kind, f.cause) == ("distribution", "joint_orthogonality(a)")
    assert f.where == "every layer and direction: the whole cell ([x; h] by all gates)"
    assert "tf115:tf1 draws [x; h] as one orthogonal matrix" in f.what and "(coupling 0.80)" in f.what


def test_tf11_skewed_orthogonal_draws_are_one_finding_with_nothing_to_set_in_keras():
    """TF 1.1's TF1 route against TF 1.15's: the KS test flags some blocks (one stated cause), whatever
    the fingerprint calls each of them."""
    rows = [
        row("l0/fw/update/kernel", "tf11:tf1", fingerprint("orthogonal", "unknown"), ks(0.115)),
        row("l0/bw/reset/kernel", "tf11:tf1", ks(0.086, mean_b=-0.01)),
        row("l1/bw/candidate/kernel", "tf11:tf1", ks(0.09)),
    ]
    (f,) = findings_for(rows).findings
    assert (f.kind, f.cause, f.pairs) == ("distribution", "distribution", ((BASE, "tf11:tf1"),))
    assert "KS D 0.086-0.115" in f.what and "mean -0.02 vs 0" in f.what
    assert f.fix.startswith("nothing to set in Keras")


def test_tied_copies_from_a_reused_seeded_initializer():
    tie = Reason("tied_weights", "copy", {"copy_of_a": None, "copy_of_b": "l0/fw/update/kernel"})
    rows = [row("l0/fw/update/recurrent", "tf221:keras", tie, scale(0.9))]
    (f,) = findings_for(rows).findings
    assert (f.kind, f.cause) == ("distribution", "tied_weights(b)")
    assert "l0/fw/update/recurrent = l0/fw/update/kernel" in f.what
    assert "recurrent_initializer=tf.keras.initializers.Orthogonal(seed=1)" in f.fix
    assert "kernel_initializer=tf.keras.initializers.Orthogonal(seed=2)" in f.fix


def test_repeated_draws_name_the_side_that_repeats():
    again = Reason("repeated_draws", "repeats", {"repeats": "tf221:keras", "distinct": 1, "seeds": 32})
    (f,) = findings_for([row("l0/fw/update/kernel", "tf221:keras", again)]).findings
    assert f.cause == "repeated_draws(b)" and "1 distinct among 32 seeds" in f.what and "set_random_seed" in f.fix


def test_same_rows_notes_and_routes_that_did_not_run_make_no_finding():
    note = Reason("fingerprint_mismatch", "tf115:recipe variance_scaling (confidence 0.1518)", {})
    forget = Reason("effective_bias_same", "stored differ, seen alike", {"stored_a": 0.0, "stored_b": 1.0})
    rows = [
        row("l0/fw/update/kernel", "tf115:recipe", note, verdict="same"),
        row("l0/fw/forget/bias", "tf215:keras", forget, verdict="same"),
        row("*", "tf221:tf1", missing(BASE), verdict="missing"),
    ]
    assert findings_for(rows) == Findings()


def test_an_unsettled_forget_bias_is_one_function_finding_with_unit_forget_bias():
    rows = [row("config", "tf11:keras", config("forget_bias", 1.0, 0.0))]
    rows += [row("l0/fw/forget/bias", "tf11:keras", constant(1.0, 0.0))]
    (f,) = findings_for(rows).findings
    assert (f.kind, f.cause, f.fix) == ("function", "forget_bias(1.0, 0.0)", "unit_forget_bias=True")
    assert len(f.rows) == 2


def test_other_shapes_above_layer_0_join_the_stacking_that_makes_them():
    stacking = config("stacking", "per direction", "per level (layer 2 sees both directions)")
    shape = Reason("shape_mismatch", "shapes", {"a": [16, 48], "b": [32, 48]})
    rows = [row("config", "tf215:keras", stacking)] + [
        row(f"l1/{d}/update/kernel", "tf215:keras", shape) for d in ("fw", "bw")
    ]
    (f,) = findings_for(rows).findings
    assert (f.kind, f.cause, len(f.rows)) == (
        "function",
        "stacking(per direction, per level (layer 2 sees both directions))",
        3,
    )
    assert f.fix.endswith("tf.keras.layers.Bidirectional(tf.keras.layers.RNN(tf.keras.layers.StackedRNNCells(cells)))")


def test_blocks_no_option_explains_are_a_finding_of_their_own():
    rows = [row("l0/fw/input/peephole", "tf115:keras", missing(BASE), verdict="missing")]
    (f,) = findings_for(rows).findings
    assert (f.kind, f.cause) == ("function", "missing_block(a)") and "Only tf115:tf1 has these blocks" in f.what


# ---------------------------------------------------------------- ids, ranking, summary


def mixed_rows() -> List[Row]:
    rows = gate_bias_rows("tf115:keras") + gate_bias_rows("tf215:keras")
    rows += [row("config", "tf215:keras", config("reset_after", False, True))]
    rows += [row(f"l1/fw/{g}/kernel", "tf115:keras", scale(0.82)) for g in GRU]
    rows += [row("l0/fw/update/kernel", "tf11:tf1", ks())]
    return rows


def test_every_differs_row_belongs_to_exactly_one_finding():
    rows = mixed_rows()
    assert set(differs_rows_in_findings(rows, findings_for(rows)).values()) == {1}


def test_ids_depend_on_cause_and_where_not_on_row_order():
    rows = mixed_rows()
    found = findings_for(rows)
    shuffled = rows[:]
    random.Random(3).shuffle(shuffled)
    again = findings_for(shuffled)
    assert [f.id for f in again.findings] == [f.id for f in found.findings]
    assert [f.to_dict() for f in again.findings] == [f.to_dict() for f in found.findings]
    assert {f.id.split("-")[0] for f in found.findings} == {"reset", "constant", "scale", "distribution"}
    layer_0 = [r if r.block.startswith("l0/") else row(r.block, "tf115:keras", verdict="same") for r in rows[:12]]
    fewer = findings_for(layer_0)  # the same cause in layer 0 only: another where, another id
    assert fewer.findings[0].where == "layer 0, every direction: update and reset gate biases"
    bias_id = next(f.id for f in found.findings if f.cause.startswith("constant"))
    assert fewer.findings[0].id != bias_id
    assert len(set(f.id for f in found.findings)) == len(found.findings)


def test_findings_rank_by_kind_then_breadth():
    found = findings_for(mixed_rows())
    kinds = [KINDS.index(f.kind) for f in found.findings]
    assert kinds == sorted(kinds)
    distribution = [len(f.rows) for f in found.findings if f.kind == "distribution"]
    assert distribution == sorted(distribution, reverse=True)


def test_the_summary_states_a_cause_once_across_scenarios():
    """The same gate biases in a one-layer GRU and in a bidirectional two-layer one: "every layer and
    direction" in both, so one id and one run-wide finding over both scenarios."""
    rows = gate_bias_rows("tf115:keras", "deep") + gate_bias_rows("tf115:keras", "flat", places=[(0, "fw")])
    found = findings_for(rows)
    deep, flat = found.of("deep")[0], found.of("flat")[0]
    assert deep.id == flat.id and deep.where == flat.where
    (summary,) = found.summary
    assert summary.id == deep.id and summary.scenarios == ("deep", "flat") and len(summary.rows) == 8 + 2
    shallow = gate_bias_rows("tf115:keras", "shallow", places=[(0, "fw"), (0, "bw"), (1, "fw")])
    (merged,) = findings_for(rows + shallow).summary  # another where in one scenario: still one cause
    assert merged.scenarios == ("deep", "flat", "shallow") and "(shallow)" in merged.where


def test_records_have_the_documented_shape():
    f = findings_for(mixed_rows()).findings[0]
    data = json.loads(json.dumps(f.to_dict()))
    assert {"id", "kind", "cause", "what", "where", "pairs", "figures", "fix", "rows"} <= set(data)
    assert set(data["rows"][0]) == {"scenario", "block", "a", "b", "verdict", "key"}
    assert compare.findings_for is findings_for


# ---------------------------------------------------------------- with artifacts: concrete fixes


def gru_artifacts() -> Dict[str, artifact.Artifact]:
    """tf115 with a TF1 GRUCell (gate biases 1) and a Keras GRU (biases 0), 2 units: the fix's Constant."""
    seeds, units = 3, 2
    spec = {
        "name": "s",
        "cell": "gru",
        "units": units,
        "input_dim": 3,
        "layers": 1,
        "bidirectional": False,
        "tf1": {"scope_initializer": {"name": "orthogonal", "params": {}}},
    }
    biases = {"tf1": {"update": 1.0, "reset": 1.0, "candidate": 0.0}, "keras": dict.fromkeys(GRU, 0.0)}
    routes = {}
    for name, family in (("tf1", "tf1_gru"), ("keras", "keras_gru")):
        blocks = {f"l0/fw/{g}/bias": block(np.full((seeds, units), v, np.float32)) for g, v in biases[name].items()}
        routes[name] = route(family, blocks, {"cell": {"recurrent_activation": "sigmoid"}})
    return typed({"tf115": document("tf115", {"s": scenario(routes, spec)})})


def test_with_artifacts_the_fixes_are_the_keras_argument_and_the_scenarios_recipe():
    arts = gru_artifacts()
    rows = gate_bias_rows("tf115:keras", places=[(0, "fw")]) + [row("l0/fw/update/kernel", "tf115:keras", scale(0.8))]
    found = findings_for(rows, arts)
    bias = next(f for f in found.findings if f.cause.startswith("constant"))
    assert bias.fix == (
        "bias_initializer=tf.keras.initializers.Constant([1.0] * 4 + [0.0] * 2) (update 1.0, reset 1.0, candidate 0.0)"
    )
    spread = next(f for f in found.findings if f.cause.startswith("scale"))
    assert spread.fix == "init_like_tf1(layer, scope_initializer='orthogonal')"
    assert findings_for(rows, list(arts.values())) == found  # artifacts as a list do as well


def test_the_real_tiny_fixture():
    """A real tf115 worker run (tests/data/tiny-tf115): TF 1.15's Keras GRU with hard_sigmoid gates and
    zero gate biases, and NaN/Inf draws in scenario ``inf``."""
    tiny = artifact.read(DATA / "tiny-tf115.json")
    rows = diff.diff_against([tiny]).rows
    found = findings_for(rows, [tiny])
    g1 = {f.cause: f for f in found.of("g1")}
    assert g1["recurrent_activation(sigmoid, hard_sigmoid)"].fix == 'recurrent_activation="sigmoid"'
    assert g1["constant(1.0, 0.0)"].fix.startswith(
        "bias_initializer=tf.keras.initializers.Constant([1.0] * 4 + [0.0] * 2)"
    )
    assert any(f.cause == "nonfinite" for f in found.of("inf"))
    assert set(differs_rows_in_findings(rows, found).values()) == {1}
    assert len(found.summary) < len(found.findings)  # hard_sigmoid and the gate biases: once for both scenarios


# ---------------------------------------------------------------- where findings show: report.json, the CLI


def test_report_json_holds_the_findings():
    arts = synthetic_artifacts()
    rows = [row("config", "tf215:keras", config("reset_after", False, True), scenario="bigru")]
    rows += [row("l0/fw/update/kernel", "tf215:keras", scale(1.5), scenario="bigru")]
    data = json.loads(build(typed(arts), rows).json_text())
    assert [f["cause"] for f in data["findings"]] == ["reset_after(False, True)", "scale(more, glorot_uniform)"]
    assert data["findings"][0]["rows"][0] == {
        "scenario": "bigru",
        "block": "config",
        "a": BASE,
        "b": "tf215:keras",
        "verdict": "differs",
        "key": "reset_after",
    }


def test_the_diff_command_prints_the_findings_before_its_rows(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    assert (
        main(
            [
                "diff",
                str(DATA / "tiny-tf115.json"),
                str(DATA / "tiny-tf115.json"),
                "--a-route",
                "tf1",
                "--b-route",
                "keras",
            ]
        )
        == 1
    )
    out = capsys.readouterr().out
    assert out.index("findings: one cause each") < out.index("per compared pair") < out.index("blocks that differ")
    assert 'recurrent_activation="sigmoid"' in out and "function" in out
