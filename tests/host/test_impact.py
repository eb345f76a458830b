"""``rnncompare impact`` from the host: bad input refused in one line before any env starts; the impact path
end to end through the real envs on a tiny budget (draws exported by each env's worker, trained by the tf221
trainer, a verdict per finding in the report); and the null check: arms with the same starting distribution
and function come out ``no measurable effect`` in at least 95 % of repeated comparisons."""

import json
from pathlib import Path

import pytest

from compare.host.cli import main
from compare.host.impact import Budget, impact, parse_arm, task_spec
from compare.host.impact.stats import NO_EFFECT

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "impact"


@pytest.mark.parametrize(
    "args,start",
    [
        (["--arm", "tf221"], "error: arm 'tf221' is not [SCENARIO@]ENV:ROUTE"),
        (["--arm", "nope@tf221:keras", "--arm", "nope@tf221:recipe"], "error: no scenario named 'nope'"),
        (["--arm", "defaults-gru@tf221:keras"], "error: impact needs at least two arms"),
        (["--task", "npz", "--arm", "x@a:b", "--arm", "x@a:c"], "error: task npz needs --data FILE.npz"),
        (["--findings", "somewhere", "--arm", "x@a:b"], "error: --findings and --arm both given"),
    ],
)
def test_bad_input_is_one_line_and_exit_2_with_nothing_written(tmp_path, capsys, args, start):
    out = tmp_path / "out"
    assert main(["impact", *args, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(start), err
    assert not out.exists()


@pytest.mark.slow
def test_every_finding_of_a_run_gets_an_impact_verdict_in_its_report(tmp_path, capsys):
    """A tf221 run of one GRU scenario (Keras defaults vs the recipe's TF1-like start) has findings; impact
    --findings trains each finding's first pair for 30 steps and the rewritten report shows a verdict beside
    every run-wide finding, with the numbers in report.json and impact/impact.json."""
    scenarios = tmp_path / "s.toml"
    scenarios.write_text('[[scenario]]\nname = "g"\ncell = "gru"\nunits = 4\ninput_dim = 2\nseeds = 2\n')
    folder = tmp_path / "run"
    assert main(["run", "--scenarios", str(scenarios), "--envs", "tf221", "--out", str(folder), "-p", "1"]) in (0, 1)
    capsys.readouterr()
    code = main(
        [
            "impact",
            "--findings",
            str(folder),
            "--scenarios",
            str(scenarios),
            "--length",
            "5",
            "--steps",
            "30",
            "--eval-every",
            "10",
            "--seeds",
            "2",
            "-p",
            "1",
        ]  # fmt: skip
    )
    assert code == 0, capsys.readouterr()
    report = json.loads((folder / "report.json").read_text())
    ids = [f["id"] for f in report["summary"]]
    assert ids and sorted(report["impact"]) == sorted(ids)
    verdicts = {r["verdict"] for r in report["impact"].values()}
    assert verdicts <= {"matters", "no measurable effect at this budget", "inconclusive"}
    markdown = (folder / "report.md").read_text()
    assert markdown.count("Training impact: ") == len(ids)
    assert "Training impact:" in (folder / "report.html").read_text()
    document = json.loads((folder / "impact" / "impact.json").read_text())
    assert document["trainer"].startswith("Keras 3") and len(document["runs"]) == 2 * len(document["arms"])
    assert (folder / "impact" / "impact-curves.svg").read_text().startswith("<svg")


@pytest.mark.slow
def test_null_pairs_show_no_measurable_effect_in_at_least_95_percent_of_repeats(tmp_path):
    """The TF1 LSTMCell route and the recipe route (Keras started like TF1) in TF 2.15 draw different values
    from one distribution and compute one function: over 5 independent repeats of 20 paired seeds (adding
    problem of length 5, 200 steps), every comparison (at least 95 %) says no measurable effect."""
    arms = [parse_arm(a, "null-lstm") for a in ("tf215:tf1", "tf215:recipe")]
    budget = Budget(steps=200, batch=32, learning_rate=0.02, eval_every=50, test_size=256, seeds=20)
    done = impact(arms, task_spec("adding", 5), tmp_path, str(EXAMPLES / "null.toml"), budget, repeats=5, parallel=2)
    verdicts = [c.verdict for c in done.comparisons]
    assert len(verdicts) == 5
    assert verdicts.count(NO_EFFECT) >= 0.95 * len(verdicts), [c.reason for c in done.comparisons]
