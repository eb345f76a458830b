"""The built-in suite across every env of the matrix, measured against TF 1.15's real TF1 route:

* the recipe (Keras layers initialized by init_like_tf1) is the same on every block in every env whose
  Keras has the cells it stacks; tf11's Keras 2.0 has none and reports the recipe unavailable (so do the
  k3 envs while their Keras recipe has no TensorFlow to draw with);
* k3-torch's PyTorch recipe (torch_recipe) is the same on every row of every LSTM scenario;
* TF 1.1's TF1 route (tf11) against TF 1.15's: every bias, recurrent, config and all-defaults row is
  the same; the orthogonal scope's kernels differ where TF 1.1's orthogonal_initializer puts its
  vector along (1, ..., 1) (SVD of a uniform [0, 1) matrix, not the QR of a normal one)."""

import pytest

from compare import artifact
from compare.host import diff, runner

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def matrix(tmp_path_factory):
    out = tmp_path_factory.mktemp("matrix")
    results = runner.run_matrix(runner.matrix(), out, None, parallel=2)
    for result in results:
        assert result.status == "ok", (result.env, result.reason, result.tail)
    return out, diff.diff_dir(out, "tf115:tf1")


def test_recipe_route_in_every_env_is_the_same_as_the_tf115_tf1_route(matrix, capsys):
    out, outcome = matrix
    recipe_rows = [r for r in outcome.rows if r.b.route == "recipe"]
    by_env = {}
    for row in recipe_rows:
        by_env.setdefault(row.b.env, []).append(row.verdict)
    with capsys.disabled():
        print(
            "\nrecipe vs tf115:tf1, rows per env (all must be same; tf11 has no recipe):",
            {env: "{} same of {}".format(v.count("same"), len(v)) for env, v in by_env.items()},
        )
    assert set(by_env) == set(runner.matrix())
    assert set(by_env.pop("tf11")) == {"missing"}
    tf11 = artifact.load(out / "tf11.json")["scenarios"]
    assert {s["routes"]["recipe"]["status"] for s in tf11.values()} == {"unavailable"}
    for env in [e for e in by_env if e.startswith("k3-")]:  # the Keras recipe draws with TensorFlow's initializers
        routes = artifact.load(out / f"{env}.json")["scenarios"]
        if {s["routes"]["recipe"]["status"] for s in routes.values()} == {"unavailable"}:
            assert set(by_env.pop(env)) == {"missing"}
    for env, verdicts in by_env.items():
        assert len(verdicts) > 100 and set(verdicts) == {"same"}, (
            env,
            [
                (r.scenario, r.block, [x.code for x in r.reasons])
                for r in recipe_rows
                if r.b.env == env and r.verdict != "same"
            ][:5],
        )


def test_pytorch_recipe_is_the_same_as_the_tf115_tf1_route_on_every_lstm_row(matrix, capsys):
    """k3-torch's torch_recipe (nn.LSTMCell stacks started by torch_like_tf1) against TF 1.15's TF1 route:
    every row of every LSTM scenario the same; every GRU scenario refused (TF1 resets before the matmul)."""
    out, outcome = matrix
    rows = [r for r in outcome.rows if (r.b.env, r.b.route) == ("k3-torch", "torch_recipe")]
    lstm = [r for r in rows if "lstm" in r.scenario]
    with capsys.disabled():
        print(
            "\ntorch_recipe vs tf115:tf1: {} same of {} LSTM rows".format(
                [r.verdict for r in lstm].count("same"), len(lstm)
            )
        )
    assert len(lstm) > 100 and {r.verdict for r in lstm} == {"same"}, [
        (r.scenario, r.block, [x.code for x in r.reasons]) for r in lstm if r.verdict != "same"
    ][:5]
    routes = artifact.load(out / "k3-torch.json")["scenarios"]
    assert {n for n, s in routes.items() if s["routes"]["torch_recipe"]["status"] == "unavailable"} == {
        r.scenario for r in rows if "gru" in r.scenario
    }


def test_tf11_tf1_route_differs_from_tf115_only_in_orthogonal_kernels(matrix, capsys):
    _, outcome = matrix
    rows = [r for r in outcome.rows if (r.b.env, r.b.route) == ("tf11", "tf1")]
    differing = [r for r in rows if r.verdict != "same"]
    with capsys.disabled():
        print(
            f"\ntf11:tf1 vs tf115:tf1: {len(rows) - len(differing)} same of {len(rows)} rows; differing: {sorted({(r.scenario, r.block) for r in differing})}"
        )
    assert len(rows) > 200 and differing
    for row in differing:
        assert row.scenario.startswith("seed-"), row.scenario  # the orthogonal scope, never the defaults
        assert row.block.endswith(("/kernel", "/recurrent")), row.block
        assert (
            {"distribution_mismatch"}
            <= {x.code for x in row.reasons}
            <= {"distribution_mismatch", "fingerprint_mismatch"}
        ), row.reasons
    seed_code_lstm = {r.block for r in differing if r.scenario == "seed-code-bilstm"}
    # In the seed code's wide layer-0 kernel (24, 64) TF 1.1's special vector is row 0, an input row of
    # every gate: each layer-0 input kernel block carries it.
    assert {f"l0/{d}/{g}/kernel" for d in ("fw", "bw") for g in ("input", "forget", "cell", "output")} <= seed_code_lstm
