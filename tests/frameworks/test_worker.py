"""The worker in real TensorFlow (runs inside each tox TF env): statuses, shapes and values measured."""

import json

import numpy as np
import pytest

from backends import worker
from compare import artifact

SEED_GRU = "seed-bigru-orthogonal"
SEEDS = ("seed-bigru-orthogonal", "seed-bilstm-orthogonal", "seed-code-bigru", "seed-code-bilstm")


@pytest.fixture(scope="module")
def default_run(tmp_path_factory, env_name):
    out = tmp_path_factory.mktemp("artifacts") / (env_name + ".json")
    assert worker.main(["--out", str(out)]) == 0
    return out, artifact.load(out)


def tf1_expected(env_name):
    """Where the TF1 route can run: everywhere but Keras-3-only TF (tf221 without tf-keras)."""
    return env_name != "tf221"


def kernel_name(env_name):
    """TF <= 1.1 names the TF1 cells' variables weights / biases; kernel / bias from TF 1.2 on."""
    return ("weights", "biases") if env_name == "tf11" else ("kernel", "bias")


def test_env_metadata_names_real_versions(default_run, env_name):
    env = default_run[1]["env"]
    assert env["name"] == env_name
    assert env["tensorflow"].startswith({"tf11": "1.1.", "tf115": "1.15", "tf215": "2.15"}.get(env_name, "2.21"))
    assert set(env) >= {"python", "tensorflow", "keras", "numpy", "platform"}


def test_route_statuses_are_honest(default_run, env_name):
    """tf115 and tf221-legacy build every route; tf221 reports TF1 unavailable with the remedy; tf11's
    Keras 2.0 (tf.contrib.keras) builds the unidirectional GRU/LSTM layers and reports what it lacks
    for the rest: Bidirectional, the cells the "cells" stacking and a deep recipe need, the reset_after
    a one-level recipe's GRU needs, and eager assigns. No TF env has PyTorch: its routes are
    unavailable, saying so."""
    for name, scenario in default_run[1]["scenarios"].items():
        routes = scenario["routes"]
        for pytorch in ("torch", "torch_recipe"):  # no TF env has PyTorch: said, not an error
            assert routes[pytorch] == {"status": "unavailable", "reason": routes[pytorch]["reason"]}
            assert "this env has no PyTorch" in routes[pytorch]["reason"]
        if env_name == "tf11":
            assert routes["tf1"]["status"] == "ok", (name, routes["tf1"]["reason"])
            assert routes["recipe"]["status"] == "unavailable"
            # more than one level needs StackedRNNCells; one is a plain layer, which the GRU's has no
            # reset_after for, and which TF 1.1's graph-mode Keras cannot assign eagerly
            lacks = ("StackedRNNCells",) if scenario["spec"]["layers"] > 1 else ("takes no reset_after", "eagerly")
            assert any(text in routes["recipe"]["reason"] for text in lacks), (name, routes["recipe"]["reason"])
            if scenario["spec"]["bidirectional"]:
                assert routes["keras"]["status"] == "unavailable"
                assert "has no Bidirectional" in routes["keras"]["reason"]
            else:
                assert routes["keras"]["status"] == "ok", (name, routes["keras"]["reason"])
            continue
        assert routes["keras"]["status"] == "ok", (name, routes["keras"]["reason"])
        assert routes["recipe"]["status"] == "ok", (name, routes["recipe"]["reason"])
        if tf1_expected(env_name):
            assert routes["tf1"]["status"] == "ok", (name, routes["tf1"]["reason"])
        else:
            assert routes["tf1"]["status"] == "unavailable"
            assert "tf-keras" in routes["tf1"]["reason"] and "TF_USE_LEGACY_KERAS=1" in routes["tf1"]["reason"]


