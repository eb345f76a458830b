"""The worker in real TensorFlow (runs inside each tox TF env): statuses, shapes and values measured."""
import json

import numpy as np
import pytest

from backends import worker
from compare import artifact

pytestmark = pytest.mark.tf

SEED_GRU = "seed-bigru-orthogonal"


@pytest.fixture(scope="module")
def default_run(tmp_path_factory, env_name):
    out = tmp_path_factory.mktemp("artifacts") / (env_name + ".json")
    assert worker.main(["--out", str(out)]) == 0
    return out, artifact.load(out)


def tf1_expected(env_name):
    """Where the TF1 route can run: everywhere but Keras-3-only TF (tf221 without tf-keras)."""
    return env_name != "tf221"


def test_env_metadata_names_real_versions(default_run, env_name):
    env = default_run[1]["env"]
    assert env["name"] == env_name
    assert env["tensorflow"].startswith({"tf115": "1.15", "tf215": "2.15"}.get(env_name, "2.21"))
    assert set(env) >= {"python", "tensorflow", "keras", "numpy", "platform"}


def test_route_statuses_are_honest(default_run, env_name):
    """tf115 and tf221-legacy build both routes; tf221 reports TF1 unavailable with the remedy."""
    for name, scenario in default_run[1]["scenarios"].items():
        routes = scenario["routes"]
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
    kernels = [n for n in variables if n.endswith("cell_0/gru_cell/gates/kernel")]
    biases = [n for n in variables if n.endswith("gru_cell/gates/bias")]
    assert len(kernels) == 2 and len(biases) == 4  # fw and bw; two layers of biases each
    arrays = artifact.arrays(out)
    for name in kernels:
        assert variables[name]["shape"] == [input_dim + units, 2 * units]
        kernel = arrays[SEED_GRU + "/tf1/" + name].astype(np.float64)
        np.testing.assert_allclose(kernel.T @ kernel, np.eye(2 * units), atol=1e-5)
    for name in biases:
        assert variables[name]["stats"]["constant"] == 1.0


def test_keras_defaults_are_visible_in_the_built_config(default_run, env_name):
    """The built config shows reset_after and recurrent_activation as this Keras chose them."""
    cell = default_run[1]["scenarios"]["defaults-gru"]["routes"]["keras"]["config"]["cell"]
    expected = (False, "hard_sigmoid") if env_name == "tf115" else (True, "sigmoid")
    assert (cell["reset_after"], cell["recurrent_activation"]) == expected


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
    <= 1e-5, and is fingerprinted orthogonal over that variable's (input_dim + units, k * units) shape."""
    if not tf1_expected(env_name):
        pytest.skip("no TF1 route in this env (asserted unavailable above)")
    route = default_run[1]["scenarios"][SEED_GRU]["routes"]["tf1"]
    matrices = {k: b for k, b in route["blocks"].items() if k.endswith(("/kernel", "/recurrent"))}
    assert len(matrices) == 2 * 2 * 3 * 2  # layers x directions x gates x parts
    for key, block in matrices.items():
        variable = route["variables"][block["variable"]]
        assert block["stats"]["orth_err_variable"] <= 1e-5, key
        assert block["fingerprint"]["name"] == "orthogonal", (key, block["fingerprint"])
        assert block["fingerprint"]["over_shape"] == variable["shape"], key


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
