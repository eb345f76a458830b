"""The benchmark's impact target (benchmarks/impact_part.py) judged on hand-made results: the wall time of the
suite's impact run against its limit, NOT RUN when the part was not asked for."""

from benchmarks.impact_part import IMPACT_SECONDS, impact_target

RESULT = {
    "findings": 12,
    "arms": 12,
    "runs": 48,
    "budget": {"steps": 300, "seeds": 4},
    "task": "adding-10",
    "verdicts": {"matters": 2, "inconclusive": 10},
}


def test_a_run_within_the_limit_passes_and_one_over_it_fails_with_its_figures():
    fast = impact_target(dict(RESULT, timing={"status": "ok", "seconds": IMPACT_SECONDS - 1}))
    slow = impact_target(dict(RESULT, timing={"status": "ok", "seconds": IMPACT_SECONDS + 1}))
    assert (fast.status, fast.ratio, slow.status) == ("PASS", IMPACT_SECONDS - 1, "FAIL")
    assert "12 findings, 12 arms, 48 runs of 300 steps (adding-10); 10 inconclusive, 2 matters" == fast.detail


def test_a_part_not_asked_for_is_not_run():
    assert impact_target(None).status == "NOT RUN"