def test_seed_gru_tf1_gate_kernel_is_orthonormal_and_gate_bias_is_one(default_run, env_name):
    """Measured from the real weights: gates/kernel (in+units, 2*units) has orthonormal columns; gates/bias is 1.0."""
    if not tf1_expected(env_name):
        pytest.skip("no TF1 route in this env (asserted unavailable above)")
    out, doc = default_run
    scenario = doc["scenarios"][SEED_GRU]
    spec, variables = scenario["spec"], scenario["routes"]["tf1"]["variables"]
    units, input_dim = spec["units"], spec["input_dim"]
    kernel, bias = kernel_name(env_name)
    kernels = [n for n in variables if n.endswith("cell_0/gru_cell/gates/" + kernel)]
    biases = [n for n in variables if n.endswith("gru_cell/gates/" + bias)]
    assert len(kernels) == 2 and len(biases) == 4  # fw and bw; two layers of biases each
    arrays = artifact.arrays(out)
    for name in kernels:
        assert variables[name]["shape"] == [input_dim + units, 2 * units]
        kernel = arrays[SEED_GRU + "/tf1/" + name].astype(np.float64)
        np.testing.assert_allclose(kernel.T @ kernel, np.eye(2 * units), atol=1e-5)
    for name in biases:
        assert variables[name]["stats"]["constant"] == 1.0


def test_keras_defaults_are_visible_in_the_built_config(default_run, env_name):
    """The built config shows reset_after and recurrent_activation as this Keras chose them (Keras 2.0
    in tf11 predates reset_after: its GRU resets before the recurrent matmul)."""
    cell = default_run[1]["scenarios"]["defaults-gru"]["routes"]["keras"]["config"]["cell"]
    expected = (False, "hard_sigmoid") if env_name in ("tf11", "tf115") else (True, "sigmoid")
    assert (cell.get("reset_after", False), cell["recurrent_activation"]) == expected
    assert ("reset_after" in cell) == (env_name != "tf11")


def test_running_twice_gives_the_same_numbers(default_run, tmp_path):
    """Draws are reproducible: a second run writes identical values and statistics."""
    first_out, first = default_run
    again = tmp_path / "again.json"
    assert worker.main(["--out", str(again), "--only", "defaults-lstm", "--only", SEED_GRU]) == 0
    second = artifact.load(again)
    a, b = artifact.arrays(first_out), artifact.arrays(again)
    assert set(b) <= set(a) and len(b) > 0
    for key in b:
        np.testing.assert_array_equal(a[key], b[key], err_msg=key)
    for name in ("defaults-lstm", SEED_GRU):
        assert json.dumps(first["scenarios"][name]) == json.dumps(second["scenarios"][name])


