"""The impact verdicts (compare/host/impact/stats.py) on hand-made loss curves: each verdict comes out when
its definition says, with the effect's sign and interval computed from the curves."""

import numpy as np
from scipy import stats as scipy_stats

from compare.host.impact.stats import INCONCLUSIVE, MATTERS, NO_EFFECT, Curve, compare_arms, outcomes, paired

STEPS = (0, 50, 100)
TASK = {"threshold": 0.01, "trivial_loss": 0.1667, "budget": 100, "eval_every": 50}


def _runs(arm, finals, start=0.2):
    return [Curve(arm, s, STEPS, (start, (start + f) / 2, f)) for s, f in enumerate(finals)]


def test_outcomes_are_log_final_log_area_and_first_step_below_the_threshold():
    curve = Curve("a", 0, STEPS, (1.0, 0.001, 0.1))
    got = outcomes(curve, 0.01, 100, 50)
    assert got["final"] == -1.0 and got["steps"] == 50
    assert abs(got["auc"] - ((0 + -3) * 50 / 2 + (-3 + -1) * 50 / 2) / 100) < 1e-12
    assert outcomes(Curve("a", 0, STEPS, (1.0, 0.5, 0.1)), 0.01, 100, 50)["steps"] == 150  # never: censored


def test_paired_interval_and_p_are_the_t_interval_and_ttest_rel_of_the_differences():
    a, b = [1.0, 2.0, 3.0, 4.0], [1.5, 2.9, 3.2, 4.8]
    effect = paired("final", a, b, 0.05)
    diff = np.subtract(b, a)
    half = scipy_stats.t.ppf(0.975, 3) * diff.std(ddof=1) / 2
    assert abs(effect.mean - diff.mean()) < 1e-12 and abs(effect.high - effect.low - 2 * half) < 1e-12
    assert abs(effect.p_t - scipy_stats.ttest_rel(b, a).pvalue) < 1e-12


def test_an_arm_that_ends_ten_times_lower_on_every_seed_matters_in_its_favour():
    a = _runs("A", [0.05, 0.04, 0.06, 0.05, 0.045, 0.055])
    b = _runs("B", [0.005, 0.004, 0.006, 0.0052, 0.0044, 0.0058])
    c = compare_arms(a + b, "A", "B", range(6), TASK)
    assert c.verdict == MATTERS and "B better" in c.reason
    final = {e.outcome: e for e in c.effects}["final"]
    assert final.high < 0 and abs(final.mean + 1.0) < 0.05


def test_identical_runs_have_no_measurable_effect():
    finals = [0.005, 0.004, 0.006, 0.0052]
    c = compare_arms(_runs("A", finals) + _runs("B", finals), "A", "B", range(4), TASK)
    assert c.verdict == NO_EFFECT and all(e.mean == 0 for e in c.effects)


def test_two_arms_stuck_at_the_trivial_loss_are_inconclusive_not_no_effect():
    a, b = _runs("A", [0.166, 0.165, 0.167]), _runs("B", [0.1655, 0.166, 0.1665])
    c = compare_arms(a + b, "A", "B", range(3), TASK)
    assert c.verdict == INCONCLUSIVE and c.reason.startswith("neither arm learned")


def test_noisy_pairs_whose_interval_is_wider_than_the_margin_are_inconclusive():
    a = _runs("A", [0.001, 0.1, 0.002, 0.05])
    b = _runs("B", [0.08, 0.002, 0.06, 0.001])
    c = compare_arms(a + b, "A", "B", range(4), TASK)
    assert c.verdict == INCONCLUSIVE and "more seeds decide" in c.reason


def test_equal_differences_of_a_discrete_outcome_are_tested_by_wilcoxon_not_called_certain():
    """Five seeds each reaching the threshold one evaluation later: no spread for a t-test; Wilcoxon's exact
    p (2 / 2^5) is not below alpha / 3, so this is not `matters`."""
    effect = paired("steps", [50.0] * 5, [100.0] * 5, 0.05 / 3)
    assert effect.p_t == effect.p_wilcoxon == 0.0625 and (effect.low, effect.high) == (50.0, 50.0)
