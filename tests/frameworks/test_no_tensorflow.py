"""The worker in an env without TensorFlow (k3-jax, k3-torch: Keras 3 on another backend): it runs, says
why the TensorFlow routes cannot, and its artifact names the Keras backend and the frameworks installed.
Skipped, saying so, in the envs that have TensorFlow."""

import importlib.util
import os

import pytest

from backends import worker
from compare import artifact
from tests.helpers.bad_input import scenario_file, toml

NEEDS = "keras"
pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("tensorflow") is not None, reason="this env has TensorFlow: the other tests cover it"
)


@pytest.fixture(scope="module")
def run(tmp_path_factory, env_name):
    folder = tmp_path_factory.mktemp("no-tf")
    out = folder / (env_name + ".json")
    assert worker.main(["--scenarios", scenario_file(folder, toml()), "--out", str(out)]) == 0
    return artifact.read(out), artifact.load(out)


def test_the_tf1_route_is_unavailable_with_the_reason_and_nothing_crashes(run):
    """The TF1 route says this env has no TensorFlow; every route either ran or says why not, none errs."""
    routes = run[0].scenarios["a"].routes
    assert routes["tf1"].status == "unavailable"
    assert routes["tf1"].reason == (
        "the TF1 cells need TensorFlow: this env ({}) has no TensorFlow (use an env of the tf* matrix for it)".format(
            os.environ["RNNCOMPARE_ENV"]
        )
    )
    assert {r.status for r in routes.values()} <= {"ok", "unavailable"}


def test_env_names_the_keras_backend_and_the_installed_frameworks(run, env_name):
    """The env table: no TensorFlow, the Keras of the env on the backend tox set, and jax / flax / torch at
    the versions pip installed; the reader turns them into one text each."""
    from importlib import metadata  # Python 3.8+: the envs without TensorFlow, never TF 1.x's 3.6 and 3.7

    env, record = run[1]["env"], run[0].env
    assert env["name"] == env_name and env["tensorflow"] == ""
    assert env["keras"] == {
        "flavor": "keras3",
        "version": metadata.version("keras"),
        "backend": os.environ["KERAS_BACKEND"],
    }
    expected = {n: metadata.version(n) for n in ("jax", "flax", "torch") if importlib.util.find_spec(n)}
    assert expected and env["frameworks"] == expected
    assert record.keras == "keras3 {} on {}".format(metadata.version("keras"), os.environ["KERAS_BACKEND"])
    assert record.frameworks == ", ".join(f"{n} {v}" for n, v in sorted(expected.items()))