def test_bad_scenario_file_exits_2_with_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('[[scenario]]\nname = "x"\ncell = "gru"\nunits = 4\ninput_dim = 3\nlayerz = 2\n')
    assert worker.main(["--scenarios", str(bad), "--out", str(tmp_path / "x.json")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "did you mean 'layers'?" in err
    assert not (tmp_path / "x.json").exists()


def test_blocks_cover_every_element_of_every_variable(default_run):
    """Every ok route's canonical blocks hold exactly as many values as its variables."""
    for name, scenario in default_run[1]["scenarios"].items():
        for route, entry in scenario["routes"].items():
            if entry["status"] != "ok":
                continue
            in_variables = sum(int(np.prod(v["shape"])) for v in entry["variables"].values())
            in_blocks = sum(int(np.prod(b["shape"])) for b in entry["blocks"].values())
            assert in_blocks == in_variables > 0, (name, route)


def test_seed_scenario_tf1_kernel_blocks_are_orthogonal_over_their_whole_variable(default_run, env_name):
    """Measured: every TF1 kernel/recurrent block of the seed GRU comes from a variable with orth_err
    <= 1e-5, and is fingerprinted orthogonal over that variable's (input_dim + units, k * units) shape;
    not in tf11, whose orthogonal initializer is not Haar (see the next test)."""
    if not tf1_expected(env_name):
        pytest.skip("no TF1 route in this env (asserted unavailable above)")
    route = default_run[1]["scenarios"][SEED_GRU]["routes"]["tf1"]
    matrices = {k: b for k, b in route["blocks"].items() if k.endswith(("/kernel", "/recurrent"))}
    assert len(matrices) == 2 * 2 * 3 * 2  # layers x directions x gates x parts
    for key, block in matrices.items():
        variable = route["variables"][block["variable"]]
        assert block["stats"]["orth_err_variable"] <= 1e-5, key
        if env_name != "tf11":
            assert block["fingerprint"]["name"] == "orthogonal", (key, block["fingerprint"])
            assert block["fingerprint"]["over_shape"] == variable["shape"], key


def ones_cosines(matrix):
    """|cos| between the ones vector and each orthonormal vector of ``matrix``: its columns when it is
    tall, its rows when it is square or wide (TF 1.1 transposes V there)."""
    vectors = matrix if matrix.shape[0] > matrix.shape[1] else matrix.T
    return np.abs(vectors.sum(axis=0)) / np.sqrt(vectors.shape[0]) / np.linalg.norm(vectors, axis=0)


def test_tf11_orthogonal_initializer_puts_its_first_vector_along_the_ones_vector(default_run, env_name):
    """TF 1.1's orthogonal_initializer takes the singular vectors of a uniform [0, 1) matrix, whose
    mean makes the first one lie along (1, ..., 1); from TF 1.2 on it is the Q of a normal matrix's
    QR, so no vector is special. Measured on the first seed of every TF1 kernel of the seed stacks."""
    if not tf1_expected(env_name):
        pytest.skip("no TF1 route in this env (asserted unavailable above)")
    out, doc = default_run
    arrays = artifact.arrays(out)
    for name in SEEDS:
        for variable in doc["scenarios"][name]["routes"]["tf1"]["variables"]:
            value = arrays[name + "/tf1/" + variable]
            if value.ndim != 2:
                continue
            cosines = ones_cosines(value.astype(np.float64))
            if env_name == "tf11":
                assert cosines[0] > 0.9 > cosines[1:].max(), (variable, cosines[:3])
            else:
                assert cosines.max() < 0.9, (variable, cosines.max())


def test_tf1_variables_keep_their_names_and_blocks_are_canonical(default_run, env_name):
    """TF 1.1's gates/weights and gates/biases keep their names in the artifact and land in the same
    canonical blocks as TF 1.2+'s gates/kernel and gates/bias."""
    if not tf1_expected(env_name):
        pytest.skip("no TF1 route in this env (asserted unavailable above)")
    route = default_run[1]["scenarios"][SEED_GRU]["routes"]["tf1"]
    kernel, bias = kernel_name(env_name)
    leaves = sorted({name.rsplit("/", 1)[1] for name in route["variables"]})
    assert leaves == sorted([kernel, bias])
    expected = {
        f"l{layer}/{direction}/{gate}/{part}"
        for layer in (0, 1)
        for direction in ("fw", "bw")
        for gate in ("reset", "update", "candidate")
        for part in ("kernel", "recurrent", "bias")
    }
    assert set(route["blocks"]) == expected
    assert route["blocks"]["l0/fw/reset/bias"]["variable"].endswith("cell_0/gru_cell/gates/" + bias)


UNAVAILABLE_IN_TF11 = """
[[scenario]]
name = "cell-kernel-initializer"
cell = "gru"
units = 4
input_dim = 6
seeds = 2
[scenario.tf1]
cell_kwargs = {kernel_initializer = "orthogonal"}
[scenario.keras]
layer_kwargs = {reset_after = false}

[[scenario]]
name = "glorot-scope"
cell = "lstm"
units = 4
input_dim = 6
seeds = 2
[scenario.tf1]
scope_initializer = "glorot_normal"
[scenario.keras]
kernel_initializer = "lecun_normal"
"""


def test_options_tf11_lacks_are_unavailable_per_route_with_the_reason(tmp_path, env_name):
    """GRUCell(kernel_initializer=...), a glorot_normal scope, Keras reset_after and lecun_normal do not
    exist in TF 1.1: each route says so per scenario; every later env builds them."""
    if not tf1_expected(env_name):
        pytest.skip("no TF1 route in this env (asserted unavailable above)")
    scenarios, out = tmp_path / "options.toml", tmp_path / "options.json"
    scenarios.write_text(UNAVAILABLE_IN_TF11)
    assert worker.main(["--scenarios", str(scenarios), "--out", str(out), "--routes", "tf1,keras"]) == 0
    routes = {name: s["routes"] for name, s in artifact.load(out)["scenarios"].items()}
    statuses = {(name, route): entry["status"] for name, r in routes.items() for route, entry in r.items()}
    if env_name != "tf11":
        assert set(statuses.values()) == {"ok"}, routes
        return
    assert set(statuses.values()) == {"unavailable"}, routes
    reasons = {key: routes[key[0]][key[1]]["reason"] for key in statuses}
    assert "GRUCell of TensorFlow 1.1.0 takes no kernel_initializer" in reasons["cell-kernel-initializer", "tf1"]
    assert "GRU of tf.contrib.keras" in reasons["cell-kernel-initializer", "keras"]
    assert "takes no reset_after" in reasons["cell-kernel-initializer", "keras"]
    assert "TensorFlow 1.1.0 has no glorot_normal initializer" in reasons["glorot-scope", "tf1"]
    assert "lecun_normal" in reasons["glorot-scope", "keras"]


def test_defaults_fingerprints_show_the_shape_each_route_draws_over(default_run, env_name):
    """All defaults, GRU: TF1's gate kernel is glorot_uniform over (input_dim + units, 2 * units); Keras's
    kernel is glorot_uniform over (input_dim, 3 * units) and its recurrent kernel orthogonal."""
    scenario = default_run[1]["scenarios"]["defaults-gru"]
    units, input_dim = scenario["spec"]["units"], scenario["spec"]["input_dim"]
    keras = scenario["routes"]["keras"]["blocks"]
    assert keras["l0/fw/update/kernel"]["fingerprint"]["name"] == "glorot_uniform"
    assert keras["l0/fw/update/kernel"]["fingerprint"]["over_shape"] == [input_dim, 3 * units]
    assert keras["l0/fw/update/recurrent"]["fingerprint"]["name"] == "orthogonal"
    if tf1_expected(env_name):
        tf1 = scenario["routes"]["tf1"]["blocks"]
        for key in ("l0/fw/update/kernel", "l0/fw/reset/recurrent"):
            assert tf1[key]["fingerprint"]["name"] == "glorot_uniform", key
            assert tf1[key]["fingerprint"]["over_shape"] == [input_dim + units, 2 * units], key


TIED = """[[scenario]]
name = "tied"
cell = "lstm"
units = 8
input_dim = 8
layers = 2
seeds = 3
[scenario.keras]
kernel_initializer = { name = "orthogonal", seed = 1 }
recurrent_initializer = { name = "orthogonal", seed = 1 }
stacking = "layers"
"""
KERAS_2_AND_3 = ("tf215", "tf221", "tf221-legacy")


def test_one_seeded_keras_initializer_shared_by_two_layers_and_both_kernels(tmp_path, env_name):
    """``init = Orthogonal(seed=1)`` passed as kernel and recurrent initializer of two LSTM(8) layers over
    8 inputs: in Keras 2 and 3 every one of the four kernels starts as the same matrix, and every rerun
    (every seed of the scenario) starts the same. Other Kerases are measured, not asserted."""
    scenarios = tmp_path / "tied.toml"
    scenarios.write_text(TIED)
    out = tmp_path / "tied.json"
    assert worker.main(["--scenarios", str(scenarios), "--routes", "keras", "--out", str(out)]) == 0
    route = artifact.read(out).route("tied", "keras")
    if env_name not in KERAS_2_AND_3:
        assert route.status in ("ok", "unavailable"), route.reason
        return
    assert route.ok, route.reason
    arrays = artifact.arrays(out)
    kernels = {
        (v.layer, v.param): arrays["tied/keras/" + name]
        for name, v in route.variables.items()
        if v.param in ("kernel", "recurrent_kernel")
    }
    assert len(kernels) == 4
    first = kernels[(0, "kernel")]
    assert all(np.array_equal(first, value) for value in kernels.values())
    assert {len(b.stats.per_seed.distinct_stds()) for k, b in route.blocks.items() if "/bias" not in k} == {1}
