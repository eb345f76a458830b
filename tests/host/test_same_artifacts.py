"""benchmarks.same_artifacts: what counts as the same measurement when old and new code are compared."""

import pytest

from benchmarks.same_artifacts import differences

OLD = {"stats": {"mean": 0.25, "std": 1.0, "sample": [1.0, 2.0]}}


def test_floats_within_the_tolerance_are_the_same_and_the_largest_gap_is_reported():
    """A relative gap of 1e-12 is within 1e-9: no difference, and 1e-12 is the gap reported."""
    new = {"stats": {"mean": 0.25 * (1 + 1e-12), "std": 1.0, "sample": [1.0, 2.0]}}
    found, worst = differences(OLD, new, 1e-9)
    assert found == [] and worst == pytest.approx(1e-12, rel=1e-3)


def test_a_float_beyond_the_tolerance_is_named_with_both_values():
    new = {"stats": {"mean": 0.25, "std": 1.001, "sample": [1.0, 2.0]}}
    found, _ = differences(OLD, new, 1e-9)
    assert found == ["/stats/std: 1.0 vs 1.001"]


def test_a_key_only_the_new_artifact_has_counts_unless_named_as_added():
    """orth_method, recorded by newer code only, is a difference until --added names it; a key the new
    artifact lost is a difference either way."""
    new = {"stats": dict(OLD["stats"], orth_method="gram")}
    assert len(differences(OLD, new, 1e-9)[0]) == 1
    assert differences(OLD, new, 1e-9, added={"orth_method"})[0] == []
    lost = {"stats": {"mean": 0.25, "std": 1.0}}
    assert differences(OLD, lost, 1e-9, added={"sample"})[0] == [
        "/stats: keys ['mean', 'std', 'sample'] vs ['mean', 'std']"
    ]
