"""Weights that overflow float32 (a constant 1e39) are measured in real TensorFlow, not crashed on:
every value counted as non-finite; Keras 3, which refuses the constant, is an honest one-line error.
"""

from tests.helpers.bad_input import scenario_file, toml


def test_worker_measures_inf_weights_in_real_tensorflow(tmp_path, env_name):
    from backends import worker
    from compare import artifact

    text = toml("[scenario.keras]\nkernel_initializer = { name = 'constant', value = 1e39 }\n")
    out = tmp_path / (env_name + ".json")
    assert worker.main(["--scenarios", scenario_file(tmp_path, text), "--routes", "keras", "--out", str(out)]) == 0
    entry = artifact.load(out)["scenarios"]["a"]["routes"]["keras"]
    if env_name == "tf221":  # Keras 3 refuses a float32 constant out of range: an honest error, one line
        assert entry["status"] == "error" and "out of range" in entry["reason"]
        return
    assert entry["status"] == "ok" and entry["nonfinite"] == 2 * 3 * 12  # seeds x kernel (input_dim, 3 units)
    assert sum(v["nonfinite"] for v in entry["variables"].values()) == 72
