"""The recipe, measured: Keras layers initialized by init_like_tf1 in tf221 (Keras 3) are the same as
TF 1.15's real TF1 route on every block of the default suite (and so in tf215 and tf221-legacy)."""
import pytest

from compare import diff, runner

pytestmark = [pytest.mark.host, pytest.mark.slow]


def test_recipe_route_in_every_env_is_the_same_as_the_tf115_tf1_route(tmp_path, capsys):
    results = runner.run_matrix(runner.matrix(), tmp_path, None, parallel=2)
    for result in results:
        assert result.status == "ok", (result.env, result.reason, result.tail)
    outcome = diff.diff_dir(tmp_path, "tf115:tf1")
    recipe_rows = [r for r in outcome.rows if r.b.route == "recipe"]
    by_env = {}
    for row in recipe_rows:
        by_env.setdefault(row.b.env, []).append(row.verdict)
    with capsys.disabled():
        print("\nrecipe vs tf115:tf1, rows per env (all must be same):",
              {env: "{} same of {}".format(v.count("same"), len(v)) for env, v in by_env.items()})
    assert set(by_env) == set(runner.matrix())
    for env, verdicts in by_env.items():
        assert len(verdicts) > 100 and set(verdicts) == {"same"}, (env, [
            (r.scenario, r.block, [x.code for x in r.reasons]) for r in recipe_rows
            if r.b.env == env and r.verdict != "same"][:5])
